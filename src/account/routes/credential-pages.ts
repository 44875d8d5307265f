import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KNOWN_SCOPES } from '../../core/scope.js';
import { ENVIRONMENTS, type ClientRecord } from '../../storage/types.js';
import { requireRecentAuth } from '../reauth.js';
import {
  addCredentialKeys,
  changeScopes,
  deleteCredential,
  expirePreviousSecret,
  describeCredential,
  codeFlowFromFields,
  generateCredential,
  listCredentials,
  ownedCredential,
  removeCredentialKey,
  renameCredential,
  revokeCredentialTokens,
  rotateCredential,
  usageOf,
} from '../credentials.js';
import { InputError, ReauthRequiredError } from '../errors.js';
import type { AccountContext } from '../plugin.js';
import { submitOnce } from '../form-once.js';
import { csrfToken, fieldsOf, reauthFields, sendPage, text, tokenUrl } from '../request.js';
import { stashSecret } from '../secret-reveal.js';
import type { MerchantSession } from '../session.js';
import { accountAuditPage, credentialAuditPage, usagePage } from '../views/activity.js';
import { deleteConfirmPage, detailPage, listPage } from '../views/credentials.js';
import { signedInPage, pageBase, noticeOf, actorOf, type Handler } from './page-context.js';

const NOTICES: Record<string, string> = {
  renamed: 'The credential was renamed.',
  revoked: 'Every token of this credential was revoked.',
  deleted: 'The credential was deleted and all its tokens revoked.',
  public: 'Public client created: it has no secret and must use PKCE.',
  keys: 'Credential created. It has no secret: it signs a JWT with your private key (private_key_jwt).',
  'key-added': 'The key was added. Both keys work until you remove the old one.',
  'key-removed': 'The key was removed; assertions signed with it no longer work.',
  expired: 'The previous secret no longer works.',
  scopes: 'The scopes were saved. Tokens issued before keep their scope until they expire.',
};


/**
 * The credential pages: one list per environment, a detail page per credential, its usage and audit trail.
 * Every form goes POST → 303 → GET through submitOnce; a new secret is shown on its own one-time page.
 */
export function registerCredentialPages(app: FastifyInstance, ctx: AccountContext): void {
  const protect = { preHandler: app.csrfProtection };
  const signedIn = (handler: Handler) => signedInPage(ctx, handler);
  const base = (request: FastifyRequest, reply: FastifyReply, current: MerchantSession) => pageBase(ctx, request, reply, current);
  const notice = (request: FastifyRequest) => noticeOf(NOTICES, request);
  const actor = actorOf;
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
  const owned = (request: FastifyRequest, current: MerchantSession) => ownedCredential(ctx, current.merchant.id, idOf(request));
  // A form on the detail page that failed: the page again, with the message, and nothing changed.
  const detailWithError = async (request: FastifyRequest, reply: FastifyReply, current: MerchantSession, client: ClientRecord, err: InputError | ReauthRequiredError) => {
    const credential = await describeCredential(ctx, client);
    return sendPage(reply, detailPage({ ...(await base(request, reply, current)), credential, tokenUrl: tokenUrl(ctx, client.environment), error: err.message }), err.status);
  };
  const expected = (err: unknown): err is InputError | ReauthRequiredError => err instanceof InputError || err instanceof ReauthRequiredError;

  for (const environment of ENVIRONMENTS) {
    app.get(`/${environment}`, signedIn(async (request, reply, current) => {
      const credentials = await listCredentials(ctx, current.merchant.id, environment);
      return sendPage(reply, listPage({ ...(await base(request, reply, current)), ...notice(request), environment, credentials }));
    }));

    app.post(`/${environment}/credentials`, protect, signedIn((request, reply, current) => submitOnce(ctx, request, reply, async () => {
      const f = fieldsOf(request);
      const name = text(f, 'name');
      const scopes = KNOWN_SCOPES.filter((s) => text(f, `scope_${s}`) !== '');
      // Not shown again on an error: a private key pasted by mistake is never echoed into a page.
      const jwks = text(f, 'jwks');
      try {
        if (environment === 'production') await requireRecentAuth(ctx, actor(request, current), current.session, reauthFields(f));
        const { client, secret } = await generateCredential(ctx, actor(request, current), { environment, name, scopes, codeFlow: codeFlowFromFields(f), jwks });
        // A public client, or one with public keys, has no secret to show: straight to its page.
        if (secret === undefined) return `/account/credentials/${client.id}?done=${client.publicKeys ? 'keys' : 'public'}`;
        return stashSecret(ctx, request, { clientId: client.id, kind: 'created', secret });
      } catch (err) {
        if (!expected(err)) throw err;
        const credentials = await listCredentials(ctx, current.merchant.id, environment);
        return sendPage(reply, listPage({ ...(await base(request, reply, current)), environment, credentials, error: err.message, form: { name, scopes, keysOpen: jwks.trim() !== '' } }), err.status);
      }
    })));
  }

  app.get('/activity', signedIn(async (request, reply, current) => {
    const events = await ctx.store.audit.listForMerchant(current.merchant.id, 200);
    return sendPage(reply, accountAuditPage({ csrf: csrfToken(ctx, request, reply), merchant: current.merchant, events }));
  }));

  app.get('/credentials/:id', signedIn(async (request, reply, current) => {
    const client = await owned(request, current);
    const credential = await describeCredential(ctx, client);
    return sendPage(reply, detailPage({ ...(await base(request, reply, current)), ...notice(request), credential, tokenUrl: tokenUrl(ctx, client.environment) }));
  }));

  app.get('/credentials/:id/delete', signedIn(async (request, reply, current) => {
    const client = await owned(request, current);
    return sendPage(reply, deleteConfirmPage({ ...(await base(request, reply, current)), credential: await describeCredential(ctx, client) }));
  }));

  app.get('/credentials/:id/usage', signedIn(async (request, reply, current) => {
    const client = await owned(request, current);
    const { daily, hourly } = await usageOf(ctx, client.id);
    return sendPage(reply, usagePage({ csrf: csrfToken(ctx, request, reply), merchant: current.merchant, credential: await describeCredential(ctx, client), daily, hourly }));
  }));

  app.get('/credentials/:id/audit', signedIn(async (request, reply, current) => {
    const client = await owned(request, current);
    const events = await ctx.store.audit.listForClient(client.id, 200);
    return sendPage(reply, credentialAuditPage({ csrf: csrfToken(ctx, request, reply), merchant: current.merchant, credential: await describeCredential(ctx, client), events }));
  }));

  app.post('/credentials/:id/rotate', protect, signedIn((request, reply, current) => submitOnce(ctx, request, reply, async () => {
    const client = await owned(request, current);
    const f = fieldsOf(request);
    try {
      const grace = parseGrace(text(f, 'grace_seconds'));
      if (client.environment === 'production') await requireRecentAuth(ctx, actor(request, current), current.session, reauthFields(f));
      const { secret } = await rotateCredential(ctx, actor(request, current), client, grace);
      return stashSecret(ctx, request, { clientId: client.id, kind: 'rotated', secret });
    } catch (err) {
      if (!expected(err)) throw err;
      return detailWithError(request, reply, current, client, err);
    }
  })));

  app.post('/credentials/:id/expire-previous', protect, signedIn((request, reply, current) => submitOnce(ctx, request, reply, async () => {
    const client = await owned(request, current);
    try {
      if (client.environment === 'production') await requireRecentAuth(ctx, actor(request, current), current.session, reauthFields(fieldsOf(request)));
      await expirePreviousSecret(ctx, actor(request, current), client);
      return `/account/credentials/${client.id}?done=expired`;
    } catch (err) {
      if (!expected(err)) throw err;
      return detailWithError(request, reply, current, client, err);
    }
  })));

  app.post('/credentials/:id/scopes', protect, signedIn((request, reply, current) => submitOnce(ctx, request, reply, async () => {
    const client = await owned(request, current);
    const f = fieldsOf(request);
    try {
      if (client.environment === 'production') await requireRecentAuth(ctx, actor(request, current), current.session, reauthFields(f));
      await changeScopes(ctx, actor(request, current), client, KNOWN_SCOPES.filter((s) => text(f, `scope_${s}`) !== ''));
      return `/account/credentials/${client.id}?done=scopes`;
    } catch (err) {
      if (!expected(err)) throw err;
      return detailWithError(request, reply, current, client, err);
    }
  })));

  app.post('/credentials/:id/keys/add', protect, signedIn((request, reply, current) => submitOnce(ctx, request, reply, async () => {
    const client = await owned(request, current);
    const f = fieldsOf(request);
    try {
      if (client.environment === 'production') await requireRecentAuth(ctx, actor(request, current), current.session, reauthFields(f));
      await addCredentialKeys(ctx, actor(request, current), client, text(f, 'jwks'));
      return `/account/credentials/${client.id}?done=key-added`;
    } catch (err) {
      if (!expected(err)) throw err;
      return detailWithError(request, reply, current, client, err);
    }
  })));

  app.post('/credentials/:id/keys/remove', protect, signedIn((request, reply, current) => submitOnce(ctx, request, reply, async () => {
    const client = await owned(request, current);
    const f = fieldsOf(request);
    try {
      if (client.environment === 'production') await requireRecentAuth(ctx, actor(request, current), current.session, reauthFields(f));
      await removeCredentialKey(ctx, actor(request, current), client, text(f, 'thumbprint'));
      return `/account/credentials/${client.id}?done=key-removed`;
    } catch (err) {
      if (!expected(err)) throw err;
      return detailWithError(request, reply, current, client, err);
    }
  })));

  app.post('/credentials/:id/rename', protect, signedIn((request, reply, current) => submitOnce(ctx, request, reply, async () => {
    const client = await owned(request, current);
    try {
      await renameCredential(ctx, actor(request, current), client, text(fieldsOf(request), 'name'));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return detailWithError(request, reply, current, client, err);
    }
    return `/account/credentials/${client.id}?done=renamed`;
  })));

  app.post('/credentials/:id/revoke-tokens', protect, signedIn((request, reply, current) => submitOnce(ctx, request, reply, async () => {
    const client = await owned(request, current);
    await revokeCredentialTokens(ctx, actor(request, current), client);
    return `/account/credentials/${client.id}?done=revoked`;
  })));

  app.post('/credentials/:id/delete', protect, signedIn((request, reply, current) => submitOnce(ctx, request, reply, async () => {
    const client = await owned(request, current);
    await deleteCredential(ctx, actor(request, current), client);
    return `/account/${client.environment}?done=deleted`;
  })));
}

/** A grace period in whole seconds, as the rotate form and the API send it. */
export function parseGrace(value: string | number): number {
  const n = typeof value === 'number' ? value : /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n)) throw new InputError('The grace period must be a whole number of seconds');
  return n;
}

