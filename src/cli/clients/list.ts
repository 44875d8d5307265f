import type { Command } from 'commander';
import { authMethodOf } from '../../core/client-management.js';
import { print, withCliContext, type DbOptions } from '../context.js';

/** `clients list`: every live credential; never a secret. */
export function registerClientsList(clients: Command): void {
  clients
    .command('list')
    .description('list client credentials (secrets are never shown)')
    .option('--environment <env>', 'only sandbox or production')
    .option('--json', 'print JSON')
    .action(async (o: DbOptions & { environment?: 'sandbox' | 'production'; json?: boolean }) => {
      await withCliContext(o, async (ctx) => {
        const list = await ctx.store.clients.list(o.environment ? { environment: o.environment } : {});
        const now = ctx.clock.now();
        const rows = await Promise.all(
          list.map(async (c) => ({
            client_id: c.id,
            environment: c.environment,
            name: c.name,
            scope: c.scopes.join(' '),
            grant_types: c.grantTypes,
            require_pushed_authorization_requests: c.requirePushedAuthorizationRequests ?? false,
            dpop_bound_access_tokens: c.dpopBoundAccessTokens,
            token_endpoint_auth_method: authMethodOf(c),
            created_at: new Date(c.createdAt * 1000).toISOString(),
            active_tokens: await ctx.store.tokens.countActiveByClient(c.id, now),
          })),
        );
        print(o.json ?? false, rows, () =>
          rows.length === 0
            ? 'No clients.'
            : rows.map((r) => `${r.client_id}  ${r.environment.padEnd(10)}  ${r.name}  [${r.scope}]  ${r.token_endpoint_auth_method}${r.dpop_bound_access_tokens ? '  DPoP' : ''}  tokens: ${r.active_tokens}${r.require_pushed_authorization_requests ? '  PAR only' : ''}`).join('\n'),
        );
      });
    });
}
