import crypto from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { requestScope, type Logger } from '../logger.js';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * A caller's (or reverse proxy's) X-Request-Id is kept when it is a plausible id: short, and
 * letters, digits and . _ : - only. Anything else (log injection, a megabyte of junk) is replaced.
 */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function readRequestId(res: Response): string | undefined {
  const id: unknown = res.locals.requestId;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Gives the request its id (echoed in X-Request-Id and in error bodies), makes every log line
 * written while serving it carry that id, and logs one line when the answer is finished.
 */
export function createRequestContext(logger: Logger): RequestHandler {
  // The access line is made here of fixed fields only (no query string, no header, no body), so
  // it skips pino's redaction, which is most of what a log call costs.
  const accessLog = logger.child({}, { redact: [] });
  return (req, res, next) => {
    const offered = req.get(REQUEST_ID_HEADER);
    const requestId = offered !== undefined && ACCEPTABLE_REQUEST_ID.test(offered) ? offered : crypto.randomUUID();
    res.locals.requestId = requestId;
    res.set(REQUEST_ID_HEADER, requestId);
    const startedAt = process.hrtime.bigint();
    res.on('finish', () => logCompleted(accessLog, req, res, requestId, startedAt));
    requestScope.run({ requestId }, next);
  };
}

/**
 * Body parsers call next() from the socket's stream events, which run outside the request's
 * async context: re-entering it after them keeps the id on every later line.
 */
export const reenterRequestScope: RequestHandler = (_req, res, next) => {
  const requestId = readRequestId(res);
  if (requestId === undefined) {
    next();
    return;
  }
  requestScope.run({ requestId }, next);
};

/** Set by logAccessAtDebug. */
const ROUTINE = Symbol('routine answer');
type RoutineLocals = { [ROUTINE]?: true };

/**
 * Logs this request's access line at debug rather than info, for the answers that come in
 * streams and say nothing about anyone: ForwardAuth letting a request through or sending a
 * visitor to sign in (one per request of every guarded app: a page of posters is a hundred), the
 * web UI's metadata (every page load) and health probes that find all well (every few seconds).
 * The reverse proxy's own access log has each; refusals and failures are still logged at info.
 */
export function logAccessAtDebug(res: Response): void {
  (res.locals as RoutineLocals)[ROUTINE] = true;
}

function logCompleted(logger: Logger, req: Request, res: Response, requestId: string, startedAt: bigint): void {
  const level = res.statusCode >= 500 ? 'error' : (res.locals as RoutineLocals)[ROUTINE] === true ? 'debug' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const ms = Number(process.hrtime.bigint() - startedAt) / 1e6;
  // The path only: query strings can carry tokens (OIDC callback code and state). originalUrl,
  // because req.url is relative to whichever router saw the request last.
  const path = req.originalUrl.split('?')[0]!.slice(0, 300);
  const line = { reqId: requestId, method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10 };
  logger[level](line, level === 'error' ? 'Request failed' : 'Request completed');
}
