import type { Command } from 'commander';
import { createClient } from '../../core/client-management.js';
import { ENVIRONMENTS, type Environment } from '../../storage/types.js';
import { CliError, print, withCliContext, type DbOptions } from '../context.js';

interface CreateOptions extends DbOptions {
  environment: string;
  name: string;
  scope: string;
  resourceServer?: boolean;
  json?: boolean;
}

/** `clients create`: a new credential; the secret is printed once and never again. */
export function registerClientsCreate(clients: Command): void {
  clients
    .command('create')
    .description('create a client credential (the secret is shown once)')
    .requiredOption('--environment <env>', 'sandbox or production')
    .option('--name <name>', 'a name to recognise it by', 'CLI client')
    .option('--scope <scopes>', 'space-separated allowed scopes', 'webhooks')
    .option('--resource-server', 'may introspect any token of its environment (RFC 7662)')
    .option('--json', 'print JSON')
    .option('--db <url>', 'database URL')
    .option('--server-key <key>', 'server key (default: MYPOS_AUTH_SERVER_KEY or the key beside the SQLite file)')
    .action(async (o: CreateOptions) => {
      if (!(ENVIRONMENTS as readonly string[]).includes(o.environment)) throw new CliError('--environment must be sandbox or production');
      await withCliContext(o, async (ctx) => {
        let created;
        try {
          created = await createClient({ ...ctx, clients: ctx.store.clients }, {
            environment: o.environment as Environment,
            name: o.name,
            scopes: o.scope.split(/\s+/).filter(Boolean),
            isResourceServer: o.resourceServer ?? false,
          });
        } catch (err) {
          throw new CliError((err as Error).message);
        }
        const { client, secret } = created;
        print(
          o.json ?? false,
          {
            client_id: client.id,
            client_secret: secret,
            environment: client.environment,
            name: client.name,
            scope: client.scopes.join(' '),
            grant_types: client.grantTypes,
            resource_server: client.isResourceServer,
          },
          () =>
            [
              `Client ID:     ${client.id}`,
              `Client Secret: ${secret}`,
              `Environment:   ${client.environment}`,
              `Scope:         ${client.scopes.join(' ')}`,
              '',
              'The secret is shown only now. Store it safely.',
            ].join('\n'),
        );
      });
    });
}
