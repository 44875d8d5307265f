import type { Command } from 'commander';
import { CliError, print, withCliContext, type DbOptions } from '../context.js';

/** `clients delete ID`: the credential stops working and every token it holds dies at once. */
export function registerClientsDelete(clients: Command): void {
  clients
    .command('delete <clientId>')
    .description('delete a client credential and revoke all its tokens')
    .option('--json', 'print JSON')
    .action(async (clientId: string, o: DbOptions & { json?: boolean }) => {
      await withCliContext(o, async (ctx) => {
        const deleted = await ctx.store.clients.delete(clientId, ctx.clock.now());
        if (!deleted) throw new CliError(`No client ${clientId}`);
        print(o.json ?? false, { client_id: clientId, deleted: true }, () => `Deleted ${clientId}; its tokens are revoked.`);
      });
    });
}
