import type { FastifyReply } from 'fastify';

/** RFC 6749 §5.1: token, revocation and introspection responses, errors included, are never cached. */
export function setNoStore(reply: FastifyReply): void {
  reply.header('Cache-Control', 'no-store');
  reply.header('Pragma', 'no-cache');
}

export const isOAuthPath = (url: string): boolean => url.startsWith('/oauth/');
