import type { FastifyRequest } from 'fastify';
import { InvalidRequestError } from '../core/errors.js';
import type { AttemptRecord, NotificationRecord, PageRequest, SubscriptionRecord, WebhookRecord } from '../storage/types.js';
import { findEvent } from './events.js';

/**
 * The JSON shapes of the Webhook API, as myPOS names them (`created_on`, `deleted_on`, `is_active`, `hook`).
 * Dates are RFC 1123 strings in GMT, `"Thu, 11 Apr 2019 07:09:05 GMT"`, the format the myPOS Webhook API
 * answers with (Flask's), so existing clients parse ours unchanged. A webhook's secret never appears.
 */
export const httpDate = (t: number | null): string | null => (t === null ? null : new Date(t * 1000).toUTCString());

/**
 * `previous_secret_expires_on`: while a rolled secret's overlap runs, when the old secret stops signing; else null.
 * `paused_on`: since when deliveries are held (events still queue and wait); null when they go out.
 */
export function presentWebhook(w: WebhookRecord, now: number) {
  const overlapEnds = w.previousSecretExpiresAt !== null && w.previousSecretExpiresAt > now ? w.previousSecretExpiresAt : null;
  return {
    id: w.id,
    payload_url: w.payloadUrl,
    is_active: w.isActive,
    created_on: httpDate(w.createdAt),
    deleted_on: httpDate(w.deletedAt),
    previous_secret_expires_on: httpDate(overlapEnds),
    // Only on a listen session's webhook (sandbox), whose payload_url is `listen:<id>`.
    ...(w.listenExpiresAt !== null ? { listen_expires_on: httpDate(w.listenExpiresAt) } : {}),
    paused_on: httpDate(w.pausedAt),
  };
}

/** `event` is the event's name, as in the myPOS docs' sample (`"event": "pos.payment.completed"`); `event_id` beside it. */
export function presentSubscription(s: SubscriptionRecord, w: WebhookRecord) {
  return {
    id: s.id,
    created_on: httpDate(s.createdAt),
    event: findEvent(s.eventId)?.name ?? null,
    event_id: s.eventId,
    filter: s.filter === null ? null : (JSON.parse(s.filter) as unknown),
    hook: { id: w.id, created_on: httpDate(w.createdAt), is_active: w.isActive, payload_url: w.payloadUrl },
  };
}

export function presentNotification(n: NotificationRecord) {
  return {
    id: n.id,
    event: n.event,
    payload: JSON.parse(n.payload) as unknown,
    url: n.url,
    status: n.status,
    created_on: httpDate(n.createdAt),
    sent_on: httpDate(n.sentAt),
    response_code: n.responseCode,
    // Attempts that did not succeed: a delivery acknowledged on its first try has retry_count 0.
    retry_count: n.status === 'delivered' ? n.attempts - 1 : n.attempts,
    next_attempt_on: n.status === 'pending' ? httpDate(n.nextAttemptAt) : null,
    last_error: n.lastError,
    webhook_id: n.webhookId,
    subscription_id: n.subscriptionId,
  };
}

/** One attempt of a notification's log: `kind` is `automatic` (the worker's) or `manual_resend`. */
function presentAttempt(a: AttemptRecord) {
  return { attempted_on: httpDate(a.attemptedAt), kind: a.kind, ok: a.ok, response_code: a.responseCode, error: a.error, url: a.url };
}

/** A notification with its attempts, oldest first: `GET /v1/notifications/{id}` and a resend's answer. */
export function presentNotificationWithAttempts(n: NotificationRecord, attempts: readonly AttemptRecord[]) {
  return { ...presentNotification(n), attempts: attempts.map(presentAttempt) };
}

interface Pagination {
  page: number;
  size: number;
}

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

/** `?page=&size=`: page from 1, size 1..100 (default 20). Anything else is a 400. */
export function readPagination(request: FastifyRequest): Pagination & PageRequest {
  const q = (request.query ?? {}) as Record<string, unknown>;
  const page = positiveInt(q.page, 'page', 1, 1_000_000);
  const size = positiveInt(q.size, 'size', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  return { page, size, offset: (page - 1) * size, limit: size };
}

export const paginationOf = (p: Pagination, total: number) => ({ pagination: { page: p.page, size: p.size, total } });

function positiveInt(v: unknown, name: string, fallback: number, max: number): number {
  if (v === undefined || v === '') return fallback;
  if (typeof v !== 'string' || !/^[0-9]{1,7}$/.test(v) || Number(v) < 1 || Number(v) > max) {
    throw new InvalidRequestError(`${name} must be a whole number from 1 to ${max}`);
  }
  return Number(v);
}
