import type { FastifyInstance } from 'fastify';
import type { RequestParams } from '../../core/params.js';
import type { WebhookOwner, WebhookRecord } from '../../storage/types.js';
import type { WebhookApiContext } from '../context.js';
import { looksLikeId, newId } from '../ids.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { activeField, readBody, secretField, secretGraceField, stringField } from '../input.js';
import { paginationOf, presentWebhook, readPagination } from '../present.js';
import { newWebhookSecret, secretRoll } from '../secret-roll.js';
import { checkPayloadUrl } from '../target-policy.js';

type ById = { Params: { id: string } };

/**
 * /v1/webhooks: where a merchant's events are POSTed (myPOS docs `5-managing-webhooks`). The secret is
 * write-only: a secret the merchant gave is never echoed; one we generate (none given) is shown once, in
 * the creation response.
 */
export function registerWebhookRoutes(v1: FastifyInstance, ctx: WebhookApiContext): void {
  v1.post('/webhooks', async (request, reply) => {
    const params = readBody(request);
    const payloadUrl = payloadUrlField(params, ctx, true)!;
    const given = secretField(params);
    const secret = given ?? newWebhookSecret();
    const now = ctx.clock.now();
    const id = newId();
    const webhook: WebhookRecord = {
      id,
      owner: request.webhookOwner!.owner,
      environment: ctx.environment,
      payloadUrl,
      secretCiphertext: ctx.secrets.seal(secret, id),
      previousSecretCiphertext: null,
      previousSecretExpiresAt: null,
      isActive: activeField(params) ?? true,
      pausedAt: null,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      listenExpiresAt: null,
    };
    await ctx.repo.createWebhook(webhook);
    reply.code(201).header('Cache-Control', 'no-store');
    return given === undefined ? { ...presentWebhook(webhook, now), secret } : presentWebhook(webhook, now);
  });

  v1.get('/webhooks', async (request) => {
    const p = readPagination(request);
    const { items, total } = await ctx.repo.listWebhooks(request.webhookOwner!, p);
    const now = ctx.clock.now();
    return { webhooks: items.map((w) => presentWebhook(w, now)), ...paginationOf(p, total) };
  });

  v1.get<ById>('/webhooks/:id', async (request) => presentWebhook(await find(ctx, request.webhookOwner!, request.params.id), ctx.clock.now()));

  // PATCH changes what it is given; PUT replaces the webhook, so payload_url is required (the secret, being
  // write-only, is kept when not given). A new secret with `secret_grace_seconds` rolls it with an overlap: the
  // replaced secret keeps signing beside it until the grace ends, so a receiver can switch without losing a
  // delivery; without a grace it stops at once.
  for (const method of ['PATCH', 'PUT'] as const) {
    v1.route<ById>({
      method,
      url: '/webhooks/:id',
      handler: async (request) => {
        const owner = request.webhookOwner!;
        const existing = await find(ctx, owner, request.params.id, { live: true });
        if (existing.listenExpiresAt !== null) throw new ConflictError('A listen session cannot be changed; end it with DELETE /v1/listen-sessions/{id}');
        const params = readBody(request);
        const payloadUrl = payloadUrlField(params, ctx, method === 'PUT');
        const secret = secretField(params);
        const grace = secretGraceField(params, secret !== undefined);
        const isActive = activeField(params);
        const now = ctx.clock.now();
        const changes = {
          ...(payloadUrl !== undefined ? { payloadUrl } : {}),
          ...(secret !== undefined ? secretRoll(ctx.secrets, existing.id, secret, grace ?? 0, now) : {}),
          ...(isActive !== undefined ? { isActive } : method === 'PUT' ? { isActive: true } : {}),
        };
        if (!(await ctx.repo.updateWebhook(owner, existing.id, changes, now))) throw new NotFoundError('No such webhook');
        return presentWebhook(await find(ctx, owner, existing.id), now);
      },
    });
  }

  v1.delete<ById>('/webhooks/:id', async (request, reply) => {
    const id = request.params.id;
    if (!looksLikeId(id) || !(await ctx.repo.deleteWebhook(request.webhookOwner!, id, ctx.clock.now()))) throw new NotFoundError('No such webhook');
    return reply.code(204).send();
  });
}

async function find(ctx: WebhookApiContext, owner: WebhookOwner, id: string, options: { live?: boolean } = {}) {
  const webhook = looksLikeId(id) ? await ctx.repo.findWebhook(owner, id) : undefined;
  if (!webhook || (options.live && webhook.deletedAt !== null)) throw new NotFoundError('No such webhook');
  return webhook;
}

function payloadUrlField(params: RequestParams, ctx: WebhookApiContext, required: boolean): string | undefined {
  const raw = stringField(params, 'payload_url', { required });
  if (raw === undefined) return undefined;
  const checked = checkPayloadUrl(raw, ctx.policy);
  if ('problem' in checked) throw new ValidationError('payload_url', checked.problem);
  return checked.url.toString();
}
