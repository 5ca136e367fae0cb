import { expect, it } from 'vitest';

// src/shared/access imports from the contract; the contract must not import it back at run time.
it('loads the shared modules in any order without an import cycle', async () => {
  const access = await import('../../../src/shared/access');
  const contract = await import('../../../src/shared/contract');
  const events = await import('../../../src/shared/events');
  expect(access.policyDecisionKinds).toContain('pending');
  expect(contract.callNames.length).toBeGreaterThan(20);
  expect(events.eventNames).toContain('door.state');
});
