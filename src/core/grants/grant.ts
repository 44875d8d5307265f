import type { AuthorizationCodeRepository, ClientRecord, Environment, TokenRepository } from '../../storage/types.js';
import type { Clock } from '../clock.js';
import type { RequestParams } from '../params.js';
import type { SecretHasher } from '../secret-hasher.js';
import type { TokenIssuer } from '../token-issuer.js';
import type { TokenResponse } from '../token-response.js';

/** What every grant handler gets: the authenticated client, the request, and what it may use. */
export interface GrantContext {
  client: ClientRecord;
  environment: Environment;
  params: RequestParams;
  issuer: TokenIssuer;
  codes: Pick<AuthorizationCodeRepository, 'find' | 'redeem'>;
  tokens: Pick<TokenRepository, 'find' | 'rotateRefresh' | 'revokeGrant' | 'insertMany'>;
  hasher: SecretHasher;
  clock: Clock;
  /** Seconds a just-rotated refresh token may still be exchanged (clients that retry); 0 = strict. */
  refreshGraceSeconds: number;
  /** The resource indicators (RFC 8707) a client may name in this environment. */
  knownResources: readonly string[];
  /** The thumbprint of the key the request's DPoP proof was made with (RFC 9449 §5); absent without a proof. */
  dpopJkt?: string | undefined;
}

export type GrantHandler = (ctx: GrantContext) => Promise<TokenResponse>;
