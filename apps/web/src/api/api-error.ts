import { ErrorCode, type FieldError, type SecondFactorChallenge } from '@gatehouse/shared';

export type SecondFactorMethod = SecondFactorChallenge['methods'][number];

/** Every failed call surfaces as this: the server's code and human message, never a raw status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  readonly code: ErrorCode;
  readonly fieldErrors: readonly FieldError[];
  /** SECOND_FACTOR_REQUIRED: the ways the account can complete its sign-in. */
  readonly secondFactorMethods: readonly SecondFactorMethod[];

  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    fieldErrors: readonly FieldError[] = [],
    secondFactorMethods: readonly SecondFactorMethod[] = [],
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.fieldErrors = fieldErrors;
    this.secondFactorMethods = secondFactorMethods;
  }

  get isUnauthorized(): boolean {
    return this.status === 401;
  }

  /** The message for one form field, if the server named it ("email" and "/email" both match). */
  messageForField(field: string): string | undefined {
    return this.fieldErrors.find((error) => error.field.replace(/^\//, '') === field)?.message;
  }
}

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

const FALLBACK_MESSAGES: Partial<Record<ErrorCode, string>> = {
  MALFORMED_BODY: 'The server did not accept that request.',
  UNAUTHORIZED: 'You are signed out. Sign in again.',
  FORBIDDEN: 'You do not have permission to do that.',
  NOT_FOUND: 'That could not be found.',
  PAYLOAD_TOO_LARGE: 'That is too much data to send.',
  VALIDATION_ERROR: 'Some of the values you entered are not valid.',
  RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
  SERVICE_UNAVAILABLE: 'The server is unavailable right now. Try again in a moment.',
  INTERNAL_ERROR: 'Something went wrong on the server. Try again in a moment.',
};

/** A code for responses that did not carry one (a proxy's error page, say). */
function fallbackCodeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return ErrorCode.MALFORMED_BODY;
    case 401:
      return ErrorCode.UNAUTHORIZED;
    case 403:
      return ErrorCode.FORBIDDEN;
    case 404:
      return ErrorCode.NOT_FOUND;
    case 413:
      return ErrorCode.PAYLOAD_TOO_LARGE;
    case 422:
      return ErrorCode.VALIDATION_ERROR;
    case 429:
      return ErrorCode.RATE_LIMITED;
    case 502:
    case 503:
    case 504:
      return ErrorCode.SERVICE_UNAVAILABLE;
    default:
      return ErrorCode.INTERNAL_ERROR;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readFieldErrors(value: unknown): FieldError[] {
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is FieldError => isRecord(item) && typeof item.field === 'string' && typeof item.message === 'string');
}

function readSecondFactorMethods(value: unknown): SecondFactorMethod[] {
  const methods = isRecord(value) ? value.methods : undefined;
  return Array.isArray(methods) ? methods.filter((method): method is SecondFactorMethod => typeof method === 'string') : [];
}

/** Turns an error response (status + parsed JSON body, or undefined) into an ApiError. */
export function toApiError(status: number, body: unknown): ApiError {
  const fallbackCode = fallbackCodeForStatus(status);
  const fallbackMessage = FALLBACK_MESSAGES[fallbackCode] ?? 'Something went wrong. Try again.';
  if (!isRecord(body)) return new ApiError(status, fallbackCode, fallbackMessage);

  const code = typeof body.detail === 'string' && KNOWN_CODES.has(body.detail) ? (body.detail as ErrorCode) : fallbackCode;
  const message = typeof body.message === 'string' && body.message.trim() !== '' ? body.message : (FALLBACK_MESSAGES[code] ?? fallbackMessage);
  return new ApiError(status, code, message, readFieldErrors(body.errors), readSecondFactorMethods(body.second_factor));
}

export function toNetworkError(): ApiError {
  return new ApiError(0, ErrorCode.SERVICE_UNAVAILABLE, 'Could not reach the server. Check your connection and try again.');
}

/** The text to show for anything a query or mutation threw. */
export function describeError(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong. Try again.';
}
