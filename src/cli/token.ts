import type { Command } from 'commander';
import {
  OAuthRequestError,
  resolveEndpoints,
  TokenClient,
  type CustomEnvironment,
  type Endpoints,
  type EnvironmentOption,
} from '@mypos-auth/client';
import { CliError } from './context.js';

/** The options `token`, `revoke` and `introspect` share: who the client is and where the server is. */
export interface ClientCommandOptions {
  clientId: string;
  clientSecretStdin?: boolean;
  environment?: string;
  tokenUrl?: string;
  revokeUrl?: string;
  introspectUrl?: string;
  scope?: string;
  authMethod?: string;
}

export function addClientOptions(command: Command): Command {
  return command
    .requiredOption('--client-id <id>', 'the Client ID')
    .option('--client-secret-stdin', 'read the Client Secret from the first line of stdin (else env MYPOS_CLIENT_SECRET)')
    .option('--environment <env>', 'sandbox (https://sandbox-auth-api.mypos.com, the default) or production (https://auth-api.mypos.com)')
    .option('--token-url <url>', 'token endpoint of another server, e.g. http://127.0.0.1:8080/oauth/token')
    .option('--revoke-url <url>', 'revocation endpoint (default: /oauth/revoke on the token URL’s origin)')
    .option('--introspect-url <url>', 'introspection endpoint (default: /oauth/introspect on the token URL’s origin)')
    .option('--auth-method <method>', 'basic (Authorization header, default) or post (form fields)', 'basic');
}

/**
 * Builds an SDK client from the flags. The secret never comes from argv (visible in `ps` and shell history): it is
 * read from stdin or the environment, and no message ever repeats it.
 */
export async function clientFromOptions(o: ClientCommandOptions): Promise<{ client: TokenClient; endpoints: Endpoints }> {
  if (o.environment !== undefined && o.tokenUrl !== undefined) throw new CliError('give --environment or --token-url, not both');
  if (o.environment !== undefined && o.environment !== 'sandbox' && o.environment !== 'production') {
    throw new CliError('--environment must be sandbox or production');
  }
  if (o.tokenUrl === undefined && (o.revokeUrl !== undefined || o.introspectUrl !== undefined)) {
    throw new CliError('--revoke-url and --introspect-url go with --token-url');
  }
  if (o.authMethod !== 'basic' && o.authMethod !== 'post') throw new CliError('--auth-method must be basic or post');
  const clientSecret = o.clientSecretStdin ? await readSecretFromStdin() : process.env.MYPOS_CLIENT_SECRET;
  if (!clientSecret) throw new CliError('no client secret: pipe it in with --client-secret-stdin, or set MYPOS_CLIENT_SECRET');

  let environment: EnvironmentOption = (o.environment as 'sandbox' | 'production' | undefined) ?? 'sandbox';
  if (o.tokenUrl !== undefined) {
    const custom: CustomEnvironment = { tokenUrl: o.tokenUrl };
    if (o.revokeUrl !== undefined) custom.revokeUrl = o.revokeUrl;
    if (o.introspectUrl !== undefined) custom.introspectUrl = o.introspectUrl;
    environment = custom;
  }
  let endpoints: Endpoints;
  try {
    endpoints = resolveEndpoints(environment);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  // Without --token-url the command talks to myPOS itself: say so, since a reader may expect a local server.
  if (typeof environment === 'string') process.stderr.write(`mypos-auth: calling the myPOS ${environment} at ${new URL(endpoints.tokenUrl).origin} (give --token-url for another server)\n`);
  try {
    const client = new TokenClient({
      clientId: o.clientId,
      clientSecret,
      environment,
      ...(o.scope !== undefined ? { scope: o.scope } : {}),
      clientAuthMethod: o.authMethod === 'post' ? 'client_secret_post' : 'client_secret_basic',
    });
    return { client, endpoints };
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

/**
 * An OAuthRequestError as one line for a human: the OAuth code, the description, the status; when no answer came, the
 * host that could not be reached and the URL called.
 */
export function describeFailure(what: string, err: unknown, url?: string): CliError {
  if (err instanceof OAuthRequestError && err.code === 'ERR_OAUTH_NETWORK' && url !== undefined) {
    const reason = /\(([^)]+)\)$/.exec(err.error_description ?? '')?.[1] ?? err.error_description ?? 'no answer';
    return new CliError(`${what} failed: could not reach ${new URL(url).host} (${reason}); POST ${url}`);
  }
  if (err instanceof OAuthRequestError) return new CliError(`${what} failed: ${err.message}`);
  return new CliError(`${what} failed: ${(err as Error).message}`);
}

async function readSecretFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Up to the first line break (so a person typing the secret need not press Ctrl-D), or the end of input.
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (chunk.includes(10)) break;
    if (size > 4096) throw new CliError('stdin is too long for a client secret');
  }
  // The first line, without its line ending (`echo` adds one; Windows editors add \r\n).
  const secret = (Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '').trim();
  if (secret === '') throw new CliError('--client-secret-stdin: stdin was empty');
  return secret;
}

/** `token`: a client_credentials token from the server, printed as the token response JSON. */
export function registerToken(program: Command): void {
  addClientOptions(program.command('token').description('get an access token (client_credentials) and print the token response as JSON'))
    .option('--scope <scopes>', 'space-separated scope to ask for (default: what the client is allowed)')
    .action(async (o: ClientCommandOptions) => {
      const { client, endpoints } = await clientFromOptions(o);
      let response;
      try {
        response = await client.requestToken();
      } catch (err) {
        throw describeFailure('token request', err, endpoints.tokenUrl);
      }
      process.stdout.write(JSON.stringify(response, null, 2) + '\n');
    });
}
