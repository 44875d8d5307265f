import type { FastifyInstance } from 'fastify';
import { authorizationRequestError, authorizationRequestFields, checkAuthorizationRequest } from '../../core/authorization-request.js';
import { InvalidRequestError, RequestNotSupportedError } from '../../core/errors.js';
import { rejectDuplicates } from '../../core/params.js';
import { newRequestUri, storedParams } from '../../core/pushed-request.js';
import { authenticateClient } from '../client-auth.js';
import type { AppContext } from '../context.js';
import { refuseOtherMethods } from '../post-only.js';
import { setNoStore } from '../oauth-headers.js';
import { bodyParams, rejectQueryString } from '../request-params.js';

/**
 * POST /oauth/par (RFC 9126 §2): the client authenticates as at the token endpoint and pushes its authorization
 * request in the body; the request is checked as /oauth/authorize would check it, stored, and referred to by a
 * request_uri that the authorization endpoint accepts once, for this client, within its lifetime.
 */
export function registerParEndpoint(
  app: FastifyInstance,
  ctx: Pick<AppContext, 'environment' | 'authenticator' | 'issuer' | 'store' | 'hasher' | 'clock' | 'config' | 'resources'>,
): void {
  app.post('/oauth/par', async (request, reply) => {
    setNoStore(reply);
    rejectQueryString(request);
    const params = bodyParams(request, ['form']);
    rejectDuplicates(params, ['resource']);
    // §2.1: the rules of client authentication at the authorization endpoint, public clients included.
    const client = await authenticateClient(ctx, request, params, { allowPublic: true });
    // §2.1: request_uri MUST NOT be pushed. §3: a request object (JAR) is not supported here (RFC 9101 §7).
    if (params.fields.request_uri !== undefined) throw new InvalidRequestError('request_uri may not be pushed (RFC 9126 §2.1)');
    if (params.fields.request !== undefined) throw new RequestNotSupportedError('Request objects (the request parameter) are not supported');

    const { fields, resources } = authorizationRequestFields(params);
    const check = checkAuthorizationRequest({ ...fields, client_id: client.id }, params.duplicates, client, ctx.environment, {
      resources,
      knownResources: ctx.resources().known,
      pushed: true,
    });
    if (!check.ok) throw authorizationRequestError(check);

    const { requestUri, reference } = newRequestUri();
    const now = ctx.clock.now();
    const ttl = ctx.config.pushedAuthorizationRequestTtl;
    await ctx.store.pushedRequests.create({
      hash: ctx.hasher.hash('request_uri', reference),
      clientId: client.id,
      environment: ctx.environment,
      params: storedParams({ ...fields, client_id: client.id }, resources),
      createdAt: now,
      expiresAt: now + ttl,
      consumedAt: null,
    });
    // §2.2: 201 Created with the request_uri and its lifetime.
    return reply.code(201).type('application/json').send({ request_uri: requestUri, expires_in: ttl });
  });

  refuseOtherMethods(app, '/oauth/par');
}
