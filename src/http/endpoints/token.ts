import type { FastifyInstance } from 'fastify';
import { UnauthorizedClientError } from '../../core/errors.js';
import { grantHandler, PUBLIC_CLIENT_GRANTS } from '../../core/grants/index.js';
import { optionalParam, rejectDuplicates, requiredParam } from '../../core/params.js';
import { authenticateClient } from '../client-auth.js';
import { tokenRequestProof } from '../dpop-proof.js';
import type { AppContext } from '../context.js';
import { refuseOtherMethods } from '../post-only.js';
import { setNoStore } from '../oauth-headers.js';
import { bodyParams, rejectQueryString } from '../request-params.js';

type TokenEndpointContext = Pick<
  AppContext,
  'environment' | 'authenticator' | 'issuer' | 'tokenIssuer' | 'store' | 'hasher' | 'clock' | 'config' | 'metrics' | 'usage' | 'resources' | 'dpop'
>;

/**
 * POST /oauth/token (RFC 6749 §3.2): authenticate the client, read the grant, check it and any DPoP proof
 * (RFC 9449 §5), issue, reply.
 */
export function registerTokenEndpoint(app: FastifyInstance, ctx: TokenEndpointContext): void {
  app.post('/oauth/token', async (request, reply) => {
    setNoStore(reply);
    rejectQueryString(request);
    const params = bodyParams(request, ['form']);
    // RFC 8707 §2: `resource` may repeat, one per resource server.
    rejectDuplicates(params, ['resource']);
    const allowPublic = PUBLIC_CLIENT_GRANTS.includes(optionalParam(params, 'grant_type') ?? '');
    const client = await authenticateClient(ctx, request, params, { allowPublic });
    const grantType = requiredParam(params, 'grant_type');
    const handler = grantHandler(grantType);
    // RFC 6749 §5.2 / ASVS 10.4.4: a client uses only the grants it was registered for.
    if (!client.grantTypes.includes(grantType)) throw new UnauthorizedClientError('This client may not use this grant type');
    const dpopJkt = await tokenRequestProof(ctx.dpop, request, client, `${ctx.issuer()}/oauth/token`);
    const body = await handler({
      client,
      environment: ctx.environment,
      params,
      issuer: ctx.tokenIssuer,
      codes: ctx.store.codes,
      tokens: ctx.store.tokens,
      hasher: ctx.hasher,
      clock: ctx.clock,
      refreshGraceSeconds: ctx.config.refreshGraceSeconds,
      knownResources: ctx.resources().known,
      dpopJkt,
    });
    // RFC 9449 §8: with nonces on, every answer carries the one to use next.
    const nonce = ctx.dpop.currentNonce();
    if (nonce !== undefined) reply.header('DPoP-Nonce', nonce);
    ctx.metrics.tokensIssued.inc({ grant_type: grantType, environment: ctx.environment });
    ctx.usage.issued(client.id, ctx.clock.now());
    return reply.type('application/json').send(body);
  });

  refuseOtherMethods(app, '/oauth/token');
}
