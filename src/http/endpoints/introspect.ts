import type { FastifyInstance } from 'fastify';
import { TooManyAttemptsError } from '../../core/errors.js';
import { RequestRateLimiter } from '../../core/request-rate-limiter.js';
import { introspect } from '../../core/introspection.js';
import { rejectDuplicates, requiredParam } from '../../core/params.js';
import { authenticateClient } from '../client-auth.js';
import type { AppContext } from '../context.js';
import { refuseOtherMethods } from '../post-only.js';
import { setNoStore } from '../oauth-headers.js';
import { bodyParams, rejectQueryString } from '../request-params.js';
import { TurnBarrier } from '../turn-barrier.js';

/**
 * POST /oauth/introspect (RFC 7662). The caller authenticates as a client (§2.1: protected against token
 * scanning); a resource-server client may inspect any token of its environment, others only their own.
 */
export function registerIntrospectEndpoint(
  app: FastifyInstance,
  ctx: Pick<AppContext, 'environment' | 'authenticator' | 'config' | 'store' | 'hasher' | 'clock' | 'jwt' | 'issuer'>,
): void {
  const perCaller = new RequestRateLimiter(ctx.config.introspectionPerSecond, ctx.config.introspectionPerSecond * 2);
  // The requests of a turn are handled together (turn-barrier.ts).
  app.post('/oauth/introspect', { onRequest: new TurnBarrier().hook }, async (request, reply) => {
    setNoStore(reply);
    rejectQueryString(request);
    const params = bodyParams(request, ['form']);
    rejectDuplicates(params);
    const caller = await authenticateClient(ctx, request, params);
    // RFC 7662 §4: throttle each resource server, so no caller can scan tokens or starve the others.
    const wait = perCaller.take(caller.id);
    if (wait > 0) throw new TooManyAttemptsError(wait);
    const token = requiredParam(params, 'token');
    const body = await introspect({ tokens: ctx.store.tokens, hasher: ctx.hasher, clock: ctx.clock, jwt: ctx.jwt }, caller, ctx.environment, ctx.issuer(), token);
    return reply.type('application/json').send(body);
  });

  refuseOtherMethods(app, '/oauth/introspect');
}
