/**
 * A minimal browser for OpenID Connect flows in integration tests: a cookie jar (by origin, name
 * and path, honouring Max-Age/Expires deletions) and manual redirect following. Requests to
 * Gatehouse's frontend_url go through supertest, to the Express app (it never listens) or to a
 * running server's URL; requests to anything else (the identity provider on 127.0.0.1) go over
 * real HTTP.
 */
import type { Express } from 'express';
import request from 'supertest';
import { API_PREFIX, SESSION_COOKIE } from '@gatehouse/shared';

interface StoredCookie {
  value: string;
  path: string;
}

export interface BrowserResponse {
  url: string;
  status: number;
  location: string | null;
  body: string;
  setCookies: string[];
}

export interface FlowResult {
  /** Every URL requested, in order. */
  visited: string[];
  /** The last response (not followed further). */
  final: BrowserResponse;
}

const MAX_HOPS = 25;

export class TestBrowser {
  private readonly jar = new Map<string, Map<string, StoredCookie>>();

  constructor(
    /** The Express app, or the base URL of a running Gatehouse. */
    private readonly app: Express | string,
    private readonly gatehouseOrigin: string,
  ) {}

  /** One request, no redirect following. */
  async request(url: string, init: { method?: 'GET' | 'POST'; form?: Record<string, string>; extraCookies?: string } = {}): Promise<BrowserResponse> {
    const target = new URL(url);
    const cookie = [this.cookieHeader(target), init.extraCookies].filter(Boolean).join('; ');
    const method = init.method ?? 'GET';
    let response: BrowserResponse;
    if (target.origin === this.gatehouseOrigin) {
      const path = target.pathname + target.search;
      let pending =
        method === 'GET'
          ? request(this.app).get(path)
          : request(this.app)
              .post(path)
              .type('form')
              .send(init.form ?? {});
      if (cookie) pending = pending.set('Cookie', cookie);
      const res = await pending;
      const setCookie = res.headers['set-cookie'] as unknown as string[] | undefined;
      response = {
        url,
        status: res.status,
        location: typeof res.headers.location === 'string' ? res.headers.location : null,
        body: res.text ?? '',
        setCookies: setCookie ?? [],
      };
    } else {
      const headers: Record<string, string> = {};
      if (cookie) headers['cookie'] = cookie;
      let body: string | undefined;
      if (init.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(init.form).toString();
      }
      const res = await fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(5000) });
      response = {
        url,
        status: res.status,
        location: res.headers.get('location'),
        body: await res.text(),
        setCookies: res.headers.getSetCookie(),
      };
    }
    for (const line of response.setCookies) this.storeCookie(target, line);
    return response;
  }

  /**
   * Follows redirects from `url` until an answer is not a redirect, or the next hop is a page of
   * the web UI on Gatehouse (a path outside /api, which the SPA would render), or `stopBefore` says so.
   */
  async follow(url: string, stopBefore: (next: URL) => boolean = () => false): Promise<FlowResult> {
    const visited: string[] = [];
    let current = url;
    for (let hop = 0; hop < MAX_HOPS; hop += 1) {
      visited.push(current);
      const response = await this.request(current);
      if (response.status < 300 || response.status >= 400 || !response.location) return { visited, final: response };
      const next = new URL(response.location, current);
      const isWebUiPage = next.origin === this.gatehouseOrigin && !next.pathname.startsWith(`${API_PREFIX}/`);
      if (isWebUiPage || stopBefore(next)) return { visited, final: response };
      current = next.href;
    }
    throw new Error(`more than ${MAX_HOPS} redirects from ${url}`);
  }

  /** Keeps cookies that a response outside this browser (a supertest call, say) set for `url`. */
  acceptCookies(url: string, setCookies: readonly string[]): void {
    for (const line of setCookies) this.storeCookie(new URL(url), line);
  }

  cookie(origin: string, name: string): string | undefined {
    for (const [key, stored] of this.jar.get(origin) ?? new Map<string, StoredCookie>()) {
      if (key.split('\u0000')[0] === name) return stored.value;
    }
    return undefined;
  }

  sessionCookie(): string | undefined {
    return this.cookie(this.gatehouseOrigin, SESSION_COOKIE);
  }

  /** Cookie header for Gatehouse's API, as the SPA's fetches would send it. */
  gatehouseCookieHeader(): string {
    return this.cookieHeader(new URL(`${this.gatehouseOrigin}${API_PREFIX}/users/me`));
  }

  private cookieHeader(target: URL): string {
    const cookies = this.jar.get(target.origin);
    if (!cookies) return '';
    return [...cookies.entries()]
      .filter(
        ([, stored]) => target.pathname === stored.path || target.pathname.startsWith(stored.path.endsWith('/') ? stored.path : `${stored.path}/`),
      )
      .map(([key, stored]) => `${key.split('\u0000')[0]}=${stored.value}`)
      .join('; ');
  }

  private storeCookie(target: URL, line: string): void {
    const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
    const index = pair.indexOf('=');
    const name = pair.slice(0, index);
    const value = pair.slice(index + 1);
    let path = '/';
    let isDeleted = value === '';
    for (const attribute of attributes) {
      const [rawKey = '', ...rest] = attribute.split('=');
      const key = rawKey.toLowerCase();
      const attributeValue = rest.join('=');
      if (key === 'path') path = attributeValue || '/';
      if (key === 'max-age' && Number(attributeValue) <= 0) isDeleted = true;
      if (key === 'expires' && new Date(attributeValue).getTime() <= Date.now()) isDeleted = true;
    }
    const cookies = this.jar.get(target.origin) ?? new Map<string, StoredCookie>();
    this.jar.set(target.origin, cookies);
    const key = `${name}\u0000${path}`;
    if (isDeleted) cookies.delete(key);
    else cookies.set(key, { value, path });
  }
}
