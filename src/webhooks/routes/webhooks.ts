import type { FastifyInstance } from 'fastify';
import type { RequestParams } from '../../core/params.js';
import { randomAlphanumeric } from '../../core/random.js';
import type { WebhookOwner, WebhookRecord } from '../../storage/types.js';
import type { WebhookApiContext } from '../context.js';
import { looksLikeId, newId } from '../ids.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { activeField, readBody, secretField, stringField } from '../input.js';
import { paginationOf, presentWebhook, readPagination } from '../present.js';
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
    const secret = given ?? randomAlphanumeric(32);
    const now = ctx.clock.now();
    const id = newId();
    const webhook: WebhookRecord = {
      id,
      owner: request.webhookOwner!.owner,
      environment: ctx.environment,
      payloadUrl,
      secretCiphertext: ctx.secrets.seal(secret, id),
      isActive: activeField(params) ?? true,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    };
    await ctx.repo.createWebhook(webhook);
    reply.code(201).header('Cache-Control', 'no-store');
    return given === undefined ? { ...presentWebhook(webhook), secret } : presentWebhook(webhook);
  });

  v1.get('/webhooks', async (request) => {
    const p = readPagination(request);
    const { items, total } = await ctx.repo.listWebhooks(request.webhookOwner!, p);
    return { webhooks: items.map(presentWebhook), ...paginationOf(p, total) };
  });

  v1.get<ById>('/webhooks/:id', async (request) => presentWebhook(await find(ctx, request.webhookOwner!, request.params.id)));

  // PATCH changes what it is given; PUT replaces the webhook, so payload_url is required (the secret, being
  // write-only, is kept when not given).
  for (const method of ['PATCH', 'PUT'] as const) {
    v1.route<ById>({
      method,
      url: '/webhooks/:id',
      handler: async (request) => {
        const owner = request.webhookOwner!;
        const existing = await find(ctx, owner, request.params.id, { live: true });
        const params = readBody(request);
        const payloadUrl = payloadUrlField(params, ctx, method === 'PUT');
        const secret = secretField(params);
        const isActive = activeField(params);
        const changes = {
          ...(payloadUrl !== undefined ? { payloadUrl } : {}),
          ...(secret !== undefined ? { secretCiphertext: ctx.secrets.seal(secret, existing.id) } : {}),
          ...(isActive !== undefined ? { isActive } : method === 'PUT' ? { isActive: true } : {}),
        };
        if (!(await ctx.repo.updateWebhook(owner, existing.id, changes, ctx.clock.now()))) throw new NotFoundError('No such webhook');
        return presentWebhook(await find(ctx, owner, existing.id));
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
