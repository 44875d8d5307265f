import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerBodyParsers } from './body-parsers.js';
import type { AppContext } from './context.js';
import { registerErrorHandler } from './error-handler.js';
import { registerHealthEndpoints } from './endpoints/health.js';
import { registerIntrospectEndpoint } from './endpoints/introspect.js';
import { registerMetadataEndpoint } from './endpoints/metadata.js';
import { registerParEndpoint } from './endpoints/par.js';
import { registerRevokeEndpoint } from './endpoints/revoke.js';
import { registerTokenEndpoint } from './endpoints/token.js';
import { pathOnly } from './logger.js';
import { requestIdOf } from './request-id.js';
import { isEnabled } from './request-logger.js';

/** A route group (Web Account, Webhook API, JWKS) registered on every environment's app. */
export type AppPlugin = (app: FastifyInstance, ctx: AppContext) => void | Promise<void>;

export interface BuildAppOptions {
  logger?: Logger;
  /** Extra route groups registered on every environment's app, after the OAuth endpoints. */
  plugins?: readonly AppPlugin[];
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
    // Random ids, or the caller's X-Request-Id when it is plain (request-id.ts); read there, not by Fastify.
    genReqId: requestIdOf,
    requestIdHeader: false,
    // Slowloris guard: Node checks header/request deadlines only every connectionsCheckingInterval
    // (30 s by default), which would stretch a 10 s headersTimeout to 40 s.
    http: {
      headersTimeout: ctx.config.headersTimeoutMs,
      requestTimeout: ctx.config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, ctx.config.headersTimeoutMs),
      maxHeaderSize: 16 * 1024,
    },
    // Only our own parsers run: no Fastify JSON parsing of __proto__ and friends to worry about.
  });

  registerBodyParsers(app);
  registerErrorHandler(app);

  app.addHook('onRequest', (request, reply, done) => {
    // The id in the logs, echoed so a caller can quote it.
    reply.header('x-request-id', request.id);
    // Draining: answer, but tell keep-alive clients to take their next request elsewhere.
    if (ctx.lifecycle.draining) reply.header('Connection', 'close');
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    // Not even built when the level would drop it (the default production level is warn).
    if (!isEnabled(request.log, 'info')) return done();
    // Method, path and status only: never headers, bodies or the query string.
    request.log.info(
      { method: request.method, path: pathOnly(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
    done();
  });

  if (ctx.config.metrics) ctx.metrics.register(app, ctx.environment);
  registerTokenEndpoint(app, ctx);
  registerRevokeEndpoint(app, ctx);
  registerIntrospectEndpoint(app, ctx);
  registerParEndpoint(app, ctx);
  registerMetadataEndpoint(app, ctx);
  registerHealthEndpoints(app, ctx);
  for (const plugin of options.plugins ?? []) await plugin(app, ctx);
  return app;
}
