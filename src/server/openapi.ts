import { z } from 'zod';
import { contract } from '../shared/contract';
import { errorCodes } from '../shared/errors';
import { apiScopes, integrationEventSchema } from '../shared/integrations';
import { scopeFor } from '../core/integrations/grants';
import { restPrefix, restRoutes, type RestRoute } from './rest-routes';

type JsonSchema = Record<string, unknown>;

/** A zod schema as JSON Schema 2020-12 (what OpenAPI 3.1 uses), without the $schema line. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    // Binary data (bytesSchema) has no JSON form; photo bytes travel as the raw request body.
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

const errorBody: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: [...errorCodes] },
        message: { type: 'string' },
        details: { type: 'object' },
      },
    },
  },
};

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

function operation(route: RestRoute): JsonSchema {
  const spec = contract[route.call];
  const input = jsonSchema(spec.input, 'input');
  const properties = (input.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((input.required ?? []) as string[]);
  const pathKey = route.pathKey ?? 'id';
  const parameters: JsonSchema[] = [];
  if (route.path.includes('{id}')) {
    parameters.push({
      name: 'id',
      in: 'path',
      required: true,
      schema: properties[pathKey] ?? { type: 'integer' },
    });
  }
  const rest = Object.entries(properties).filter(
    ([key]) => !(route.path.includes('{id}') && key === pathKey),
  );
  const op: JsonSchema = {
    operationId: route.call,
    summary: spec.summary,
    tags: [route.call.split('.')[0]],
    parameters,
  };
  if (route.input === 'query') {
    for (const [name, schema] of rest) {
      parameters.push({
        name,
        in: 'query',
        required: required.has(name),
        // Arrays are written comma-separated (kinds=check_in,check_out).
        ...(schema.type === 'array' ? { style: 'form', explode: false } : {}),
        schema,
      });
    }
  } else if (route.input === 'json') {
    op.requestBody = {
      required: required.size > (route.path.includes('{id}') ? 1 : 0),
      content: {
        'application/json': {
          schema: {
            ...input,
            properties: Object.fromEntries(rest),
            required: [...required].filter((k) => k !== pathKey),
          },
        },
      },
    };
  } else if (route.input === 'photo') {
    for (const [name, schema] of rest.filter(([key]) => key !== 'data')) {
      parameters.push({ name, in: 'query', required: false, schema });
    }
    op.requestBody = {
      required: true,
      description: 'The photo file itself (JPEG, PNG or WebP bytes).',
      content: {
        'image/jpeg': { schema: { type: 'string', contentMediaType: 'image/jpeg' } },
        'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } },
        'image/webp': { schema: { type: 'string', contentMediaType: 'image/webp' } },
        'application/octet-stream': {
          schema: { type: 'string', contentMediaType: 'application/octet-stream' },
        },
      },
    };
  }
  const scope = scopeFor(route.call);
  op.security = [{ apiKey: scope ? [scope] : [] }];
  op.description = scope ? `Needs an API key with the \`${scope}\` scope.` : 'Needs any valid API key.';
  op.responses = {
    '200': route.csv
      ? { description: 'CSV (UTF-8)', content: { 'text/csv': { schema: { type: 'string' } } } }
      : {
          description: 'The call’s result.',
          content: { 'application/json': { schema: jsonSchema(spec.output, 'output') } },
        },
    '400': errorResponse('INVALID_INPUT: the input failed validation (the message names the fields).'),
    '401': errorResponse('UNAUTHORIZED: no API key, or not a live one.'),
    '403': errorResponse('UNAUTHORIZED: the key lacks the scope, or the request came from a foreign origin.'),
    '404': errorResponse('NOT_FOUND'),
    '409': errorResponse('CONFLICT'),
    '422': errorResponse('IMAGE_UNREADABLE, NO_FACE or QUALITY'),
    '503': errorResponse('DOOR, DATABASE or MODEL_LOAD: a part FaceGate needs is not available.'),
  };
  return op;
}

/** The OpenAPI 3.1 document of the REST API, built from the route table and the contract. */
export function openApiDocument(version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of restRoutes) {
    const key = `${restPrefix}${route.path}`;
    paths[key] ??= {};
    paths[key][route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'FaceGate REST API',
      version,
      description:
        'People, enrolment from photos, attendance, the door and the status, for other systems (HR, payroll, visitors). Every route is one call of FaceGate’s contract; see docs/integrations.md.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: `An API key created in admin (Integrations). Scopes: ${apiScopes.join(', ')}.`,
        },
      },
      schemas: {
        Error: errorBody,
        /** The body of every webhook and the payload on MQTT's events topic. */
        Event: jsonSchema(integrationEventSchema, 'output'),
      },
    },
  };
}
