export const queryKeys = {
  metadata: ['auth-metadata'],
  me: ['me'],
  mySessions: ['my-sessions'],
  users: ['users'],
} as const;
