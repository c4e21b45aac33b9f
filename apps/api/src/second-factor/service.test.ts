import { describe, expect, it } from '@jest/globals';
import type { AppError } from '../http/app-error.js';
import { CLIENT, STRONG, createUnitServices } from '../test-support/unit-services.js';
import { generateTotpCode } from './totp.js';

const STEP_MS = 30_000;

/** The 401 SECOND_FACTOR_REQUIRED's token from a password sign-in. */
async function passwordStep(u: ReturnType<typeof createUnitServices>, transport: 'cookie' | 'bearer' = 'bearer'): Promise<string> {
  const error = (await u.services.auth.loginWithPassword('ann@example.com', STRONG, transport, CLIENT).then(
    () => null,
    (caught: unknown) => caught,
  )) as AppError | null;
  expect(error?.code).toBe('SECOND_FACTOR_REQUIRED');
  return error!.options.secondFactor!.token!;
}

describe('SecondFactorService (fake repositories)', () => {
  const enrolled = async () => {
    const u = createUnitServices();
    const ann = await u.addUser({ email: 'ann@example.com' });
    const { session } = await u.services.auth.loginWithPassword('ann@example.com', STRONG, 'bearer', CLIENT);
    const { secret, otpauth_url: url } = await u.services.secondFactor.startTotp(ann, session.id);
    expect(url).toContain(`secret=${secret}`);
    const codes = await u.services.secondFactor.confirmTotp(ann, generateTotpCode(secret, u.clock.now()), CLIENT);
    u.clock.advance(STEP_MS);
    const user = (await u.data.users.findById(ann.id))!;
    return { u, user, session, secret, codes };
  };

  it('confirms an app with a current code and keeps the account flag and the rows in step', async () => {
    const { u, user, session, codes } = await enrolled();
    expect(user.secondFactorEnrolled).toBe(true);
    expect(codes).toHaveLength(10);
    expect(u.data.tables.recoveryCodes.map((row) => row.codeHash)).not.toContain(codes[0]);
    expect(await u.services.secondFactor.status(user, session)).toEqual({
      totp: true,
      passkeys: 0,
      recovery_codes_left: 10,
      required: false,
      enrolment_required: false,
    });
    expect(u.auditTypes()).toContain('second_factor.enrolled');
    await expect(u.services.secondFactor.startTotp(user, session.id)).rejects.toMatchObject({ code: 'TOTP_ALREADY_ENABLED' });
  });

  it('issues a session only after the code, once, and never for a replayed code', async () => {
    const { u, secret } = await enrolled();
    const sessionsBefore = u.data.tables.sessions.length;
    const token = await passwordStep(u);
    expect(u.data.tables.sessions).toHaveLength(sessionsBefore);
    const code = generateTotpCode(secret, u.clock.now());
    const issued = await u.services.secondFactor.completeSignIn(token, 'bearer', { code }, CLIENT);
    expect(issued.session).toMatchObject({ transport: 'bearer', authMethod: 'password' });
    await expect(u.services.secondFactor.completeSignIn(token, 'bearer', { code }, CLIENT)).rejects.toMatchObject({ code: 'SECOND_FACTOR_EXPIRED' });
    const again = await passwordStep(u);
    await expect(u.services.secondFactor.completeSignIn(again, 'bearer', { code }, CLIENT)).rejects.toMatchObject({ code: 'SECOND_FACTOR_INVALID' });
    expect(u.auditTypes()).toContain('second_factor.failed');
  });

  it('binds a pending sign-in to its transport and its five minutes', async () => {
    const { u, secret } = await enrolled();
    const cookieToken = await passwordStep(u, 'cookie');
    const code = () => ({ code: generateTotpCode(secret, u.clock.now()) });
    await expect(u.services.secondFactor.completeSignIn(cookieToken, 'bearer', code(), CLIENT)).rejects.toMatchObject({
      code: 'SECOND_FACTOR_EXPIRED',
    });
    u.clock.advance(5 * 60_000 + 1);
    await expect(u.services.secondFactor.completeSignIn(cookieToken, 'cookie', code(), CLIENT)).rejects.toMatchObject({
      code: 'SECOND_FACTOR_EXPIRED',
    });
    await expect(u.services.secondFactor.completeSignIn('not-a-token', 'cookie', code(), CLIENT)).rejects.toMatchObject({
      code: 'SECOND_FACTOR_EXPIRED',
    });
  });

  it('spends a recovery code once; new codes void the old; a reset voids waiting sign-ins and the flag', async () => {
    const { u, user, session, secret, codes } = await enrolled();
    await u.services.secondFactor.completeSignIn(await passwordStep(u), 'bearer', { recovery_code: codes[0]! }, CLIENT);
    await expect(u.services.secondFactor.completeSignIn(await passwordStep(u), 'bearer', { recovery_code: codes[0]! }, CLIENT)).rejects.toMatchObject(
      {
        code: 'SECOND_FACTOR_INVALID',
      },
    );
    const fresh = await u.services.secondFactor.regenerateRecoveryCodes(user, session.id);
    await expect(u.services.secondFactor.completeSignIn(await passwordStep(u), 'bearer', { recovery_code: codes[1]! }, CLIENT)).rejects.toMatchObject(
      {
        code: 'SECOND_FACTOR_INVALID',
      },
    );
    await u.services.secondFactor.completeSignIn(await passwordStep(u), 'bearer', { recovery_code: fresh[0]! }, CLIENT);

    const waiting = await passwordStep(u);
    await u.services.secondFactor.reset({ type: 'cli' }, user);
    expect((await u.data.users.findById(user.id))!.secondFactorEnrolled).toBe(false);
    expect(u.data.tables.totpFactors).toHaveLength(0);
    expect(u.data.tables.recoveryCodes).toHaveLength(0);
    await expect(
      u.services.secondFactor.completeSignIn(waiting, 'bearer', { code: generateTotpCode(secret, u.clock.now()) }, CLIENT),
    ).rejects.toMatchObject({
      code: 'SECOND_FACTOR_EXPIRED',
    });
    // The password alone signs in again.
    await u.services.auth.loginWithPassword('ann@example.com', STRONG, 'bearer', CLIENT);
    expect(u.auditTypes()).toEqual(
      expect.arrayContaining(['second_factor.recovery_code_used', 'second_factor.recovery_codes_regenerated', 'admin.second_factor_reset']),
    );
  });

  it('removes the app only within the re-authentication window', async () => {
    const { u, user, session } = await enrolled();
    u.clock.advance(u.ctx.config.auth.reauthentication_window * 1000 + 1);
    await expect(u.services.secondFactor.removeTotp(user, session.id)).rejects.toMatchObject({ code: 'REAUTHENTICATION_REQUIRED' });
    await expect(u.services.secondFactor.regenerateRecoveryCodes(user, session.id)).rejects.toMatchObject({ code: 'REAUTHENTICATION_REQUIRED' });
    await u.services.reauthentication.reauthenticateWithPassword(user, session.id, STRONG);
    await u.services.secondFactor.removeTotp(user, session.id);
    expect((await u.data.users.findById(user.id))!.secondFactorEnrolled).toBe(false);
  });

  it('refuses a wrong confirming code and keeps the app off', async () => {
    const u = createUnitServices();
    const ann = await u.addUser({ email: 'ann@example.com' });
    const { session } = await u.services.auth.loginWithPassword('ann@example.com', STRONG, 'bearer', CLIENT);
    await expect(u.services.secondFactor.confirmTotp(ann, '123456', CLIENT)).rejects.toMatchObject({ code: 'TOTP_NOT_ENABLED' });
    await u.services.secondFactor.startTotp(ann, session.id);
    await expect(u.services.secondFactor.confirmTotp(ann, '123456', CLIENT)).rejects.toMatchObject({ code: 'SECOND_FACTOR_INVALID' });
    expect((await u.data.users.findById(ann.id))!.secondFactorEnrolled).toBe(false);
    // The password alone still signs in.
    await u.services.auth.loginWithPassword('ann@example.com', STRONG, 'bearer', CLIENT);
  });
});
