import type { FastifyRequest } from 'fastify';
import type { ClientRecord } from '../storage/types.js';
import { parseClientAuth } from '../core/client-auth-parser.js';
import { optionalParam, type RequestParams } from '../core/params.js';
import type { AppContext } from './context.js';

/** Authenticates the calling client from the Authorization header or the body (RFC 6749 §2.3.1). */
export function authenticateClient(
  ctx: AppContext,
  request: FastifyRequest,
  params: RequestParams,
  options: { allowPublic?: boolean } = {},
): Promise<ClientRecord> {
  const presented = parseClientAuth(request.headers.authorization, {
    client_id: optionalParam(params, 'client_id'),
    client_secret: optionalParam(params, 'client_secret'),
  });
  return ctx.authenticator.authenticate(presented, ctx.environment, request.ip, options);
}
