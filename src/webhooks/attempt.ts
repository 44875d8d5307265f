import type { Logger } from 'pino';
import type { Environment, NotificationRecord, WebhookRecord } from '../storage/types.js';
import type { Deliverer, DeliveryOutcome } from './delivery.js';
import type { SecretBox } from '../core/secret-box.js';
import { signatureHeader } from './signature.js';
import type { TargetPolicy } from './target-policy.js';

/** What one attempt needs: the sealed secrets' key, the way to send, and each environment's target rules. */
export interface AttemptDeps {
  secrets: SecretBox;
  deliver: Deliverer;
  policyFor(environment: Environment): TargetPolicy;
  logger?: Logger;
}

/**
 * Signs notification `n` for webhook `w` at time `t` (every attempt gets its own `t`) and sends it once, to the
 * webhook's current target. The delivery worker and a manual resend both go through here.
 */
export async function sendOnce(deps: AttemptDeps, n: NotificationRecord, w: WebhookRecord, t: number, signal: AbortSignal): Promise<DeliveryOutcome> {
  let signing: string[];
  try {
    // Newest first; a rolled secret signs beside the new one until its overlap ends.
    signing = [deps.secrets.open(w.secretCiphertext, w.id)];
    if (w.previousSecretCiphertext !== null && w.previousSecretExpiresAt !== null && w.previousSecretExpiresAt > t) {
      signing.push(deps.secrets.open(w.previousSecretCiphertext, w.id));
    }
  } catch {
    // Only a changed server key gets here. It counts as a failed attempt, so the row backs off (and is
    // eventually given up) instead of being picked again at once.
    deps.logger?.error({ webhook: w.id }, 'webhook secret cannot be decrypted; is this the server key it was stored under?');
    return { ok: false, status: null, error: 'webhook secret cannot be decrypted' };
  }
  return deps.deliver(
    { url: w.payloadUrl, webhookId: w.id, event: n.event, body: n.payload, signature: signatureHeader(signing, t, n.payload), deliveryId: n.id },
    deps.policyFor(w.environment),
    signal,
  );
}
