import { toErrorInfo } from '../errors';
import type { AnalyzerInfo } from '../face';
import { recognizerOf, type FaceEngine } from '../gallery/face-engine';
import type { Gallery } from '../gallery/gallery';
import { reembedGallery } from '../gallery/reembed';
import { RestartingInferenceHost, type InferenceHost, type LivenessInfo } from '../inference';
import type { Settings } from '../../shared/settings';
import type { EventBus } from './event-bus';

export type ModelState = 'loading' | 'ready' | 'error';

/** The recognition settings that need a reload when they change. */
function loadKey(settings: Settings): string {
  const { pack, providers, detThreshold } = settings.recognition;
  return JSON.stringify([pack, providers, detThreshold, settings.liveness.threshold]);
}

/**
 * The analyzer as the service sees it: loads it in the inference host from the settings, points
 * the gallery's index at its recognizer, re-embeds stored crops for a new recognizer (with
 * progress events), and reports its state. A host that dies is noticed; a restarting host
 * (RestartingInferenceHost) comes back by itself and the models are loaded into it again.
 */
export class ModelManager {
  state: ModelState = 'loading';
  info: AnalyzerInfo | null = null;
  liveness: LivenessInfo = {
    state: 'unavailable',
    models: [],
    threshold: null,
    secondOpinion: null,
    message: 'Models are loading.',
  };
  message: string | null = 'Loading the face models…';
  private loadedKey: string | null = null;
  private loading: Promise<void> | null = null;
  private jobs = 0;
  private lastSettings: Settings | null = null;
  /** How often the inference host was restarted after a crash since FaceGate started. */
  restarts = 0;

  constructor(
    private readonly host: InferenceHost,
    private readonly gallery: Gallery,
    private readonly bus: EventBus,
    private readonly options: {
      searchPath?: string[];
      threads?: number;
      /** Load the host with a detector thread (overlapped frames). */
      overlap?: boolean;
      onChange: () => void;
      log: (line: string) => void;
    },
  ) {
    if (host instanceof RestartingInferenceHost) {
      host.onRestart({
        crashed: (reason, delayMs, restarts) => {
          this.restarts = restarts;
          this.state = 'error';
          this.message =
            `The inference process stopped (${reason}); it restarts by itself in ${Math.ceil(delayMs / 1000)} s ` +
            `(restart ${restarts}). If it keeps happening, see the log.`;
          this.options.onChange();
        },
        restarted: () => {
          if (this.lastSettings) void this.apply(this.lastSettings, true);
        },
      });
    } else {
      host.onExit((reason) => {
        this.state = 'error';
        this.message = `The inference process stopped (${reason}). Restart FaceGate; if it keeps happening, see the log.`;
        this.options.onChange();
      });
    }
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  /** The inference host as the gallery's FaceEngine (re-embedding; enrolment goes through the service). */
  engine(): FaceEngine {
    const info = this.info;
    if (!info) throw new Error('no models loaded');
    return {
      info,
      analyze: () => Promise.reject(new Error('analyze through the inference host')),
      embedAligned: (crop) => this.host.embedAligned(crop),
    };
  }

  /** Loads when the relevant settings differ from what is loaded (or always with force). */
  apply(settings: Settings, force = false): Promise<void> {
    this.lastSettings = settings;
    const key = loadKey(settings);
    if (!force && key === this.loadedKey && this.state !== 'error') return this.loading ?? Promise.resolve();
    const run = (this.loading ?? Promise.resolve()).then(() => this.load(settings, key));
    this.loading = run.finally(() => {
      if (this.loading === run) this.loading = null;
    });
    return run;
  }

  private async load(settings: Settings, key: string): Promise<void> {
    const job = `models.load:${++this.jobs}`;
    this.state = 'loading';
    this.message = 'Loading the face models…';
    this.options.onChange();
    this.progress(job, 'models.load', 0, 1, 'Loading the face models', false);
    try {
      const loaded = await this.host.load({
        ...(settings.recognition.pack ? { pack: settings.recognition.pack } : {}),
        providers: settings.recognition.providers,
        detThreshold: settings.recognition.detThreshold,
        livenessThreshold: settings.liveness.threshold,
        ...(this.options.searchPath ? { searchPath: this.options.searchPath } : {}),
        ...(this.options.threads ? { threads: this.options.threads } : {}),
        ...(this.options.overlap ? { overlap: true } : {}),
      });
      this.info = loaded.info;
      this.liveness = loaded.liveness;
      this.loadedKey = key;
      const use = this.gallery.useModel(recognizerOf({ info: loaded.info }));
      this.progress(job, 'models.load', 1, 1, `Loaded pack ${loaded.info.pack}`, true);
      if (
        use.staleTemplates > 0 ||
        this.gallery.templates.needingEmbedding(recognizerOf({ info: loaded.info })).length > 0
      ) {
        await this.reembed();
      }
      this.state = 'ready';
      this.message =
        this.restarts > 0
          ? `Running again: the inference process was restarted ${this.restarts} time${this.restarts === 1 ? '' : 's'} after stopping (see the log).`
          : null;
      this.options.log(
        `models: pack ${loaded.info.pack} on ${loaded.info.models.map((m) => `${m.id}@${m.provider}`).join(', ')}; ` +
          `liveness ${loaded.liveness.state}`,
      );
    } catch (error) {
      this.state = 'error';
      this.message = toErrorInfo(error).message;
      this.progress(job, 'models.load', 0, 1, 'Loading the face models failed', true, this.message);
      this.options.log(`models: ${this.message}`);
    } finally {
      this.options.onChange();
    }
  }

  private async reembed(): Promise<void> {
    const job = `reembed:${++this.jobs}`;
    this.message = 'Re-embedding the gallery for the new recognition model…';
    this.options.onChange();
    const report = await reembedGallery(this.gallery, this.engine(), {
      actor: 'system',
      onProgress: (done, total) =>
        this.progress(job, 'reembed', done, total, `Re-embedding faces (${done} of ${total})`, false),
    });
    const problems = report.withoutCrop.length + report.failed.length;
    this.progress(
      job,
      'reembed',
      report.needed,
      report.needed,
      `Re-embedded ${report.embedded} of ${report.needed} faces` +
        (problems ? `; ${problems} need the person to enrol again` : ''),
      true,
      report.failed[0]?.message ?? null,
    );
  }

  private progress(
    job: string,
    kind: 'models.load' | 'reembed',
    done: number,
    total: number,
    message: string,
    finished: boolean,
    error: string | null = null,
  ): void {
    this.bus.emit('job.progress', { job, kind, done, total, finished, message, error });
  }
}
