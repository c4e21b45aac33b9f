import { describe, expect, it } from '@jest/globals';
import express from 'express';
import request from 'supertest';
import type { Logger } from '../logger.js';
import { AppError, isOidcFailure, oidcFailure } from './app-error.js';
import { createErrorMiddleware } from './error-middleware.js';

/** An app whose one route throws `error`, and the lines its error middleware logged. */
function appThrowing(error: unknown) {
  const lines: Array<{ level: string; fields: Record<string, unknown>; msg: string }> = [];
  const record = (level: string) => (fields: Record<string, unknown>, msg: string) => lines.push({ level, fields, msg });
  const logger = { warn: record('warn'), error: record('error') } as unknown as Logger;
  const app = express();
  app.get('/boom', () => {
    throw error;
  });
  app.use(createErrorMiddleware(logger));
  return { app, lines };
}

describe('error middleware and AppError', () => {
  it('answers the user message and logs the log message with its cause, never the other way round', async () => {
    const cause = new Error('connection to 10.0.0.5 refused');
    const { app, lines } = appThrowing(
      new AppError('SERVICE_UNAVAILABLE', 'Try again shortly.', { logMessage: 'The mail relay is down', logLevel: 'error', cause }),
    );
    const res = await request(app).get('/boom');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ detail: 'SERVICE_UNAVAILABLE', message: 'Try again shortly.' });
    expect(res.text).not.toContain('mail relay');
    expect(res.text).not.toContain('10.0.0.5');
    expect(lines).toEqual([
      { level: 'error', fields: expect.objectContaining({ err: cause, code: 'SERVICE_UNAVAILABLE' }), msg: 'The mail relay is down' },
    ]);
  });

  it('does not log a plain refusal (a client cannot flood the log with bad input)', async () => {
    const { app, lines } = appThrowing(
      new AppError('VALIDATION_ERROR', 'email: is required', { fieldErrors: [{ field: 'email', message: 'is required' }] }),
    );
    const res = await request(app).get('/boom');
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ detail: 'VALIDATION_ERROR', message: 'email: is required', errors: [{ field: 'email', message: 'is required' }] });
    expect(lines).toEqual([]);
  });

  it('an OIDC failure answers the code’s fixed message and logs the admin hint at warn', async () => {
    const failure = oidcFailure('OIDC_INVALID_CLIENT', 'Check client_id and client_secret.', { provider: 'Test' });
    expect(isOidcFailure(failure)).toBe(true);
    expect(failure.cause).toBeUndefined();
    const { app, lines } = appThrowing(failure);
    const res = await request(app).get('/boom');
    expect(res.status).toBe(502);
    expect(res.body.detail).toBe('OIDC_INVALID_CLIENT');
    expect(res.body.message).toMatch(/did not accept this server’s client credentials/);
    expect(lines).toEqual([
      {
        level: 'warn',
        fields: expect.objectContaining({ provider: 'Test', code: 'OIDC_INVALID_CLIENT' }),
        msg: 'Check client_id and client_secret.',
      },
    ]);
  });

  it('an AppError with an OIDC code but no hint is not an OIDC failure', () => {
    expect(isOidcFailure(new AppError('OIDC_PROVIDER_NOT_FOUND', 'No identity provider is enabled on this server.'))).toBe(false);
  });
});
