export { loadConfig, ConfigError, type LoadConfigOptions } from './load-config.js';
export type * from './types.js';
