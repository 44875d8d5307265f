import type { FastifyInstance } from 'fastify';
import { APP_CSS, APP_JS, FAVICON_ICO } from './assets.js';
import { registerApiRoutes } from './routes/api.js';
import { registerAppPages } from './routes/apps.js';
import { registerAuthPages } from './routes/auth-pages.js';
import { registerAuthorizeEndpoint } from './routes/authorize.js';
import { registerCredentialPages } from './routes/credential-pages.js';
import { registerSecretPages } from './routes/secret-pages.js';
import { registerWebhookPages } from './routes/webhook-pages.js';
import { registerPasskeyPages } from './routes/passkey-pages.js';
import { registerTwoFactorPages } from './routes/two-factor-pages.js';
import { registerWebSecurity, type WebContext } from './web-security.js';
import type { LoginThrottle } from './throttle.js';
import type { AuthFailureLimiter } from '../core/failure-limiter.js';
import type { WebhookConsole } from './webhooks.js';

/** State shared by both environments' listeners (one merchant, one throttle, whichever port it uses). */
export interface AccountShared {
  throttle: LoginThrottle;
  /** Login failure counts shared by every server process (PostgreSQL, or workers); absent on one process. */
  sharedLoginLimiter?: AuthFailureLimiter | undefined;
  /** The merchant's webhooks, as the Webhook API keeps them (passed in: the account does not import src/webhooks). */
  webhooks: WebhookConsole;
}

/** What the Web Account's routes use: the browser pages' context and the state shared by both listeners. */
export type AccountContext = WebContext & AccountShared;

/** The Web Account under /account on every environment's listener: pages, the JSON API and static assets. */
export function accountPlugin(shared: AccountShared) {
  return async (app: FastifyInstance, appCtx: WebContext): Promise<void> => {
    const ctx: AccountContext = {
      environment: appCtx.environment,
      config: appCtx.config,
      store: appCtx.store,
      hasher: appCtx.hasher,
      clock: appCtx.clock,
      issuer: appCtx.issuer,
      issuers: appCtx.issuers,
      resources: appCtx.resources,
      throttle: shared.throttle,
      sharedLoginLimiter: shared.sharedLoginLimiter,
      webhooks: shared.webhooks,
    };

    // The consent pages of /oauth/authorize (RFC 6749 §4.1.1) are Web Account pages outside /account.
    await registerAuthorizeEndpoint(app, ctx);

    // Browsers ask every origin for it; without it each page view logs a 404.
    app.get('/favicon.ico', async (_request, reply) =>
      reply.header('Cache-Control', 'public, max-age=86400').type('image/x-icon').send(FAVICON_ICO),
    );

    await app.register(
      async (scope) => {
        await registerWebSecurity(scope, ctx);

        scope.get('/static/app.css', async (_request, reply) =>
          reply.header('Cache-Control', 'public, max-age=3600').type('text/css; charset=utf-8').send(APP_CSS),
        );
        scope.get('/static/app.js', async (_request, reply) =>
          reply.header('Cache-Control', 'public, max-age=3600').type('text/javascript; charset=utf-8').send(APP_JS),
        );

        registerAuthPages(scope, ctx);
        registerTwoFactorPages(scope, ctx);
        registerPasskeyPages(scope, ctx);
        registerCredentialPages(scope, ctx);
        registerSecretPages(scope, ctx);
        registerWebhookPages(scope, ctx);
        registerAppPages(scope, ctx);
        registerApiRoutes(scope, ctx);
      },
      { prefix: '/account' },
    );
  };
}

