import { existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

const mimeTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.webm': 'video/webm',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeType(file: string): string {
  return mimeTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file under `root` a URL path names, or undefined when it escapes the root, is not a regular
 * file, or does not exist. Symbolic links are followed only while they stay inside the root (the
 * real path is checked), so a link planted in the folder cannot serve /etc or the database. "/"
 * and unknown paths without an extension are the app (index.html), so a reload on a client-side
 * route still works.
 */
export async function resolveStaticFile(root: string, urlPath: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0].split('#')[0]);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const rootResolved = path.resolve(root);
  const candidate = path.resolve(rootResolved, `.${path.posix.normalize(`/${decoded}`)}`);
  if (candidate !== rootResolved && !candidate.startsWith(rootResolved + path.sep)) return undefined;
  let realRoot: string;
  try {
    realRoot = await realpath(rootResolved);
  } catch {
    return undefined;
  }
  const fileInside = async (file: string): Promise<string | undefined> => {
    try {
      const real = await realpath(file);
      if (!real.startsWith(realRoot + path.sep)) return undefined;
      return (await stat(real)).isFile() ? real : undefined;
    } catch {
      return undefined;
    }
  };
  const found = await fileInside(candidate);
  if (found) return found;
  if (path.extname(decoded) === '') return fileInside(path.join(rootResolved, 'index.html'));
  return undefined;
}

/** index.html with the WebSocket client loaded first, so window.facegate exists before the app runs. */
export async function injectClient(indexFile: string, clientUrl: string): Promise<string> {
  const html = await readFile(indexFile, 'utf8');
  const tag = `<script src="${clientUrl}"></script>`;
  const head = html.search(/<head[^>]*>/i);
  if (head === -1) return `${tag}\n${html}`;
  const end = html.indexOf('>', head) + 1;
  return `${html.slice(0, end)}\n    ${tag}${html.slice(end)}`;
}

/** The first of the candidate paths that exists. */
export function firstExisting(candidates: string[]): string | undefined {
  return candidates.find((c) => existsSync(c));
}
