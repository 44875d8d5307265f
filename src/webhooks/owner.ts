import type { ClientRecord, Environment, WebhookOwner } from '../storage/types.js';

/**
 * Webhooks belong to a merchant in one environment, not to a credential: every credential of a merchant sees
 * the same ones, and a rotated or replaced credential keeps them. A client with no merchant belongs to the
 * built-in operator account (what the CLI creates), which has one fixed owner key. The prefixes keep a
 * merchant id from ever equalling the operator's key.
 */
const OPERATOR_OWNER = 'operator';

export function ownerOf(client: Pick<ClientRecord, 'merchantId'>, environment: Environment): WebhookOwner {
  return { owner: client.merchantId === null ? OPERATOR_OWNER : `merchant:${client.merchantId}`, environment };
}
