import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { API_PREFIX, ROUTE_DOCS, ROUTES, SCHEMAS, type RouteDoc, type RouteName, type RouteSpec } from '@gatehouse/shared';
import { listMountedRoutes } from '../http/list-routes.js';
import { createTestContext, type TestContext } from '../test-support/test-context.js';

type Json = Record<string, unknown>;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}');

/** Every operation in the document as [method, path, operation]. */
function listOperations(doc: Json): Array<[string, string, Json]> {
  const paths = doc.paths as Record<string, Json>;
  return Object.entries(paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([key]) => (HTTP_METHODS as readonly string[]).includes(key))
      .map(([method, operation]): [string, string, Json] => [method, path, operation as Json]),
  );
}

/** Every `$ref` in a JSON value, with where it was found. */
function collectRefs(value: unknown, at = '#', out: Array<{ at: string; ref: unknown }> = []) {
  if (Array.isArray(value)) value.forEach((item, i) => collectRefs(item, `${at}/${i}`, out));
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref') out.push({ at, ref: child });
      else collectRefs(child, `${at}/${key}`, out);
    }
  }
  return out;
}

/** Resolves a local JSON pointer ("#/components/schemas/X") in the document; undefined if it leads nowhere. */
function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

describe('OpenAPI document', () => {
  let t: TestContext;
  let doc: Json;

  beforeAll(async () => {
    t = await createTestContext();
    const res = await request(t.app).get(`${API_PREFIX}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.body as Json;
  });
  afterAll(() => t.close());

  it('is an OpenAPI 3.1 document', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const info = doc.info as Json;
    expect(typeof info.title).toBe('string');
    expect(info.version).toBe(t.ctx.version);
    expect(doc.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(doc.paths as Json).length).toBeGreaterThan(10);
  });

  describe('listMountedRoutes', () => {
    it('finds every route of the app (a known number, so it cannot silently find none)', () => {
      const mounted = listMountedRoutes(t.app);
      expect(mounted.length).toBeGreaterThan(10);
      expect(mounted).toHaveLength(Object.keys(ROUTES).length);
      expect(mounted).toContainEqual({ method: 'GET', path: `${API_PREFIX}/users/:id` });
      expect(mounted).toContainEqual({ method: 'POST', path: `${API_PREFIX}/auth/jwt/login` });
      for (const route of mounted) expect(route.path.startsWith(`${API_PREFIX}/`)).toBe(true);
    });
  });

  it('documents exactly the routes the app mounts', () => {
    const mounted = new Set(listMountedRoutes(t.app).map((r) => `${r.method} ${toOpenApiPath(r.path)}`));
    const documented = new Set(listOperations(doc).map(([method, path]) => `${method.toUpperCase()} ${path}`));
    expect(mounted.size).toBeGreaterThan(10);
    const missingFromDocument = [...mounted].filter((route) => !documented.has(route)).sort();
    const notMounted = [...documented].filter((route) => !mounted.has(route)).sort();
    expect({ missingFromDocument, notMounted }).toEqual({ missingFromDocument: [], notMounted: [] });
  });

  it('gives every operation a unique operationId, a tag, responses and its path parameters', () => {
    const operations = listOperations(doc);
    const ids = operations.map(([, , op]) => op.operationId);
    expect(new Set(ids).size).toBe(operations.length);
    const tags = new Set(((doc.tags as Json[]) ?? []).map((tag) => tag.name));
    for (const [method, path, op] of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      expect({ where, hasId: typeof op.operationId === 'string' }).toEqual({ where, hasId: true });
      for (const tag of (op.tags as string[]) ?? []) expect({ where, tag, known: tags.has(tag) }).toEqual({ where, tag, known: true });
      const responses = op.responses as Record<string, Json> | undefined;
      expect({ where, count: Object.keys(responses ?? {}).length > 0 }).toEqual({ where, count: true });
      const statuses = Object.keys(responses!);
      // Exactly the successful answers the contract declares: its response, plus any alternatives
      // (a redirect, or 204 instead of 200).
      const spec: RouteSpec = ROUTES[op.operationId as RouteName];
      const doc: RouteDoc = ROUTE_DOCS[op.operationId as RouteName];
      const declared2xx3xx = [spec.response.status, ...(doc.otherResponses ?? []).map((other) => other.status)].map(String).sort();
      expect({ where, success: statuses.filter((s) => /^[23]\d\d$/.test(s)).sort() }).toEqual({ where, success: declared2xx3xx });
      for (const [status, response] of Object.entries(responses!)) {
        expect(status).toMatch(/^[1-5]\d\d$/);
        expect({ where, status, description: typeof response.description }).toEqual({ where, status, description: 'string' });
      }
      const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = ((op.parameters as Json[]) ?? []).filter((p) => p.in === 'path');
      expect({ where, params: declared.map((p) => p.name).sort() }).toEqual({ where, params: pathParams });
      for (const param of declared) expect(param.required).toBe(true);
    }
  });

  it('documents the errors every body-taking, signed-in or state-changing route can meet', () => {
    for (const [method, path, op] of listOperations(doc)) {
      const where = `${method.toUpperCase()} ${path}`;
      const statuses = Object.keys(op.responses as Json).sort();
      const expected: string[] = [];
      if (op.requestBody) expected.push('400', '413', '415', '422');
      if (!Array.isArray(op.security) || op.security.length > 0) expected.push('401');
      // The CSRF guard (Sec-Fetch-Site / Origin) runs on every state-changing request.
      if (method !== 'get') expected.push('403');
      expect({ where, statuses }).toEqual({ where, statuses: expect.arrayContaining(expected) });
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
        if (Number(status) < 400) continue;
        expect({ where, status, schema: (response.content as Json | undefined)?.['application/json'] }).toEqual({
          where,
          status,
          schema: { schema: { $ref: '#/components/schemas/ErrorResponse' } },
        });
      }
    }
  });

  it('resolves every $ref to a schema in components.schemas', () => {
    const refs = collectRefs(doc);
    expect(refs.length).toBeGreaterThan(10);
    for (const { at, ref } of refs) {
      expect({ at, ref: typeof ref === 'string' && ref.startsWith('#/components/schemas/') }).toEqual({ at, ref: true });
      const target = resolvePointer(doc, ref as string);
      expect({ at, ref, resolves: target !== null && typeof target === 'object' }).toEqual({ at, ref, resolves: true });
    }
  });

  it('names an existing schema for every request and response body', () => {
    const schemas = (doc.components as Json).schemas as Json;
    const names = new Set(Object.keys(schemas));
    expect([...names].sort()).toEqual(Object.keys(SCHEMAS).sort());
    let bodies = 0;
    for (const [method, path, op] of listOperations(doc)) {
      const where = `${method.toUpperCase()} ${path}`;
      const requestBody = op.requestBody as { content?: Record<string, Json> } | undefined;
      const contents: Array<Json | undefined> = [
        ...Object.values(requestBody?.content ?? {}),
        ...Object.values(op.responses as Record<string, { content?: Record<string, Json> }>).flatMap((r) => Object.values(r.content ?? {})),
      ];
      for (const content of contents) {
        const ref = (content?.schema as Json | undefined)?.$ref;
        expect({ where, ref: typeof ref }).toEqual({ where, ref: 'string' });
        const name = (ref as string).replace('#/components/schemas/', '');
        expect({ where, name, exists: names.has(name) }).toEqual({ where, name, exists: true });
        bodies += 1;
      }
    }
    expect(bodies).toBeGreaterThan(20);
    // The request bodies are the contract's: each route's body schema is the one ROUTES names.
    for (const [name, spec] of Object.entries(ROUTES)) {
      if (!('request' in spec)) continue;
      const op = (doc.paths as Record<string, Json>)[API_PREFIX + toOpenApiPath(spec.path)]![spec.method] as Json;
      const content = (op.requestBody as { content: Record<string, Json> }).content;
      expect({ name, types: Object.keys(content).sort() }).toEqual({ name, types: [...spec.request.contentTypes].sort() });
      for (const media of Object.values(content)) {
        expect(media.schema).toEqual({ $ref: `#/components/schemas/${spec.request.schema}` });
      }
    }
  });

  it('keeps component schemas free of embedded $id (nested named schemas are $refs)', () => {
    const schemas = (doc.components as Json).schemas as Json;
    const ids: string[] = [];
    const findIds = (value: unknown, at: string): void => {
      if (Array.isArray(value)) value.forEach((v, i) => findIds(v, `${at}/${i}`));
      else if (value !== null && typeof value === 'object') {
        for (const [key, child] of Object.entries(value)) {
          if (key === '$id') ids.push(at);
          else findIds(child, `${at}/${key}`);
        }
      }
    };
    findIds(schemas, '#/components/schemas');
    expect(ids).toEqual([]);
    expect((schemas.UserList as Json).items).toEqual({ $ref: '#/components/schemas/UserRead' });
  });
});
