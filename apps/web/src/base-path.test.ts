import { describe, expect, it } from '@jest/globals';
import { readBasePath } from './base-path';

describe('readBasePath', () => {
  it('reads the sub-path from the <base href> the server writes', () => {
    expect(readBasePath('/auth/')).toBe('/auth');
    expect(readBasePath('/a/b/')).toBe('/a/b');
  });

  it('is empty at the root or without a <base>', () => {
    expect(readBasePath('/')).toBe('');
    expect(readBasePath(null)).toBe('');
  });
});
