import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { FaceGateError, toErrorInfo } from '../core/errors';
import type { FaceGateService } from '../core/service/types';
import { contract, maxPhotoBytes } from '../shared/contract';
import type { ErrorCode } from '../shared/errors';
import { isAllowedOrigin } from './origin';
import { openApiDocument } from './openapi';
import { matchRoute, openApiPath, type RestRoute } from './rest-routes';

/** HTTP status per error code (the body carries the code itself, the same as the CLI's). */
const statusOf: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CONFLICT: 409,
  IMAGE_UNREADABLE: 422,
  NO_FACE: 422,
  QUALITY: 422,
  DOOR: 503,
  DATABASE: 503,
  PACK_NOT_FOUND: 503,
  MODEL_CHECKSUM: 503,
  MODEL_LOAD: 503,
  // A model download failed upstream (no REST route downloads today; the map stays exhaustive).
  DOWNLOAD: 502,
  INTERNAL: 500,
};

const maxJsonBytes = 1024 * 1024;

class HttpError extends FaceGateError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
  }
}

export interface RestContext {
  service: FaceGateService;
  /** The origins the host accepts (a browser request from any other origin is refused). */
  origins: () => ReadonlySet<string>;
  version: string;
  log: (line: string) => void;
}

const jsonHeaders = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...jsonHeaders, ...headers }).end(JSON.stringify(body));
}

/**
 * The REST API on the headless host (`/api/v1/...`, `/api/openapi.json`). Answers true when the
 * path was the API's. Every failure is a JSON `{ error: { code, message } }` with a 4xx status
 * for anything the caller can fix; a 500 means a bug.
 */
export async function handleRestRequest(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RestContext,
): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://host');
  } catch {
    return false;
  }
  if (!url.pathname.startsWith('/api/')) return false;
  try {
    // A web page elsewhere (a site the kiosk browser visits) must not drive the API with a key
    // it found: browser requests carry an Origin, and only the host's own are accepted.
    if (req.headers.origin !== undefined && !isAllowedOrigin(req.headers.origin, ctx.origins())) {
      throw new HttpError(403, 'UNAUTHORIZED', 'Requests from this origin are not accepted.');
    }
    const api = ctx.service.restApi();
    if (!api)
      throw new HttpError(
        404,
        'NOT_FOUND',
        'The REST API is switched off (settings: integrations.restEnabled).',
      );
    if (url.pathname === openApiPath) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(['GET', 'HEAD']);
      send(res, 200, openApiDocument(ctx.version));
      return true;
    }
    const found = matchRoute(req.method ?? 'GET', url.pathname);
    if (!found) throw new HttpError(404, 'NOT_FOUND', `There is no API route ${url.pathname}.`);
    if ('allowed' in found) throw methodNotAllowed(found.allowed);
    const { route, id } = found;

    const access = api(presentedKey(req));
    if (!access) {
      throw new HttpError(401, 'UNAUTHORIZED', 'A valid API key is needed (Authorization: Bearer fgk_...).', {
        'WWW-Authenticate': 'Bearer realm="facegate"',
      });
    }
    const input = await inputOf(req, url, route, id);
    try {
      const result = await ctx.service.call(route.call, input, access.session);
      if (route.csv) {
        const { fileName, csv } = result as { fileName: string; csv: string };
        res
          .writeHead(200, {
            'Content-Type': 'text/csv; charset=utf-8',
            'Content-Disposition': `attachment; filename="${fileName.replace(/[^\w.-]/g, '_')}"`,
            'Cache-Control': 'no-store',
          })
          .end(csv);
      } else send(res, 200, result);
    } finally {
      ctx.service.closeSession(access.session);
    }
  } catch (error) {
    const info = toErrorInfo(error);
    let status = error instanceof HttpError ? error.status : statusOf[info.code];
    // A key without the scope reaches the service's PIN check: forbidden, not unauthenticated.
    if (!(error instanceof HttpError) && info.code === 'UNAUTHORIZED') status = 403;
    if (status === 403 && !(error instanceof HttpError)) {
      info.message = 'This API key’s scopes do not allow this call.';
    }
    if (status >= 500) ctx.log(`rest: ${req.method} ${url.pathname}: ${info.message}`);
    send(res, status, { error: info }, error instanceof HttpError ? error.headers : {});
  }
  return true;
}

function methodNotAllowed(allowed: string[]): HttpError {
  return new HttpError(405, 'INVALID_INPUT', `Use ${allowed.join(' or ')} here.`, {
    Allow: allowed.join(', '),
  });
}

function presentedKey(req: IncomingMessage): string {
  const header = req.headers.authorization ?? '';
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1];
  const key = req.headers['x-api-key'];
  return typeof key === 'string' ? key : '';
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    throw new HttpError(413, 'INVALID_INPUT', `The request body is larger than ${limit} bytes.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit)
      throw new HttpError(413, 'INVALID_INPUT', `The request body is larger than ${limit} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The query's values typed after the call's input schema: numbers, booleans, comma-separated lists. */
function queryInput(url: URL, route: RestRoute, skip: readonly string[] = []): Record<string, unknown> {
  const schema = z.toJSONSchema(contract[route.call].input, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, { type?: string }>;
  };
  const properties = schema.properties ?? {};
  const input: Record<string, unknown> = {};
  for (const [key, value] of url.searchParams) {
    if (skip.includes(key)) continue;
    const type = properties[key]?.type;
    if (type === 'integer' || type === 'number') input[key] = value.trim() === '' ? value : Number(value);
    else if (type === 'boolean') input[key] = value === 'true' ? true : value === 'false' ? false : value;
    else if (type === 'array') input[key] = value.split(',').filter((v) => v !== '');
    else input[key] = value;
  }
  return input;
}

async function inputOf(
  req: IncomingMessage,
  url: URL,
  route: RestRoute,
  id: string | undefined,
): Promise<unknown> {
  const path: Record<string, unknown> = {};
  if (id !== undefined) path[route.pathKey ?? 'id'] = /^\d{1,15}$/.test(id) ? Number(id) : id;
  switch (route.input) {
    case 'none':
      return path;
    case 'query':
      return { ...queryInput(url, route), ...path };
    case 'photo': {
      const data = await readBody(req, maxPhotoBytes);
      const query = queryInput(url, route, ['data']);
      return {
        fileName: 'photo',
        ...query,
        ...path,
        data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      };
    }
    case 'json': {
      const raw = await readBody(req, maxJsonBytes);
      if (raw.length === 0) return path;
      const type = req.headers['content-type'] ?? '';
      if (!/^application\/json\b/i.test(type)) {
        throw new HttpError(415, 'INVALID_INPUT', 'Send the body as JSON (Content-Type: application/json).');
      }
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new HttpError(400, 'INVALID_INPUT', 'The request body is not valid JSON.');
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new HttpError(400, 'INVALID_INPUT', 'The request body must be a JSON object.');
      }
      return { ...body, ...path };
    }
  }
}
