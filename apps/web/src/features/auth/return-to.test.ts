import { describe, expect, it } from '@jest/globals';
import { loginPathFor, sanitizeReturnTo } from './return-to';

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
