import { describe, expect, it } from '@jest/globals';
import { isAtOrBelow } from './public-url.js';

describe('isAtOrBelow', () => {
  it('takes the prefix itself and the paths below it', () => {
    expect(isAtOrBelow('/api/v1', '/api/v1')).toBe(true);
    expect(isAtOrBelow('/api/v1/', '/api/v1')).toBe(true);
    expect(isAtOrBelow('/auth/api/v1/users/me', '/auth/api/v1')).toBe(true);
  });

  it('refuses paths that only start with the same letters, and paths elsewhere', () => {
    expect(isAtOrBelow('/api/v10', '/api/v1')).toBe(false);
    expect(isAtOrBelow('/api/v1x/users', '/api/v1')).toBe(false);
    expect(isAtOrBelow('/api', '/api/v1')).toBe(false);
    expect(isAtOrBelow('/auth/api/v1', '/api/v1')).toBe(false);
  });
});
