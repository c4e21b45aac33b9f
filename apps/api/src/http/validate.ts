import type { RequestHandler, Response } from 'express';
import { Ajv2020, addFormats, type ErrorObject, type ValidateFunction } from '../ajv.js';
import { QUERY_SCHEMAS, SCHEMAS, type FieldError, type QueryName, type QueryTypes, type SchemaName } from '@gatehouse/shared';
import { AppError } from './app-error.js';

export interface RequestValidators {
  readonly body: Readonly<Record<SchemaName, ValidateFunction>>;
  readonly query: Readonly<Record<QueryName, ValidateFunction>>;
}

/**
 * Each contract schema compiled once, on first use — never per request. Compiling them all up
 * front took most of the start-up time (bench/: ajv's code generation was the hottest start-up
 * frame), and a process serves only a few of them in its first seconds. The unit test in
 * validate.test.ts compiles every one, so a schema ajv rejects still fails the build.
 */
export function compileRequestValidators(): RequestValidators {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  // The query schemas' annotation for the 422 message (queries.ts).
  ajv.addVocabulary(['x-expected']);
  return { body: compileLazily(ajv, SCHEMAS), query: compileLazily(ajv, QUERY_SCHEMAS) };
}

function compileLazily<Name extends string>(ajv: Ajv2020, schemas: Readonly<Record<Name, object>>): Readonly<Record<Name, ValidateFunction>> {
  const compiled = new Map<Name, ValidateFunction>();
  const validators = {} as Record<Name, ValidateFunction>;
  for (const name of Object.keys(schemas) as Name[]) {
    Object.defineProperty(validators, name, {
      enumerable: true,
      get() {
        let validate = compiled.get(name);
        if (!validate) {
          validate = ajv.compile(schemas[name]);
          compiled.set(name, validate);
        }
        return validate;
      },
    });
  }
  return Object.freeze(validators);
}

/**
 * Checks the content type against the route's list, then the body against its schema.
 * Unknown fields are refused (the schemas say additionalProperties: false).
 */
export function validateBody(validators: RequestValidators, schema: SchemaName, contentTypes: readonly string[]): RequestHandler {
  return (req, _res, next) => {
    const validate = validators.body[schema];
    if (!req.is(contentTypes as string[])) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Send the request body as ${contentTypes.join(' or ')}.`);
    }
    const body: unknown = req.body ?? {};
    if (!validate(body)) {
      const fieldErrors = describeAjvErrors(validate.errors ?? []);
      throw new AppError('VALIDATION_ERROR', fieldErrors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; '), { fieldErrors });
    }
    next();
  };
}

const VALID_QUERY = Symbol('validQuery');
type QueryLocals = Record<typeof VALID_QUERY, unknown>;

/**
 * Checks the query string against the route's query schema, every problem at once, and keeps the
 * checked copy for the handler (readQuery): Express re-parses `req.query` on each read. An empty
 * parameter counts as absent; unknown ones are ignored.
 */
export function validateQuery(validators: RequestValidators, name: QueryName): RequestHandler {
  return (req, res, next) => {
    const validate = validators.query[name];
    const query = Object.fromEntries(Object.entries(req.query as Record<string, unknown>).filter(([, value]) => value !== ''));
    if (!validate(query)) {
      const fieldErrors = describeQueryErrors(name, validate.errors ?? []);
      const message = fieldErrors.map((e) => `Query parameter "${e.field}" ${e.message}.`).join(' ');
      throw new AppError('VALIDATION_ERROR', message, { fieldErrors });
    }
    (res.locals as QueryLocals)[VALID_QUERY] = query;
    next();
  };
}

/** The query string as the route's query schema checked it (only for a route that declares one). */
export function readQuery<Name extends QueryName>(res: Response, _name: Name): QueryTypes[Name] {
  const query = (res.locals as QueryLocals)[VALID_QUERY];
  if (query === undefined) throw new Error(`The route declares no query schema ${_name}`);
  return query as QueryTypes[Name];
}

/** One problem per parameter: a list (given twice) or a value that is not what `x-expected` says. */
function describeQueryErrors(name: QueryName, errors: readonly ErrorObject[]): FieldError[] {
  const properties: Readonly<Record<string, { readonly type: string; readonly 'x-expected'?: string }>> = QUERY_SCHEMAS[name].properties;
  const byField = new Map<string, string>();
  for (const error of errors) {
    const field = error.instancePath.replace(/^\//, '');
    if (byField.has(field)) continue;
    const expected = properties[field]?.['x-expected'];
    const allowed = error.keyword === 'enum' ? (error.params as { allowedValues: readonly string[] }).allowedValues.join(', ') : undefined;
    if (error.keyword === 'type') byField.set(field, 'must be given once, as plain text');
    else byField.set(field, `must be ${expected ?? (allowed === undefined ? 'valid' : `one of ${allowed}`)}`);
  }
  return [...byField].map(([field, message]) => ({ field, message }));
}

function describeAjvErrors(errors: readonly ErrorObject[]): FieldError[] {
  const seen = new Set<string>();
  const result: FieldError[] = [];
  for (const error of errors) {
    const described = describeAjvError(error);
    const key = `${described.field}\u0000${described.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(described);
  }
  return result;
}

function describeAjvError(error: ErrorObject): FieldError {
  const field = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { field: String(params.missingProperty), message: 'is required' };
    case 'additionalProperties':
      return { field: String(params.additionalProperty), message: 'is not a known field' };
    case 'pattern':
      return { field, message: field.endsWith('email') ? 'must be a valid email address' : 'has an invalid format' };
    case 'format':
      return { field, message: `must be a valid ${String(params.format)}` };
    case 'minProperties':
      return { field, message: 'must contain at least one field' };
    case 'type':
      return { field, message: `must be of type ${String(params.type)}` };
    default:
      return { field, message: error.message ?? 'is invalid' };
  }
}
