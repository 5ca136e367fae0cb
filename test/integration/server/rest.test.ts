import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadlessHost, type HeadlessHost } from '../../../src/server/host';
import { callNames } from '../../../src/shared/contract';
import { skipWithout } from '../../helpers/fixtures';
import { hasSharedFaces, identityPhotos } from '../../helpers/paths';
import { startService, type Harness } from '../service/service-harness';

describe.skipIf(skipWithout('../shared/faces', hasSharedFaces))(
  'REST API with scoped keys on the headless host (needs ../shared/faces)',
  () => {
    let h: Harness;
    let host: HeadlessHost;
    const keys: Record<'attendance' | 'people' | 'door' | 'revoked', string> = {
      attendance: '',
      people: '',
      door: '',
      revoked: '',
    };

    const api = (path: string, init: RequestInit & { key?: string | null } = {}) => {
      const { key, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (key) headers.set('Authorization', `Bearer ${key}`);
      return fetch(new URL(path, host.url), { ...rest, headers });
    };
    const json = (body: unknown) => ({
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' },
    });
    const errorOf = async (response: Response) =>
      ((await response.json()) as { error: { code: string; message: string } }).error;

    beforeAll(async () => {
      h = await startService();
      host = await startHeadlessHost({ service: h.service, port: 0, rendererDir: h.dir });
      keys.attendance = (
        await h.call('apiKeys.create', { name: 'payroll', scopes: ['attendance:read'] })
      ).secret;
      keys.people = (await h.call('apiKeys.create', { name: 'hr', scopes: ['people:manage'] })).secret;
      keys.door = (await h.call('apiKeys.create', { name: 'visitors', scopes: ['door:open'] })).secret;
      const revoked = await h.call('apiKeys.create', {
        name: 'old',
        scopes: ['attendance:read', 'people:manage'],
      });
      await h.call('apiKeys.revoke', { id: revoked.key.id });
      keys.revoked = revoked.secret;
    });

    afterAll(async () => {
      await host?.close();
      await h?.close();
    });

    it('serves an OpenAPI 3.1 document generated from the contract, without a key', async () => {
      const response = await api('/api/openapi.json');
      expect(response.status).toBe(200);
      const doc = (await response.json()) as {
        openapi: string;
        paths: Record<
          string,
          Record<string, { operationId: string; requestBody?: unknown; parameters: { name: string }[] }>
        >;
        components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
      };
      expect(doc.openapi).toBe('3.1.0');
      const operations = Object.values(doc.paths).flatMap((p) => Object.values(p));
      expect(operations.length).toBeGreaterThanOrEqual(12);
      for (const op of operations) expect(callNames).toContain(op.operationId);
      // From the zod schemas: people.create's body has the contract's fields; events.query's filters.
      const create = doc.paths['/api/v1/people'].post.requestBody as {
        content: { 'application/json': { schema: { properties: Record<string, unknown> } } };
      };
      expect(Object.keys(create.content['application/json'].schema.properties).sort()).toEqual(
        ['active', 'employeeCode', 'group', 'name', 'notes'].sort(),
      );
      expect(doc.paths['/api/v1/events'].get.parameters.map((p) => p.name)).toEqual(
        expect.arrayContaining(['from', 'to', 'personId', 'kinds', 'limit', 'offset']),
      );
      expect(Object.keys(doc.components.schemas.Event.properties ?? {})).toContain('schema');
    });

    it('refuses a missing, wrong or revoked key with 401 and a key without the scope with 403', async () => {
      const missing = await api('/api/v1/events');
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toMatch(/Bearer/);
      expect((await errorOf(missing)).code).toBe('UNAUTHORIZED');

      const wrong = keys.attendance.slice(0, -4) + 'AAAA';
      expect((await api('/api/v1/events', { key: wrong })).status).toBe(401);
      expect((await api('/api/v1/events', { key: 'not-a-key' })).status).toBe(401);
      expect((await api('/api/v1/events', { key: keys.revoked })).status).toBe(401);

      expect((await api('/api/v1/events', { key: keys.attendance })).status).toBe(200);
      expect((await api('/api/v1/status', { key: keys.door })).status).toBe(200);
      const forbidden = await api('/api/v1/people', {
        key: keys.attendance,
        method: 'POST',
        ...json({ name: 'X' }),
      });
      expect(forbidden.status).toBe(403);
      expect((await errorOf(forbidden)).code).toBe('UNAUTHORIZED');
      expect((await api('/api/v1/door/open', { key: keys.people, method: 'POST' })).status).toBe(403);
      expect((await api('/api/v1/events', { key: keys.people })).status).toBe(403);
      // The key works in the X-API-Key header too.
      expect((await api('/api/v1/events', { headers: { 'X-API-Key': keys.attendance } })).status).toBe(200);
    });

    it('refuses requests from a foreign origin even with a valid key (a web page cannot drive it)', async () => {
      const foreign = await api('/api/v1/events', {
        key: keys.attendance,
        headers: { Origin: 'https://evil.example' },
      });
      expect(foreign.status).toBe(403);
      const own = await api('/api/v1/events', {
        key: keys.attendance,
        headers: { Origin: host.url.slice(0, -1) },
      });
      expect(own.status).toBe(200);
    });

    it('people: create, update, enrol from photo bytes, list, erase (the same service calls as the UI)', async () => {
      const created = await api('/api/v1/people', {
        key: keys.people,
        method: 'POST',
        ...json({ name: 'Grace Hopper', employeeCode: 'E-100', group: 'staff' }),
      });
      expect(created.status).toBe(200);
      const person = (await created.json()) as { id: number; name: string; active: boolean };
      expect(person).toMatchObject({ name: 'Grace Hopper', active: true });

      const patched = await api(`/api/v1/people/${person.id}`, {
        key: keys.people,
        method: 'PATCH',
        ...json({ active: false }),
      });
      expect(patched.status).toBe(200);
      expect(((await patched.json()) as { active: boolean }).active).toBe(false);

      const photo = identityPhotos()[0];
      const enrolled = await api(`/api/v1/people/${person.id}/photos?fileName=grace.jpg`, {
        key: keys.people,
        method: 'POST',
        headers: { 'Content-Type': 'image/jpeg' },
        body: readFileSync(photo.path),
      });
      expect(enrolled.status).toBe(200);
      expect(((await enrolled.json()) as { accepted: boolean }).accepted).toBe(true);

      const listed = await api('/api/v1/people?search=grace&limit=5', { key: keys.people });
      const list = (await listed.json()) as { people: { id: number; templates?: number }[]; total: number };
      expect(list.total).toBe(1);
      expect(list.people[0].id).toBe(person.id);

      const erased = await api(`/api/v1/people/${person.id}`, { key: keys.people, method: 'DELETE' });
      expect(erased.status).toBe(200);
      expect(((await erased.json()) as { templatesDeleted: number }).templatesDeleted).toBe(1);
      const gone = await api(`/api/v1/people/${person.id}`, { key: keys.people });
      expect(gone.status).toBe(404);
      expect((await errorOf(gone)).code).toBe('NOT_FOUND');
      // Audited under the key's name.
      const audit = await h.call('audit.query', {});
      expect(audit.entries.some((e) => e.actor.includes('api key "hr"'))).toBe(true);
    });

    it('attendance query and CSV export; the door answers DOOR (503) while it is disabled', async () => {
      const events = await api('/api/v1/events?kinds=check_in,check_out&limit=10', { key: keys.attendance });
      expect(events.status).toBe(200);
      expect((await events.json()) as { total: number }).toHaveProperty('total');
      const csv = await api('/api/v1/events.csv?bom=false', { key: keys.attendance });
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename=/);
      const door = await api('/api/v1/door/open', {
        key: keys.door,
        method: 'POST',
        ...json({ seconds: 2 }),
      });
      expect(door.status).toBe(503);
      expect((await errorOf(door)).code).toBe('DOOR');
    });

    it('bad input is a clear 4xx naming the problem, never a 500', async () => {
      const cases: [string, RequestInit & { key?: string }, number, string][] = [
        ['/api/v1/people', { key: keys.people, method: 'POST', ...json({}) }, 400, 'name'],
        [
          '/api/v1/people',
          { key: keys.people, method: 'POST', ...json({ name: 'A', shoeSize: 44 }) },
          400,
          'shoeSize',
        ],
        ['/api/v1/people', { key: keys.people, method: 'POST', ...json([1, 2]) }, 400, 'JSON object'],
        [
          '/api/v1/people',
          {
            key: keys.people,
            method: 'POST',
            body: '{"name":',
            headers: { 'Content-Type': 'application/json' },
          },
          400,
          'not valid JSON',
        ],
        [
          '/api/v1/people',
          { key: keys.people, method: 'POST', body: 'name=A', headers: { 'Content-Type': 'text/plain' } },
          415,
          'JSON',
        ],
        ['/api/v1/people/abc', { key: keys.people }, 400, 'id'],
        ['/api/v1/people/0', { key: keys.people }, 400, 'id'],
        ['/api/v1/people/99999', { key: keys.people }, 404, ''],
        ['/api/v1/people?limit=abc', { key: keys.people }, 400, 'limit'],
        ['/api/v1/people?active=maybe', { key: keys.people }, 400, 'active'],
        ['/api/v1/events?kinds=party', { key: keys.attendance }, 400, 'kinds'],
        ['/api/v1/events?from=yesterday', { key: keys.attendance }, 400, 'from'],
        ['/api/v1/reports/daily', { key: keys.attendance }, 400, 'from'],
        [
          '/api/v1/people/1/photos',
          { key: keys.people, method: 'POST', body: new Uint8Array(0) },
          400,
          'photo',
        ],
        [
          '/api/v1/people/1/photos',
          { key: keys.people, method: 'POST', body: 'not an image at all' },
          404,
          '',
        ],
        [
          '/api/v1/door/open',
          { key: keys.door, method: 'POST', ...json({ seconds: 'lots' }) },
          400,
          'seconds',
        ],
        ['/api/v1/nothing', { key: keys.people }, 404, 'route'],
        ['/api/v1/people', { key: keys.people, method: 'PUT' }, 405, 'POST'],
        ['/api/v1/people/%E0%A4%A', { key: keys.people }, 400, 'id'],
      ];
      for (const [path, init, status, words] of cases) {
        const response = await api(path, init);
        const error = await errorOf(response);
        expect({ path, status: response.status }).toEqual({ path, status });
        expect(error.message).toContain(words);
      }
      // A photo that is no image, for a person who exists: a refused enrolment is a result (as in
      // the contract), with a message for the caller, not a server error.
      const person = await h.call('people.create', { name: 'Photo Test' });
      const garbage = await api(`/api/v1/people/${person.id}/photos`, {
        key: keys.people,
        method: 'POST',
        body: 'not an image at all',
      });
      expect(garbage.status).toBeLessThan(500);
      const refused = (await garbage.json()) as {
        accepted?: boolean;
        message?: string;
        error?: { code: string };
      };
      expect(refused.accepted === false || refused.error?.code === 'IMAGE_UNREADABLE').toBe(true);
    });

    it('is off when integrations.restEnabled is false', async () => {
      await h.call('settings.set', { patch: { integrations: { restEnabled: false } } });
      expect((await api('/api/v1/status', { key: keys.door })).status).toBe(404);
      expect((await api('/api/openapi.json')).status).toBe(404);
      await h.call('settings.set', { patch: { integrations: { restEnabled: true } } });
      expect((await api('/api/v1/status', { key: keys.door })).status).toBe(200);
    });
  },
);
