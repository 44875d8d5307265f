import type { Command } from 'commander';
import { authMethodOf, createClient } from '../../core/client-management.js';
import { normalizeEmail } from '../../account/accounts.js';
import { ENVIRONMENTS, type Environment, type MerchantRecord } from '../../storage/types.js';
import { CliError, print, withCliContext, type DbOptions } from '../context.js';
import { readPublicKeysFile } from './keys.js';

interface CreateOptions extends DbOptions {
  environment: string;
  name: string;
  scope: string;
  resourceServer?: boolean;
  redirectUri?: string[];
  grant?: string[];
  public?: boolean;
  requirePushedAuthorizationRequests?: boolean;
  jwks?: string;
  merchant?: string;
  dpopBoundAccessTokens?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `clients create`: a new credential; the secret is printed once and never again. */
export function registerClientsCreate(clients: Command): void {
  clients
    .command('create')
    .description('create a client credential (the secret is shown once)')
    .requiredOption('--environment <env>', 'sandbox or production')
    .option('--name <name>', 'a name to recognise it by', 'CLI client')
    .option('--scope <scopes>', 'space-separated allowed scopes', 'webhooks')
    .option('--resource-server', 'may introspect any token of its environment (RFC 7662)')
    .option('--redirect-uri <url>', 'a redirect URI for the code flow (repeatable; exact match)', collect)
    .option('--grant <type>', 'an allowed grant type (repeatable; default client_credentials)', collect)
    .option('--public', 'a public client: no secret, PKCE only (authorization_code, refresh_token)')
    .option('--require-pushed-authorization-requests', 'authorization requests must be pushed to /oauth/par first (RFC 9126)')
    .option('--dpop-bound-access-tokens', 'every token request must carry a DPoP proof, so every token is key-bound (RFC 9449 §5.2)')
    .option('--jwks <file>', 'authenticate with private_key_jwt (RFC 7523) using the public JWK or JWK Set in this file; no secret')
    .option('--merchant <email>', "attach to this Web Account merchant (default: the built-in operator account)")
    .option('--json', 'print JSON')
    .action(async (o: CreateOptions) => {
      if (!(ENVIRONMENTS as readonly string[]).includes(o.environment)) throw new CliError('--environment must be sandbox or production');
      const publicKeys = o.jwks === undefined ? undefined : await readPublicKeysFile(o.jwks);
      await withCliContext(o, async (ctx) => {
        let merchant: MerchantRecord | undefined;
        if (o.merchant !== undefined) {
          merchant = await ctx.store.merchants.findByEmail(normalizeEmail(o.merchant));
          if (!merchant) throw new CliError(`No merchant with email ${o.merchant}; create one with: mypos-auth merchants create`);
        }
        let created;
        try {
          created = await createClient({ ...ctx, clients: ctx.store.clients }, {
            environment: o.environment as Environment,
            name: o.name,
            scopes: o.scope.split(/\s+/).filter(Boolean),
            isResourceServer: o.resourceServer ?? false,
            grantTypes: o.grant,
            redirectUris: o.redirectUri,
            isPublic: o.public ?? false,
            requirePushedAuthorizationRequests: o.requirePushedAuthorizationRequests ?? false,
            dpopBoundAccessTokens: o.dpopBoundAccessTokens ?? false,
            publicKeys,
            merchantId: merchant?.id ?? null,
          });
        } catch (err) {
          throw new CliError((err as Error).message);
        }
        const { client, secret } = created;
        if (merchant) {
          await ctx.store.audit.append([{
            merchantId: merchant.id, clientId: client.id, environment: client.environment, action: 'created', actor: 'operator (CLI)',
            ip: null, detail: { name: client.name, scopes: client.scopes }, count: 1, at: ctx.clock.now(),
          }]);
        }
        print(
          o.json ?? false,
          {
            client_id: client.id,
            client_secret: secret,
            environment: client.environment,
            name: client.name,
            scope: client.scopes.join(' '),
            grant_types: client.grantTypes,
            redirect_uris: client.redirectUris,
            public: client.secretHash === null && !publicKeys,
            require_pushed_authorization_requests: client.requirePushedAuthorizationRequests ?? false,
            token_endpoint_auth_method: authMethodOf(client),
            resource_server: client.isResourceServer,
            dpop_bound_access_tokens: client.dpopBoundAccessTokens,
            merchant: merchant?.email ?? null,
          },
          () =>
            [
              `Client ID:     ${client.id}`,
              `Client Secret: ${secret ?? (publicKeys ? `(none: private_key_jwt with ${publicKeys.length} public key${publicKeys.length === 1 ? '' : 's'})` : '(none: public client, use PKCE)')}`,
              `Environment:   ${client.environment}`,
              `Scope:         ${client.scopes.join(' ')}`,
              ...(client.requirePushedAuthorizationRequests ? ['Authorization requests: pushed only (POST /oauth/par, RFC 9126)'] : []),
              ...(client.dpopBoundAccessTokens ? ['DPoP:          required on every token request'] : []),
              ...(secret === undefined ? [] : ['', 'The secret is shown only now. Store it safely.']),
            ].join('\n'),
        );
      });
    });
}
