import type { FastifyRequest } from 'fastify';
import type { ClientRecord } from '../storage/types.js';
import { parseClientAuth } from '../core/client-auth-parser.js';
import { InvalidClientError, InvalidRequestError } from '../core/errors.js';
import { optionalParam, type RequestParams } from '../core/params.js';
import { authorizationField } from './authorization-field.js';
import type { AppContext } from './context.js';

/**
 * Authenticates the calling client from the Authorization header or the body (RFC 6749 §2.3.1): a secret, or a
 * private_key_jwt assertion (RFC 7523 §2.2). Every endpoint that authenticates clients comes through here.
 */
export async function authenticateClient(
  ctx: Pick<AppContext, 'authenticator' | 'environment' | 'issuer'>,
  request: FastifyRequest,
  params: RequestParams,
  options: { allowPublic?: boolean } = {},
): Promise<ClientRecord> {
  const authorization = authorizationField(request);
  // RFC 6749 §2.3: one authentication method per request; two headers are two claims, and we would read one.
  if (Array.isArray(authorization)) throw new InvalidRequestError('Send one Authorization header, not several');
  let clientId = optionalParam(params, 'client_id');
  try {
    const presented = parseClientAuth(authorization, {
      client_id: optionalParam(params, 'client_id'),
      client_secret: optionalParam(params, 'client_secret'),
      client_assertion_type: optionalParam(params, 'client_assertion_type'),
      client_assertion: optionalParam(params, 'client_assertion'),
    });
    clientId = presented.clientId;
    return await ctx.authenticator.authenticate(presented, ctx.environment, request.ip, { ...options, audiences: assertionAudiences(ctx.issuer(), request) });
  } catch (err) {
    // The client hears only invalid_client; the operator reads which check failed (never the credential itself).
    if (err instanceof InvalidClientError && err.reason) request.log.info({ client_id: clientId, reason: err.reason }, 'client authentication failed');
    throw err;
  }
}

/**
 * What a client assertion's `aud` may be here (RFC 7523 §3 item 3): the issuer identifier (what FAPI 2.0 and
 * RFC 8414 clients send), the URL of the endpoint called, or the token endpoint's URL, which RFC 7523 names.
 */
function assertionAudiences(issuer: string | undefined, request: FastifyRequest): string[] {
  // Unknown until the listener is bound (in-process use without a configured issuer): nothing names this server.
  if (!issuer) return [];
  const base = issuer.replace(/\/$/, '');
  return [...new Set([issuer, base, `${base}${request.routeOptions.url ?? ''}`, `${base}/oauth/token`])];
}
