import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerBodyParsers } from './body-parsers.js';
import type { AppContext } from './context.js';
import { registerErrorHandler } from './error-handler.js';
import { registerHealthEndpoints } from './endpoints/health.js';
import { registerIntrospectEndpoint } from './endpoints/introspect.js';
import { registerMetadataEndpoint } from './endpoints/metadata.js';
import { registerRevokeEndpoint } from './endpoints/revoke.js';
import { registerTokenEndpoint } from './endpoints/token.js';
import { pathOnly } from './logger.js';

export interface BuildAppOptions {
  logger?: Logger;
  /** Extra route groups (Web Account, Webhook API) registered on every environment's app. */
  plugins?: ReadonlyArray<(app: FastifyInstance, ctx: AppContext) => void | Promise<void>>;
}

/** The Fastify app of one environment. Both environments serve every route; they differ in their context. */
export async function buildApp(ctx: AppContext, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger | undefined,
    // Fastify's own request lines would log the URL with its query string; ours below log the path only.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.config.bodyLimit,
    requestTimeout: ctx.config.requestTimeoutMs,
    trustProxy: ctx.config.trustProxy,
    return503OnClosing: true,
    // Only our own parsers run: no Fastify JSON parsing of __proto__ and friends to worry about.
  });
  app.server.headersTimeout = ctx.config.headersTimeoutMs;

  registerBodyParsers(app);
  registerErrorHandler(app);

  app.addHook('onResponse', (request, reply, done) => {
    // Method, path and status only: never headers, bodies or the query string.
    request.log.info(
      { method: request.method, path: pathOnly(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
    done();
  });

  registerTokenEndpoint(app, ctx);
  registerRevokeEndpoint(app, ctx);
  registerIntrospectEndpoint(app, ctx);
  registerMetadataEndpoint(app, ctx);
  registerHealthEndpoints(app, ctx);
  for (const plugin of options.plugins ?? []) await plugin(app, ctx);
  return app;
}
