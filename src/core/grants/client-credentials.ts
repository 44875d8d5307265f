import { optionalParam, repeatedParam } from '../params.js';
import { requestedAudience } from '../resource.js';
import { grantedScope } from '../scope.js';
import type { GrantContext } from './grant.js';
import { tokenTypeOf, type TokenResponse } from '../token-response.js';

/**
 * RFC 6749 §4.4: the client asks for a token on its own behalf. The scope is a subset of what the client may
 * have (none asked: all of it, echoed back). §4.4.3: no refresh token is issued. With a DPoP proof the token is bound to its key (RFC 9449 §5).
 */
export async function clientCredentialsGrant(ctx: GrantContext): Promise<TokenResponse> {
  const scope = grantedScope(optionalParam(ctx.params, 'scope'), ctx.client.scopes).join(' ');
  // RFC 8707 §2: `resource` restricts the token to those resource servers.
  const audience = requestedAudience(repeatedParam(ctx.params, 'resource'), ctx.knownResources);
  const token = await ctx.issuer.issue('access', ctx.client, ctx.environment, scope, { grantId: null, subject: null, audience, jkt: ctx.dpopJkt });
  return { access_token: token.value, token_type: tokenTypeOf(ctx.dpopJkt), expires_in: token.expiresIn, scope };
}
