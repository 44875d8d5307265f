import type { Command } from 'commander';
import { addDbOptions } from '../context.js';
import { registerMerchantsCreate } from './create.js';
import { registerMerchantsTwoFactorOff } from './two-factor-off.js';

export function registerMerchants(program: Command): void {
  const merchants = program.command('merchants').description('manage Web Account merchants');
  registerMerchantsCreate(merchants);
  registerMerchantsTwoFactorOff(merchants);
  for (const command of merchants.commands) addDbOptions(command);
}
