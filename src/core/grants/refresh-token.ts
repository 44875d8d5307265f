import { InvalidDpopProofError, InvalidGrantError } from '../errors.js';
import { optionalParam, repeatedParam, requiredParam } from '../params.js';
import { requestedAudience } from '../resource.js';
import { grantedScope } from '../scope.js';
import { tokenTypeOf, type TokenResponse } from '../token-response.js';
import { findByTokenValue } from '../token-key.js';
import type { GrantContext } from './grant.js';

/**
 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): every use returns a new refresh token and retires the old
 * one. Presenting a retired one again means it leaked (or a race was lost): the whole grant is revoked.
 * A narrower scope narrows the access token only; the new refresh token keeps the original scope (§6). The same
 * for `resource` (RFC 8707 §2.2): it may narrow the access token's audience, never widen the grant's.
 */
export async function refreshTokenGrant(ctx: GrantContext): Promise<TokenResponse> {
  const { client, clock, hasher } = ctx;
  const presented = requiredParam(ctx.params, 'refresh_token');
  const requestedScope = optionalParam(ctx.params, 'scope');
  const now = clock.now();
  const invalid = () => new InvalidGrantError('The refresh token is invalid, expired or revoked');

  const record = await findByTokenValue(ctx.tokens, hasher, presented);
  // An access token presented as a refresh token is simply not a refresh token (SECURITY-CASES D7).
  if (!record || record.kind !== 'refresh' || record.environment !== ctx.environment || record.grantId === null) throw invalid();
  // SECURITY-CASES D3: another client's refresh token is refused and its family left alone.
  if (record.clientId !== client.id) throw invalid();
  if (record.revokedAt !== null || record.expiresAt <= now) throw invalid();
  // RFC 9449 §5: a refresh token bound to a DPoP key (a public client's) is exchanged only with a proof of that key.
  if (record.jkt) {
    if (ctx.dpopJkt === undefined) throw new InvalidDpopProofError('This refresh token is DPoP-bound: send a DPoP proof of its key');
    if (ctx.dpopJkt !== record.jkt) throw new InvalidGrantError('The refresh token is bound to another DPoP key');
  }

  const inGrace = record.rotatedAt != null && now - record.rotatedAt < ctx.refreshGraceSeconds;
  if (record.rotatedAt != null && !inGrace) {
    await ctx.tokens.revokeGrant(record.grantId, now);
    throw invalid();
  }

  const accessScope = grantedScope(requestedScope, record.scope.split(' ')).join(' ');
  const granted = record.audience ?? null;
  const audience = requestedAudience(repeatedParam(ctx.params, 'resource'), ctx.knownResources, granted);
  const binding = { grantId: record.grantId, subject: record.subject, familyExpiresAt: record.familyExpiresAt ?? record.expiresAt };
  // The access token is bound to this request's proof, if any; the refresh token keeps the binding it was issued with.
  const access = await ctx.issuer.mint('access', client, ctx.environment, accessScope, { ...binding, audience, jkt: ctx.dpopJkt });
  const refresh = await ctx.issuer.mint('refresh', client, ctx.environment, record.scope, { ...binding, audience: granted, jkt: record.jkt ?? null });

  if (inGrace) {
    await ctx.tokens.insertMany([access.record, refresh.record]);
  } else if ((await ctx.tokens.rotateRefresh(record.key, now, [access.record, refresh.record])) === 'lost') {
    // Strict mode: a concurrent second use counts as reuse, so the family dies (SECURITY-CASES fault table).
    await ctx.tokens.revokeGrant(record.grantId, now);
    throw invalid();
  }
  return { access_token: access.value, token_type: tokenTypeOf(ctx.dpopJkt), expires_in: access.expiresIn, scope: accessScope, refresh_token: refresh.value };
}
