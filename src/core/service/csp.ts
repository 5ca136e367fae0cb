/**
 * The Content-Security-Policy the UI is served with, by the Electron app (app:// protocol) and by
 * the headless host (HTTP header). Scripts only from the app itself, no eval, no inline scripts;
 * no network but the app's own origin (and, for the headless host, its WebSocket).
 */
export interface CspOptions {
  /** Extra connect-src sources, e.g. the headless host's ws://127.0.0.1:PORT or a dev server. */
  connect?: string[];
  /** Extra script sources (the Vite dev server in development only). */
  scripts?: string[];
}

export function contentSecurityPolicy(options: CspOptions = {}): string {
  const directives: [string, string[]][] = [
    ['default-src', ["'none'"]],
    ['script-src', ["'self'", ...(options.scripts ?? [])]],
    // Svelte transitions and style: bindings write inline styles; scripts stay strict.
    ['style-src', ["'self'", "'unsafe-inline'"]],
    // Thumbnails and captured frames are shown through blob: and data: URLs.
    ['img-src', ["'self'", 'data:', 'blob:']],
    ['media-src', ["'self'", 'data:', 'blob:', 'mediastream:']],
    ['font-src', ["'self'", 'data:']],
    ['connect-src', ["'self'", ...(options.connect ?? [])]],
    ['worker-src', ["'self'", 'blob:']],
    ['manifest-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
  ];
  return directives.map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ');
}
