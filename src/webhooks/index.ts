import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { bearerChallenge, StoreTokenValidator } from '../core/bearer.js';
import type { Clock } from '../core/clock.js';
import type { ResourceServers } from '../core/resource.js';
import { InvalidTokenError } from '../core/errors.js';
import type { SecretHasher } from '../core/secret-hasher.js';
import { bearerAuthPlugin } from '../http/bearer-auth.js';
import type { AppContext } from '../http/context.js';
import type { Environment, Store, WebhookOwner } from '../storage/types.js';
import { httpDeliverer, type Deliverer } from './delivery.js';
import { findEvent } from './events.js';
import { merchantWebhookConsole, type MerchantWebhookConsole } from './merchant-console.js';
import { ownerOf } from './owner.js';
import { httpDate } from './present.js';
import { registerEventRoutes } from './routes/events.js';
import { registerListenSessionRoutes } from './routes/listen-sessions.js';
import { Doorbell } from './doorbell.js';
import { mailboxDeliverer, routedDeliverer } from './mailbox.js';
import { LISTEN_RECHECK_MS, type WebhookApiContext } from './context.js';
import { registerNotificationRoutes } from './routes/notifications.js';
import { registerSubscriptionRoutes } from './routes/subscriptions.js';
import { publishEvent } from './publish.js';
import { registerWebhookRoutes } from './routes/webhooks.js';
import { resendNotification, type ResendDeps, type ResendResult } from './resend.js';
import { SecretBox } from '../core/secret-box.js';
import { targetPolicy, type OwnListeners } from './target-policy.js';
import { TurnBarrier } from '../http/turn-barrier.js';
import { DeliveryWorker, timerScheduler, type Backoff, type Scheduler } from './worker.js';

export interface WebhookModuleOptions {
  store: Store;
  clock: Clock;
  hasher: SecretHasher;
  config: Config;
  /** This server's listening sockets: webhooks may not target them. */
  ownListeners: OwnListeners;
  /** The Webhook API's resource indicator (RFC 8707) per environment: tokens restricted to others are refused. */
  resourcesOf: (environment: Environment) => Pick<ResourceServers, 'webhookApi'>;
  logger?: Logger;
  /** How the worker wakes up (tests pass `manualScheduler` and drive `worker.runDue()`). */
  scheduler?: Scheduler;
  deliver?: Deliverer;
  backoff?: Backoff;
  random?: () => number;
}

export interface WebhookModule {
  /** Registers `/v1/…` on an environment's app (startServer always includes it). */
  plugin(app: FastifyInstance, ctx: Pick<AppContext, 'environment' | 'hasher' | 'jwt' | 'dpop' | 'issuer'>): Promise<void>;
  worker: DeliveryWorker;
  /** A merchant's webhooks as the Web Account shows and changes them. */
  console: MerchantWebhookConsole;
  /**
   * Queues `event` for every subscription of this merchant and environment whose filter matches `tid`; the
   * entry point for whatever produces real events. Returns how many notifications were queued.
   */
  publish(owner: WebhookOwner, eventName: string, data: Record<string, unknown>, options?: { tid?: string }): Promise<number>;
  /** Sends one of the owner's notifications again now (resend.ts); the Web Account calls this too. */
  resend(owner: WebhookOwner, notificationId: string): Promise<ResendResult>;
}

/** The Webhook API and its delivery worker, wired from the server's store, clock and key. */
export function createWebhookModule(options: WebhookModuleOptions): WebhookModule {
  const { store, clock, config } = options;
  // Webhook secrets are sealed under a key derived from the server key, never under the key itself.
  const secrets = new SecretBox(options.hasher.deriveKey('webhook-secret-encryption v1'));
  const policyFor = (e: Environment) => targetPolicy(e, config.dangerouslyAllowAnyWebhookTarget, options.ownListeners);
  const doorbell = new Doorbell();
  const mailbox = mailboxDeliverer({
    repo: store.listenSessions,
    clock,
    doorbell,
    timeoutMs: config.webhookDeliveryTimeoutMs,
    recheckMs: LISTEN_RECHECK_MS,
  });
  const deliver = routedDeliverer(options.deliver ?? httpDeliverer({ timeoutMs: config.webhookDeliveryTimeoutMs }), mailbox);
  const resendDeps: ResendDeps = { repo: store.webhooks, clock, secrets, deliver, policyFor, logger: options.logger?.child({ component: 'webhook-resend' }) };
  const worker = new DeliveryWorker({
    repo: store.webhooks,
    clock,
    secrets,
    deliver,
    policyFor,
    maxConcurrency: config.webhookMaxConcurrency,
    timeoutMs: config.webhookDeliveryTimeoutMs,
    pollMs: config.webhookPollIntervalMs,
    purgeMs: config.purgeIntervalSeconds * 1000,
    scheduler: options.scheduler ?? timerScheduler,
    backoff: options.backoff,
    random: options.random,
    logger: options.logger?.child({ component: 'webhook-worker' }),
  });

  async function plugin(app: FastifyInstance, ctx: Pick<AppContext, 'environment' | 'hasher' | 'jwt' | 'dpop' | 'issuer'>): Promise<void> {
    const closing = new AbortController();
    // Before the listener stops accepting: waiting long polls answer now rather than hold the shutdown.
    app.addHook('preClose', async () => closing.abort());
    const api: WebhookApiContext = {
      environment: ctx.environment,
      repo: store.webhooks,
      clock,
      secrets,
      policy: policyFor(ctx.environment),
      kick: () => worker.kick(),
      listen: store.listenSessions,
      doorbell,
      closing: closing.signal,
    };
    // RFC 8707: a token restricted to other resource servers is not for this one.
    const audience = () => options.resourcesOf(ctx.environment).webhookApi;
    const validator = new StoreTokenValidator({ tokens: store.tokens, hasher: ctx.hasher, clock, jwt: ctx.jwt }, ctx.environment, audience);
    // The requests of a turn are handled together (turn-barrier.ts): a parent scope's hook runs before the
    // bearer check, which is the work to be grouped.
    const turns = new TurnBarrier();
    await app.register(async (scope) => {
      scope.addHook('onRequest', turns.hook);
      await scope.register(bearerAuthPlugin, {
        prefix: '/v1',
        // DPoP proofs name the URI the client used: this environment's public URL (RFC 9449 §4.3 check 9).
        bearer: { validator, requiredScope: 'webhooks', realm: 'api', dpop: ctx.dpop, publicUrl: ctx.issuer },
        routes: (v1) => {
          v1.decorateRequest('webhookOwner', null);
          v1.addHook('onRequest', async (request) => {
            // The credential behind the token decides the owner; one deleted since issuance has no more say.
            const client = await store.clients.findOwner(request.bearer!.clientId);
            if (!client || client.environment !== ctx.environment) {
              const err = new InvalidTokenError('The access token is not valid');
              err.headers['WWW-Authenticate'] = bearerChallenge('api', { error: 'invalid_token' });
              throw err;
            }
            request.webhookOwner = ownerOf(client, ctx.environment);
          });
          registerWebhookRoutes(v1, api);
          registerEventRoutes(v1, api);
          registerListenSessionRoutes(v1, api);
          registerSubscriptionRoutes(v1, api);
          registerNotificationRoutes(v1, api, resendDeps);
        },
      });
    });
  }

  async function publish(owner: WebhookOwner, eventName: string, data: Record<string, unknown>, opts: { tid?: string } = {}) {
    const event = findEvent(eventName);
    if (!event) throw new Error(`Unknown event ${eventName}`);
    const envelope = () => ({ id: randomUUID(), event: event.name, created_on: httpDate(clock.now()), data });
    return (await publishEvent({ repo: store.webhooks, clock, kick: () => worker.kick() }, owner, event, envelope, opts.tid)).length;
  }

  const resend = (owner: WebhookOwner, id: string) => resendNotification(resendDeps, owner, id);
  const merchantConsole = merchantWebhookConsole({ repo: store.webhooks, clock, secrets, kick: () => worker.kick(), resend });
  return { plugin, worker, publish, resend, console: merchantConsole };
}
