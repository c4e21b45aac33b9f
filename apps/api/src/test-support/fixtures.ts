import request from 'supertest';
import type { Express } from 'express';
import { CSRF_COOKIE, CSRF_HEADER, FORWARD_COOKIE, SESSION_COOKIE } from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import type { User } from '../users/repo.js';
import { createDataAccess } from '../db/repositories.js';
import { normalizeEmail } from '../users/email.js';

export const STRONG_PASSWORD = 'correct horse battery staple';

export async function createUser(
  ctx: AppContext,
  input: {
    email: string;
    password?: string | null;
    isSuperuser?: boolean;
    isVerified?: boolean;
    isActive?: boolean;
    /** When the address was proven; default null (unproven). */
    emailVerifiedAt?: Date | null;
  },
): Promise<User> {
  const password = input.password === undefined ? STRONG_PASSWORD : input.password;
  return createDataAccess(ctx.db.prisma).users.create({
    email: normalizeEmail(input.email),
    hashedPassword: password === null ? null : await ctx.passwordHasher.hash(password),
    isSuperuser: input.isSuperuser ?? false,
    isVerified: input.isVerified ?? true,
    isActive: input.isActive ?? true,
    emailVerifiedAt: input.emailVerifiedAt ?? null,
  });
}

export async function loginBearer(app: Express, email: string, password = STRONG_PASSWORD): Promise<string> {
  const res = await request(app).post('/api/v1/auth/jwt/login').type('form').send({ username: email, password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { access_token: string }).access_token;
}

export interface CookieSession {
  /** Value for a Cookie request header. */
  cookie: string;
  csrf: string;
  sessionToken: string;
  /** ForwardAuth's own credential (gatehouse_forward), as a Cookie request header value. */
  forwardCookie: string;
  forwardToken: string;
}

export function readSetCookies(res: request.Response): Record<string, string> {
  const header = res.headers['set-cookie'] as unknown as string[] | undefined;
  const result: Record<string, string> = {};
  for (const line of header ?? []) {
    const [pair] = line.split(';');
    const index = pair!.indexOf('=');
    result[pair!.slice(0, index)] = decodeURIComponent(pair!.slice(index + 1));
  }
  return result;
}

export async function loginCookie(app: Express, email: string, password = STRONG_PASSWORD): Promise<CookieSession> {
  const res = await request(app).post('/api/v1/auth/cookie/login').send({ username: email, password });
  if (res.status !== 204) throw new Error(`cookie login failed: ${res.status} ${JSON.stringify(res.body)}`);
  const cookies = readSetCookies(res);
  const sessionToken = cookies[SESSION_COOKIE]!;
  const csrf = cookies[CSRF_COOKIE]!;
  const forwardToken = cookies[FORWARD_COOKIE]!;
  return {
    cookie: `${SESSION_COOKIE}=${sessionToken}; ${CSRF_COOKIE}=${csrf}`,
    csrf,
    sessionToken,
    forwardCookie: `${FORWARD_COOKIE}=${forwardToken}`,
    forwardToken,
  };
}

/** A client that is not a browser (no Origin, no Sec-Fetch-Site) echoing the session's CSRF token. */
export const csrfHeaders = (session: CookieSession) => ({ Cookie: session.cookie, [CSRF_HEADER]: session.csrf });

/** What a browser adds to a write from a page at the test frontend_url: no token needed. */
export const sameOriginHeaders = (session: CookieSession) => ({
  Cookie: session.cookie,
  Origin: 'http://gatehouse.test',
  'Sec-Fetch-Site': 'same-origin',
});

/** What a browser adds to a write forged by a page on another site (the session cookie rides along). */
export const crossSiteHeaders = (session: CookieSession) => ({
  Cookie: session.cookie,
  Origin: 'https://evil.example',
  'Sec-Fetch-Site': 'cross-site',
});
