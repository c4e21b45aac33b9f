/**
 * WebAuthn ceremonies, checked by @simplewebauthn/server. The relying party comes from
 * misc.frontend_url alone (RP ID = its host, origin = its origin), never from a request's Host
 * header. Challenges are 32 random bytes, stored with what they were issued for and spent by
 * deleting their row, so each is used once across every replica, for 5 minutes at most. User
 * verification is required in every ceremony: a passkey is then two factors (something owned,
 * unlocked by something known or biometric).
 */
import crypto from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { WebauthnOptions } from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import type { Config } from '../config/types.js';
import type { DataAccess } from '../db/repositories.js';
import type { Passkey, WebauthnChallengePurpose } from '../generated/prisma/client.js';
import { AppError } from '../http/app-error.js';
import { readPublicUrl } from '../http/public-url.js';
import type { User } from '../users/repo.js';

const CHALLENGE_LIFETIME_MS = 5 * 60_000;

/**
 * @simplewebauthn/server is loaded by the first ceremony, not at start-up: importing it took
 * ~0.29 s of a 1.2 s start on the 2-core machine (its ASN.1 and CBOR libraries), and a server
 * whose passkeys are off (plain http) never needs it. The sign-in page asks for options as it
 * opens, so a person's first passkey use does not wait for it.
 */
let simpleWebauthn: Promise<typeof import('@simplewebauthn/server')> | undefined;
const loadSimpleWebauthn = () => (simpleWebauthn ??= import('@simplewebauthn/server'));

export interface RelyingParty {
  /** The RP ID: frontend_url's host name. */
  id: string;
  origin: string;
  /** Null when passkeys work; else why they are off (for start-up, doctor and the 403). */
  disabledReason: string | null;
}

/**
 * Browsers offer WebAuthn only in a secure context (https, or http on localhost), and an RP ID
 * must be a domain name, not an address.
 */
export function readRelyingParty(config: Pick<Config, 'misc'>): RelyingParty {
  const { origin, hostname, isSecure } = readPublicUrl(config);
  const isAddress = /^[0-9.]+$/.test(hostname) || hostname.startsWith('[');
  const isLocalhost = hostname === 'localhost' || hostname.endsWith('.localhost');
  let disabledReason: string | null = null;
  if (isAddress) {
    disabledReason = `Passkeys are off: misc.frontend_url (${config.misc.frontend_url}) names an IP address, and WebAuthn needs a domain name. Use a host name (localhost for this machine).`;
  } else if (!isSecure && !isLocalhost) {
    disabledReason = `Passkeys are off: misc.frontend_url (${config.misc.frontend_url}) is plain http on ${hostname}, and browsers offer passkeys only over https (or on localhost). Serve Gatehouse over HTTPS.`;
  }
  return { id: hostname, origin, disabledReason };
}

/** The WebAuthn user handle of an account: its uuid's 16 bytes (no email, nothing that changes). */
function userHandleOf(userId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(userId.replace(/-/g, ''), 'hex'));
}

/** The challenge a client's answer claims to sign, from its clientDataJSON; null when unreadable. */
function readChallenge(response: { response?: { clientDataJSON?: unknown } }): string | null {
  const encoded = response.response?.clientDataJSON;
  if (typeof encoded !== 'string' || encoded.length > 4096) return null;
  try {
    const clientData = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof clientData.challenge === 'string' ? clientData.challenge : null;
  } catch {
    return null;
  }
}

/** What a challenge must have been issued for, besides its purpose. */
interface ChallengeScope {
  userId?: string;
  pendingSignInId?: string;
}

export interface WebauthnDeps extends Pick<AppContext, 'config' | 'clock' | 'logger'> {
  readonly data: Pick<DataAccess, 'passkeys' | 'webauthnChallenges'>;
}

export function createWebauthn(deps: WebauthnDeps) {
  const { clock, logger, data } = deps;
  const rp = readRelyingParty(deps.config);

  const invalid = (logMessage: string, logDetails: Record<string, unknown> = {}) =>
    new AppError('PASSKEY_INVALID', 'This passkey could not be verified. Try again, or sign in another way.', {
      logMessage,
      logDetails,
      logLevel: 'warn',
    });

  function assertEnabled(): void {
    if (rp.disabledReason !== null) throw new AppError('PASSKEYS_DISABLED', rp.disabledReason);
  }

  async function storeChallenge(challenge: string, purpose: WebauthnChallengePurpose, scope: ChallengeScope): Promise<void> {
    const now = clock.now();
    await data.webauthnChallenges.create({
      challenge,
      purpose,
      userId: scope.userId ?? null,
      pendingSignInId: scope.pendingSignInId ?? null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + CHALLENGE_LIFETIME_MS),
    });
  }

  /** Spends the challenge the answer signs, once; refuses one issued for anything else. */
  async function spendChallenge(response: object, purpose: WebauthnChallengePurpose, scope: ChallengeScope): Promise<string> {
    const challenge = readChallenge(response);
    if (challenge === null) throw invalid('A passkey answer without a readable clientDataJSON challenge');
    const row = await data.webauthnChallenges.consume(challenge, clock.now());
    if (!row) throw invalid('A passkey answer signed an unknown, expired or already used challenge (a replay?)');
    if (
      row.purpose !== purpose ||
      (scope.userId !== undefined && row.userId !== scope.userId) ||
      (scope.pendingSignInId !== undefined && row.pendingSignInId !== scope.pendingSignInId)
    ) {
      throw invalid('A passkey answer signed a challenge issued for something else', { purpose, issued_for: row.purpose });
    }
    return challenge;
  }

  return {
    relyingParty: rp,
    assertEnabled,

    /** Creation options for a new passkey of this account: resident key and user verification required. */
    async registrationOptions(user: User, existing: readonly Passkey[]): Promise<WebauthnOptions> {
      assertEnabled();
      const { generateRegistrationOptions } = await loadSimpleWebauthn();
      const options = await generateRegistrationOptions({
        rpName: 'Gatehouse',
        rpID: rp.id,
        userName: user.username ?? user.email,
        userID: userHandleOf(user.id),
        userDisplayName: user.displayName ?? user.username ?? user.email,
        challenge: new Uint8Array(crypto.randomBytes(32)),
        timeout: CHALLENGE_LIFETIME_MS,
        attestationType: 'none',
        excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
      });
      await storeChallenge(options.challenge, 'register', { userId: user.id });
      return options as unknown as WebauthnOptions;
    },

    /** Checks a new passkey's creation answer; what to store of it. Nothing is stored here. */
    async verifyRegistration(user: User, response: object) {
      assertEnabled();
      const challenge = await spendChallenge(response, 'register', { userId: user.id });
      const { verifyRegistrationResponse } = await loadSimpleWebauthn();
      let verification;
      try {
        verification = await verifyRegistrationResponse({
          response: response as RegistrationResponseJSON,
          expectedChallenge: challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          requireUserVerification: true,
        });
      } catch (error) {
        throw invalid(`A new passkey did not verify: ${error instanceof Error ? error.message : String(error)}`, { userId: user.id });
      }
      if (!verification.verified) throw invalid('A new passkey did not verify', { userId: user.id });
      const { credential, credentialBackedUp } = verification.registrationInfo;
      return {
        credentialId: credential.id,
        publicKey: Buffer.from(credential.publicKey),
        counter: BigInt(credential.counter),
        transports: [...(credential.transports ?? [])].slice(0, 10),
        backedUp: credentialBackedUp,
      };
    },

    /**
     * Request options: for a discoverable sign-in (no account named: the browser offers every
     * passkey it holds for this RP, and conditional UI can list them in the email field's
     * autofill), or for the passkeys of one account.
     */
    async authenticationOptions(
      purpose: Exclude<WebauthnChallengePurpose, 'register'>,
      scope: ChallengeScope,
      passkeys: readonly Passkey[] = [],
    ): Promise<WebauthnOptions> {
      assertEnabled();
      const { generateAuthenticationOptions } = await loadSimpleWebauthn();
      const options = await generateAuthenticationOptions({
        rpID: rp.id,
        challenge: new Uint8Array(crypto.randomBytes(32)),
        timeout: CHALLENGE_LIFETIME_MS,
        userVerification: 'required',
        allowCredentials: passkeys.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
      });
      await storeChallenge(options.challenge, purpose, scope);
      return options as unknown as WebauthnOptions;
    },

    /**
     * Checks a passkey's answer: the challenge (spent), a passkey this server knows (of the
     * expected account, if one is expected), origin, RP ID, user verification, signature, and a
     * signature counter that moved forward. Records the use; returns the passkey.
     */
    async verifyAuthentication(response: object, purpose: Exclude<WebauthnChallengePurpose, 'register'>, scope: ChallengeScope): Promise<Passkey> {
      assertEnabled();
      const challenge = await spendChallenge(response, purpose, scope);
      const answer = response as AuthenticationResponseJSON;
      const passkey = await data.passkeys.findByCredentialId(answer.id);
      if (!passkey || (scope.userId !== undefined && passkey.userId !== scope.userId)) {
        throw invalid('A passkey answer from a passkey this server does not know (for this account)');
      }
      const userHandle = answer.response.userHandle;
      if (userHandle && userHandle !== Buffer.from(userHandleOf(passkey.userId)).toString('base64url')) {
        throw invalid('A passkey answer whose user handle is not its account’s', { passkeyId: passkey.id });
      }
      const { verifyAuthenticationResponse } = await loadSimpleWebauthn();
      let verification;
      try {
        verification = await verifyAuthenticationResponse({
          response: answer,
          expectedChallenge: challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          credential: {
            id: passkey.credentialId,
            publicKey: new Uint8Array(passkey.publicKey),
            counter: Number(passkey.counter),
            transports: passkey.transports,
          },
          requireUserVerification: true,
        });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (/counter value/i.test(message)) {
          // The authenticator's counter went backwards: two copies of one key are in use.
          logger.warn(
            { passkeyId: passkey.id, userId: passkey.userId },
            'A passkey’s signature counter went backwards: the authenticator may have been cloned. The use was refused.',
          );
        }
        throw invalid(`A passkey answer did not verify: ${message}`, { passkeyId: passkey.id });
      }
      if (!verification.verified) throw invalid('A passkey answer did not verify', { passkeyId: passkey.id });
      const now = clock.now();
      if (!(await data.passkeys.recordUse(passkey.id, passkey.counter, BigInt(verification.authenticationInfo.newCounter), now))) {
        throw invalid('A passkey was used twice at once; one use was refused', { passkeyId: passkey.id });
      }
      return passkey;
    },

    /** Housekeeping: challenges nobody answered. */
    purgeExpired: async () => (await data.webauthnChallenges.purgeExpired(clock.now())).count,
  };
}

export type Webauthn = ReturnType<typeof createWebauthn>;
