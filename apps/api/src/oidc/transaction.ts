/**
 * The sign-in transaction: what the callback needs to finish a flow that the authorize route
 * began (provider, state, nonce, PKCE verifier, returnTo), carried by the browser in one cookie
 * rather than kept in server memory, so any replica can finish a flow another began.
 *
 * The cookie is sealed with AES-256-GCM under a key derived from token_secret: authenticated (it
 * cannot be forged or altered) and encrypted (the PKCE verifier stays unreadable even in the
 * browser). It expires after 10 minutes, and its random id is recorded at the callback so that it
 * works once (see repo.ts).
 */
import crypto from 'node:crypto';

export const TRANSACTION_LIFETIME_MS = 10 * 60_000;
const VERSION = 'v1';
const KEY_INFO = 'gatehouse oidc transaction cookie v1';

export interface OidcTransaction {
  /** Random id, recorded when used. */
  id: string;
  provider: string;
  state: string;
  nonce: string;
  pkceVerifier: string;
  returnTo: string;
  /** Set when a signed-in user links another account: whose, and from which session. */
  link?: { userId: string; sessionId: string };
  /**
   * Set when a signed-in user re-authenticates at a provider linked to their account: whose session
   * to mark, and when the flow started (epoch ms; the ID token's auth_time must not be older).
   */
  reauth?: { userId: string; sessionId: string; startedAt: number };
  /** Epoch milliseconds. */
  expiresAt: number;
}

function deriveKey(tokenSecret: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', tokenSecret, Buffer.alloc(0), KEY_INFO, 32));
}

export function createTransactionSealer(tokenSecret: string) {
  const key = deriveKey(tokenSecret);
  return {
    seal(transaction: OidcTransaction): string {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(VERSION));
      const body = Buffer.concat([cipher.update(JSON.stringify(transaction), 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },

    /** The transaction, or null when the value was forged, altered, malformed or has expired. */
    open(sealed: string, now: Date): OidcTransaction | null {
      const [version, iv, body, tag, ...rest] = sealed.split('.');
      if (version !== VERSION || !iv || !body || !tag || rest.length > 0) return null;
      try {
        const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(VERSION));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        const json = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
        const value = JSON.parse(json) as Partial<OidcTransaction>;
        const isComplete =
          typeof value.id === 'string' &&
          typeof value.provider === 'string' &&
          typeof value.state === 'string' &&
          typeof value.nonce === 'string' &&
          typeof value.pkceVerifier === 'string' &&
          typeof value.returnTo === 'string' &&
          typeof value.expiresAt === 'number' &&
          (value.link === undefined || (typeof value.link?.userId === 'string' && typeof value.link.sessionId === 'string')) &&
          (value.reauth === undefined ||
            (typeof value.reauth?.userId === 'string' && typeof value.reauth.sessionId === 'string' && typeof value.reauth.startedAt === 'number'));
        if (!isComplete || value.expiresAt! <= now.getTime()) return null;
        return value as OidcTransaction;
      } catch {
        return null;
      }
    },
  };
}
