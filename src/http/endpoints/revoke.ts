import type { FastifyInstance } from 'fastify';
import { rejectDuplicates, requiredParam } from '../../core/params.js';
import { revokeToken } from '../../core/revocation.js';
import { authenticateClient } from '../client-auth.js';
import type { AppContext } from '../context.js';
import { refuseOtherMethods } from '../post-only.js';
import { setNoStore } from '../oauth-headers.js';
import { bodyParams, rejectQueryString } from '../request-params.js';
import { TurnBarrier } from '../turn-barrier.js';

/**
 * POST /oauth/revoke (RFC 7009). Takes a form body, and JSON too: the myPOS docs' own PHP example sends
 * `Content-Type: application/json`. `token_type_hint` is optional and only a hint (§2.1): lookup is by digest
 * whatever the type, so an unknown hint is ignored.
 */
export function registerRevokeEndpoint(
  app: FastifyInstance,
  ctx: Pick<AppContext, 'environment' | 'authenticator' | 'issuer' | 'store' | 'hasher' | 'clock' | 'jwt' | 'metrics'>,
): void {
  // The requests of a turn are handled together (turn-barrier.ts).
  app.post('/oauth/revoke', { onRequest: new TurnBarrier().hook }, async (request, reply) => {
    setNoStore(reply);
    rejectQueryString(request);
    const params = bodyParams(request, ['form', 'json']);
    rejectDuplicates(params);
    const client = await authenticateClient(ctx, request, params, { allowPublic: true });
    const token = requiredParam(params, 'token');
    const revoked = await revokeToken({ tokens: ctx.store.tokens, hasher: ctx.hasher, clock: ctx.clock, jwt: ctx.jwt }, client, ctx.environment, token);
    if (revoked) ctx.metrics.tokensRevoked.inc({ environment: ctx.environment });
    // §2.2: 200 whether or not the token was known. The body is empty, so it gets no media type: a JSON
    // content type on zero bytes makes clients call res.json() and fail.
    return reply.code(200).send();
  });

  refuseOtherMethods(app, '/oauth/revoke');
}
