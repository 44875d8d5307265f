import { InvalidGrantError } from '../errors.js';
import { optionalParam, repeatedParam, requiredParam } from '../params.js';
import { requestedAudience } from '../resource.js';
import { assertVerifierSyntax, verifierMatches } from '../pkce.js';
import { tokenTypeOf, type TokenResponse } from '../token-response.js';
import type { GrantContext } from './grant.js';

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5–4.6). The code is single use and bound to the client, the
 * redirect_uri and the verifier. Marking it used and storing the new tokens are one transaction; a second
 * redemption fails and revokes every token issued from the code (§4.1.2, §10.5).
 */
export async function authorizationCodeGrant(ctx: GrantContext): Promise<TokenResponse> {
  const { client, clock, hasher } = ctx;
  const code = requiredParam(ctx.params, 'code');
  const redirectUri = optionalParam(ctx.params, 'redirect_uri');
  const verifier = optionalParam(ctx.params, 'code_verifier');
  if (verifier !== undefined) assertVerifierSyntax(verifier);

  const record = await ctx.codes.find(hasher.hash('code', code));
  const now = clock.now();
  // One answer for every failed binding: an attacker learns nothing about which part was wrong.
  const invalid = () => new InvalidGrantError('The authorization code is invalid, expired or already used');
  if (!record || record.environment !== ctx.environment) throw invalid();
  // SECURITY-CASES C8: another client's code is refused and left unconsumed for its owner.
  if (record.clientId !== client.id) throw invalid();
  if (record.expiresAt <= now) throw invalid();
  // §4.1.3: redirect_uri must be present and identical when it was in the authorization request (always, here).
  if (redirectUri !== record.redirectUri) throw invalid();
  // RFC 7636 §4.6: a missing or wrong verifier fails the grant.
  if (verifier === undefined || !verifierMatches(verifier, record.codeChallenge)) throw invalid();
  if (record.consumedAt !== null) {
    await ctx.tokens.revokeGrant(record.grantId, now);
    throw invalid();
  }

  // RFC 8707 §2.2: the access token is for the resources asked for now, within those the merchant granted; the
  // refresh token keeps the whole grant.
  const granted = record.resources ?? null;
  const audience = requestedAudience(repeatedParam(ctx.params, 'resource'), ctx.knownResources, granted);
  const binding = { grantId: record.grantId, subject: record.subject };
  const access = await ctx.issuer.mint('access', client, ctx.environment, record.scope, { ...binding, audience, jkt: ctx.dpopJkt });
  // RFC 9449 §5: a public client's refresh token is bound to the DPoP key too; a confidential client's (a secret
  // or private_key_jwt) is already bound to the client's own authentication.
  const refresh = client.grantTypes.includes('refresh_token')
    ? await ctx.issuer.mint('refresh', client, ctx.environment, record.scope, {
        ...binding,
        audience: granted,
        jkt: client.secretHash === null && !client.publicKeys ? ctx.dpopJkt : null,
      })
    : undefined;
  const outcome = await ctx.codes.redeem(record.hash, now, refresh ? [access.record, refresh.record] : [access.record]);
  if (outcome === 'already_used') {
    // Lost a race or a replay: whatever the first redemption issued is revoked too (SECURITY-CASES C1/C2).
    await ctx.tokens.revokeGrant(record.grantId, now);
    throw invalid();
  }
  return {
    access_token: access.value,
    token_type: tokenTypeOf(ctx.dpopJkt),
    expires_in: access.expiresIn,
    scope: record.scope,
    ...(refresh ? { refresh_token: refresh.value } : {}),
  };
}
