import type { Command } from 'commander';
import { WebhookApi, addWebhookApiOptions, type WebhookApiOptions } from './webhook-api.js';

/**
 * `resend NOTIFICATION_ID`: one more attempt of a delivery, signed afresh (`POST /v1/notifications/{id}/resend`).
 * Prints the attempt; exits 1 when the target did not acknowledge it.
 */
export function registerResend(program: Command): void {
  addWebhookApiOptions(
    program
      .command('resend')
      .description('send a webhook notification again, now, with a fresh signature (a mypos-auth extension)')
      .argument('<notification-id>', 'the notification id (GET /v1/notifications lists them)'),
  )
    .option('--json', 'print the notification with its attempts as JSON')
    .action(async (id: string, o: WebhookApiOptions & { json?: boolean }) => {
      const api = await WebhookApi.fromOptions('resend', o);
      const { body } = await api.request('POST', `/notifications/${encodeURIComponent(id)}/resend`);
      const attempt = body.attempts.at(-1) as { ok: boolean; response_code: number | null; error: string | null; url: string };
      if (o.json) process.stdout.write(JSON.stringify(body, null, 2) + '\n');
      else {
        const answer = attempt.response_code ?? attempt.error;
        process.stdout.write(`resent ${body.id} (${body.event}) to ${attempt.url}: ${answer}${attempt.ok ? '' : ' (not acknowledged)'}\n`);
      }
      if (!attempt.ok) process.exitCode = 1;
    });
}
