/** Composition root: build the API client and query cache, then render the router. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { ApiProvider } from './api/api-context';
import { createApiClient } from './api/client';
import { createQueryClient } from './api/query-client';
import { AppRoutes } from './routes/router';
import './styles.css';

const apiClient = createApiClient({
  fetch: (input, init) => window.fetch(input, init),
  readCookies: () => document.cookie,
});
const queryClient = createQueryClient();

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element');

createRoot(rootElement).render(
  <StrictMode>
    <ApiProvider client={apiClient}>
      <QueryClientProvider client={queryClient}>
        <AppRoutes />
      </QueryClientProvider>
    </ApiProvider>
  </StrictMode>,
);
