/**
 * The browser's WebAuthn, faked for component tests as render-page.tsx fakes fetch: a
 * window.PublicKeyCredential (saying whether autofill offers passkeys) and navigator.credentials,
 * which record every request the page makes and answer it as an authenticator would, with fixed
 * bytes. A modal request answers at once (or as the test says); an autofill (conditional) request
 * waits until the test picks a passkey, or until the page aborts it.
 */

export interface WebauthnRequest {
  kind: 'get' | 'create';
  /** The options as the browser got them (ArrayBuffers where the JSON had base64url strings). */
  publicKey: Record<string, unknown>;
  mediation: string | undefined;
  signal: AbortSignal | undefined;
  /** Settled: answered, refused or aborted. */
  isSettled: boolean;
}

/** What the next modal request does: answer with the passkey, or fail as the browser would. */
export type FakeOutcome = 'answer' | 'NotAllowedError' | 'InvalidStateError';

export interface FakeWebauthn {
  readonly requests: WebauthnRequest[];
  /** The outcome of modal requests from now on; default 'answer'. */
  nextOutcome: FakeOutcome;
  /** The person picks the passkey in the email field's autofill: the waiting conditional request answers. */
  pickInAutofill(): void;
  /** The requests still waiting. */
  pending(): WebauthnRequest[];
  uninstall(): void;
}

/** The passkey the fake authenticator holds: base64url of "passkey-1". */
export const FAKE_CREDENTIAL_ID = 'cGFzc2tleS0x';

/** base64url of a text, for options as the server sends them (challenge, user id, credential ids). */
export function base64url(text: string): string {
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const bytes = (text: string): ArrayBuffer => new TextEncoder().encode(text).buffer;

function assertion() {
  return {
    id: FAKE_CREDENTIAL_ID,
    rawId: bytes('passkey-1'),
    type: 'public-key',
    authenticatorAttachment: 'platform',
    response: {
      authenticatorData: bytes('authenticator-data'),
      clientDataJSON: bytes('{"type":"webauthn.get"}'),
      signature: bytes('signature'),
      userHandle: bytes('user-handle'),
    },
    getClientExtensionResults: () => ({}),
  };
}

function attestation() {
  return {
    id: FAKE_CREDENTIAL_ID,
    rawId: bytes('passkey-1'),
    type: 'public-key',
    authenticatorAttachment: 'platform',
    response: {
      attestationObject: bytes('attestation-object'),
      clientDataJSON: bytes('{"type":"webauthn.create"}'),
      getTransports: () => ['internal'],
    },
    getClientExtensionResults: () => ({}),
  };
}

/** Installs the fake; `autofill`: whether the browser lists passkeys in autofill (conditional mediation). */
export function installFakeWebauthn({ autofill = false }: { autofill?: boolean } = {}): FakeWebauthn {
  const requests: WebauthnRequest[] = [];
  const waiting: { request: WebauthnRequest; answer: () => void }[] = [];

  function request(kind: 'get' | 'create', options: CredentialRequestOptions | CredentialCreationOptions): Promise<unknown> {
    const record: WebauthnRequest = {
      kind,
      publicKey: options.publicKey as unknown as Record<string, unknown>,
      mediation: 'mediation' in options ? options.mediation : undefined,
      signal: options.signal ?? undefined,
      isSettled: false,
    };
    requests.push(record);
    return new Promise((resolve, reject) => {
      const settle = (outcome: () => void) => {
        if (record.isSettled) return;
        record.isSettled = true;
        outcome();
      };
      record.signal?.addEventListener('abort', () => settle(() => reject(new DOMException('The operation was aborted.', 'AbortError'))));
      const answer = () => settle(() => resolve(kind === 'get' ? assertion() : attestation()));
      if (record.mediation === 'conditional') {
        waiting.push({ request: record, answer });
      } else if (fake.nextOutcome === 'answer') {
        queueMicrotask(answer);
      } else {
        const name = fake.nextOutcome;
        queueMicrotask(() => settle(() => reject(new DOMException(`The browser said ${name}.`, name))));
      }
    });
  }

  class PublicKeyCredential {
    static isConditionalMediationAvailable = async () => autofill;
  }
  Object.defineProperty(window, 'PublicKeyCredential', { configurable: true, value: PublicKeyCredential });
  Object.defineProperty(navigator, 'credentials', {
    configurable: true,
    value: {
      get: (options: CredentialRequestOptions) => request('get', options),
      create: (options: CredentialCreationOptions) => request('create', options),
    },
  });

  const fake: FakeWebauthn = {
    requests,
    nextOutcome: 'answer',
    pickInAutofill() {
      const next = waiting.find((entry) => !entry.request.isSettled);
      if (!next) throw new Error('no autofill (conditional) request is waiting');
      next.answer();
    },
    pending: () => requests.filter((entry) => !entry.isSettled),
    uninstall() {
      Reflect.deleteProperty(window, 'PublicKeyCredential');
      Reflect.deleteProperty(navigator, 'credentials');
    },
  };
  return fake;
}

/** The text in bytes the page handed the browser (the server's options carry them as base64url). */
export function decodeBuffer(buffer: unknown): string {
  return new TextDecoder().decode(buffer as ArrayBuffer);
}
