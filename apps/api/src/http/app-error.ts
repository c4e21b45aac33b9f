import {
  ERROR_STATUS,
  OIDC_ERROR_MESSAGES,
  isOidcErrorCode,
  type ErrorCode,
  type FieldError,
  type OidcErrorCode,
  type SecondFactorChallenge,
} from '@gatehouse/shared';

export interface AppErrorOptions {
  fieldErrors?: FieldError[];
  headers?: Record<string, string>;
  /** SECOND_FACTOR_REQUIRED: how to complete the sign-in (answered as `second_factor`). */
  secondFactor?: SecondFactorChallenge;
  /**
   * For the server log only: what happened and how an administrator fixes it. An error with a log
   * message (or a cause) is logged by the error middleware; a plain refusal is not, so a client's
   * bad input cannot flood the log. Never put tokens, codes, passwords or secrets here.
   */
  logMessage?: string;
  /** Structured fields for that log line (no secrets either). */
  logDetails?: Record<string, unknown>;
  /** `error` for what an operator must act on now (an outage); refusals worth a line are `warn`. */
  logLevel?: 'warn' | 'error';
  /** The error this one stands for; logged, never answered. */
  cause?: unknown;
}

/**
 * The one error type the API throws. The client gets `{detail: code, message: userMessage}` with
 * the status ERROR_STATUS assigns to the code; the log gets `logMessage` and `cause`. `message`
 * (what stack traces and `String(error)` show) is the log side, which falls back to the user's.
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    readonly userMessage: string,
    readonly options: AppErrorOptions = {},
  ) {
    super(options.logMessage ?? userMessage, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = ERROR_STATUS[code];
  }

  get logMessage(): string {
    return this.message;
  }

  /** Whether the error middleware writes a line for it (see AppErrorOptions.logMessage). */
  get isLogged(): boolean {
    return this.options.logMessage !== undefined || this.options.cause !== undefined;
  }
}

/** An OpenID Connect failure: an AppError with an OIDC_* code, whose log message is the admin's hint. */
export type OidcFailure = AppError & { readonly code: OidcErrorCode; readonly options: AppErrorOptions & { logMessage: string } };

/**
 * An OpenID Connect failure: the user sees the code's fixed message (the callback carries only the
 * code to /login), the administrator's log gets `adminHint`, which names the fix. No cause: the
 * library's errors can hold token responses, so the hint names the failed check instead.
 */
export function oidcFailure(code: OidcErrorCode, adminHint: string, details: Record<string, unknown> = {}): OidcFailure {
  return new AppError(code, OIDC_ERROR_MESSAGES[code], { logMessage: adminHint, logDetails: details }) as OidcFailure;
}

export function isOidcFailure(error: unknown): error is OidcFailure {
  return error instanceof AppError && isOidcErrorCode(error.code) && error.options.logMessage !== undefined;
}
