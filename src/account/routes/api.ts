import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditEvent, ClientRecord, Environment } from '../../storage/types.js';
import { audit, changePassword, checkLogin, createMerchant } from '../accounts.js';
import { requireRecentAuth } from '../reauth.js';
import {
  changeScopes,
  deleteCredential,
  expirePreviousSecret,
  describeCredential,
  codeFlowFromFields,
  addCredentialKeys,
  generateCredential,
  listCredentials,
  ownedCredential,
  renameCredential,
  revokeCredentialTokens,
  removeCredentialKey,
  rotateCredential,
  usageOf,
  type CredentialView,
} from '../credentials.js';
import { InputError, NotSignedInError } from '../errors.js';
import type { AccountContext } from '../plugin.js';
import { csrfToken, fieldsOf, isEnvironment, reauthFields, text, tokenUrl } from '../request.js';
import { currentMerchant, endSession, pendingSecondStep, recentlyAuthenticated, startSession, type MerchantSession } from '../session.js';
import { passwordAccepted, secondStepAccepted } from '../sign-in.js';
import { twoFactorEnabled } from '../two-factor.js';
import { parseGrace } from './credential-pages.js';
import { actorOf } from './page-context.js';

/**
 * The JSON API under /account/api: the same actions as the pages, authenticated by the session cookie.
 * Every POST needs the CSRF token in the X-CSRF-Token header (GET /account/api/csrf hands one out).
 */
export function registerApiRoutes(app: FastifyInstance, ctx: AccountContext): void {
  const protect = { preHandler: app.csrfProtection };
  const signedIn = async (request: FastifyRequest): Promise<MerchantSession> => {
    const current = await currentMerchant(ctx, request);
    if (!current) throw new NotSignedInError();
    return current;
  };
  const actor = actorOf;
  const owned = async (request: FastifyRequest, current: MerchantSession): Promise<ClientRecord> =>
    ownedCredential(ctx, current.merchant.id, (request.params as { id: string }).id);

  app.get('/api/csrf', async (request, reply) => ({ csrf_token: csrfToken(ctx, request, reply) }));

  app.post('/api/signup', protect, async (request, reply) => {
    const f = fieldsOf(request);
    const merchant = await createMerchant({ store: ctx.store, clock: ctx.clock, throttle: ctx.throttle, ip: request.ip }, text(f, 'email'), text(f, 'password'));
    await startSession(ctx, request, reply, merchant);
    await audit(ctx, { merchant, ip: request.ip }, 'signed_up');
    return reply.code(201).send({ merchant: { id: merchant.id, email: merchant.email } });
  });

  app.post('/api/login', protect, async (request, reply) => {
    const f = fieldsOf(request);
    const merchant = await checkLogin(ctx, text(f, 'email'), text(f, 'password'), request.ip);
    // With two-factor sign-in on, the session signs in nothing until POST /account/api/login/code.
    if ((await passwordAccepted(ctx, request, reply, merchant, { audited: true })) === 'second_step') return { second_factor_required: true };
    return { merchant: { id: merchant.id, email: merchant.email } };
  });

  app.post('/api/login/code', protect, async (request) => {
    const pending = await pendingSecondStep(ctx, request);
    if (!pending || !(await secondStepAccepted(ctx, request, pending, text(fieldsOf(request), 'code')))) throw new NotSignedInError();
    return { merchant: { id: pending.merchant.id, email: pending.merchant.email } };
  });

  app.post('/api/logout', protect, async (request, reply) => {
    const f = fieldsOf(request);
    const current = await currentMerchant(ctx, request);
    const everywhere = f.everywhere === true || text(f, 'everywhere') === '1';
    if (current) {
      if (everywhere) await ctx.store.sessions.deleteForMerchant(current.merchant.id);
      await audit(ctx, { merchant: current.merchant, ip: request.ip }, 'logged_out', { detail: { everywhere } });
    }
    await endSession(ctx, request, reply);
    return { logged_out: true };
  });

  app.post('/api/password', protect, async (request) => {
    const current = await signedIn(request);
    const f = fieldsOf(request);
    await changePassword(ctx, current.merchant, text(f, 'current_password'), text(f, 'new_password'));
    const ended = await ctx.store.sessions.deleteForMerchant(current.merchant.id, current.session.idHash);
    await ctx.store.sessions.reauthenticated(current.session.idHash, ctx.clock.now());
    await audit(ctx, { merchant: current.merchant, ip: request.ip }, 'password_changed');
    return { password_changed: true, other_sessions_ended: ended };
  });

  app.get('/api/me', async (request) => {
    const { merchant, session } = await signedIn(request);
    return {
      merchant: { id: merchant.id, email: merchant.email, created_at: merchant.createdAt, two_factor: await twoFactorEnabled(ctx, merchant.id) },
      session: { created_at: session.createdAt, expires_at: session.expiresAt, recently_authenticated: recentlyAuthenticated(ctx, session) },
    };
  });

  app.get('/api/credentials', async (request) => {
    const current = await signedIn(request);
    const env = (request.query as Record<string, unknown>).environment;
    if (env !== undefined && !isEnvironment(env)) throw new InputError('environment must be sandbox or production');
    const envs: Environment[] = env ? [env] : ['sandbox', 'production'];
    const lists = await Promise.all(envs.map((e) => listCredentials(ctx, current.merchant.id, e)));
    return { credentials: lists.flat().map((c) => credentialJson(ctx, c)) };
  });

  app.post('/api/credentials', protect, async (request, reply) => {
    const current = await signedIn(request);
    const f = fieldsOf(request);
    const environment = f.environment;
    if (!isEnvironment(environment)) throw new InputError('environment must be sandbox or production');
    const scopes = scopesOf(f);
    if (environment === 'production') await requireRecentAuth(ctx, actor(request, current), current.session, reauthFields(f));
    const { client, secret } = await generateCredential(ctx, actor(request, current), { environment, name: text(f, 'name'), scopes, codeFlow: codeFlowFromFields(f), jwks: jwksOf(f) });
    const view = await describeCredential(ctx, client);
    return reply.code(201).send({ ...credentialJson(ctx, view), ...(secret !== undefined ? { client_secret: secret } : {}) });
  });

  app.get('/api/credentials/:id', async (request) => {
    const current = await signedIn(request);
    return credentialJson(ctx, await describeCredential(ctx, await owned(request, current)));
  });

  app.post('/api/credentials/:id/rotate', protect, async (request) => {
    const current = await signedIn(request);
    const client = await owned(request, current);
    const f = fieldsOf(request);
    const raw = f.grace_seconds;
    const grace = typeof raw === 'number' ? parseGrace(raw) : parseGrace(text(f, 'grace_seconds') || '0');
    if (client.environment === 'production') await requireRecentAuth(ctx, actor(request, current), current.session, reauthFields(f));
    const { secret, previousSecretExpiresAt } = await rotateCredential(ctx, actor(request, current), client, grace);
    return { client_id: client.id, client_secret: secret, previous_secret_expires_at: previousSecretExpiresAt };
  });

  app.post('/api/credentials/:id/keys/add', protect, async (request) => {
    const current = await signedIn(request);
    const client = await owned(request, current);
    const f = fieldsOf(request);
    if (client.environment === 'production') await requireRecentAuth(ctx, actor(request, current), current.session, reauthFields(f));
    await addCredentialKeys(ctx, actor(request, current), client, jwksOf(f));
    return credentialJson(ctx, await describeCredential(ctx, await owned(request, current)));
  });

  app.post('/api/credentials/:id/keys/remove', protect, async (request) => {
    const current = await signedIn(request);
    const client = await owned(request, current);
    const f = fieldsOf(request);
    if (client.environment === 'production') await requireRecentAuth(ctx, actor(request, current), current.session, reauthFields(f));
    await removeCredentialKey(ctx, actor(request, current), client, text(f, 'thumbprint'));
    return credentialJson(ctx, await describeCredential(ctx, await owned(request, current)));
  });

  app.post('/api/credentials/:id/rename', protect, async (request) => {
    const current = await signedIn(request);
    const client = await owned(request, current);
    await renameCredential(ctx, actor(request, current), client, text(fieldsOf(request), 'name'));
    return credentialJson(ctx, await describeCredential(ctx, (await ctx.store.clients.find(client.id))!));
  });

  app.post('/api/credentials/:id/expire-previous', protect, async (request) => {
    const current = await signedIn(request);
    const client = await owned(request, current);
    if (client.environment === 'production') await requireRecentAuth(ctx, actor(request, current), current.session, reauthFields(fieldsOf(request)));
    await expirePreviousSecret(ctx, actor(request, current), client);
    return credentialJson(ctx, await describeCredential(ctx, (await ctx.store.clients.find(client.id))!));
  });

  app.post('/api/credentials/:id/scopes', protect, async (request) => {
    const current = await signedIn(request);
    const client = await owned(request, current);
    const f = fieldsOf(request);
    if (client.environment === 'production') await requireRecentAuth(ctx, actor(request, current), current.session, reauthFields(f));
    await changeScopes(ctx, actor(request, current), client, scopesOf(f));
    return credentialJson(ctx, await describeCredential(ctx, (await ctx.store.clients.find(client.id))!));
  });

  app.post('/api/credentials/:id/revoke-tokens', protect, async (request) => {
    const current = await signedIn(request);
    const client = await owned(request, current);
    return { client_id: client.id, revoked_tokens: await revokeCredentialTokens(ctx, actor(request, current), client) };
  });

  app.post('/api/credentials/:id/delete', protect, async (request) => {
    const current = await signedIn(request);
    const client = await owned(request, current);
    await deleteCredential(ctx, actor(request, current), client);
    return { client_id: client.id, deleted: true };
  });

  app.get('/api/credentials/:id/usage', async (request) => {
    const current = await signedIn(request);
    const client = await owned(request, current);
    const { daily, hourly } = await usageOf(ctx, client.id);
    return { client_id: client.id, daily: daily.buckets, hourly: hourly.buckets };
  });

  app.get('/api/credentials/:id/audit', async (request) => {
    const current = await signedIn(request);
    const client = await owned(request, current);
    return { events: (await ctx.store.audit.listForClient(client.id, 200)).map(eventJson) };
  });

  app.get('/api/audit', async (request) => {
    const current = await signedIn(request);
    return { events: (await ctx.store.audit.listForMerchant(current.merchant.id, 200)).map(eventJson) };
  });
}

function scopesOf(f: Record<string, unknown>): string[] {
  if (Array.isArray(f.scopes)) {
    if (!f.scopes.every((s) => typeof s === 'string')) throw new InputError('scopes must be a list of strings');
    return f.scopes as string[];
  }
  if (f.scopes !== undefined) throw new InputError('scopes must be a list of strings');
  return text(f, 'scope').split(' ').filter(Boolean);
}

function credentialJson(ctx: AccountContext, c: CredentialView) {
  return {
    client_id: c.id,
    environment: c.environment,
    name: c.name,
    scope: c.scopes.join(' '),
    created_at: c.createdAt,
    last_used_at: c.lastUsedAt,
    active_tokens: c.activeTokens,
    previous_secret_expires_at: c.previousSecretExpiresAt,
    secret_hint: c.secretHint,
    secret_last_used_at: c.secretLastUsedAt,
    previous_secret_hint: c.previousSecretExpiresAt ? c.previousSecretHint : null,
    previous_secret_last_used_at: c.previousSecretExpiresAt ? c.previousSecretLastUsedAt : null,
    grant_types: c.grantTypes,
    redirect_uris: c.redirectUris,
    public: c.isPublic,
    require_pushed_authorization_requests: c.requirePushedAuthorizationRequests,
    dpop_bound_access_tokens: c.dpopBoundAccessTokens,
    token_endpoint_auth_method: c.authMethod,
    ...(c.authMethod === 'private_key_jwt' ? { keys: c.keys } : {}),
    token_url: tokenUrl(ctx, c.environment),
  };
}

/** `jwks`: a JWK or JWK Set, as JSON text or as a JSON object in a JSON body. */
function jwksOf(f: Record<string, unknown>): string {
  const v = f.jwks;
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : text(f, 'jwks');
}

function eventJson(e: AuditEvent) {
  return { at: e.at, action: e.action, client_id: e.clientId, environment: e.environment, actor: e.actor, ip: e.ip, count: e.count, detail: e.detail };
}

