import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestParams } from '../core/params.js';
import type { AppContext } from '../http/context.js';
import { ServerError } from '../core/errors.js';
import { toApiError } from '../http/error-handler.js';
import { ForbiddenError, NotFoundError } from './errors.js';
import { csrfToken, sendPage } from './request.js';
import { currentMerchant, isSecureRequest } from './session.js';
import { errorPage } from './views/auth.js';

/** What the browser pages' security layer uses: the environment's issuers, and the session look-up. */
export type WebContext = Pick<AppContext, 'environment' | 'config' | 'store' | 'hasher' | 'clock' | 'issuer' | 'issuers' | 'resources'>;

/**
 * The pages' Content-Security-Policy. `formTargets` widens form-action for a page whose form ends in a
 * redirect to another origin (the consent page: browsers apply form-action to the whole redirect chain).
 */
export function contentSecurityPolicy(formTargets: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    ["form-action 'self'", ...formTargets].join(' '),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

const CSP = contentSecurityPolicy();

/**
 * Cookies, CSRF protection, security headers and the cross-site check for an encapsulated group of browser
 * routes. The Web Account uses it for /account; the consent page of /oauth/authorize can call it in its own
 * scope, then use `scope.csrfProtection` as a preHandler on its POST and `csrfToken()` in its form.
 */
export async function registerWebSecurity(scope: FastifyInstance, ctx: WebContext, options: { notFoundPages?: boolean } = {}): Promise<void> {
  const configuredIssuer = ctx.environment === 'sandbox' ? ctx.config.sandboxIssuer : ctx.config.productionIssuer;
  const secureByConfig = configuredIssuer?.startsWith('https:') ?? false;
  await scope.register(fastifyCookie);
  await scope.register(fastifyCsrf, {
    // `__Host-`: only a Secure, host-only, Path=/ cookie may carry this name, so a sibling domain cannot plant one.
    cookieKey: secureByConfig ? '__Host-mypos_csrf' : 'mypos_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict', secure: secureByConfig },
    // Our body parser yields RequestParams; forms carry `_csrf`, scripts send the X-CSRF-Token header.
    getToken: (request: FastifyRequest) => {
      const field = (request.body as RequestParams | undefined)?.fields?._csrf;
      if (typeof field === 'string') return field;
      const header = request.headers['x-csrf-token'];
      return typeof header === 'string' ? header : '';
    },
  });
  scope.addHook('onRequest', async (request, reply) => {
    securityHeaders(ctx, request, reply);
    if (request.method !== 'GET' && request.method !== 'HEAD') rejectCrossSite(ctx, request);
  });
  // Pages for browsers, JSON for scripts; a scope may set its own handlers after this.
  scope.setErrorHandler((err: FastifyError, request, reply) => renderError(ctx, err, request, reply));
  // A scope without its own prefix (the consent page at /oauth/authorize) leaves 404s to the app.
  if (options.notFoundPages ?? true) scope.setNotFoundHandler((request, reply) => renderError(ctx, new NotFoundError('There is no such page.'), request, reply));
}

function securityHeaders(ctx: Pick<AppContext, 'issuer'>, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('Content-Security-Policy', CSP);
  reply.header('X-Content-Type-Options', 'nosniff');
  reply.header('X-Frame-Options', 'DENY');
  // Not no-referrer: with it, Chromium sends `Origin: null` on form POSTs, which the cross-site check must refuse.
  reply.header('Referrer-Policy', 'same-origin');
  reply.header('Cross-Origin-Opener-Policy', 'same-origin');
  reply.header('Cross-Origin-Resource-Policy', 'same-origin');
  // Pages show account data, and once a secret: nothing of it may be stored by a browser or proxy.
  reply.header('Cache-Control', 'no-store');
  if (isSecureRequest(ctx, request)) reply.header('Strict-Transport-Security', 'max-age=31536000');
}

/**
 * ASVS 3.5.x, besides the CSRF token: a state-changing request must come from our own origin. Browsers send
 * Sec-Fetch-Site and Origin on POSTs; a cross-site value is refused. (A client without these headers, like
 * curl with a session cookie, still needs the CSRF token.)
 */
function rejectCrossSite(ctx: Pick<AppContext, 'issuers'>, request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new ForbiddenError('Cross-site requests are not allowed.');
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const own = new Set([`${request.protocol}://${request.host}`]);
  for (const issuer of Object.values(ctx.issuers())) {
    try {
      own.add(new URL(issuer).origin);
    } catch {
      /* not a URL yet (listener not bound) */
    }
  }
  if (!own.has(origin)) throw new ForbiddenError('Cross-site requests are not allowed.');
}

async function renderError(ctx: WebContext, err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const apiError = isCsrfFailure(err as FastifyError)
    ? new ForbiddenError('The form expired or did not come from this site. Reload the page and try again.')
    : toApiError(err);
  if (apiError instanceof ServerError) request.log.error({ err }, 'unexpected error in the web account');
  for (const [k, v] of Object.entries(apiError.headers)) reply.header(k, v);
  const { status, code } = apiError;
  const message = apiError.description ?? 'Something went wrong on our side. Please try again.';
  reply.code(status);
  if (request.url.includes('/api/') || !acceptsHtml(request)) {
    return reply.type('application/json').send({ error: code, error_description: message });
  }
  let merchant;
  try {
    merchant = (await currentMerchant(ctx, request))?.merchant;
  } catch {
    merchant = undefined;
  }
  return sendPage(reply, errorPage({ csrf: csrfToken(ctx, request, reply), status, message, ...(merchant ? { merchant } : {}) }), status);
}

function acceptsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return accept === undefined || accept.includes('text/html') || accept.includes('*/*');
}

/** @fastify/csrf-protection's failures: a missing or wrong token, or no secret cookie (ASVS 3.5.x). */
function isCsrfFailure(err: FastifyError): boolean {
  return err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET';
}
