import type { FastifyRequest } from 'fastify';
import { DpopRejection, type DpopProofVerifier } from '../core/dpop.js';
import { InvalidDpopProofError, UseDpopNonceError } from '../core/errors.js';
import type { ClientRecord } from '../storage/types.js';

/**
 * The request's `DPoP` field: its value, or every value when it was sent more than once (RFC 9449 §4.3 check 1
 * refuses that; Node would keep only the first, so the raw header list is counted).
 */
export function dpopField(request: FastifyRequest): string | string[] | undefined {
  const raw = request.raw.rawHeaders;
  let values: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === 'dpop') (values ??= []).push(raw[i + 1]!);
  }
  return values && values.length > 1 ? values : values?.[0];
}

/**
 * RFC 9449 §5 at the token endpoint: the thumbprint of the proof's key, to bind the new tokens to; undefined
 * when the request carries no proof and the client does not have to (the token is then a bearer token).
 */
export async function tokenRequestProof(
  dpop: DpopProofVerifier,
  request: FastifyRequest,
  client: ClientRecord,
  tokenEndpoint: string,
): Promise<string | undefined> {
  const field = dpopField(request);
  if (field === undefined) {
    // §5.2 dpop_bound_access_tokens: such a client's token requests without a proof are refused.
    if (client.dpopBoundAccessTokens) throw new InvalidDpopProofError('This client must send a DPoP proof');
    return undefined;
  }
  try {
    return (await dpop.verify(field, { method: 'POST', url: tokenEndpoint })).jkt;
  } catch (err) {
    if (!(err instanceof DpopRejection)) throw err;
    throw err.nonce === undefined ? new InvalidDpopProofError(err.description) : new UseDpopNonceError(err.nonce, err.description);
  }
}
