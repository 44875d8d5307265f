import type { Command } from 'commander';
import { addClientOptions, clientFromOptions, describeFailure, type ClientCommandOptions } from './token.js';

/** `introspect TOKEN`: RFC 7662 introspection, printed as JSON (`{"active": false}` for a dead or foreign token). */
export function registerIntrospect(program: Command): void {
  addClientOptions(program.command('introspect').description('ask the server about a token (RFC 7662) and print the answer as JSON').argument('<token>', 'the token to inspect'))
    .action(async (token: string, o: ClientCommandOptions) => {
      const { client, endpoints } = await clientFromOptions(o);
      let answer;
      try {
        answer = await client.introspect(token);
      } catch (err) {
        throw describeFailure('introspection', err, endpoints.introspectUrl);
      }
      process.stdout.write(JSON.stringify(answer, null, 2) + '\n');
    });
}
