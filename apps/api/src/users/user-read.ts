import type { UserRead } from '@gatehouse/shared';
import type { User } from './repo.js';

/** The public shape of a user (never the password hash). */
export function toUserRead(user: User): UserRead {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    display_name: user.displayName,
    is_active: user.isActive,
    is_superuser: user.isSuperuser,
    is_verified: user.isVerified,
    has_password: user.hashedPassword !== null,
    has_second_factor: user.secondFactorEnrolled,
    email_verified_at: user.emailVerifiedAt?.toISOString() ?? null,
    pending_email: user.pendingEmail,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}
