import type { Command } from 'commander';
import { normalizeEmail } from '../../account/accounts.js';
import { CliError, print, withCliContext, type DbOptions } from '../context.js';

/**
 * `merchants two-factor-off --email E`: the way back for a merchant who lost both the authenticator and the
 * recovery codes. Only an operator with the database can do it; the merchant's audit trail records it.
 */
export function registerMerchantsTwoFactorOff(merchants: Command): void {
  merchants
    .command('two-factor-off')
    .description("turn a merchant's two-factor sign-in off (deletes the TOTP key and the recovery codes)")
    .requiredOption('--email <email>', 'the login email')
    .option('--json', 'print JSON')
    .action(async (o: DbOptions & { email: string; json?: boolean }) => {
      await withCliContext(o, async (ctx) => {
        const merchant = await ctx.store.merchants.findByEmail(normalizeEmail(o.email));
        if (!merchant) throw new CliError(`No merchant with the email ${o.email}`);
        if (!(await ctx.store.twoFactor.disable(merchant.id))) throw new CliError(`Two-factor sign-in is not on for ${merchant.email}`);
        await ctx.store.audit.append([
          { merchantId: merchant.id, clientId: null, environment: null, action: 'two_factor_disabled', actor: 'operator (CLI)', ip: null, detail: null, count: 1, at: ctx.clock.now() },
        ]);
        print(o.json ?? false, { email: merchant.email, two_factor: false }, () => `Two-factor sign-in is off for ${merchant.email}.`);
      });
    });
}
