import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/paths';

const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('facegate serve listens on 127.0.0.1, serves the client, and stops cleanly on SIGTERM', async () => {
  const child = spawn(
    process.execPath,
    ['bin/facegate.js', 'serve', '--port', '0', '--json', '--db', path.join(dir, 'facegate.db')],
    { cwd: repoRoot, env: { ...process.env, FACEGATE_DATA_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', () => reject(new Error(`serve exited early: ${stderr}`)));
  });
  const { url, port } = JSON.parse(line) as { url: string; port: number };
  expect(url).toBe(`http://127.0.0.1:${port}/`);
  const client = await fetch(new URL('/facegate-client.js', url));
  expect(client.status).toBe(200);
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(stderr).toContain('SIGTERM');
});

it('says clearly when the port is taken', async () => {
  const { createServer } = await import('node:net');
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  const child = spawn(
    process.execPath,
    ['bin/facegate.js', 'serve', '--port', String(port), '--db', path.join(dir, 'b.db')],
    {
      cwd: repoRoot,
      env: { ...process.env, FACEGATE_DATA_DIR: dir },
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  blocker.close();
  expect(code).toBe(64);
  expect(stderr).toMatch(new RegExp(`port ${port}.*--port`));
});
