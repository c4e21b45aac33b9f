import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config/types.js';

export type { Logger };

/**
 * Paths pino censors wherever they appear in a log object. Secrets must never reach the log;
 * code should not pass them in the first place, this is the net under that rule.
 */
const REDACTED_PATHS = [
  'password',
  '*.password',
  'current_password',
  '*.current_password',
  'token',
  '*.token',
  'access_token',
  '*.access_token',
  'token_secret',
  '*.token_secret',
  'client_secret',
  '*.client_secret',
  'smtp_password',
  '*.smtp_password',
  'hashedPassword',
  '*.hashedPassword',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

/** JSON lines on stdout (or the given stream, which tests use to read the log). */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'gatehouse' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
