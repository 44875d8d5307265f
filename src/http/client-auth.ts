import type { FastifyRequest } from 'fastify';
import type { ClientRecord } from '../storage/types.js';
import { parseClientAuth } from '../core/client-auth-parser.js';
import { InvalidRequestError } from '../core/errors.js';
import { optionalParam, type RequestParams } from '../core/params.js';
import { authorizationField } from './authorization-field.js';
import type { AppContext } from './context.js';

/** Authenticates the calling client from the Authorization header or the body (RFC 6749 §2.3.1). */
export function authenticateClient(
  ctx: Pick<AppContext, 'authenticator' | 'environment'>,
  request: FastifyRequest,
  params: RequestParams,
  options: { allowPublic?: boolean } = {},
): Promise<ClientRecord> {
  const authorization = authorizationField(request);
  // RFC 6749 §2.3: one authentication method per request; two headers are two claims, and we would read one.
  if (Array.isArray(authorization)) throw new InvalidRequestError('Send one Authorization header, not several');
  const presented = parseClientAuth(authorization, {
    client_id: optionalParam(params, 'client_id'),
    client_secret: optionalParam(params, 'client_secret'),
  });
  return ctx.authenticator.authenticate(presented, ctx.environment, request.ip, options);
}
