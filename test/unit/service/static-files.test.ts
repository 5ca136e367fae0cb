import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { injectClient, resolveStaticFile } from '../../../src/core/service/static-files';

const root = mkdtempSync(path.join(os.tmpdir(), 'facegate-static-'));
mkdirSync(path.join(root, 'assets'));
writeFileSync(
  path.join(root, 'index.html'),
  '<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>',
);
writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
const outside = path.join(path.dirname(root), `${path.basename(root)}-secret.txt`);
writeFileSync(outside, 'secret');
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { force: true });
});

describe('static files', () => {
  it('serves no symbolic link that leads out of the root (issue 13), only ones that stay inside', async () => {
    symlinkSync(outside, path.join(root, 'assets', 'linked.txt'));
    symlinkSync(path.dirname(root), path.join(root, 'assets', 'up'));
    symlinkSync(path.join(root, 'assets', 'app.js'), path.join(root, 'assets', 'alias.js'));
    expect(await resolveStaticFile(root, '/assets/linked.txt')).toBeUndefined();
    expect(await resolveStaticFile(root, `/assets/up/${path.basename(outside)}`)).toBeUndefined();
    expect(await resolveStaticFile(root, '/assets/alias.js')).toBe(path.join(root, 'assets', 'app.js'));
  });

  it('serves files under the root and the app for routes', async () => {
    expect(await resolveStaticFile(root, '/assets/app.js')).toBe(path.join(root, 'assets', 'app.js'));
    expect(await resolveStaticFile(root, '/')).toBe(path.join(root, 'index.html'));
    expect(await resolveStaticFile(root, '/admin/people')).toBe(path.join(root, 'index.html'));
    expect(await resolveStaticFile(root, '/assets/missing.js')).toBeUndefined();
  });

  it('never leaves the root, however the path is spelt', async () => {
    const name = `${path.basename(root)}-secret.txt`;
    for (const p of [
      `/../${name}`,
      `/%2e%2e/${name}`,
      `/assets/../../${name}`,
      `/..%2f${name}`,
      '/%00',
      '/%zz',
    ]) {
      const file = await resolveStaticFile(root, p);
      expect(file === undefined || file === path.join(root, 'index.html'), p).toBe(true);
    }
  });

  it('loads the WebSocket client before anything else in the page', async () => {
    const html = await injectClient(path.join(root, 'index.html'), '/facegate-client.js');
    expect(html.indexOf('<script src="/facegate-client.js"></script>')).toBeGreaterThan(
      html.indexOf('<head>'),
    );
    expect(html.indexOf('/facegate-client.js')).toBeLessThan(html.indexOf('<meta'));
  });
});
