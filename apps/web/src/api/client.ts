/**
 * The typed fetch client. Method, path and body types all come from the shared ROUTES table, so a
 * call such as `api.call('updateUser', { params: { id }, body })` is checked against the contract.
 * `fetch` and the cookie string are injected: the browser passes its own, tests pass fakes.
 */
import { apiPath, CSRF_COOKIE, CSRF_HEADER, ROUTES, type RouteName, type UserRead } from '@gatehouse/shared';
import { ApiError, toApiError, toNetworkError } from './api-error';
import type { ParamsOf, RequestOf, ResponseOf } from './contract';
import { readCookie } from './cookies';

export interface ApiClientDeps {
  fetch: (input: string, init: RequestInit) => Promise<Response>;
  /** Returns the current `document.cookie` string; read on every call, as the token can rotate. */
  readCookies: () => string;
  /** The sub-path Gatehouse is served under ("/auth"); "" (the default) at the root. */
  basePath?: string;
}

export type CallOptions<R extends RouteName> = (ParamsOf<R> extends undefined ? { params?: undefined } : { params: ParamsOf<R> }) &
  ([RequestOf<R>] extends [never] ? { body?: undefined } : { body: RequestOf<R> }) & {
    /** Query parameters; empty values are left out. */
    query?: Readonly<Record<string, string | number>>;
    signal?: AbortSignal;
  };

type NeedsOptions<R extends RouteName> = ParamsOf<R> extends undefined ? ([RequestOf<R>] extends [never] ? false : true) : true;

export type CallArgs<R extends RouteName> = NeedsOptions<R> extends true ? [options: CallOptions<R>] : [options?: CallOptions<R>];

export interface ApiClient {
  call<R extends RouteName>(name: R, ...args: CallArgs<R>): Promise<ResponseOf<R>>;
}

interface LooseOptions {
  params?: Record<string, string>;
  query?: Readonly<Record<string, string | number>>;
  body?: unknown;
  signal?: AbortSignal;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  return JSON.parse(text) as unknown;
}

export function createApiClient({ fetch, readCookies, basePath = '' }: ApiClientDeps): ApiClient {
  async function call<R extends RouteName>(name: R, ...args: CallArgs<R>): Promise<ResponseOf<R>> {
    const options: LooseOptions = args[0] ?? {};
    const method = ROUTES[name].method.toUpperCase();
    const headers: Record<string, string> = { Accept: 'application/json' };
    // The server judges cross-site requests by the browser's own Origin / Sec-Fetch-Site and does
    // not need this token from a browser; it is sent anyway (only this origin's scripts can read
    // the cookie), as the fallback the server accepts when a browser sends neither header.
    // GETs change nothing, so they go without it.
    if (method !== 'GET') {
      const csrfToken = readCookie(readCookies(), CSRF_COOKIE);
      if (csrfToken) headers[CSRF_HEADER] = csrfToken;
    }
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';

    let response: Response;
    try {
      response = await fetch(basePath + apiPath(name, options.params) + buildQueryString(options.query), {
        method,
        headers,
        credentials: 'same-origin',
        body: options.body === undefined ? null : JSON.stringify(options.body),
        signal: options.signal ?? null,
      });
    } catch (cause) {
      // A cancelled query is not an error to show; let react-query see the abort as it is.
      if (options.signal?.aborted) throw cause;
      throw toNetworkError();
    }

    if (!response.ok) {
      let body: unknown;
      try {
        body = await readJson(response);
      } catch {
        body = undefined;
      }
      throw toApiError(response.status, body);
    }
    if (response.status === 204) return undefined as ResponseOf<R>;
    try {
      return (await readJson(response)) as ResponseOf<R>;
    } catch {
      throw toApiError(500, undefined);
    }
  }

  return { call };
}

/** "?a=1&b=2" from the non-empty values, or "" when there are none. */
export function buildQueryString(query: Readonly<Record<string, string | number>> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** The signed-in user, or null when signed out (the API answers 401). */
export async function fetchCurrentUser(api: ApiClient, signal?: AbortSignal): Promise<UserRead | null> {
  try {
    return await api.call('getMe', { signal });
  } catch (error) {
    if (error instanceof ApiError && error.isUnauthorized) return null;
    throw error;
  }
}
