export const queryKeys = {
  metadata: ['auth-metadata'],
  me: ['me'],
  mySessions: ['my-sessions'],
  users: ['users'],
  linkedAccounts: ['linked-accounts'],
  secondFactor: ['second-factor'],
  myApiKeys: ['my-api-keys'],
  userApiKeys: ['user-api-keys'],
  passkeys: ['passkeys'],
} as const;
