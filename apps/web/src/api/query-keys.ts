export const queryKeys = {
  metadata: ['auth-metadata'],
  me: ['me'],
  mySessions: ['my-sessions'],
  users: ['users'],
  linkedAccounts: ['linked-accounts'],
  secondFactor: ['second-factor'],
  passkeys: ['passkeys'],
} as const;
