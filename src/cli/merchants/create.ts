import type { Command } from 'commander';
import { createMerchant } from '../../account/accounts.js';
import { AccountError } from '../../account/errors.js';
import { CliError, print, withCliContext, type DbOptions } from '../context.js';

/** `merchants create --email E --password-stdin`: a Web Account login; the password never appears in argv. */
export function registerMerchantsCreate(merchants: Command): void {
  merchants
    .command('create')
    .description('create a merchant account for the Web Account')
    .requiredOption('--email <email>', 'the login email')
    .requiredOption('--password-stdin', 'read the password from standard input (first line)')
    .option('--json', 'print JSON')
    .action(async (o: DbOptions & { email: string; passwordStdin: boolean; json?: boolean }) => {
      const password = (await readStdin()).split(/\r?\n/)[0] ?? '';
      await withCliContext(o, async (ctx) => {
        let merchant;
        try {
          merchant = await createMerchant(ctx, o.email, password);
        } catch (err) {
          if (err instanceof AccountError) throw new CliError(err.message);
          throw err;
        }
        print(o.json ?? false, { id: merchant.id, email: merchant.email }, () => `Created merchant ${merchant.email} (${merchant.id}).`);
      });
    });
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new CliError('--password-stdin: pipe the password in, e.g. printf %s "$PASSWORD" | mypos-auth merchants create …');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
