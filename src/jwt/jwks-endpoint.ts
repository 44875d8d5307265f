import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../http/context.js';
import type { SigningKeys } from './signing-keys.js';

/** Resource servers may cache the JWKS this long; the publish-ahead period must be longer (config check). */
const JWKS_MAX_AGE_SECONDS = 300;

/**
 * GET /.well-known/jwks.json (RFC 7517 §5): the public keys that verify this environment's JWT access tokens, the
 * next key included once it is published. In a JWT environment it also keeps the key schedule going on a timer, so
 * the next key is published ahead even when no token is being issued.
 */
export function jwksPlugin(keys: SigningKeys) {
  return async (app: FastifyInstance, ctx: Pick<AppContext, 'environment' | 'config'>): Promise<void> => {
    const environment = ctx.environment;
    if (ctx.config.accessTokenFormat[environment] === 'jwt') {
      await keys.ensure(environment);
      const everyMs = Math.min(ctx.config.signingKeyPublishAheadSeconds / 4, 3600) * 1000;
      const timer = setInterval(() => {
        keys.ensure(environment).catch((err: Error) => app.log.warn({ err: { message: err.message } }, 'signing key schedule check failed; will retry'));
      }, everyMs);
      timer.unref();
      app.addHook('onClose', (_app, done) => {
        clearInterval(timer);
        done();
      });
    }
    app.get('/.well-known/jwks.json', async (_request, reply) => {
      const published = await keys.published(environment);
      reply.header('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
      return { keys: published.map((k) => JSON.parse(k.publicJwk) as object) };
    });
  };
}
