import type { FastifyRequest } from 'fastify';
import { InvalidRequestError } from '../core/errors.js';
import { EMPTY_PARAMS, type RequestParams } from '../core/params.js';

type BodyKind = 'form' | 'json';

/**
 * The parsed body of a request, if its media type is one the endpoint takes; another media type is
 * invalid_request (RFC 6749 §3.2: the token endpoint uses application/x-www-form-urlencoded). No body at all
 * (RFC 9110 §8.6: also a zero-length one, whatever its Content-Type) is no parameters, so the endpoint's own
 * rules say what is missing.
 */
export function bodyParams(request: FastifyRequest, accepted: readonly BodyKind[]): RequestParams {
  const params = (request.body as RequestParams | undefined) ?? EMPTY_PARAMS;
  if (params.kind !== 'none' && !(accepted as readonly string[]).includes(params.kind)) {
    throw new InvalidRequestError(`The body must be ${accepted.map(mediaType).join(' or ')}`);
  }
  return params;
}

/**
 * RFC 6749 §2.3.1: client credentials MUST NOT be in the request URI, and parameters of these endpoints
 * belong in the body. Any query string is refused, so a secret put there is never acted on.
 */
export function rejectQueryString(request: FastifyRequest): void {
  if (request.url.includes('?')) throw new InvalidRequestError('Parameters belong in the request body, not the URL');
}

const mediaType = (k: BodyKind) => (k === 'form' ? 'application/x-www-form-urlencoded' : 'application/json');
