export * from './audit.js';
export * from './errors.js';
export * from './oidc.js';
export * from './password-policy.js';
export * from './return-to.js';
export * from './route-docs.js';
export * from './routes.js';
export * from './schemas.js';
