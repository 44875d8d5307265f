import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * An incoming `X-Request-Id` is kept when it is short and plain (a proxy or client correlating its own logs);
 * anything else could forge log fields or carry a payload, so it is replaced. 128 covers UUIDs, ULIDs and the
 * ids common proxies send.
 */
const ACCEPTABLE = /^[A-Za-z0-9._:+=/-]{1,128}$/;

/**
 * Fastify's genReqId: the caller's `X-Request-Id` when acceptable, else a random UUID (RFC 9562 §5.4), unique
 * across workers and restarts, unlike a per-process counter. A repeated header arrives joined with ", " and
 * is replaced.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && ACCEPTABLE.test(given) ? given : randomUUID();
}
