import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeImage, resizeBilinear } from '../src/core/image';
import { createWorkerInferenceHost } from '../src/core/inference';
import { createFaceGateService } from '../src/core/service';
import { csvRows } from '../src/core/csv';
import { FaceGateError } from '../src/core/errors';
import { withSensorNoise } from './sensor-noise';
import type { BenchOptions, BenchReport, BenchRow, BenchSuite } from './suite';

type Rgba = { width: number; height: number; data: Uint8Array };

/** ../shared/datasets/lfw-dev, or FACEGATE_LFW_DEV. */
function lfwDir(): string {
  const dir =
    process.env.FACEGATE_LFW_DEV ?? path.resolve(process.cwd(), '..', 'shared', 'datasets', 'lfw-dev');
  try {
    readFileSync(path.join(dir, 'labels.csv'));
  } catch {
    throw new FaceGateError('INVALID_INPUT', `The tracking replay needs ${dir}/labels.csv (lfw-dev).`);
  }
  return dir;
}

/**
 * An LFW photo as a 640x480 camera frame: LFW is deep-funneled (every face at about the same place
 * of its 250x250 photo), so scaling each photo to 400x400 in the middle of a grey frame puts every
 * person's face in the same box: a swap from one photo to another is a person swap in place.
 */
async function lfwFrame(file: string): Promise<Rgba> {
  const photo = resizeBilinear(await decodeImage(readFileSync(file), file), 400, 400);
  const data = new Uint8Array(640 * 480 * 4).fill(128);
  for (let y = 0; y < 400; y++)
    for (let x = 0; x < 400; x++) {
      const s = (y * 400 + x) * 3;
      const d = ((y + 40) * 640 + x + 120) * 4;
      data.set(photo.data.subarray(s, s + 3), d);
      data[d + 3] = 255;
    }
  return { width: 640, height: 480, data };
}

interface Stream {
  name: string;
  segments: { label: string; frame: Rgba | null; frames: number }[];
}

interface Decision {
  frame: number;
  kind: string;
  person: string | null;
  reason: string | null;
}

/**
 * Replays the same streams through the whole service with track-then-recognise on and off (a
 * virtual clock at 30 fps, so the access policy's windows and cool-downs are the same in both) and
 * compares the decisions each stream produced.
 */
async function replay(
  streams: Stream[],
  enrol: { name: string; file: string }[],
  tracking: boolean,
  log: (line: string) => void,
): Promise<{ decisions: Decision[][]; embedFrames: number; frames: number; ms: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-bench-tracking-'));
  let clock = Date.parse('2026-01-05T09:00:00Z');
  const service = await createFaceGateService({
    inference: createWorkerInferenceHost(),
    databasePath: path.join(dir, 'facegate.db'),
    now: () => clock,
    tracking,
  });
  try {
    const admin = service.openSession('bench');
    await service.call('admin.setupPin', { pin: '246813' }, admin);
    await service.call('settings.set', { patch: { liveness: { requiredForDoor: false } } }, admin);
    for (const person of enrol) {
      const { id } = await service.call('people.create', { name: person.name }, admin);
      await service.call(
        'enrol.fromPhoto',
        { personId: id, fileName: path.basename(person.file), data: readFileSync(person.file) },
        admin,
      );
    }
    const decisions: Decision[][] = [];
    let embedFrames = 0;
    let frames = 0;
    let seed = 0;
    const started = performance.now();
    for (const [s, stream] of streams.entries()) {
      const kiosk = service.openSession(`kiosk-${s}`, { trustedKiosk: true });
      const seen: Decision[] = [];
      let index = 0;
      for (const segment of stream.segments) {
        for (let i = 0; i < segment.frames; i++, index++) {
          clock += 33;
          const base = segment.frame ?? { width: 640, height: 480, data: new Uint8Array(640 * 480 * 4) };
          const result = await service.call(
            'frames.submit',
            { ...base, data: withSensorNoise(base.data, ++seed), timestamp: index },
            kiosk,
          );
          if (result.status !== 'processed') throw new Error(`frame dropped: ${result.reason}`);
          frames++;
          if (result.timings.embed > 0.05) embedFrames++;
          if (result.decision)
            seen.push({
              frame: index,
              kind: result.decision.kind,
              person: result.decision.person?.name ?? null,
              reason: result.decision.reason,
            });
        }
      }
      service.closeSession(kiosk);
      decisions.push(seen);
      clock += 5000;
      log(
        `tracking ${tracking ? 'on' : 'off'}: ${stream.name}: ${seen.map((d) => `${d.kind}/${d.person}@${d.frame}`).join(' ')}`,
      );
    }
    return { decisions, embedFrames, frames, ms: performance.now() - started };
  } finally {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const trackingSuite: BenchSuite = {
  name: 'tracking',
  summary: 'Track, then recognise changes no decision: lfw-dev streams with swaps, tracking on vs off',
  async run(options: BenchOptions): Promise<BenchReport> {
    const dir = lfwDir();
    const [header, ...rows] = csvRows(readFileSync(path.join(dir, 'labels.csv'), 'utf8'));
    const col = (n: string) => header.fields.indexOf(n);
    const photos = rows.map(({ fields }) => ({
      file: path.join(dir, fields[col('file')]),
      identity: fields[col('identity')],
      subset: fields[col('subset')],
    }));
    const byPerson = new Map<string, string[]>();
    for (const p of photos.filter((p) => p.subset === 'identification'))
      byPerson.set(p.identity, [...(byPerson.get(p.identity) ?? []), p.file].sort());
    const count = Math.max(2, Math.min(24, options.iterations));
    const people = [...byPerson.entries()].slice(0, count * 2);
    const strangers = photos.filter((p) => p.subset === 'stranger').slice(0, count);
    const enrol = people.map(([name, files]) => ({ name, file: files[0] }));
    const streams: Stream[] = [];
    for (let i = 0; i < count; i++) {
      const [a, b] = [people[2 * i], people[2 * i + 1]];
      streams.push({
        name: `${a[0]} -> ${b[0]} -> away -> stranger`,
        segments: [
          { label: a[0], frame: await lfwFrame(a[1][1]), frames: 15 },
          // Swapped in the same place, within the cool-down of a's decision.
          { label: b[0], frame: await lfwFrame(b[1][1]), frames: 20 },
          { label: 'away', frame: null, frames: 60 },
          { label: 'stranger', frame: await lfwFrame(strangers[i].file), frames: 15 },
        ],
      });
    }
    const off = await replay(streams, enrol, false, options.log);
    const on = await replay(streams, enrol, true, options.log);
    const key = (d: Decision) => `${d.kind}|${d.person}|${d.reason}`;
    let same = 0;
    const differences: unknown[] = [];
    const delays: number[] = [];
    streams.forEach((stream, s) => {
      const a = off.decisions[s];
      const b = on.decisions[s];
      if (a.map(key).join(',') === b.map(key).join(',')) {
        same++;
        a.forEach((d, i) => delays.push(b[i].frame - d.frame));
      } else differences.push({ stream: stream.name, off: a, on: b });
    });
    const total = off.decisions.reduce((n, d) => n + d.length, 0);
    const rowFor = (label: string, r: typeof on): BenchRow => ({
      tracking: label,
      streams: streams.length,
      decisions: r.decisions.reduce((n, d) => n + d.length, 0),
      frames: r.frames,
      'frames embedding': r.embedFrames,
      'ms total': Math.round(r.ms),
    });
    return {
      suite: 'tracking',
      rows: [rowFor('off (every frame)', off), rowFor('on (per track)', on)],
      notes: [
        `Streams with the same decisions (kind, person, reason, in order): ${same} of ${streams.length} (${total} decisions with tracking off).`,
        `Frame delay of a decision with tracking on minus off: ${delays.length ? `min ${Math.min(...delays)}, max ${Math.max(...delays)}, sum ${delays.reduce((x, y) => x + y, 0)}` : 'none'}.`,
        'Each stream: person A (their 2nd lfw-dev photo) 15 frames, person B swapped in the same place 20 frames, 60 empty frames, a stranger 15 frames; virtual clock at 30 fps; liveness runs but is not required (LFW photos are photos).',
        ...differences.map((d) => `DIFFERENT: ${JSON.stringify(d)}`),
      ],
      details: { off: off.decisions, on: on.decisions, differences },
    };
  },
};
