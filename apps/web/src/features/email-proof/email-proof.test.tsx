/** @jest-environment jsdom */
import { afterEach, describe, expect, it } from '@jest/globals';
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { renderPage, type FakeRequest } from '../../test-support/render-page';
import { makeUser } from '../../test-support/users';
import { ChangeEmailForm, describeChange } from '../account/change-email-form';
import { ConfirmEmailBanner } from './confirm-email-banner';
import { VerifyEmailPage } from './verify-email-page';

afterEach(cleanup);

const ACCEPTED = { status: 202, body: { message: 'If an account with that email exists…' } };

describe('ConfirmEmailBanner', () => {
  it('asks the server to mail a link to the unproven address, and says it was sent', async () => {
    const user = makeUser({ email: 'ada@example.com', email_verified_at: null });
    const server = (request: FakeRequest) =>
      request.method === 'POST' && request.url === '/api/v1/auth/request-verify-token' ? ACCEPTED : undefined;
    const rendered = renderPage(<ConfirmEmailBanner user={user} />, { path: '/', server });
    expect(screen.getByRole('region', { name: 'Confirm your email' }).textContent).toContain('ada@example.com');
    fireEvent.click(screen.getByRole('button', { name: 'Send confirmation link' }));
    expect((await screen.findByText(/We sent a link to ada@example.com/)).getAttribute('role')).toBe('status');
    expect(rendered.requests).toEqual([{ method: 'POST', url: '/api/v1/auth/request-verify-token', body: { email: 'ada@example.com' } }]);
    expect(screen.queryByRole('button', { name: 'Send confirmation link' })).toBeNull();
  });

  it('shows a refusal (too many requests) instead of claiming success', async () => {
    const user = makeUser({ email_verified_at: null });
    const server = () => ({ status: 429, body: { detail: 'RATE_LIMITED', message: 'Too many requests; try again in 60 minutes.' } });
    renderPage(<ConfirmEmailBanner user={user} />, { path: '/', server });
    fireEvent.click(screen.getByRole('button', { name: 'Send confirmation link' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Too many requests/);
    expect(screen.queryByText(/We sent a link/)).toBeNull();
  });
});

describe('VerifyEmailPage', () => {
  it('confirms the token from the link only when asked, and shows the proven address', async () => {
    const server = (request: FakeRequest) =>
      request.method === 'POST' && request.url === '/api/v1/auth/verify'
        ? { status: 200, body: makeUser({ email: 'ada@example.com', email_verified_at: '2026-02-01T00:00:00.000Z' }) }
        : undefined;
    const rendered = renderPage(<VerifyEmailPage />, { path: '/verify-email?token=tok-123', server });
    // Nothing is used up on load (mail scanners open links).
    expect(rendered.requests).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Confirm my email address' }));
    expect((await screen.findByRole('status')).textContent).toContain('Your email address ada@example.com is confirmed');
    expect(rendered.requests).toEqual([{ method: 'POST', url: '/api/v1/auth/verify', body: { token: 'tok-123' } }]);
  });

  it('says so when the link is invalid, expired or used', async () => {
    const server = () => ({
      status: 400,
      body: { detail: 'EMAIL_VERIFY_BAD_TOKEN', message: 'This confirmation link is invalid, expired or already used. Ask for a new one.' },
    });
    renderPage(<VerifyEmailPage />, { path: '/verify-email?token=old', server });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm my email address' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/invalid, expired or already used/);
    expect(screen.queryByText(/is confirmed/)).toBeNull();
  });

  it('refuses a link without a token without calling the server', () => {
    const rendered = renderPage(<VerifyEmailPage />, { path: '/verify-email', server: () => undefined });
    expect(screen.getByRole('alert').textContent).toMatch(/no token/);
    expect(screen.queryByRole('button', { name: 'Confirm my email address' })).toBeNull();
    expect(rendered.requests).toEqual([]);
  });
});

describe('pending email change on the account page', () => {
  it('shows the address waiting for confirmation and resends its link', async () => {
    const user = makeUser({ email: 'ada@example.com', pending_email: 'ada@new.example' });
    const server = (request: FakeRequest) => (request.url === '/api/v1/auth/request-verify-token' ? ACCEPTED : undefined);
    const rendered = renderPage(<ChangeEmailForm user={user} />, { path: '/', server });
    const pending = screen.getByRole('region', { name: 'Pending email change' });
    expect(pending.textContent).toContain('Waiting for confirmation at ada@new.example');
    fireEvent.click(screen.getByRole('button', { name: 'Resend link' }));
    await screen.findByText('We sent the link to ada@new.example again.');
    // The server finds the account by its current address and mails the pending one.
    expect(rendered.requests).toEqual([{ method: 'POST', url: '/api/v1/auth/request-verify-token', body: { email: 'ada@example.com' } }]);
  });

  it('shows nothing pending when there is no change waiting', () => {
    renderPage(<ChangeEmailForm user={makeUser({ pending_email: null })} />, { path: '/', server: () => undefined });
    expect(screen.queryByRole('region', { name: 'Pending email change' })).toBeNull();
  });

  it('describes what a change did: waiting, applied unproven, or applied', () => {
    expect(describeChange(makeUser({ email: 'a@x.io', pending_email: 'b@x.io' }))).toBe(
      'We sent a link to b@x.io. Your email changes once you open it; until then it stays a@x.io.',
    );
    expect(describeChange(makeUser({ email: 'b@x.io', email_verified_at: null }))).toBe('Your email address is now b@x.io. It is not confirmed yet.');
    expect(describeChange(makeUser({ email: 'b@x.io' }))).toBe('Your email address is now b@x.io.');
  });
});
