import type { Command } from 'commander';
import { addClientOptions, clientFromOptions, describeFailure, type ClientCommandOptions } from './token.js';

interface RevokeOptions extends ClientCommandOptions {
  tokenTypeHint?: string;
}

/** `revoke TOKEN`: RFC 7009 revocation. Prints nothing and exits 0 on success (an unknown token also counts, §2.2). */
export function registerRevoke(program: Command): void {
  addClientOptions(program.command('revoke').description('revoke an access or refresh token (RFC 7009)').argument('<token>', 'the token to revoke'))
    .option('--token-type-hint <hint>', 'access_token or refresh_token')
    .action(async (token: string, o: RevokeOptions) => {
      const hint = o.tokenTypeHint;
      if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') {
        throw describeFailure('revocation', new Error('--token-type-hint must be access_token or refresh_token'));
      }
      const { client, endpoints } = await clientFromOptions(o);
      try {
        await client.revoke(token, hint);
      } catch (err) {
        throw describeFailure('revocation', err, endpoints.revokeUrl);
      }
    });
}
