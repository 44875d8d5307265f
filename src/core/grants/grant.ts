import type { ClientRecord, Environment } from '../../storage/types.js';
import type { RequestParams } from '../params.js';
import type { TokenIssuer } from '../token-issuer.js';
import type { TokenResponse } from '../token-response.js';

/** What every grant handler gets: the authenticated client, the request, and what it may use. */
export interface GrantContext {
  client: ClientRecord;
  environment: Environment;
  params: RequestParams;
  issuer: TokenIssuer;
}

export type GrantHandler = (ctx: GrantContext) => Promise<TokenResponse>;
