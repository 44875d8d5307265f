import type { Config } from '../config.js';
import type { ClientAuthenticator } from '../core/client-authenticator.js';
import type { Clock } from '../core/clock.js';
import type { DpopProofVerifier } from '../core/dpop.js';
import type { SecretHasher } from '../core/secret-hasher.js';
import type { TokenIssuer } from '../core/token-issuer.js';
import type { ResourceServers } from '../core/resource.js';
import type { JwtAccessTokenResolver } from '../core/token-lookup.js';
import type { Environment, Store } from '../storage/types.js';
import type { Metrics } from './metrics.js';

/**
 * The context of one environment's app, built from the shared services. Each endpoint and route group takes only
 * the fields it uses (a `Pick` of this), so its dependencies are visible in its signature.
 */
export interface AppContext {
  environment: Environment;
  config: Config;
  store: Store;
  hasher: SecretHasher;
  clock: Clock;
  authenticator: ClientAuthenticator;
  tokenIssuer: TokenIssuer;
  metrics: Metrics;
  /** Per-client usage counters (Web Account): one in-memory bump per issued access token or failure. */
  usage: { issued(clientId: string, at: number): void };
  /**
   * Resolves presented JWT access tokens (RFC 9068) to their token rows; pass it as `jwt` in every findToken call
   * (introspection, revocation, the bearer layer) so JWTs are looked up, revoked and expired like opaque tokens.
   */
  jwt?: JwtAccessTokenResolver;
  /** Checks DPoP proofs (RFC 9449): at the token endpoint to bind tokens, at resources to check bound ones. */
  dpop: DpopProofVerifier;
  /** The issuer identifier of this environment (RFC 8414 §2), known once the listener is bound. */
  issuer: () => string;
  /** The issuer of every environment (the Web Account shows each credential with its own environment's URL). */
  issuers: () => Record<Environment, string>;
  /** The resource servers (RFC 8707) of this environment, known once the listener is bound (the default uses its URL). */
  resources: () => ResourceServers;
  /** Shared across listeners: true once SIGTERM arrived, so readiness turns off at once. */
  lifecycle: { draining: boolean };
}
