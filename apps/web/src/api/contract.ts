/**
 * Types of each route's request and response body, read off the shared ROUTES table: the schema
 * name a route declares selects the type `@gatehouse/shared` infers from that schema.
 */
import type {
  AdminCreateUserRequest,
  AdminCreateUserResponse,
  AdminUpdateUserRequest,
  AuthMetadata,
  LinkedAccountRead,
  LogoutResponse,
  OidcAuthorizeResponse,
  ErrorResponse,
  Health,
  Readiness,
  LoginRequest,
  RegisterRequest,
  ResetPasswordRequest,
  ForgotPasswordRequest,
  ForgotPasswordResponse,
  RequestVerifyTokenRequest,
  VerifyEmailRequest,
  AdminPasswordResetResponse,
  AuditEvent,
  AuditEventPage,
  Liveness,
  ReauthenticateRequest,
  ReauthenticateResponse,
  ROUTES,
  RouteName,
  SchemaName,
  SessionRead,
  RevokedSessions,
  LinkAccountRequest,
  UserPage,
  TokenResponse,
  UpdateMeRequest,
  UserRead,
  SecondFactorLoginRequest,
  SecondFactorStatus,
  TotpEnrolment,
  TotpConfirmRequest,
  RecoveryCodes,
  PasskeyRead,
  WebauthnOptions,
  AddPasskeyRequest,
  RenamePasskeyRequest,
  PasskeySignInRequest,
  ApiKeyRead,
  CreateApiKeyRequest,
  CreatedApiKey,
  RenameApiKeyRequest,
} from '@gatehouse/shared';

interface SchemaTypes {
  LoginRequest: LoginRequest;
  RegisterRequest: RegisterRequest;
  UpdateMeRequest: UpdateMeRequest;
  AdminCreateUserRequest: AdminCreateUserRequest;
  AdminUpdateUserRequest: AdminUpdateUserRequest;
  ResetPasswordRequest: ResetPasswordRequest;
  ForgotPasswordRequest: ForgotPasswordRequest;
  ForgotPasswordResponse: ForgotPasswordResponse;
  RequestVerifyTokenRequest: RequestVerifyTokenRequest;
  VerifyEmailRequest: VerifyEmailRequest;
  AdminPasswordResetResponse: AdminPasswordResetResponse;
  UserRead: UserRead;
  UserList: UserRead[];
  UserPage: UserPage;
  AdminCreateUserResponse: AdminCreateUserResponse;
  TokenResponse: TokenResponse;
  SessionRead: SessionRead;
  SessionList: SessionRead[];
  RevokedSessions: RevokedSessions;
  LinkAccountRequest: LinkAccountRequest;
  AuthMetadata: AuthMetadata;
  OidcAuthorizeResponse: OidcAuthorizeResponse;
  LogoutResponse: LogoutResponse;
  LinkedAccountRead: LinkedAccountRead;
  LinkedAccountList: LinkedAccountRead[];
  Health: Health;
  Liveness: Liveness;
  ReauthenticateRequest: ReauthenticateRequest;
  ReauthenticateResponse: ReauthenticateResponse;
  Readiness: Readiness;
  AuditEvent: AuditEvent;
  AuditEventPage: AuditEventPage;
  SecondFactorLoginRequest: SecondFactorLoginRequest;
  SecondFactorStatus: SecondFactorStatus;
  TotpEnrolment: TotpEnrolment;
  TotpConfirmRequest: TotpConfirmRequest;
  RecoveryCodes: RecoveryCodes;
  PasskeyRead: PasskeyRead;
  PasskeyList: PasskeyRead[];
  WebauthnOptions: WebauthnOptions;
  AddPasskeyRequest: AddPasskeyRequest;
  RenamePasskeyRequest: RenamePasskeyRequest;
  PasskeySignInRequest: PasskeySignInRequest;
  ApiKeyRead: ApiKeyRead;
  ApiKeyList: ApiKeyRead[];
  CreateApiKeyRequest: CreateApiKeyRequest;
  CreatedApiKey: CreatedApiKey;
  RenameApiKeyRequest: RenameApiKeyRequest;
  ErrorResponse: ErrorResponse;
}

// Fails to compile when the shared contract gains a schema this table does not know yet.
type AssertEveryTypeKnown<T extends Record<SchemaName, unknown>> = T;
export type SchemaType<S extends SchemaName> = AssertEveryTypeKnown<SchemaTypes>[S];

type Route<R extends RouteName> = (typeof ROUTES)[R];

/** The JSON body a route answers with; `void` for 204 routes. */
export type ResponseOf<R extends RouteName> = Route<R>['response'] extends { schema: infer S extends SchemaName } ? SchemaType<S> : void;

/** The JSON body a route takes; `never` for routes without one. */
export type RequestOf<R extends RouteName> = Route<R> extends { request: { schema: infer S extends SchemaName } } ? SchemaType<S> : never;

/** Routes whose path has `:params`. */
type PathParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

export type ParamsOf<R extends RouteName> = [PathParamNames<Route<R>['path']>] extends [never]
  ? undefined
  : Record<PathParamNames<Route<R>['path']>, string>;
