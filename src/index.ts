/**
 * The server as a library: embed mypos-auth in another Node process (the CLI's `serve` is a thin wrapper).
 * The client SDK is the separate package `@mypos-auth/client` (re-exported as `mypos-auth/client`).
 */
export { startServer, type RunningServer, type StartOptions } from './server.js';
export { resolveConfig, DEFAULT_CONFIG, type Config } from './config.js';
export { openStore } from './storage/open-store.js';
export type { Store, Environment, ClientRecord, TokenRecord } from './storage/types.js';
export { createClient, rotateClientSecret } from './core/client-management.js';
export { bearerAuth } from './http/bearer-auth.js';
export * from './core/errors.js';
