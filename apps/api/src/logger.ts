import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';

// pino-pretty is loaded only for format = "pretty": the JSON default starts without it.
const require = createRequire(import.meta.url);
import type { LogFormat, LogLevel } from './config/types.js';

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

/**
 * The request being served, for the log. One per process by nature (like a thread-local): it only
 * carries the request id along async calls, so every line logged while serving a request, in any
 * service, names that request without the logger being passed down request by request.
 */
export const requestScope = new AsyncLocalStorage<{ readonly requestId: string }>();

/**
 * JSON lines on stdout (or the given stream, which tests use to read the log); "pretty" writes
 * coloured, human-readable lines instead (pino-pretty, in-process: no worker thread).
 */
export function createLogger(level: LogLevel, destination?: DestinationStream, format: LogFormat = 'json'): Logger {
  const stream = format === 'pretty' ? createPrettyStream(destination) : destination;
  return pino(
    {
      level,
      base: { service: 'gatehouse' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: () => {
        const scope = requestScope.getStore();
        return scope ? { reqId: scope.requestId } : {};
      },
    },
    stream,
  );
}

function createPrettyStream(destination: DestinationStream | undefined): DestinationStream {
  const pretty = require('pino-pretty') as typeof import('pino-pretty');
  return pretty({
    destination: destination ?? 1,
    colorize: destination === undefined && process.stdout.isTTY,
    translateTime: 'SYS:standard',
    ignore: 'pid,hostname,service',
    sync: true,
  });
}
