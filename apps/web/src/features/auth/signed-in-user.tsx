import { createContext, useContext, type ReactNode } from 'react';
import type { UserRead } from '@gatehouse/shared';

const SignedInUserContext = createContext<UserRead | null>(null);

/** Rendered by the route guard once `/users/me` has answered with a user. */
export function SignedInUserProvider({ user, children }: { user: UserRead; children: ReactNode }) {
  return <SignedInUserContext value={user}>{children}</SignedInUserContext>;
}

/** The signed-in user, for pages behind the route guard. */
export function useSignedInUser(): UserRead {
  const user = useContext(SignedInUserContext);
  if (!user) throw new Error('useSignedInUser() is only available behind <RequireAuth>');
  return user;
}
