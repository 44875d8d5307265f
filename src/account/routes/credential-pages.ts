import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KNOWN_SCOPES } from '../../core/scope.js';
import { ENVIRONMENTS } from '../../storage/types.js';
import { requireRecentAuth, type Actor } from '../accounts.js';
import {
  deleteCredential,
  describeCredential,
  codeFlowFromFields,
  generateCredential,
  listCredentials,
  ownedCredential,
  renameCredential,
  revokeCredentialTokens,
  rotateCredential,
  usageOf,
} from '../credentials.js';
import { InputError, ReauthRequiredError } from '../errors.js';
import type { AccountContext } from '../plugin.js';
import { csrfToken, fieldsOf, sendPage, text, tokenUrl } from '../request.js';
import { currentMerchant, recentlyAuthenticated, type MerchantSession } from '../session.js';
import { accountAuditPage, credentialAuditPage, usagePage } from '../views/activity.js';
import { deleteConfirmPage, detailPage, listPage, secretPage } from '../views/credentials.js';
import { toLogin } from './auth-pages.js';

const NOTICES: Record<string, string> = {
  renamed: 'The credential was renamed.',
  revoked: 'Every token of this credential was revoked.',
  deleted: 'The credential was deleted and all its tokens revoked.',
  public: 'Public client created: it has no secret and must use PKCE.',
};

type Handler = (request: FastifyRequest, reply: FastifyReply, current: MerchantSession) => Promise<FastifyReply>;

/** The credential pages: one list per environment, a detail page per credential, its usage and audit trail. */
export function registerCredentialPages(app: FastifyInstance, ctx: AccountContext): void {
  const protect = { preHandler: app.csrfProtection };
  // Every page here needs a signed-in merchant.
  const signedIn = (handler: Handler) => async (request: FastifyRequest, reply: FastifyReply) => {
    const current = await currentMerchant(ctx, request);
    if (!current) return toLogin(request, reply);
    return handler(request, reply, current);
  };
  const base = (request: FastifyRequest, reply: FastifyReply, current: MerchantSession) => ({
    csrf: csrfToken(ctx, request, reply),
    merchant: current.merchant,
    needsReauth: !recentlyAuthenticated(ctx, current.session),
  });
  const notice = (request: FastifyRequest) => {
    const done = (request.query as Record<string, unknown>).done;
    const n = typeof done === 'string' ? NOTICES[done] : undefined;
    return n ? { notice: n } : {};
  };
  const actor = (request: FastifyRequest, current: MerchantSession): Actor => ({ merchant: current.merchant, ip: request.ip });
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

  for (const environment of ENVIRONMENTS) {
    app.get(`/${environment}`, signedIn(async (request, reply, current) => {
      const credentials = await listCredentials(ctx, current.merchant.id, environment);
      return sendPage(reply, listPage({ ...base(request, reply, current), ...notice(request), environment, credentials }));
    }));

    app.post(`/${environment}/credentials`, protect, signedIn(async (request, reply, current) => {
      const f = fieldsOf(request);
      const name = text(f, 'name');
      const scopes = KNOWN_SCOPES.filter((s) => text(f, `scope_${s}`) !== '');
      try {
        if (environment === 'production') await requireRecentAuth(ctx, current.merchant, current.session, text(f, 'password'));
        const { client, secret } = await generateCredential(ctx, actor(request, current), { environment, name, scopes, codeFlow: codeFlowFromFields(f) });
        // A public client has no secret to show: straight to its page.
        if (secret === undefined) return reply.redirect(`/account/credentials/${client.id}?done=public`, 303);
        return sendPage(reply, secretPage({
          csrf: csrfToken(ctx, request, reply), merchant: current.merchant, clientId: client.id, name: client.name,
          environment, secret, scope: client.scopes.join(' '), tokenUrl: tokenUrl(ctx, environment),
        }));
      } catch (err) {
        if (!(err instanceof InputError || err instanceof ReauthRequiredError)) throw err;
        const credentials = await listCredentials(ctx, current.merchant.id, environment);
        return sendPage(reply, listPage({ ...base(request, reply, current), environment, credentials, error: err.message, form: { name, scopes } }), err.status);
      }
    }));
  }

  app.get('/activity', signedIn(async (request, reply, current) => {
    const events = await ctx.store.audit.listForMerchant(current.merchant.id, 200);
    return sendPage(reply, accountAuditPage({ csrf: csrfToken(ctx, request, reply), merchant: current.merchant, events }));
  }));

  app.get('/credentials/:id', signedIn(async (request, reply, current) => {
    const client = await ownedCredential(ctx, current.merchant.id, idOf(request));
    const credential = await describeCredential(ctx, client);
    return sendPage(reply, detailPage({ ...base(request, reply, current), ...notice(request), credential, tokenUrl: tokenUrl(ctx, client.environment) }));
  }));

  app.get('/credentials/:id/delete', signedIn(async (request, reply, current) => {
    const client = await ownedCredential(ctx, current.merchant.id, idOf(request));
    return sendPage(reply, deleteConfirmPage({ ...base(request, reply, current), credential: await describeCredential(ctx, client) }));
  }));

  app.get('/credentials/:id/usage', signedIn(async (request, reply, current) => {
    const client = await ownedCredential(ctx, current.merchant.id, idOf(request));
    const { daily, hourly } = await usageOf(ctx, client.id);
    return sendPage(reply, usagePage({ csrf: csrfToken(ctx, request, reply), merchant: current.merchant, credential: await describeCredential(ctx, client), daily, hourly }));
  }));

  app.get('/credentials/:id/audit', signedIn(async (request, reply, current) => {
    const client = await ownedCredential(ctx, current.merchant.id, idOf(request));
    const events = await ctx.store.audit.listForClient(client.id, 200);
    return sendPage(reply, credentialAuditPage({ csrf: csrfToken(ctx, request, reply), merchant: current.merchant, credential: await describeCredential(ctx, client), events }));
  }));

  app.post('/credentials/:id/rotate', protect, signedIn(async (request, reply, current) => {
    const client = await ownedCredential(ctx, current.merchant.id, idOf(request));
    const f = fieldsOf(request);
    try {
      const grace = parseGrace(text(f, 'grace_seconds'));
      if (client.environment === 'production') await requireRecentAuth(ctx, current.merchant, current.session, text(f, 'password'));
      const { secret, previousSecretExpiresAt } = await rotateCredential(ctx, actor(request, current), client, grace);
      return sendPage(reply, secretPage({
        csrf: csrfToken(ctx, request, reply), merchant: current.merchant, clientId: client.id, name: client.name,
        environment: client.environment, secret, scope: client.scopes.join(' '), tokenUrl: tokenUrl(ctx, client.environment),
        rotated: { previousSecretExpiresAt, graceSeconds: grace },
      }));
    } catch (err) {
      if (!(err instanceof InputError || err instanceof ReauthRequiredError)) throw err;
      const credential = await describeCredential(ctx, client);
      return sendPage(reply, detailPage({ ...base(request, reply, current), credential, tokenUrl: tokenUrl(ctx, client.environment), error: err.message }), err.status);
    }
  }));

  app.post('/credentials/:id/rename', protect, signedIn(async (request, reply, current) => {
    const client = await ownedCredential(ctx, current.merchant.id, idOf(request));
    try {
      await renameCredential(ctx, actor(request, current), client, text(fieldsOf(request), 'name'));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const credential = await describeCredential(ctx, client);
      return sendPage(reply, detailPage({ ...base(request, reply, current), credential, tokenUrl: tokenUrl(ctx, client.environment), error: err.message }), err.status);
    }
    return reply.redirect(`/account/credentials/${client.id}?done=renamed`, 303);
  }));

  app.post('/credentials/:id/revoke-tokens', protect, signedIn(async (request, reply, current) => {
    const client = await ownedCredential(ctx, current.merchant.id, idOf(request));
    await revokeCredentialTokens(ctx, actor(request, current), client);
    return reply.redirect(`/account/credentials/${client.id}?done=revoked`, 303);
  }));

  app.post('/credentials/:id/delete', protect, signedIn(async (request, reply, current) => {
    const client = await ownedCredential(ctx, current.merchant.id, idOf(request));
    await deleteCredential(ctx, actor(request, current), client);
    return reply.redirect(`/account/${client.environment}?done=deleted`, 303);
  }));
}

/** A grace period in whole seconds, as the rotate form and the API send it. */
export function parseGrace(value: string | number): number {
  const n = typeof value === 'number' ? value : /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n)) throw new InputError('The grace period must be a whole number of seconds');
  return n;
}

