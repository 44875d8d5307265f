import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { addClientKeys, removeClientKey, setClientKeys } from '../../core/client-management.js';
import { algorithmOf, ClientKeyError, parsePublicKeys, thumbprintOf } from '../../core/client-keys.js';
import type { PublicJwk } from '../../storage/types.js';
import { CliError, print, withCliContext, type DbOptions } from '../context.js';

interface KeysOptions extends DbOptions {
  set?: string;
  add?: string;
  remove?: string;
  json?: boolean;
}

/** A JWK or JWK Set from a file: keys are never typed on a command line, where shells and process lists keep them. */
export async function readPublicKeysFile(path: string): Promise<PublicJwk[]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return await parsePublicKeys(text);
  } catch (err) {
    if (err instanceof ClientKeyError) throw new CliError(`${path}: ${err.message}`);
    throw err;
  }
}

/** What is printed of a key: public members only, with its RFC 7638 thumbprint. */
async function describeKeys(keys: PublicJwk[]): Promise<Array<{ kid: string | null; kty: string; alg: string; thumbprint: string }>> {
  return Promise.all(keys.map(async (k) => ({ kid: k.kid ?? null, kty: k.kty!, alg: algorithmOf(k), thumbprint: await thumbprintOf(k) })));
}

/** `clients keys ID [--set FILE | --add FILE | --remove KID]`: a private_key_jwt client's public keys (RFC 7523). */
export function registerClientsKeys(clients: Command): void {
  clients
    .command('keys <clientId>')
    .description("list or change a private_key_jwt client's public keys (from a JWK or JWK Set file)")
    .option('--set <file>', 'replace every key with the keys of this file')
    .option('--add <file>', 'add the keys of this file beside the current ones (key rollover)')
    .option('--remove <kid>', 'remove the key with this kid (or RFC 7638 thumbprint)')
    .option('--json', 'print JSON')
    .action(async (clientId: string, o: KeysOptions) => {
      const chosen = [o.set, o.add, o.remove].filter((v) => v !== undefined).length;
      if (chosen > 1) throw new CliError('Use one of --set, --add and --remove');
      await withCliContext(o, async (ctx) => {
        const client = await ctx.store.clients.find(clientId);
        if (!client) throw new CliError(`No client ${clientId}`);
        let keys = client.publicKeys ?? [];
        try {
          if (o.set !== undefined) keys = await setClientKeys({ clients: ctx.store.clients }, client, await readPublicKeysFile(o.set));
          else if (o.add !== undefined) keys = await addClientKeys({ clients: ctx.store.clients }, client, await readPublicKeysFile(o.add));
          else if (o.remove !== undefined) keys = await removeClientKey({ clients: ctx.store.clients }, client, o.remove);
          else if (!client.publicKeys) throw new ClientKeyError('This client authenticates with a secret; it has no public keys');
        } catch (err) {
          if (err instanceof ClientKeyError) throw new CliError(err.message);
          throw err;
        }
        const rows = await describeKeys(keys);
        print(o.json ?? false, { client_id: client.id, token_endpoint_auth_method: 'private_key_jwt', keys: rows }, () =>
          [`Client ${client.id} (private_key_jwt), ${rows.length} key${rows.length === 1 ? '' : 's'}:`, ...rows.map((r) => `  ${r.kid ?? '(no kid)'}  ${r.alg}  ${r.thumbprint}`)].join('\n'),
        );
      });
    });
}
