/** @jest-environment jsdom */
import { afterEach, describe, expect, it } from '@jest/globals';
import { cleanup, screen, waitFor } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import { renderPage, SIGNED_OUT } from '../test-support/render-page';
import { makeUser } from '../test-support/users';
import { RequireAuth } from './require-auth';

afterEach(cleanup);

// As in the app, /login is another route: the guard is gone once it has sent the visitor there.
const page = (
  <Routes>
    <Route path="/login" element={<h1>Sign in</h1>} />
    <Route
      path="*"
      element={
        <RequireAuth>
          <h1>Secret page</h1>
        </RequireAuth>
      }
    />
  </Routes>
);

describe('RequireAuth', () => {
  it('shows nothing of the page while it asks who is signed in', async () => {
    let answer: () => void = () => undefined;
    renderPage(page, {
      path: '/admin/users',
      server: () => new Promise((resolve) => (answer = () => resolve({ status: 200, body: makeUser() }))),
    });
    expect(screen.getByRole('status').textContent).toBe('Loading…');
    expect(screen.queryByRole('heading', { name: 'Secret page' })).toBeNull();
    answer();
    await screen.findByRole('heading', { name: 'Secret page' });
  });

  it('sends a signed-out visitor to sign in, and back here afterwards', async () => {
    const rendered = renderPage(page, { path: '/admin/users?q=ada&page=2', server: () => SIGNED_OUT });
    await waitFor(() => expect(rendered.history.at(-1)).toBe('/login?returnTo=%2Fadmin%2Fusers%3Fq%3Dada%26page%3D2'));
    expect(screen.queryByRole('heading', { name: 'Secret page' })).toBeNull();
  });

  it('holds an account no administrator has approved yet on the pending page', async () => {
    renderPage(page, { path: '/', server: () => ({ status: 200, body: makeUser({ is_verified: false }) }) });
    await screen.findByRole('heading', { name: 'Waiting for approval' });
    expect(screen.getByText('ada@example.com')).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Secret page' })).toBeNull();
  });

  it('never holds back an administrator', async () => {
    renderPage(page, {
      path: '/',
      server: () => ({ status: 200, body: makeUser({ is_verified: false, is_superuser: true }) }),
    });
    await screen.findByRole('heading', { name: 'Secret page' });
  });

  it('offers to try again when the server cannot say', async () => {
    renderPage(page, {
      path: '/',
      server: () => ({ status: 422, body: { detail: 'VALIDATION_ERROR', message: 'Odd request.' } }),
    });
    expect((await screen.findByRole('alert')).textContent).toBe('Odd request.');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
});
