import { describe, expect, it } from '@jest/globals';
import { SCHEMAS, type SchemaName } from '@gatehouse/shared';
import { compileRequestValidators } from './validate.js';

describe('compileRequestValidators', () => {
  it('compiles every contract schema under strict mode (they compile lazily in the server)', () => {
    const validators = compileRequestValidators();
    const names = Object.keys(SCHEMAS) as SchemaName[];
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(typeof validators[name]).toBe('function');
  });

  it('compiles each schema once and reuses it', () => {
    const validators = compileRequestValidators();
    const [name] = Object.keys(SCHEMAS) as SchemaName[];
    expect(validators[name!]).toBe(validators[name!]);
  });
});
