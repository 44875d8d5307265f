import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendPage, csrfToken } from '../request.js';
import { currentMerchant } from '../session.js';
import { consentPage } from '../views/consent.js';
import { errorPage } from '../views/auth.js';
import { contentSecurityPolicy, registerWebSecurity, type WebContext } from '../web-security.js';
import {
  authorizationRequestFields,
  authorizationResponseUrl,
  checkAuthorizationRequest,
  type AuthorizationRequest,
  type AuthorizationRequestCheck,
} from '../../core/authorization-request.js';
import { fromStoredParams, referenceOf } from '../../core/pushed-request.js';
import { newOpaqueToken } from '../../core/random.js';
import type { RequestParams } from '../../core/params.js';
import type { MerchantRecord } from '../../storage/types.js';
import { parseForm } from '../../http/body-parsers.js';

/** A checked request, and the digest of its pushed request (RFC 9126) when it came by request_uri. */
type Checked = AuthorizationRequestCheck & { pushedHash?: string };

const USED_OR_EXPIRED = 'This authorization request has expired or was already used. Start again from the application.';

/**
 * GET /oauth/authorize (RFC 6749 §4.1.1, PKCE S256 mandatory): the merchant logs in to the Web Account,
 * sees who asks for what, and consents; the browser returns to the client with `code`, `state` and `iss`
 * (RFC 9207). Consent is remembered per merchant and client. POST carries the decision, CSRF-protected.
 * A pushed request (RFC 9126 §4) comes as `client_id` + `request_uri`, and is used up by the answer to it.
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
        if (!(await consumePushed(ctx, check))) return refusePage(ctx, request, reply, USED_OR_EXPIRED);
        return issueCode(ctx, reply, check.request, session.merchant);
      }
      // The consent form's answer redirects to the client: let the browser follow it (CSP form-action).
      reply.header('Content-Security-Policy', contentSecurityPolicy([new URL(check.request.redirectUri).origin]));
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
          resources: check.request.resources ?? [],
          hidden: hiddenFields(parsed, check.pushedHash !== undefined),
        }),
      );
    });

    scope.post('/oauth/authorize', { preHandler: scope.csrfProtection }, async (request, reply) => {
      const body = (request.body as RequestParams | undefined) ?? { kind: 'none', fields: Object.create(null), duplicates: [] };
      const check = await checkRequest(ctx, body.kind === 'form' ? body : { ...body, fields: Object.create(null) });
      if (!check.ok) return refuse(ctx, request, reply, check);
      const session = await currentMerchant(ctx, request);
      if (!session) return reply.redirect('/account/login', 303);
      // RFC 9126 §4: the answer, either way, uses the pushed request up; of two answers one wins.
      if (!(await consumePushed(ctx, check))) return refusePage(ctx, request, reply, USED_OR_EXPIRED);
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

/** The request in the query or form: a pushed one when it names a request_uri (RFC 9126 §4), else its own parameters. */
async function checkRequest(ctx: Pick<WebContext, 'store' | 'environment' | 'resources' | 'hasher' | 'clock'>, params: RequestParams): Promise<Checked> {
  const requestUri = params.fields.request_uri;
  if (typeof requestUri === 'string' && requestUri !== '') return checkPushedRequest(ctx, params, requestUri);
  const { fields, resources } = authorizationRequestFields(params);
  const client = fields.client_id ? await ctx.store.clients.find(fields.client_id) : undefined;
  return checkAuthorizationRequest(fields, params.duplicates, client, ctx.environment, { resources, knownResources: ctx.resources().known });
}

/**
 * RFC 9126 §4 with RFC 9101 §6.3: only the pushed parameters count, other parameters on the URL are ignored, and
 * `client_id` must name the client that pushed. An unknown, expired, used or another client's request_uri is shown
 * to the merchant, never redirected: without the pushed request there is no redirect URI to trust.
 */
async function checkPushedRequest(
  ctx: Pick<WebContext, 'store' | 'environment' | 'resources' | 'hasher' | 'clock'>,
  params: RequestParams,
  requestUri: string,
): Promise<Checked> {
  const invalid: Checked = { ok: false, kind: 'page', message: USED_OR_EXPIRED };
  if (params.duplicates.includes('request_uri') || params.duplicates.includes('client_id')) return { ok: false, kind: 'page', message: 'The request repeats client_id or request_uri.' };
  const reference = referenceOf(requestUri);
  const clientId = params.fields.client_id;
  if (reference === undefined || typeof clientId !== 'string') return invalid;
  const hash = ctx.hasher.hash('request_uri', reference);
  const pushed = await ctx.store.pushedRequests.find(hash);
  if (!pushed || pushed.clientId !== clientId || pushed.environment !== ctx.environment) return invalid;
  if (pushed.consumedAt !== null || pushed.expiresAt <= ctx.clock.now()) return invalid;
  // Checked again, not trusted from the push: the client or its registration may have changed since (§4).
  const { fields, resources } = fromStoredParams(pushed.params);
  const client = await ctx.store.clients.find(pushed.clientId);
  const check = checkAuthorizationRequest(fields, [], client, ctx.environment, { resources, knownResources: ctx.resources().known, pushed: true });
  return { ...check, pushedHash: hash };
}

/** Uses up the pushed request behind `check`, if any: one conditional statement, so of two uses one wins. */
async function consumePushed(ctx: Pick<WebContext, 'store' | 'clock'>, check: Checked): Promise<boolean> {
  return check.pushedHash === undefined || ctx.store.pushedRequests.consume(check.pushedHash, ctx.clock.now());
}

/** What the consent form posts back: the request's own parameters, or only the reference to the pushed one. */
function hiddenFields(parsed: RequestParams, pushed: boolean): Array<[string, string]> {
  const names = pushed ? ['client_id', 'request_uri'] : [...Object.keys(authorizationRequestFields(parsed).fields), 'resource'];
  const out: Array<[string, string]> = [];
  for (const name of names) {
    const all = parsed.repeated?.[name] ?? (typeof parsed.fields[name] === 'string' ? [parsed.fields[name] as string] : []);
    for (const v of all) out.push([name, v]);
  }
  return out;
}

function refuse(ctx: Pick<WebContext, 'issuer'>, request: FastifyRequest, reply: FastifyReply, check: Exclude<AuthorizationRequestCheck, { ok: true }>): FastifyReply {
  if (check.kind === 'page') return refusePage(ctx, request, reply, check.message);
  // 303, never 307, so the browser does not re-post form data to the client (RFC 9700 §4.12).
  return reply.redirect(authorizationResponseUrl(check.redirectUri, { error: check.error, error_description: check.description, state: check.state, iss: ctx.issuer() }), 303);
}

/** No Location header: an untrusted redirect URI is never followed (RFC 6749 §3.1.2.4). */
function refusePage(ctx: Pick<WebContext, 'issuer'>, request: FastifyRequest, reply: FastifyReply, message: string): FastifyReply {
  return sendPage(reply, errorPage({ csrf: csrfToken(ctx, request, reply), status: 400, message }), 400);
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
    resources: req.resources,
  });
  return reply.redirect(authorizationResponseUrl(req.redirectUri, { code, state: req.state, iss: ctx.issuer() }), 303);
}
