import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendPage, csrfToken } from '../request.js';
import { currentMerchant } from '../session.js';
import { consentPage } from '../views/consent.js';
import { errorPage } from '../views/auth.js';
import { contentSecurityPolicy, registerWebSecurity, type WebContext } from '../web-security.js';
import { authorizationResponseUrl, checkAuthorizationRequest, type AuthorizationRequest } from '../../core/authorization-request.js';
import { newOpaqueToken } from '../../core/random.js';
import type { RequestParams } from '../../core/params.js';
import type { MerchantRecord } from '../../storage/types.js';
import { parseForm } from '../../http/body-parsers.js';

const PARAMS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method'] as const;

/**
 * GET /oauth/authorize (RFC 6749 §4.1.1, PKCE S256 mandatory): the merchant logs in to the Web Account,
 * sees who asks for what, and consents; the browser returns to the client with `code`, `state` and `iss`
 * (RFC 9207). Consent is remembered per merchant and client. POST carries the decision, CSRF-protected.
 */
export async function registerAuthorizeEndpoint(app: FastifyInstance, ctx: WebContext): Promise<void> {
  await app.register(async (scope) => {
    // Cookies, CSRF, CSP with frame-ancestors 'none' (RFC 9700 §4.16) and the cross-site check.
    await registerWebSecurity(scope, ctx, { notFoundPages: false });

    scope.get('/oauth/authorize', async (request, reply) => {
      const q = request.url.indexOf('?');
      const parsed = parseForm(q === -1 ? '' : request.url.slice(q + 1));
      const check = await checkRequest(ctx, parsed);
      if (!check.ok) return refuse(ctx, request, reply, check);
      const session = await currentMerchant(ctx, request);
      if (!session) return reply.redirect(`/account/login?return_to=${encodeURIComponent(request.url)}`, 303);
      const remembered = await ctx.store.consents.find(session.merchant.id, check.request.client.id);
      if (remembered && check.request.scope.split(' ').every((s) => remembered.scope.split(' ').includes(s))) {
        return issueCode(ctx, reply, check.request, session.merchant);
      }
      // The consent form's answer redirects to the client: let the browser follow it (CSP form-action).
      reply.header('Content-Security-Policy', contentSecurityPolicy([new URL(check.request.redirectUri).origin]));
      const hidden: Record<string, string> = {};
      for (const name of PARAMS) {
        const v = parsed.fields[name];
        if (typeof v === 'string') hidden[name] = v;
      }
      return sendPage(
        reply,
        consentPage({
          csrf: csrfToken(ctx, request, reply),
          merchant: session.merchant,
          clientName: check.request.client.name,
          clientId: check.request.client.id,
          environment: ctx.environment,
          redirectHost: new URL(check.request.redirectUri).host,
          scope: check.request.scope.split(' '),
          hidden,
        }),
      );
    });

    scope.post('/oauth/authorize', { preHandler: scope.csrfProtection }, async (request, reply) => {
      const body = (request.body as RequestParams | undefined) ?? { kind: 'none', fields: Object.create(null), duplicates: [] };
      const check = await checkRequest(ctx, body.kind === 'form' ? body : { ...body, fields: Object.create(null) });
      if (!check.ok) return refuse(ctx, request, reply, check);
      const session = await currentMerchant(ctx, request);
      if (!session) return reply.redirect('/account/login', 303);
      if (body.fields.decision !== 'approve') {
        // RFC 6749 §4.1.2.1: the resource owner denied the request.
        return reply.redirect(authorizationResponseUrl(check.request.redirectUri, { error: 'access_denied', state: check.request.state, iss: ctx.issuer() }), 303);
      }
      const now = ctx.clock.now();
      await ctx.store.consents.upsert({ merchantId: session.merchant.id, clientId: check.request.client.id, scope: check.request.scope, createdAt: now, updatedAt: now });
      return issueCode(ctx, reply, check.request, session.merchant);
    });
  });
}

async function checkRequest(ctx: Pick<WebContext, 'store' | 'environment'>, params: RequestParams) {
  const fields: Record<string, string | undefined> = {};
  for (const name of PARAMS) {
    const v = params.fields[name];
    fields[name] = typeof v === 'string' && v !== '' ? v : undefined;
  }
  const client = fields.client_id ? await ctx.store.clients.find(fields.client_id) : undefined;
  return checkAuthorizationRequest(fields, params.duplicates, client, ctx.environment);
}

function refuse(
  ctx: Pick<WebContext, 'issuer'>,
  request: FastifyRequest,
  reply: FastifyReply,
  check: Exclude<ReturnType<typeof checkAuthorizationRequest>, { ok: true }>,
): FastifyReply {
  if (check.kind === 'page') {
    // No Location header: an untrusted redirect URI is never followed (RFC 6749 §3.1.2.4).
    return sendPage(reply, errorPage({ csrf: csrfToken(ctx, request, reply), status: 400, message: check.message }), 400);
  }
  // 303, never 307, so the browser does not re-post form data to the client (RFC 9700 §4.12).
  return reply.redirect(authorizationResponseUrl(check.redirectUri, { error: check.error, error_description: check.description, state: check.state, iss: ctx.issuer() }), 303);
}

async function issueCode(ctx: Pick<WebContext, 'store' | 'hasher' | 'clock' | 'environment' | 'config' | 'issuer'>, reply: FastifyReply, req: AuthorizationRequest, merchant: MerchantRecord): Promise<FastifyReply> {
  const code = newOpaqueToken();
  const now = ctx.clock.now();
  await ctx.store.codes.create({
    hash: ctx.hasher.hash('code', code),
    clientId: req.client.id,
    environment: ctx.environment,
    redirectUri: req.redirectUri,
    scope: req.scope,
    codeChallenge: req.codeChallenge,
    subject: merchant.id,
    grantId: randomUUID(),
    createdAt: now,
    expiresAt: now + ctx.config.authorizationCodeTtl,
    consumedAt: null,
  });
  return reply.redirect(authorizationResponseUrl(req.redirectUri, { code, state: req.state, iss: ctx.issuer() }), 303);
}
