/**
 * Component-test harness: renders a page with the real API client, query cache and router, over
 * a fake `fetch` the test answers, at an address held in memory. The test sees every request.
 */
import type { ReactElement } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { configure, render, type RenderResult } from '@testing-library/react';
import { MemoryRouter, useLocation } from 'react-router-dom';
import { ApiProvider } from '../api/api-context';
import { createApiClient } from '../api/client';
import { createQueryClient } from '../api/query-client';

// findBy…/waitFor give up after 1 s by default; a busy two-core CI machine can take longer to
// render a page of 25 rows. A failing assertion still fails, only later.
configure({ asyncUtilTimeout: 5000 });

export interface FakeRequest {
  method: string;
  /** Path and query, e.g. "/api/v1/users?q=ada". */
  url: string;
  body: unknown;
}

export interface FakeAnswer {
  status: number;
  body?: unknown;
}

/** Answers one request; return undefined for "not handled" (the harness answers 404 and records it). */
export type FakeServer = (request: FakeRequest) => FakeAnswer | undefined | Promise<FakeAnswer | undefined>;

export interface RenderedPage extends RenderResult {
  requests: FakeRequest[];
  unhandled: FakeRequest[];
  /** Every address the app navigated to, the first one included. */
  history: string[];
}

/** Records every address the router shows, as path + query. */
function LocationRecorder({ history }: { history: string[] }) {
  const location = useLocation();
  const here = location.pathname + location.search;
  if (history.at(-1) !== here) history.push(here);
  return null;
}

export function renderPage(ui: ReactElement, { path, server }: { path: string; server: FakeServer }): RenderedPage {
  const requests: FakeRequest[] = [];
  const unhandled: FakeRequest[] = [];
  const api = createApiClient({
    readCookies: () => 'gatehouse_csrf=test-csrf',
    fetch: async (url, init) => {
      const request: FakeRequest = {
        method: String(init.method),
        url,
        body: typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
      };
      requests.push(request);
      const answer = await server(request);
      if (!answer) unhandled.push(request);
      const { status, body } = answer ?? { status: 404, body: { detail: 'NOT_FOUND', message: 'Not found.' } };
      // jsdom has no fetch Response; the client reads only these members.
      const text = status === 204 || body === undefined ? '' : JSON.stringify(body);
      return { ok: status >= 200 && status < 300, status, text: async () => text } as Response;
    },
  });
  const queryClient = createQueryClient();
  const history: string[] = [];
  const rendered = render(
    <ApiProvider client={api}>
      <QueryClientProvider client={queryClient}>
        <MemoryRouter initialEntries={[path]}>
          <LocationRecorder history={history} />
          {ui}
        </MemoryRouter>
      </QueryClientProvider>
    </ApiProvider>,
  );
  return { ...rendered, requests, unhandled, history };
}

/** Answers 401 to GET /users/me: nobody is signed in. */
export const SIGNED_OUT: FakeAnswer = { status: 401, body: { detail: 'UNAUTHORIZED', message: 'Sign in first.' } };
