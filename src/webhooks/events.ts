import { randomInt, randomUUID } from 'node:crypto';

/**
 * The myPOS event catalogue (docs `7-events`: the .com page and the demo page list different subsets; we
 * serve their union). Ids are fixed UUIDs, so a subscription made today means the same event tomorrow and
 * on every node.
 */
export interface EventType {
  id: string;
  name: string;
}

export const EVENT_TYPES: readonly EventType[] = Object.freeze([
  { id: '5b7a1f0e-1d2c-4c1e-9a51-0f6f1c1a0001', name: 'pos.payment.completed' },
  { id: '5b7a1f0e-1d2c-4c1e-9a51-0f6f1c1a0002', name: 'pos.payment.failed' },
  { id: '5b7a1f0e-1d2c-4c1e-9a51-0f6f1c1a0003', name: 'pos.payment.cancelled' },
  { id: '5b7a1f0e-1d2c-4c1e-9a51-0f6f1c1a0004', name: 'pos.payment.denied' },
  { id: '5b7a1f0e-1d2c-4c1e-9a51-0f6f1c1a0005', name: 'pos.payment.reversed' },
  { id: '5b7a1f0e-1d2c-4c1e-9a51-0f6f1c1a0006', name: 'account.out-bank-transfer.initiated' },
  { id: '5b7a1f0e-1d2c-4c1e-9a51-0f6f1c1a0007', name: 'account.out-bank-transfer.failed' },
  { id: '5b7a1f0e-1d2c-4c1e-9a51-0f6f1c1a0008', name: 'account.out-bank-transfer.approved' },
]);

/** An event by id, or by name (a convenience: the myPOS API takes the id). */
export function findEvent(idOrName: string): EventType | undefined {
  return EVENT_TYPES.find((e) => e.id === idOrName || e.name === idOrName);
}

/**
 * A realistic sample body for a sandbox (fake) notification. myPOS publishes no payload schema, so the
 * fields are our reading of what a POS payment or bank transfer carries; the envelope (`id`, `event`,
 * `created_on`, `data`) is what every delivery of this server uses. A subscription filtered on terminal
 * ids gets a sample from its first terminal, so the filter is visibly honoured.
 */
export function samplePayload(event: EventType, createdOn: string, tids: readonly string[] = []): Record<string, unknown> {
  const tid = tids[0] ?? String(randomInt(10_000_000, 99_999_999));
  const amount = randomInt(100, 50_000) / 100;
  const data: Record<string, unknown> = event.name.startsWith('pos.payment.')
    ? {
        tid,
        transaction_ref: randomUUID(),
        amount,
        currency: 'EUR',
        payment_method: 'card',
        card: { brand: 'VISA', masked_pan: '411111******1111', entry_mode: 'contactless' },
        status: event.name.slice('pos.payment.'.length),
      }
    : {
        transfer_ref: randomUUID(),
        amount,
        currency: 'EUR',
        beneficiary: { name: 'Sample Supplier Ltd', iban: 'BG80BNBG96611020345678' },
        status: event.name.slice('account.out-bank-transfer.'.length),
      };
  return { id: randomUUID(), event: event.name, created_on: createdOn, sandbox: true, data };
}
