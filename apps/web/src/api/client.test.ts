import { describe, expect, it } from '@jest/globals';
import { CSRF_HEADER, type UserRead } from '@gatehouse/shared';
import { ApiError } from './api-error';
import { createApiClient, fetchCurrentUser, type ApiClientDeps } from './client';

interface RecordedCall {
  url: string;
  init: RequestInit;
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function makeClient(respond: () => Response | Promise<Response>, cookies = '') {
  const calls: RecordedCall[] = [];
  const deps: ApiClientDeps = {
    fetch: async (url, init) => {
      calls.push({ url, init });
      return respond();
    },
    readCookies: () => cookies,
  };
  return { api: createApiClient(deps), calls };
}

function headersOf(call: RecordedCall | undefined): Record<string, string> {
  return (call?.init.headers ?? {}) as Record<string, string>;
}

const USER: UserRead = {
  id: '5f0c7a52-4a63-4c89-9a4e-7cf1d1f0c001',
  email: 'ada@example.com',
  username: null,
  display_name: 'Ada',
  is_active: true,
  is_superuser: false,
  is_verified: true,
  has_password: true,
  has_second_factor: false,
  email_verified_at: '2026-01-01T00:00:00.000Z',
  pending_email: null,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

describe('createApiClient: requests', () => {
  it('sends the CSRF cookie back as a header on a POST', async () => {
    const { api, calls } = makeClient(() => new Response(null, { status: 204 }), 'a=1; gatehouse_csrf=tok%3D1');
    await api.call('cookieLogin', { body: { username: 'ada@example.com', password: 'secret-pass' } });

    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe('/api/v1/auth/cookie/login');
    expect(calls[0]?.init.method).toBe('POST');
    expect(calls[0]?.init.credentials).toBe('same-origin');
    expect(headersOf(calls[0])).toEqual({
      Accept: 'application/json',
      'Content-Type': 'application/json',
      [CSRF_HEADER]: 'tok=1',
    });
    expect(JSON.parse(calls[0]?.init.body as string)).toEqual({ username: 'ada@example.com', password: 'secret-pass' });
  });

  it('attaches the header to PATCH and DELETE too, filling path parameters', async () => {
    const { api, calls } = makeClient(() => new Response(null, { status: 204 }), 'gatehouse_csrf=t');
    await api.call('deleteUser', { params: { id: 'a b' } });
    expect(calls[0]?.url).toBe('/api/v1/users/a%20b');
    expect(calls[0]?.init.method).toBe('DELETE');
    expect(headersOf(calls[0])[CSRF_HEADER]).toBe('t');
    expect(headersOf(calls[0])['Content-Type']).toBeUndefined();
  });

  it('never sends the CSRF header on a GET', async () => {
    const { api, calls } = makeClient(() => jsonResponse(200, USER), 'gatehouse_csrf=t');
    await api.call('getMe');
    expect(calls[0]?.init.method).toBe('GET');
    expect(headersOf(calls[0])).toEqual({ Accept: 'application/json' });
    expect(calls[0]?.init.body).toBeNull();
  });

  it('omits the header when there is no CSRF cookie yet', async () => {
    const { api, calls } = makeClient(() => new Response(null, { status: 204 }), 'other=1');
    await api.call('cookieLogout');
    expect(headersOf(calls[0])[CSRF_HEADER]).toBeUndefined();
  });

  it('reads the cookie on every call, so a rotated token is picked up', async () => {
    let cookies = 'gatehouse_csrf=first';
    const calls: RecordedCall[] = [];
    const api = createApiClient({
      fetch: async (url, init) => {
        calls.push({ url, init });
        return new Response(null, { status: 204 });
      },
      readCookies: () => cookies,
    });
    await api.call('cookieLogout');
    cookies = 'gatehouse_csrf=second';
    await api.call('cookieLogout');
    expect(calls.map((call) => headersOf(call)[CSRF_HEADER])).toEqual(['first', 'second']);
  });
});

describe('createApiClient: responses', () => {
  it('returns the parsed body', async () => {
    const { api } = makeClient(() => jsonResponse(200, USER));
    await expect(api.call('getMe')).resolves.toEqual(USER);
  });

  it('returns undefined for 204', async () => {
    const { api } = makeClient(() => new Response(null, { status: 204 }));
    await expect(api.call('cookieLogout')).resolves.toBeUndefined();
  });

  it('turns an error body into an ApiError with code, message and field errors', async () => {
    const { api } = makeClient(() =>
      jsonResponse(422, {
        detail: 'VALIDATION_ERROR',
        message: 'The email address is not valid.',
        errors: [{ field: '/email', message: 'Must be an email address.' }, { bogus: true }],
      }),
    );
    const error = await api.call('register', { body: { email: 'nope', password: 'long enough' } }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(422);
    expect(apiError.code).toBe('VALIDATION_ERROR');
    expect(apiError.message).toBe('The email address is not valid.');
    expect(apiError.fieldErrors).toEqual([{ field: '/email', message: 'Must be an email address.' }]);
    expect(apiError.messageForField('email')).toBe('Must be an email address.');
    expect(apiError.messageForField('password')).toBeUndefined();
  });

  it('keeps the server message for a 409 such as LAST_ADMIN', async () => {
    const { api } = makeClient(() => jsonResponse(409, { detail: 'LAST_ADMIN', message: 'You cannot remove the last administrator.' }));
    await expect(api.call('updateUser', { params: { id: USER.id }, body: { is_superuser: false } })).rejects.toMatchObject({
      status: 409,
      code: 'LAST_ADMIN',
      message: 'You cannot remove the last administrator.',
    });
  });

  it('gives a readable message, not a status, when the body is not an error response', async () => {
    const { api } = makeClient(() => new Response('<html>Bad Gateway</html>', { status: 502 }));
    const error = (await api.call('getMe').catch((caught: unknown) => caught)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.message).not.toMatch(/502/);
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('falls back on the status for an unknown code but keeps the message', async () => {
    const { api } = makeClient(() => jsonResponse(403, { detail: 'SOMETHING_NEW', message: 'Not for you.' }));
    await expect(api.call('listUsers')).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'Not for you.' });
  });

  it('reports an unreachable server as SERVICE_UNAVAILABLE with status 0', async () => {
    const { api } = makeClient(() => {
      throw new TypeError('Failed to fetch');
    });
    await expect(api.call('authMetadata')).rejects.toMatchObject({ status: 0, code: 'SERVICE_UNAVAILABLE' });
  });

  it('passes an abort through untouched so react-query can cancel quietly', async () => {
    const controller = new AbortController();
    controller.abort();
    const abortError = new DOMException('Aborted', 'AbortError');
    const { api } = makeClient(() => {
      throw abortError;
    });
    await expect(api.call('getMe', { signal: controller.signal })).rejects.toBe(abortError);
  });
});

describe('401 handling', () => {
  it('marks a 401 as unauthorized', async () => {
    const { api } = makeClient(() => jsonResponse(401, { detail: 'UNAUTHORIZED', message: 'Sign in first.' }));
    const error = (await api.call('listMySessions').catch((caught: unknown) => caught)) as ApiError;
    expect(error.isUnauthorized).toBe(true);
    expect(error.code).toBe('UNAUTHORIZED');
  });

  it('fetchCurrentUser answers null when signed out', async () => {
    const { api } = makeClient(() => jsonResponse(401, { detail: 'UNAUTHORIZED', message: 'Sign in first.' }));
    await expect(fetchCurrentUser(api)).resolves.toBeNull();
  });

  it('fetchCurrentUser returns the user when signed in', async () => {
    const { api } = makeClient(() => jsonResponse(200, USER));
    await expect(fetchCurrentUser(api)).resolves.toEqual(USER);
  });

  it('fetchCurrentUser still throws other failures', async () => {
    const { api } = makeClient(() => jsonResponse(500, { detail: 'INTERNAL_ERROR', message: 'Oops.' }));
    await expect(fetchCurrentUser(api)).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
  });
});

describe('createApiClient: query parameters', () => {
  it('adds the query string, leaving out empty values', async () => {
    const { api, calls } = makeClient(() => jsonResponse(200, { items: [], total: 0, page: 2, per_page: 25 }));
    await api.call('searchUsers', { query: { q: 'ada lovelace', page: 2, per_page: '' } });
    expect(calls[0]?.url).toBe('/api/v1/users?q=ada+lovelace&page=2');
    await api.call('searchUsers', { query: { q: '' } });
    expect(calls[1]?.url).toBe('/api/v1/users');
  });
});
