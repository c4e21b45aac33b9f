import { ERROR_STATUS, type ErrorCode, type FieldError } from '@gatehouse/shared';

/**
 * The one error type services throw. The error middleware turns it into
 * `{detail: code, message}` with the status ERROR_STATUS assigns to the code.
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: { fieldErrors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}
