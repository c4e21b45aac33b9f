export { loadConfig, ConfigError } from './load-config.js';
export type * from './types.js';
