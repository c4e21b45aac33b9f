import {
  API_PREFIX,
  ERROR_STATUS,
  ROUTE_DOCS,
  QUERY_SCHEMAS,
  ROUTES,
  SCHEMAS,
  SESSION_COOKIE,
  type ErrorCode,
  type RouteDoc,
  type RouteName,
  type RouteSpec,
} from '@gatehouse/shared';

type JsonObject = Record<string, unknown>;

/**
 * Drops `$id` so the schemas sit under components.schemas and are referenced by name. A named
 * schema embedded in another (UserList's items are UserRead) becomes a `$ref` to it: left inline,
 * its `$id` would repeat the same identifier several times in one document.
 */
function toComponentSchema(schema: JsonObject): JsonObject {
  const { $id: _id, ...rest } = schema;
  return replaceEmbeddedSchemas(rest) as JsonObject;
}

function replaceEmbeddedSchemas(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(replaceEmbeddedSchemas);
  if (value === null || typeof value !== 'object') return value;
  const id = (value as JsonObject).$id;
  if (typeof id === 'string' && Object.hasOwn(SCHEMAS, id)) return schemaRef(id);
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, replaceEmbeddedSchemas(child)]));
}

function schemaRef(name: string): JsonObject {
  return { $ref: `#/components/schemas/${name}` };
}

function toOpenApiPath(path: string): string {
  return API_PREFIX + path.replace(/:([A-Za-z_]+)/g, '{$1}');
}

function buildErrorResponses(errors: readonly ErrorCode[]): JsonObject {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errors) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  // Every body-taking route can also meet these, from the body parser.
  return Object.fromEntries(
    [...byStatus.entries()].map(([status, codes]) => [
      String(status),
      {
        description: `Error: ${codes.join(', ')}`,
        content: { 'application/json': { schema: schemaRef('ErrorResponse') } },
      },
    ]),
  );
}

function buildOperation(name: RouteName, spec: RouteSpec): JsonObject {
  const doc: RouteDoc = ROUTE_DOCS[name];
  const parameters: JsonObject[] = [...spec.path.matchAll(/:([A-Za-z_]+)/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    // Ids are uuids; other parameters (an OIDC provider's name) are plain, case-sensitive strings.
    schema: match[1] === 'id' ? { type: 'string', format: 'uuid' } : { type: 'string' },
  }));
  // A route whose query the mounter checks declares each parameter with its schema (queries.ts).
  const checked: Readonly<Record<string, JsonObject>> = spec.query ? QUERY_SCHEMAS[spec.query].properties : {};
  for (const param of doc.query ?? []) {
    const schema = checked[param.name] ?? (param.isRepeatable ? { type: 'array', items: { type: 'string' } } : { type: 'string' });
    parameters.push({ name: param.name, in: 'query', required: false, description: param.description, schema });
  }
  const errors: ErrorCode[] = [...doc.errors];
  if (spec.request) errors.push('MALFORMED_BODY', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE');
  // The CSRF guard checks Origin/Sec-Fetch-Site on every state-changing request, bearer ones too.
  if (spec.method !== 'get') errors.push('CSRF_FAILED');
  // Every signed-in route but the few an account awaiting approval may call (http/mount-route.ts).
  if (spec.auth !== 'none' && spec.allowPending !== true) errors.push('ACCOUNT_PENDING_APPROVAL');
  // Likewise for a session that must add a second factor first ([auth] second_factor).
  if (spec.auth !== 'none' && spec.allowEnrolment !== true) errors.push('SECOND_FACTOR_ENROLMENT_REQUIRED');
  // An API key where none is taken, or of too small a scope (http/auth-guard.ts).
  if (spec.auth !== 'none' && spec.apiKey === undefined) errors.push('API_KEY_NOT_ALLOWED');
  if (spec.apiKey === 'write') errors.push('API_KEY_SCOPE_WRITE_REQUIRED');
  if (spec.apiKey === 'admin') errors.push('API_KEY_SCOPE_ADMIN_REQUIRED');
  const success: JsonObject = { description: doc.response };
  if (spec.response.schema) {
    success.content = { 'application/json': { schema: schemaRef(spec.response.schema) } };
  }
  return {
    operationId: name,
    summary: doc.summary,
    tags: [doc.tag],
    ...(parameters.length > 0 ? { parameters } : {}),
    // Signed-in routes: a session (the document's default), and where the route table allows it an
    // API key of at least the scope named (OpenAPI 3.1 lets a non-OAuth scheme list roles).
    ...(spec.auth === 'none' ? { security: [] } : spec.apiKey ? { security: [{ bearer: [] }, { cookie: [] }, { apiKey: [spec.apiKey] }] } : {}),
    ...(spec.auth === 'none' ? {} : { 'x-api-key-scope': spec.apiKey ?? null }),
    ...(spec.request
      ? {
          requestBody: {
            required: true,
            content: Object.fromEntries(spec.request.contentTypes.map((type) => [type, { schema: schemaRef(spec.request!.schema) }])),
          },
        }
      : {}),
    responses: {
      [String(spec.response.status)]: success,
      ...Object.fromEntries(
        (doc.otherResponses ?? []).map((other) => [
          String(other.status),
          {
            description: other.description,
            ...(other.schema ? { content: { 'application/json': { schema: schemaRef(other.schema) } } } : {}),
          },
        ]),
      ),
      ...buildErrorResponses([...new Set(errors)]),
    },
  };
}

/** The OpenAPI 3.1 document, built from the same ROUTES and SCHEMAS the API mounts and validates with. */
export function buildOpenApiDocument(version: string): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const [name, spec] of Object.entries(ROUTES) as [RouteName, RouteSpec][]) {
    const path = toOpenApiPath(spec.path);
    paths[path] = { ...(paths[path] ?? {}), [spec.method]: buildOperation(name, spec) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gatehouse',
      version,
      description:
        'Accounts and sign-in for a self-hosted media server. Paths and error codes follow ' +
        "MediaManager's (fastapi-users) API. State-changing requests from a browser must come from " +
        'frontend_url or a cors_urls origin (Origin / Sec-Fetch-Site); a cookie-authenticated one without ' +
        'either header must send X-CSRF-Token (value of the gatehouse_csrf cookie).',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { cookie: [] }],
    tags: [{ name: 'auth' }, { name: 'users' }, { name: 'system' }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(SCHEMAS).map(([name, schema]) => [name, toComponentSchema(schema as JsonObject)])),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        cookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'gh_<key id>_<secret>',
          description:
            'An API key (account page, or `gatehouse keys create`), as `Authorization: Bearer gh_…`. Each operation names the least ' +
            'scope it needs (read < write < admin) in its security requirement and in `x-api-key-scope`; null: no API key.',
        },
      },
    },
  };
}
