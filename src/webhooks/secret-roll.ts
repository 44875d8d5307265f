import { randomAlphanumeric } from '../core/random.js';
import type { SecretBox } from '../core/secret-box.js';

/** A secret we make for a webhook: 32 alphanumerics, the longest myPOS takes (secret ≤ 32 characters). */
export const newWebhookSecret = (): string => randomAlphanumeric(32);

/**
 * The change that rolls a webhook's secret: the new one sealed to the webhook, and until when the one it
 * replaces keeps signing beside it (`now + grace`; 0 stops it at once). `updateWebhook` applies both in one
 * statement, so the secret kept for the overlap is the one that was current.
 */
export function secretRoll(secrets: SecretBox, webhookId: string, secret: string, graceSeconds: number, now: number) {
  return { secretCiphertext: secrets.seal(secret, webhookId), previousSecretExpiresAt: now + graceSeconds };
}
