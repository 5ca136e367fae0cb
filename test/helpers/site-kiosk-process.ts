import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { analyzeFile, FaceAnalyzer, requireMainFace } from '../../src/core/face';
import { recognizerOf } from '../../src/core/gallery/face-engine';
import { SiteStore } from '../../src/core/site';
import { facesDir, repoRoot, sharedModelsDir } from './paths';
import { Postgres } from './postgres';

const kioskScript = path.join(repoRoot, 'test/helpers/site-kiosk.ts');

/**
 * One kiosk of a site in a process of its own (test/helpers/site-kiosk.ts), driven by messages:
 * for the site tests (test/integration/site).
 */
export class Kiosk {
  private next = 1;
  private waiting = new Map<number, (body: Record<string, unknown>) => void>();
  child!: ChildProcess;

  constructor(
    readonly name: string,
    readonly file: string,
    readonly kioskId = randomUUID(),
  ) {}

  /** `exits`: the names of the site's exit kiosks (anti-passback); every other kiosk is an entry. */
  async start(
    url: string,
    model: { modelId: string; modelSha256: string },
    exits: string[] = [],
  ): Promise<void> {
    this.child = fork(kioskScript, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (raw) => {
      const body = raw as Record<string, unknown> & { id: number };
      this.waiting.get(body.id)?.(body);
      this.waiting.delete(body.id);
    });
    const ready = new Promise<Record<string, unknown>>((resolve) => this.waiting.set(0, resolve));
    this.child.send({
      op: 'start',
      file: this.file,
      url,
      kioskId: this.kioskId,
      name: this.name,
      door: `door-${this.name}`,
      model,
      exits,
    });
    const body = await ready;
    if (body.error) throw new Error(`kiosk ${this.name}: ${String(body.error)}`);
  }

  async call<T = Record<string, unknown>>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.next++;
    const answer = new Promise<Record<string, unknown>>((resolve) => this.waiting.set(id, resolve));
    this.child.send({ op, id, ...args });
    const body = await answer;
    if (body.error) throw new Error(`kiosk ${this.name} ${op}: ${String(body.error)}`);
    return body as T;
  }

  /** A face at this kiosk's door: recognised, the access rules with anti-passback, a grant recorded. */
  present(vector: Float32Array) {
    return this.call<{ personId: number | null; allowed: boolean; code: string | null }>('present', {
      vector: Array.from(vector),
    });
  }

  identify(vector: Float32Array) {
    return this.call<{ decision: string; personId: number | null }>('identify', {
      vector: Array.from(vector),
    });
  }

  status() {
    return this.call<{
      online: boolean;
      appliedSeq: number;
      outboxDepth: number;
      clockSkewMs: number | null;
    }>('status');
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.call('stop').catch(() => undefined);
    await exited;
  }
}

/**
 * The start of a site test: a throwaway PostgreSQL with the site's schema and name, the admin's
 * store on it, and the embeddings of some ../shared/faces photos from the real `open` pack (with
 * the model they come from, which the kiosks must use).
 */
export async function startSiteWithFaces(
  siteName: string,
  files: readonly string[],
): Promise<{
  pg: Postgres;
  admin: SiteStore;
  model: { modelId: string; modelSha256: string };
  emb: Record<string, Float32Array>;
}> {
  const pg = new Postgres();
  await pg.init();
  const admin = SiteStore.open(pg.url);
  await admin.migrate();
  await admin.ensureSite(siteName);
  const emb: Record<string, Float32Array> = {};
  const analyzer = await FaceAnalyzer.load({ pack: 'open', searchPath: [sharedModelsDir], threads: 1 });
  try {
    for (const file of files) {
      const full = path.join(facesDir, file);
      emb[file] = requireMainFace(
        (await analyzeFile(analyzer, full, { embed: 'main' })).result,
        full,
      ).embedding;
    }
    return { pg, admin, model: recognizerOf(analyzer), emb };
  } finally {
    await analyzer.release();
  }
}
