import type { Clock } from '../core/clock.js';
import type { ListenSessionRepository } from '../storage/types.js';
import { deliveryHeaders, type Deliverer, type DeliveryOutcome } from './delivery.js';
import type { Doorbell } from './doorbell.js';
import { newId } from './ids.js';

/** A listen session's target: `listen:<session id>`, a mailbox on the server, never a URL anyone connects to. */
export const LISTEN_SCHEME = 'listen:';

const isListenTarget = (url: string): boolean => url.startsWith(LISTEN_SCHEME);

interface MailboxDeps {
  repo: ListenSessionRepository;
  clock: Clock;
  doorbell: Doorbell;
  /** How long the CLI has to take the delivery, forward it and report its target's answer (the delivery timeout). */
  timeoutMs: number;
  /** How often a waiter reads the store again, for answers reported to another node. */
  recheckMs: number;
}

/**
 * Delivers to a listen session: stores the signed delivery (headers and body, as a URL would get them) in the
 * session's mailbox and waits for the CLI to report what its target answered. That answer is the attempt's
 * outcome, so retries follow the usual rules; no answer within the timeout is a failed attempt, and the
 * unanswered row is removed either way (a retry stores a new one, signed afresh).
 */
export function mailboxDeliverer(deps: MailboxDeps): Deliverer {
  return async (request, _policy, signal) => {
    const id = newId();
    await deps.repo.put({
      id,
      webhookId: request.webhookId,
      notificationId: request.deliveryId,
      headers: deliveryHeaders(request),
      body: request.body,
      createdAt: deps.clock.now(),
    });
    deps.doorbell.ring(request.webhookId);
    const deadline = Date.now() + deps.timeoutMs;
    try {
      for (;;) {
        const answer = await deps.repo.answerOf(id);
        if (answer === undefined) return { ok: false, status: null, error: 'listen session ended' };
        if (answer !== null) return outcomeOf(answer.responseCode, answer.error);
        const left = deadline - Date.now();
        if (signal.aborted) return { ok: false, status: null, error: 'aborted' };
        if (left <= 0) return { ok: false, status: null, error: 'timeout: the listen session did not answer' };
        await deps.doorbell.wait(id, Math.min(left, deps.recheckMs), signal);
      }
    } finally {
      await deps.repo.remove(id).catch(() => {});
    }
  };
}

function outcomeOf(status: number | null, error: string | null): DeliveryOutcome {
  if (status === null) return { ok: false, status: null, error: error ?? 'no answer' };
  return { ok: status >= 200 && status < 300, status, error: status >= 300 && status < 400 ? 'redirect not followed' : error };
}

/** Listen targets to the mailbox, everything else over HTTP. */
export function routedDeliverer(http: Deliverer, mailbox: Deliverer): Deliverer {
  return (request, policy, signal) => (isListenTarget(request.url) ? mailbox : http)(request, policy, signal);
}
