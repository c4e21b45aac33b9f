/**
 * A software WebAuthn authenticator for integration tests: makes passkeys (ES256, "none"
 * attestation, resident, user-verifying) and signs assertions exactly as a platform
 * authenticator would, so the server's checks run on real bytes. Each option a test can turn is
 * one an attacker controls: the origin and RP ID it signs for, the counter it reports, the
 * challenge it answers.
 */
import crypto from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const b64url = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => crypto.createHash('sha256').update(data).digest();

interface StoredCredential {
  privateKey: crypto.KeyObject;
  userHandle: string;
  counter: number;
}

export interface CeremonyOverrides {
  origin?: string;
  rpId?: string;
  /** The signature counter to report (default: one more than the last). */
  counter?: number;
  /** User verification (default true). */
  userVerified?: boolean;
  /** Answer this challenge instead of the options'. */
  challenge?: string;
}

interface RegistrationOptions {
  challenge: string;
  rp: { id?: string };
  user: { id: string };
}

interface AuthenticationOptions {
  challenge: string;
  rpId?: string;
  allowCredentials?: { id: string }[];
}

export class SoftAuthenticator {
  private readonly credentials = new Map<string, StoredCredential>();

  constructor(private readonly origin: string) {}

  /** navigator.credentials.create: a new passkey for the options' user. */
  create(options: RegistrationOptions, overrides: CeremonyOverrides & { credentialId?: string } = {}) {
    const rpId = overrides.rpId ?? options.rp.id ?? new URL(this.origin).hostname;
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const coseKey = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
        [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
      ]),
    );
    const credentialId = overrides.credentialId === undefined ? crypto.randomBytes(16) : Buffer.from(overrides.credentialId, 'base64url');
    const counter = overrides.counter ?? 0;
    const flags = 0x01 | (overrides.userVerified === false ? 0 : 0x04) | 0x40;
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([flags]),
      uint32(counter),
      Buffer.alloc(16),
      Buffer.from([credentialId.length >> 8, credentialId.length & 0xff]),
      credentialId,
      Buffer.from(coseKey),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    const clientDataJSON = this.clientData('webauthn.create', overrides.challenge ?? options.challenge, overrides.origin);
    this.credentials.set(b64url(credentialId), { privateKey, userHandle: options.user.id, counter });
    return {
      id: b64url(credentialId),
      rawId: b64url(credentialId),
      type: 'public-key' as const,
      response: { clientDataJSON, attestationObject: b64url(attestationObject), transports: ['internal'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** navigator.credentials.get: an assertion by `credentialId` (default: the first allowed, else the first held). */
  get(options: AuthenticationOptions, overrides: CeremonyOverrides & { credentialId?: string } = {}) {
    const credentialId = overrides.credentialId ?? options.allowCredentials?.[0]?.id ?? [...this.credentials.keys()][0];
    const stored = credentialId === undefined ? undefined : this.credentials.get(credentialId);
    if (!stored || credentialId === undefined) throw new Error('the soft authenticator holds no such passkey');
    const rpId = overrides.rpId ?? options.rpId ?? new URL(this.origin).hostname;
    stored.counter = overrides.counter ?? stored.counter + 1;
    const flags = 0x01 | (overrides.userVerified === false ? 0 : 0x04);
    const authenticatorData = Buffer.concat([sha256(rpId), Buffer.from([flags]), uint32(stored.counter)]);
    const clientDataJSON = this.clientData('webauthn.get', overrides.challenge ?? options.challenge, overrides.origin);
    const signature = crypto.sign('sha256', Buffer.concat([authenticatorData, sha256(Buffer.from(clientDataJSON, 'base64url'))]), stored.privateKey);
    return {
      id: credentialId,
      rawId: credentialId,
      type: 'public-key' as const,
      response: { clientDataJSON, authenticatorData: b64url(authenticatorData), signature: b64url(signature), userHandle: stored.userHandle },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  private clientData(type: string, challenge: string, origin = this.origin): string {
    return b64url(Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false })));
  }
}

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}
