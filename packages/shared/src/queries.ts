/**
 * JSON Schemas for the query strings the API reads, one per route that takes parameters it
 * checks (ROUTES[name].query). The route mounter validates `req.query` against them before the
 * handler runs, as it does bodies; the OpenAPI document declares each parameter with its schema.
 *
 * Query values arrive as text: a parameter given twice arrives as a list and is refused, an empty
 * one counts as absent. `x-expected` says what a valid value is, for the 422's message
 * ("Query parameter "page" must be a whole number from 1."); an enum lists its values. Unknown parameters are ignored (cache
 * busters, a proxy's own), as they always were.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { AUDIT_EVENT_TYPES, AUDIT_MAX_PAGE_SIZE } from './audit.js';
import { USER_PAGE_SIZE_MAX, USER_SEARCH_MAX_LENGTH } from './routes.js';

export const UserSearchQuerySchema = {
  type: 'object',
  properties: {
    q: { type: 'string', maxLength: USER_SEARCH_MAX_LENGTH, 'x-expected': `at most ${USER_SEARCH_MAX_LENGTH} characters` },
    // Plain digits only (no sign, exponent or decimal point), at most nine of them.
    // per_page's pattern spells out USER_PAGE_SIZE_MAX (100), limit's AUDIT_MAX_PAGE_SIZE (200).
    page: { type: 'string', pattern: '^(?=[0-9]{1,9}$)0*[1-9][0-9]*$', 'x-expected': 'a whole number from 1' },
    per_page: {
      type: 'string',
      pattern: '^(?=[0-9]{1,9}$)0*(?:[1-9][0-9]?|100)$',
      'x-expected': `a whole number from 1 to ${USER_PAGE_SIZE_MAX}`,
    },
  },
} as const;

export const AuditEventQuerySchema = {
  type: 'object',
  properties: {
    user: {
      type: 'string',
      pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
      'x-expected': 'a user id (uuid)',
    },
    type: { type: 'string', enum: AUDIT_EVENT_TYPES },
    before: { type: 'string', pattern: '^[1-9][0-9]{0,18}$', 'x-expected': 'an event id (a positive whole number)' },
    limit: {
      type: 'string',
      pattern: '^(?=[0-9]{1,4}$)0*(?:[1-9][0-9]?|1[0-9][0-9]|200)$',
      'x-expected': `a whole number from 1 to ${AUDIT_MAX_PAGE_SIZE}`,
    },
  },
} as const;

export const ForwardAuthQuerySchema = {
  type: 'object',
  properties: {
    admin: { type: 'string', enum: ['true', 'false'], 'x-expected': '"true" or "false"' },
    group: { type: 'string' },
  },
} as const;

export const QUERY_SCHEMAS = {
  UserSearchQuery: UserSearchQuerySchema,
  AuditEventQuery: AuditEventQuerySchema,
  ForwardAuthQuery: ForwardAuthQuerySchema,
} as const;

export type QueryName = keyof typeof QUERY_SCHEMAS;

export type UserSearchQuery = FromSchema<typeof UserSearchQuerySchema>;
export type AuditEventQuery = FromSchema<typeof AuditEventQuerySchema>;
export type ForwardAuthQuery = FromSchema<typeof ForwardAuthQuerySchema>;

export interface QueryTypes {
  UserSearchQuery: UserSearchQuery;
  AuditEventQuery: AuditEventQuery;
  ForwardAuthQuery: ForwardAuthQuery;
}
