/** A real SMTP server (npm smtp-server) on 127.0.0.1 for tests, keeping what it receives. */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

const FIXTURES = fileURLToPath(new URL('../mail/fixtures/', import.meta.url));
export const TEST_CA_FILE = `${FIXTURES}test-ca.pem`;

export interface ReceivedMail {
  parsed: ParsedMail;
  envelopeTo: string[];
  /** Whether the message came over TLS (STARTTLS or implicit). */
  isSecure: boolean;
  user: string | undefined;
}

export interface SmtpTestServer {
  port: number;
  received: ReceivedMail[];
  /** Makes the next n messages fail with a 451 (temporary failure). */
  failNext(n: number): void;
  close(): Promise<void>;
}

export async function startSmtpTestServer(
  options: {
    tls?: 'starttls' | 'implicit' | 'none';
    auth?: { user: string; pass: string };
  } = {},
): Promise<SmtpTestServer> {
  const received: ReceivedMail[] = [];
  let failures = 0;
  const tlsMode = options.tls ?? 'none';
  const server = new SMTPServer({
    secure: tlsMode === 'implicit',
    ...(tlsMode === 'none'
      ? { disabledCommands: ['STARTTLS'] }
      : { key: fs.readFileSync(`${FIXTURES}smtp-server.key`), cert: fs.readFileSync(`${FIXTURES}smtp-server.pem`) }),
    authOptional: !options.auth,
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(new Error('Invalid username or password'));
      }
    },
    onData(stream, session: SMTPServerSession, callback) {
      simpleParser(stream)
        .then((parsed) => {
          if (failures > 0) {
            failures -= 1;
            const error = new Error('Try again later') as Error & { responseCode: number };
            error.responseCode = 451;
            callback(error);
            return;
          }
          received.push({
            parsed,
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            isSecure: session.secure,
            user: session.user as string | undefined,
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    failNext(n) {
      failures = n;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
