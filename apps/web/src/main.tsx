/** Composition root: build the API client and query cache, then render the router. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { ApiProvider } from './api/api-context';
import { createApiClient } from './api/client';
import { createQueryClient } from './api/query-client';
import { BrowserRouter } from 'react-router-dom';
import { AppRoutes } from './routes/router';
import { readBasePath } from './base-path';
import './styles.css';

const basePath = readBasePath(document.querySelector('base')?.getAttribute('href') ?? null);
const apiClient = createApiClient({
  fetch: (input, init) => window.fetch(input, init),
  readCookies: () => document.cookie,
  basePath,
});
const queryClient = createQueryClient();

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element');

createRoot(rootElement).render(
  <StrictMode>
    <ApiProvider client={apiClient}>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter basename={basePath}>
          <AppRoutes />
        </BrowserRouter>
      </QueryClientProvider>
    </ApiProvider>
  </StrictMode>,
);
