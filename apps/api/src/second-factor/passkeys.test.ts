import { describe, expect, it } from '@jest/globals';
import type { AppError } from '../http/app-error.js';
import { SoftAuthenticator } from '../test-support/soft-authenticator.js';
import { CLIENT, STRONG, createUnitServices } from '../test-support/unit-services.js';
import { readRelyingParty } from './webauthn.js';

const ORIGIN = 'https://media.example.com';

describe('the relying party', () => {
  it.each([
    ['https://media.example.com/auth', 'media.example.com', null],
    ['http://localhost:8000', 'localhost', null],
    ['http://gatehouse.localhost', 'gatehouse.localhost', null],
    ['http://media.example.com', 'media.example.com', /plain http/],
    ['https://192.168.1.10', '192.168.1.10', /IP address/],
    ['http://127.0.0.1:8000', '127.0.0.1', /IP address/],
  ])('%s: RP ID %s', (frontendUrl, id, reason) => {
    const rp = readRelyingParty({ misc: { frontend_url: frontendUrl, cors_urls: [] } });
    expect(rp.id).toBe(id);
    expect(rp.origin).toBe(new URL(frontendUrl).origin);
    if (reason === null) expect(rp.disabledReason).toBeNull();
    else expect(rp.disabledReason).toMatch(reason);
  });
});

describe('PasskeyService (fake repositories)', () => {
  const withPasskey = async () => {
    const u = createUnitServices({ config: { misc: { frontend_url: ORIGIN } } });
    const ann = await u.addUser({ email: 'ann@example.com' });
    const { session } = await u.services.auth.loginWithPassword('ann@example.com', STRONG, 'bearer', CLIENT);
    const authenticator = new SoftAuthenticator(ORIGIN);
    const options = await u.services.passkeys.registrationOptions(ann, session.id);
    const added = await u.services.passkeys.add(ann, session.id, '  Phone  ', authenticator.create(options as never), CLIENT);
    return { u, ann, session, authenticator, added };
  };

  it('adds a passkey (the account then has a second factor) and signs in with it', async () => {
    const { u, ann, authenticator, added } = await withPasskey();
    expect(added).toMatchObject({ name: 'Phone', last_used_at: null });
    expect((await u.data.users.findById(ann.id))!.secondFactorEnrolled).toBe(true);
    expect(u.data.tables.webauthnChallenges).toHaveLength(0);
    const options = await u.services.passkeys.signInOptions(CLIENT);
    const issued = await u.services.passkeys.signIn(authenticator.get(options), CLIENT);
    expect(issued.session).toMatchObject({ authMethod: 'passkey', transport: 'cookie' });
    expect(u.data.tables.passkeys[0]!.counter).toBe(1n);
    expect(u.auditTypes()).toEqual(expect.arrayContaining(['second_factor.enrolled', 'sign_in.succeeded']));
  });

  it('spends each challenge once', async () => {
    const { u, authenticator } = await withPasskey();
    const answer = authenticator.get(await u.services.passkeys.signInOptions(CLIENT));
    await u.services.passkeys.signIn(answer, CLIENT);
    const replay = await u.services.passkeys.signIn(answer, CLIENT).catch((error: unknown) => error as AppError);
    expect(replay).toMatchObject({ code: 'PASSKEY_INVALID' });
    expect(u.data.tables.sessions.filter((session) => session.authMethod === 'passkey')).toHaveLength(1);
  });

  it('refuses a challenge that expired', async () => {
    const { u, authenticator } = await withPasskey();
    const options = await u.services.passkeys.signInOptions(CLIENT);
    u.clock.advance(5 * 60_000 + 1);
    await expect(u.services.passkeys.signIn(authenticator.get(options as never), CLIENT)).rejects.toMatchObject({ code: 'PASSKEY_INVALID' });
  });

  it('removes a passkey only with a recent sign-in, and the flag follows the rows', async () => {
    const { u, ann, session, added } = await withPasskey();
    u.clock.advance(u.ctx.config.auth.reauthentication_window * 1000 + 1);
    await expect(u.services.passkeys.remove(ann, session.id, added.id)).rejects.toMatchObject({ code: 'REAUTHENTICATION_REQUIRED' });
    await u.services.reauthentication.reauthenticateWithPassword(ann, session.id, STRONG);
    await u.services.passkeys.remove(ann, session.id, added.id);
    expect((await u.data.users.findById(ann.id))!.secondFactorEnrolled).toBe(false);
    await expect(u.services.passkeys.remove(ann, session.id, added.id)).rejects.toMatchObject({ code: 'PASSKEY_NOT_FOUND' });
    await expect(u.services.passkeys.rename(ann, 'not-a-uuid', 'x')).rejects.toMatchObject({ code: 'PASSKEY_NOT_FOUND' });
  });
});
