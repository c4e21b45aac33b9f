import { describe, expect, it } from '@jest/globals';
import { toIssuerUrl } from './openid-adapter.js';
import { sanitizeReturnTo } from '@gatehouse/shared';
import { createTransactionSealer, type OidcTransaction } from './transaction.js';
import { chooseUsername, toUsernameHandle, withRandomSuffix } from './username.js';

describe('username handles', () => {
  it.each([
    ['Jens Mander', 'jens.mander'],
    ['  José  Álvarez ', 'jose.alvarez'],
    ['ALICE', 'alice'],
    ['a..b...c', 'a.b.c'],
    ['.hidden.', 'hidden'],
    ['émoji 🎉 fan', 'emoji.fan'],
    ['über_user-1', 'uber_user-1'],
    ['x'.repeat(40), 'x'.repeat(32)],
  ])('%j -> %j', (input, handle) => {
    expect(toUsernameHandle(input)).toBe(handle);
  });

  it('reads the configured claim, the email local part for "email", and falls back sensibly', () => {
    const claims = { preferred_username: 'Jens Mander', name: 'J. Mander', nickname: 'jm', email: 'Jens.M@example.com' };
    expect(chooseUsername(claims, 'preferred_username', 'jens.m@example.com')).toBe('jens.mander');
    expect(chooseUsername(claims, 'name', 'jens.m@example.com')).toBe('j.mander');
    expect(chooseUsername(claims, 'nickname', 'jens.m@example.com')).toBe('jm');
    expect(chooseUsername(claims, 'email', 'jens.m@example.com')).toBe('jens.m');
    expect(chooseUsername({}, 'preferred_username', 'who@example.com')).toBe('who');
    expect(chooseUsername({ preferred_username: '🎉' }, 'preferred_username', '!!@example.com')).toBe('user');
  });

  it('appends a random 6-digit number on a clash', () => {
    const suffixed = new Set(Array.from({ length: 20 }, () => withRandomSuffix('jens.mander')));
    for (const name of suffixed) expect(name).toMatch(/^jens\.mander\d{6}$/);
    expect(suffixed.size).toBeGreaterThan(1);
    expect(withRandomSuffix('x'.repeat(32))).toMatch(/^x{26}\d{6}$/);
  });
});

describe('returnTo on the server', () => {
  it.each(['/', '/admin/users?page=2', '/account#sessions'])('keeps %j', (path) => {
    expect(sanitizeReturnTo(path)).toBe(path);
  });

  it.each([
    '//evil.example',
    '/\\evil.example',
    'https://evil.example',
    'javascript:alert(1)',
    '/\t/evil.example',
    '/..//evil.example',
    'admin',
    '/login?returnTo=/x',
    '/api/v1/auth/cookie/x/authorize',
    '',
    undefined,
    ['/a', '/b'],
  ])('replaces %j with /', (value) => {
    expect(sanitizeReturnTo(value)).toBe('/');
  });
});

describe('the transaction cookie', () => {
  const transaction: OidcTransaction = {
    id: 'id-1',
    provider: 'Authentik',
    state: 'state-1',
    nonce: 'nonce-1',
    pkceVerifier: 'verifier-1',
    returnTo: '/admin/users',
    expiresAt: Date.parse('2030-01-01T00:10:00Z'),
  };
  const now = new Date('2030-01-01T00:00:00Z');
  const sealer = createTransactionSealer('a'.repeat(64));

  it('round-trips, and reveals nothing of its content', () => {
    const sealed = sealer.seal(transaction);
    expect(sealer.open(sealed, now)).toEqual(transaction);
    for (const secret of ['state-1', 'nonce-1', 'verifier-1', 'Authentik']) {
      expect(sealed).not.toContain(secret);
      expect(Buffer.from(sealed.split('.')[2]!, 'base64url').toString('latin1')).not.toContain(secret);
    }
  });

  it('is refused when expired, altered, forged with another secret, or malformed', () => {
    const sealed = sealer.seal(transaction);
    expect(sealer.open(sealed, new Date(transaction.expiresAt))).toBeNull();
    const parts = sealed.split('.');
    const body = Buffer.from(parts[2]!, 'base64url');
    body[0] = body[0]! ^ 1;
    expect(sealer.open([parts[0], parts[1], body.toString('base64url'), parts[3]].join('.'), now)).toBeNull();
    expect(createTransactionSealer('b'.repeat(64)).open(sealed, now)).toBeNull();
    for (const junk of ['', 'v1', 'v1.a.b', 'v2.a.b.c', `${sealed}.extra`, 'v1.%%%.b.c']) expect(sealer.open(junk, now)).toBeNull();
  });
});

describe('configuration_endpoint -> issuer', () => {
  it.each([
    ['https://auth.example.com/application/o/media/.well-known/openid-configuration', 'https://auth.example.com/application/o/media/'],
    ['https://auth.example.com/application/o/media/', 'https://auth.example.com/application/o/media/'],
    ['https://kc.example.com/realms/home', 'https://kc.example.com/realms/home'],
    ['https://accounts.google.com/.well-known/openid-configuration', 'https://accounts.google.com/'],
    ['https://id.example.com/.well-known/openid-configuration/', 'https://id.example.com/'],
  ])('%s -> %s', (endpoint, issuer) => {
    expect(toIssuerUrl(endpoint).href).toBe(issuer);
  });
});
