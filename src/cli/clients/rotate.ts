import type { Command } from 'commander';
import { rotateClientSecret } from '../../core/client-management.js';
import { ClientKeyError } from '../../core/client-keys.js';
import { CliError, print, withCliContext, type DbOptions } from '../context.js';

/** `clients rotate ID`: a new secret, printed once; the old one lives on for --grace-seconds (default 0). */
export function registerClientsRotate(clients: Command): void {
  clients
    .command('rotate <clientId>')
    .description('replace the client secret (shown once)')
    .option('--grace-seconds <n>', 'how long the old secret keeps working', '0')
    .option('--json', 'print JSON')
    .action(async (clientId: string, o: DbOptions & { graceSeconds: string; json?: boolean }) => {
      const grace = Number(o.graceSeconds);
      if (!Number.isInteger(grace) || grace < 0) throw new CliError('--grace-seconds must be a whole number ≥ 0');
      await withCliContext(o, async (ctx) => {
        let secret;
        try {
          secret = await rotateClientSecret({ ...ctx, clients: ctx.store.clients }, clientId, grace);
        } catch (err) {
          if (err instanceof ClientKeyError) throw new CliError(err.message);
          throw err;
        }
        if (secret === undefined) throw new CliError(`No client ${clientId}`);
        const oldUntil = new Date((ctx.clock.now() + grace) * 1000).toISOString();
        print(
          o.json ?? false,
          { client_id: clientId, client_secret: secret, previous_secret_expires_at: oldUntil },
          () => `New Client Secret: ${secret}\nThe old secret ${grace > 0 ? `works until ${oldUntil}` : 'no longer works'}.\nThe new secret is shown only now.`,
        );
      });
    });
}
