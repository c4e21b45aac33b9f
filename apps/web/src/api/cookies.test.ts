import { describe, expect, it } from '@jest/globals';
import { readCookie } from './cookies';

describe('readCookie', () => {
  it('finds a cookie among others', () => {
    expect(readCookie('theme=dark; gatehouse_csrf=abc123; lang=en', 'gatehouse_csrf')).toBe('abc123');
  });

  it('returns null when absent or the string is empty', () => {
    expect(readCookie('theme=dark', 'gatehouse_csrf')).toBeNull();
    expect(readCookie('', 'gatehouse_csrf')).toBeNull();
  });

  it('does not match a cookie whose name merely ends the same', () => {
    expect(readCookie('x_gatehouse_csrf=nope', 'gatehouse_csrf')).toBeNull();
  });

  it('decodes percent-encoding and strips quotes, keeping "=" inside the value', () => {
    expect(readCookie('gatehouse_csrf=a%2Bb', 'gatehouse_csrf')).toBe('a+b');
    expect(readCookie('gatehouse_csrf="quoted"', 'gatehouse_csrf')).toBe('quoted');
    expect(readCookie('gatehouse_csrf=abc==', 'gatehouse_csrf')).toBe('abc==');
    expect(readCookie('gatehouse_csrf=%E0%A4%A', 'gatehouse_csrf')).toBe('%E0%A4%A');
  });
});
