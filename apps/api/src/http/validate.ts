import type { RequestHandler } from 'express';
import { Ajv2020, addFormats, type ErrorObject, type ValidateFunction } from '../ajv.js';
import { SCHEMAS, type FieldError, type SchemaName } from '@gatehouse/shared';
import { AppError } from './app-error.js';

export type RequestValidators = Readonly<Record<SchemaName, ValidateFunction>>;

/**
 * Each contract schema compiled once, on first use — never per request. Compiling them all up
 * front took most of the start-up time (bench/: ajv's code generation was the hottest start-up
 * frame), and a process serves only a few of them in its first seconds. The unit test in
 * validate.test.ts compiles every one, so a schema ajv rejects still fails the build.
 */
export function compileRequestValidators(): RequestValidators {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  const compiled = new Map<SchemaName, ValidateFunction>();
  const validators = {} as Record<SchemaName, ValidateFunction>;
  for (const name of Object.keys(SCHEMAS) as SchemaName[]) {
    Object.defineProperty(validators, name, {
      enumerable: true,
      get() {
        let validate = compiled.get(name);
        if (!validate) {
          validate = ajv.compile(SCHEMAS[name]);
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
    const validate = validators[schema];
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
