import type { FastifyRequest } from 'fastify';

/**
 * The request's Authorization field: its value, or every value when it was sent more than once. Node keeps
 * the first and drops the rest, so a proxy that reads the last one would disagree with us about who is
 * calling; the raw header list is counted instead (RFC 9110 §5.3: Authorization is not a list-based field).
 */
export function authorizationField(request: FastifyRequest): string | string[] | undefined {
  const raw = request.raw.rawHeaders;
  let values: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') (values ??= []).push(raw[i + 1]!);
  }
  return values && values.length > 1 ? values : request.headers.authorization;
}
