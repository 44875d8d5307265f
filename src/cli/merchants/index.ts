import type { Command } from 'commander';
import { registerMerchantsCreate } from './create.js';

export function registerMerchants(program: Command): void {
  const merchants = program.command('merchants').description('manage Web Account merchants');
  registerMerchantsCreate(merchants);
}
