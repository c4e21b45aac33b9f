import type { AppContext } from '../context.js';
import type { User } from '../users/repo.js';
import type { Session, SessionRepo } from './repo.js';
import type { SessionTransport } from '../generated/prisma/client.js';
import { createForwardTokenKey, createSessionTokenKey, signForwardToken, signSessionToken } from './session-token.js';

export interface ClientInfo {
  userAgent: string | null;
  ipAddress: string | null;
}

export interface IssuedSession {
  token: string;
  /** A cookie session's ForwardAuth credential (the gatehouse_forward cookie); null for bearer. */
  forwardToken: string | null;
  session: Session;
  user: User;
}

/** A groups claim beyond this is cut: the list travels in ForwardAuth's Remote-Groups header. */
const MAX_SESSION_GROUPS = 100;

export interface SessionIssuerDeps extends Pick<AppContext, 'config' | 'clock'> {
  readonly sessions: SessionRepo;
}

/**
 * Creates a session once every factor of a sign-in has been checked (a password, and a second
 * factor where the account has one; an identity provider's sign-in), and signs its tokens.
 */
export function createSessionIssuer(deps: SessionIssuerDeps) {
  const { auth } = deps.config;
  const tokenKey = createSessionTokenKey(auth.token_secret);
  const forwardTokenKey = createForwardTokenKey(auth.token_secret);

  return async function issueSession(
    user: User,
    transport: SessionTransport,
    authMethod: string,
    client: ClientInfo,
    groups: readonly string[] = [],
  ): Promise<IssuedSession> {
    const now = deps.clock.now();
    const expiresAt = new Date(now.getTime() + auth.session_lifetime * 1000);
    const session = await deps.sessions.create({
      userId: user.id,
      transport,
      authMethod,
      userAgent: client.userAgent?.slice(0, 500) ?? null,
      ipAddress: client.ipAddress,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      groups: [...new Set(groups)].slice(0, MAX_SESSION_GROUPS).map((group) => group.slice(0, 200)),
    });
    const claims = { sub: user.id, sid: session.id };
    const token = signSessionToken(claims, tokenKey, now, expiresAt);
    const forwardToken = transport === 'cookie' ? signForwardToken(claims, forwardTokenKey, now, expiresAt) : null;
    return { token, forwardToken, session, user };
  };
}

export type IssueSession = ReturnType<typeof createSessionIssuer>;
