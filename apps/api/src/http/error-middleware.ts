import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ErrorResponse } from '@gatehouse/shared';
import { AppError } from './app-error.js';
import type { Logger } from '../logger.js';

/**
 * Maps every error to JSON. AppErrors carry their code; body-parser's errors become 4xx with
 * the reason; anything else is a bug: logged with its cause, answered with a generic 500 and
 * never a stack trace.
 */
export function createErrorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const appError = toAppError(error);
    if (!appError) {
      logger.error({ err: error, method: req.method, path: req.path }, 'Unhandled error');
    }
    const { status, body, headers } = appError
      ? {
          status: appError.status,
          body: {
            detail: appError.code,
            message: appError.message,
            ...(appError.options.fieldErrors ? { errors: appError.options.fieldErrors } : {}),
          } satisfies ErrorResponse,
          headers: appError.options.headers ?? {},
        }
      : {
          status: 500,
          body: { detail: 'INTERNAL_ERROR', message: 'Something went wrong on our side. The error was logged.' } satisfies ErrorResponse,
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
  // Other 4xx errors raised by Express/body-parser (e.g. a malformed URI) are the client's.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError('MALFORMED_BODY', 'The request could not be understood.');
  }
  return null;
}

export const notFoundApiHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', `Nothing at ${req.method} ${req.path}.`));
};
