/**
 * ajv, imported one way for the whole API (the config schema and the request validators). Both
 * packages ship CommonJS with a default export, which ESM interop may or may not unwrap.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

export { Ajv2020 };
export type { ErrorObject, SchemaObject, ValidateFunction } from 'ajv/dist/2020.js';

export const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv2020,
  formats?: string[],
) => Ajv2020;
