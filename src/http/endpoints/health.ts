import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

/** GET /healthz: the process answers. GET /readyz: it can serve (database reachable, not draining). */
export function registerHealthEndpoints(app: FastifyInstance, ctx: Pick<AppContext, 'lifecycle' | 'store'>): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (ctx.lifecycle.draining) return reply.code(503).send({ status: 'draining' });
    try {
      await ctx.store.ping();
      return { status: 'ready' };
    } catch {
      return reply.code(503).header('Retry-After', '5').send({ status: 'database unavailable' });
    }
  });
}
