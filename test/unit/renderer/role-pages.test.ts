import { describe, expect, it } from 'vitest';
import { pagesFor } from '../../../src/renderer/src/admin/role-pages';
import { adminPages } from '../../../src/renderer/src/lib/routes';

describe('admin pages by role', () => {
  it('an administrator sees every admin page, including ones added later (Integrations)', () => {
    expect([...pagesFor('administrator')].sort()).toEqual([...adminPages].sort());
    expect(pagesFor(undefined)).toContain('integrations');
  });

  it('a viewer and an enroller see only their pages', () => {
    expect(pagesFor('viewer')).not.toContain('integrations');
    expect(pagesFor('viewer')).not.toContain('door');
    expect(pagesFor('enroller')).toEqual(['people', 'import', 'security']);
  });
});
