import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { SmtpConfig } from '../config/types.js';
import { withTimeout } from '../timeout.js';

// Loaded when a mailer is made (SMTP configured): without one, start-up skips nodemailer.
const require = createRequire(import.meta.url);

/** The only module that knows nodemailer. */

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  /** "smtp.example.com:587 (STARTTLS)", for log lines. */
  readonly description: string;
  /** One attempt; rejects with a MailError whose message names the cause (never a password). */
  send(message: MailMessage): Promise<void>;
  /** Connects and authenticates without sending. */
  verify(): Promise<void>;
  close(): void;
}

export class MailError extends Error {
  override name = 'MailError';
}

/** Reads the private CA named by ca_file; a config problem, reported as such at start-up. */
function readCaFile(path: string): string | undefined {
  if (path === '') return undefined;
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (error) {
    throw new MailError(`notifications.smtp_config.ca_file: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

function describeTransport(smtp: SmtpConfig): string {
  const security = smtp.implicit_tls ? 'TLS' : smtp.use_tls ? 'STARTTLS' : 'unencrypted';
  return `${smtp.smtp_host}:${smtp.smtp_port} (${security})`;
}

/** nodemailer's errors carry a code and often the server's reply; keep what helps an admin. */
function toMailError(error: unknown, description: string): MailError {
  const { code, responseCode, response, message } = error as {
    code?: string;
    responseCode?: number;
    response?: string;
    message?: string;
  };
  const detail = response ? `server said: ${response}` : (message ?? String(error));
  const parts = [code, responseCode ? String(responseCode) : undefined].filter(Boolean).join(' ');
  return new MailError(`Sending mail through ${description} failed${parts ? ` (${parts})` : ''}: ${detail}`);
}

export function createMailer(smtp: SmtpConfig): Mailer {
  const nodemailer = require('nodemailer') as typeof import('nodemailer');
  const description = describeTransport(smtp);
  const ca = readCaFile(smtp.ca_file);
  const transport = nodemailer.createTransport({
    host: smtp.smtp_host,
    port: smtp.smtp_port,
    secure: smtp.implicit_tls,
    // use_tls = true: STARTTLS is required; the send fails rather than go on in the clear.
    requireTLS: !smtp.implicit_tls && smtp.use_tls,
    // use_tls = false (and no implicit TLS): a plain relay, as configured.
    ignoreTLS: !smtp.implicit_tls && !smtp.use_tls,
    auth: smtp.smtp_user ? { user: smtp.smtp_user, pass: smtp.smtp_password } : undefined,
    tls: { ...(ca ? { ca } : {}), minVersion: 'TLSv1.2' },
    connectionTimeout: smtp.connection_timeout * 1000,
    greetingTimeout: smtp.connection_timeout * 1000,
    socketTimeout: smtp.send_timeout * 1000,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const from = { name: smtp.from_name, address: smtp.from_email };

  /** nodemailer's socket timeout is per inactivity; this bounds the whole exchange. */
  function withDeadline<T>(work: Promise<T>): Promise<T> {
    return withTimeout(
      work,
      smtp.send_timeout * 1000,
      () => new MailError(`Sending mail through ${description} timed out after ${smtp.send_timeout} s.`),
    );
  }

  return {
    description,
    async send(message) {
      try {
        await withDeadline(transport.sendMail({ from, ...message }));
      } catch (error) {
        throw error instanceof MailError ? error : toMailError(error, description);
      }
    },
    async verify() {
      try {
        await withDeadline(transport.verify());
      } catch (error) {
        throw error instanceof MailError ? error : toMailError(error, description);
      }
    },
    close() {
      transport.close();
    },
  };
}
