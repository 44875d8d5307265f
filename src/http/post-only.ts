import type { FastifyInstance } from 'fastify';
import { MethodNotAllowedError } from '../core/errors.js';

/** RFC 6749 §3.2 (and RFC 7009/7662 likewise): the endpoint takes POST; other methods get 405 + Allow: POST. */
export function refuseOtherMethods(app: FastifyInstance, url: string): void {
  app.route({
    method: ['GET', 'PUT', 'PATCH', 'DELETE'],
    url,
    handler: async () => {
      throw new MethodNotAllowedError('POST');
    },
  });
}
