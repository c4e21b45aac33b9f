import type { SecondFactorStatus, UserRead } from '@gatehouse/shared';

/** A user as GET /users/me answers, with the fields a test cares about overridden. */
export function makeUser(overrides: Partial<UserRead> = {}): UserRead {
  return {
    id: '5f0c7a52-4a63-4c89-9a4e-7cf1d1f0c001',
    email: 'ada@example.com',
    username: null,
    display_name: null,
    is_active: true,
    is_superuser: false,
    is_verified: true,
    has_password: true,
    has_second_factor: false,
    email_verified_at: '2026-01-01T00:00:00.000Z',
    pending_email: null,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** GET /users/me/second-factor's answer: by default no second factor, and none required. */
export function makeSecondFactorStatus(overrides: Partial<SecondFactorStatus> = {}): SecondFactorStatus {
  return { totp: false, passkeys: 0, recovery_codes_left: 0, required: false, enrolment_required: false, ...overrides };
}
