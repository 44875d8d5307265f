import type { Command } from 'commander';
import { CliError } from './context.js';
import { WebhookApi, WebhookApiError, addWebhookApiOptions, type WebhookApiOptions } from './webhook-api.js';

interface TriggerOptions extends WebhookApiOptions {
  tid?: string;
  filter?: string;
  json?: boolean;
}

/**
 * `trigger EVENT`: a realistic sample of a sandbox event (`POST /v1/events/{event}/trigger`), queued for every
 * subscription of the caller it matches, `listen` sessions included. `--tid` or `--filter` picks its terminal.
 */
export function registerTrigger(program: Command): void {
  addWebhookApiOptions(
    program
      .command('trigger')
      .description('fire a sample sandbox event to your subscriptions (a mypos-auth extension)')
      .argument('<event>', 'an event name or id, e.g. pos.payment.completed (GET /v1/events lists them)'),
  )
    .option('--tid <tid>', 'the terminal id the sample carries (POS payment events)')
    .option('--filter <json>', 'a subscription filter the sample must pass, e.g. {"tids":["12345678"]}')
    .option('--json', 'print the event and its notifications as JSON')
    .action(async (event: string, o: TriggerOptions) => {
      let filter: unknown;
      if (o.filter !== undefined) {
        try {
          filter = JSON.parse(o.filter);
        } catch {
          throw new CliError('--filter must be JSON, e.g. {"tids":["12345678"]}');
        }
      }
      const api = await WebhookApi.fromOptions('trigger', o);
      let body;
      try {
        ({ body } = await api.request('POST', `/events/${encodeURIComponent(event)}/trigger`, {
          ...(o.tid !== undefined ? { tid: o.tid } : {}),
          ...(filter !== undefined ? { filter } : {}),
        }));
      } catch (err) {
        if (err instanceof WebhookApiError && err.status === 404) throw await unknownEvent(api, event);
        throw err;
      }
      if (o.json) return void process.stdout.write(JSON.stringify(body, null, 2) + '\n');
      const n = body.notifications as Array<{ id: string; url: string }>;
      const tid = body.payload?.data?.tid;
      process.stdout.write(`Triggered ${body.event} (event ${body.payload.id}${tid ? `, tid ${tid}` : ''}): queued for ${n.length} subscription${n.length === 1 ? '' : 's'}\n`);
      for (const x of n) process.stdout.write(`  notification ${x.id} → ${x.url}\n`);
      if (n.length === 0) process.stdout.write('No subscription of yours takes it: run `mypos-auth listen` first, or subscribe a webhook to it.\n');
    });
}

/** An unknown event: say which ones exist, and where to list them. */
async function unknownEvent(api: WebhookApi, event: string): Promise<CliError> {
  const hint = 'GET /v1/events lists them';
  try {
    const { body } = await api.request('GET', '/events?size=100');
    const names = (body.events as Array<{ name: string }>).map((e) => e.name);
    return new CliError(`unknown event "${event}"; the known events are ${names.join(', ')} (${hint})`);
  } catch {
    return new CliError(`unknown event "${event}" (${hint})`);
  }
}
