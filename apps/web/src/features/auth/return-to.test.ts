import { describe, expect, it } from '@jest/globals';
import { isServerReturn, loginPathFor, sanitizeReturnTo, toServerReturnUrl } from './return-to';

describe('sanitizeReturnTo', () => {
  it.each(['/admin/users', '/', '/admin/users?page=2', '/account#sessions'])('accepts the same-site path %s', (path) => {
    expect(sanitizeReturnTo(path)).toBe(path);
  });

  it.each([
    ['protocol-relative URL', '//evil.example'],
    ['backslash host', '/\\evil.example'],
    ['backslash later on', '/foo\\..\\\\evil.example'],
    ['absolute URL', 'https://x'],
    ['javascript: URL', 'javascript:alert(1)'],
    ['relative path', 'admin/users'],
    ['tab trick', '/\t/evil.example'],
    ['newline trick', '/\n/evil.example'],
    ['leading space', ' /admin'],
    ['empty', ''],
  ])('rejects a %s', (_name, value) => {
    expect(sanitizeReturnTo(value)).toBe('/');
  });

  it('falls back to / when missing', () => {
    expect(sanitizeReturnTo(null)).toBe('/');
    expect(sanitizeReturnTo(undefined)).toBe('/');
  });

  it('does not send the user back to the login page', () => {
    expect(sanitizeReturnTo('/login?returnTo=/admin')).toBe('/');
  });

  it('normalises dot segments without leaving the site', () => {
    expect(sanitizeReturnTo('/a/../admin/users')).toBe('/admin/users');
    expect(sanitizeReturnTo('/..//evil.example')).toBe('/');
  });
});

describe('loginPathFor', () => {
  it('carries the path to come back to', () => {
    expect(loginPathFor('/admin/users')).toBe('/login?returnTo=%2Fadmin%2Fusers');
  });

  it('leaves it out for the home page', () => {
    expect(loginPathFor('/')).toBe('/login');
  });
});

describe('ForwardAuth return', () => {
  const forwardReturn = '/api/v1/auth/forward/return?rd=https%3A%2F%2Fapp.example.com%2Fx';

  it('is kept by sanitizeReturnTo and opened by the server, under the sub-path', () => {
    expect(sanitizeReturnTo(forwardReturn)).toBe(forwardReturn);
    expect(isServerReturn(forwardReturn)).toBe(true);
    expect(isServerReturn('/admin/users')).toBe(false);
    expect(toServerReturnUrl(forwardReturn, 'https://media.example.com/auth/')).toBe(`https://media.example.com/auth${forwardReturn}`);
  });

  it('still refuses every other API path', () => {
    expect(sanitizeReturnTo('/api/v1/auth/forward')).toBe('/');
    expect(sanitizeReturnTo('/api/v1/auth/forward/returnx')).toBe('/');
  });
});
