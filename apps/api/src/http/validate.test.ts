import { describe, expect, it } from '@jest/globals';
import type { Request, Response } from 'express';
import {
  AUDIT_EVENT_TYPES,
  QUERY_SCHEMAS,
  ROUTE_DOCS,
  ROUTES,
  SCHEMAS,
  type QueryName,
  type RouteDoc,
  type RouteName,
  type SchemaName,
} from '@gatehouse/shared';
import { AppError } from './app-error.js';
import { compileRequestValidators, readQuery, validateQuery } from './validate.js';

describe('compileRequestValidators', () => {
  it('compiles every contract schema under strict mode (they compile lazily in the server)', () => {
    const validators = compileRequestValidators();
    const names = Object.keys(SCHEMAS) as SchemaName[];
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(typeof validators.body[name]).toBe('function');
    for (const name of Object.keys(QUERY_SCHEMAS) as QueryName[]) expect(typeof validators.query[name]).toBe('function');
  });

  it('compiles each schema once and reuses it', () => {
    const validators = compileRequestValidators();
    const [name] = Object.keys(SCHEMAS) as SchemaName[];
    expect(validators.body[name!]).toBe(validators.body[name!]);
  });
});

describe('validateQuery', () => {
  const validators = compileRequestValidators();

  /** Runs the route mounter's query check on a parsed query string: the checked query, or the 422. */
  function check(name: QueryName, query: Readonly<Record<string, string | readonly string[]>>): { query?: unknown; error?: AppError } {
    const res = { locals: {} } as Response;
    let passed = false;
    try {
      validateQuery(validators, name)({ query } as unknown as Request, res, () => {
        passed = true;
      });
    } catch (error) {
      return { error: error as AppError };
    }
    expect(passed).toBe(true);
    return { query: readQuery(res, name) };
  }

  it('passes what the schema allows, drops empty parameters and keeps unknown ones out of the way', () => {
    expect(check('UserSearchQuery', { q: ' ann ', page: '2', per_page: '100', _: '123' }).query).toEqual({
      q: ' ann ',
      page: '2',
      per_page: '100',
      _: '123',
    });
    expect(check('AuditEventQuery', { type: '', user: '', limit: '200' }).query).toEqual({ limit: '200' });
    expect(check('ForwardAuthQuery', { admin: 'true', group: 'a,b' }).query).toEqual({ admin: 'true', group: 'a,b' });
  });

  it.each([
    ['UserSearchQuery', { page: '0' }, 'page', 'must be a whole number from 1'],
    ['UserSearchQuery', { page: '1.5' }, 'page', 'must be a whole number from 1'],
    ['UserSearchQuery', { page: '1e3' }, 'page', 'must be a whole number from 1'],
    ['UserSearchQuery', { per_page: '101' }, 'per_page', 'must be a whole number from 1 to 100'],
    ['UserSearchQuery', { q: 'x'.repeat(201) }, 'q', 'must be at most 200 characters'],
    ['UserSearchQuery', { q: ['a', 'b'] }, 'q', 'must be given once, as plain text'],
    ['AuditEventQuery', { user: 'urn:uuid:6f1c2b9e-8d3a-4c1e-9b2a-1f0e3d4c5b6a' }, 'user', 'must be a user id (uuid)'],
    ['AuditEventQuery', { type: 'sign_in.bogus' }, 'type', `must be one of ${AUDIT_EVENT_TYPES.join(', ')}`],
    ['AuditEventQuery', { before: '-5' }, 'before', 'must be an event id (a positive whole number)'],
    ['AuditEventQuery', { limit: '201' }, 'limit', 'must be a whole number from 1 to 200'],
    ['ForwardAuthQuery', { admin: 'yes' }, 'admin', 'must be "true" or "false"'],
    ['ForwardAuthQuery', { group: ['a', 'b'] }, 'group', 'must be given once, as plain text'],
  ] as const)('%s %j: 422 naming %s', (name, query, field, message) => {
    const { error } = check(name, query);
    expect(error).toBeInstanceOf(AppError);
    expect(error?.code).toBe('VALIDATION_ERROR');
    expect(error?.options.fieldErrors).toEqual([{ field, message }]);
    expect(error?.userMessage).toBe(`Query parameter "${field}" ${message}.`);
  });

  it('reports every bad parameter at once, one problem each', () => {
    const { error } = check('UserSearchQuery', { q: ['a', 'b'], page: 'abc', per_page: '0' });
    expect(error?.options.fieldErrors?.map((e: { field: string }) => e.field)).toEqual(['q', 'page', 'per_page']);
  });

  it('every checked parameter is documented for the OpenAPI document, and every documented one is checked', () => {
    for (const [name, spec] of Object.entries(ROUTES) as [RouteName, (typeof ROUTES)[RouteName]][]) {
      if (!('query' in spec)) continue;
      const doc: RouteDoc = ROUTE_DOCS[name];
      const documented = (doc.query ?? []).map((param) => param.name).sort();
      expect([name, Object.keys(QUERY_SCHEMAS[spec.query].properties).sort()]).toEqual([name, documented]);
    }
  });
});
