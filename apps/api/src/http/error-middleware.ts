import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ErrorResponse } from '@gatehouse/shared';
import { AppError } from './app-error.js';
import type { Logger } from '../logger.js';
import { readRequestId } from './request-context.js';

/**
 * Maps every error to JSON. AppErrors carry their code and answer their user message; those with
 * a log message or a cause are logged with both (never answered). Body-parser's errors become 4xx
 * with the reason; anything else is a bug: logged with its cause, answered with a generic 500 and
 * never a stack trace.
 */
export function createErrorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const appError = toAppError(error);
    const requestId = readRequestId(res);
    if (!appError) {
      logger.error({ err: error, reqId: requestId, method: req.method, path: req.path }, 'Unhandled error');
    } else if (appError.isLogged) {
      const { cause, logDetails, logLevel = 'warn' } = appError.options;
      logger[logLevel](
        { ...logDetails, ...(cause === undefined ? {} : { err: cause }), code: appError.code, reqId: requestId, method: req.method, path: req.path },
        appError.logMessage,
      );
    }
    const { status, body, headers } = appError
      ? {
          status: appError.status,
          body: {
            detail: appError.code,
            message: appError.userMessage,
            ...(requestId ? { request_id: requestId } : {}),
            ...(appError.options.fieldErrors ? { errors: appError.options.fieldErrors } : {}),
            ...(appError.options.secondFactor ? { second_factor: appError.options.secondFactor } : {}),
          } satisfies ErrorResponse,
          headers: appError.options.headers ?? {},
        }
      : {
          status: 500,
          body: {
            detail: 'INTERNAL_ERROR',
            message: `Something went wrong on our side. The error was logged${requestId ? ` with request id ${requestId}` : ''}.`,
            ...(requestId ? { request_id: requestId } : {}),
          } satisfies ErrorResponse,
          headers: {},
        };
    res.status(status).set(headers).json(body);
  };
}

interface HttpLikeError {
  type?: string;
  status?: number;
  expose?: boolean;
}

function toAppError(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  if (typeof error !== 'object' || error === null) return null;
  const { type, status } = error as HttpLikeError;
  switch (type) {
    case 'entity.parse.failed':
      return new AppError('MALFORMED_BODY', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'The request body uses an unsupported encoding or charset.');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'parameters.too.many':
      return new AppError('MALFORMED_BODY', 'The request body could not be read.');
    default:
      break;
  }
  // A compressed body that does not decompress (zlib's Z_* codes).
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new AppError('MALFORMED_BODY', 'The request body could not be decompressed.');
  }
  // Other 4xx errors raised by Express/body-parser (e.g. a malformed URI) are the client's.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError('MALFORMED_REQUEST', 'The request URL or headers could not be understood.');
  }
  if (isDatabaseUnavailable(error)) {
    // An outage, logged as one (a busy password hasher answers 503 too, and is not one).
    return new AppError('SERVICE_UNAVAILABLE', 'The database is unreachable right now. Try again shortly.', {
      headers: { 'Retry-After': '5' },
      logMessage: 'Database unavailable',
      logLevel: 'error',
      cause: error,
    });
  }
  return null;
}

/** Connection-level failures (Prisma P1xxx, pool exhaustion, refused sockets): an outage, not a bug. */
const DATABASE_UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'ECONNREFUSED', 'ECONNRESET', '57P01']);

/** pg-pool's error when no connection came free (or none could be opened) within pool_timeout. */
const POOL_TIMEOUT_MESSAGE = 'timeout exceeded when trying to connect';

function isDatabaseUnavailable(error: object): boolean {
  const { code, name, cause, message } = error as { code?: unknown; name?: unknown; cause?: unknown; message?: unknown };
  if (name === 'PrismaClientInitializationError') return true;
  if (typeof message === 'string' && message.includes(POOL_TIMEOUT_MESSAGE)) return true;
  if (typeof code === 'string' && DATABASE_UNAVAILABLE_CODES.has(code)) return true;
  return typeof cause === 'object' && cause !== null && isDatabaseUnavailable(cause);
}

export const notFoundApiHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', `Nothing at ${req.method} ${req.path}.`));
};
