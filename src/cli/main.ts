#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerClients } from './clients/index.js';
import { registerMerchants } from './merchants/index.js';
import { isExpectedFailure } from './context-errors.js';
import { registerMigrate } from './migrate.js';
import { registerIntrospect } from './introspect.js';
import { registerResend } from './resend.js';
import { registerRevoke } from './revoke.js';
import { registerServe } from './serve.js';
import { registerToken } from './token.js';

const program = new Command()
  .name('mypos-auth')
  .description('OAuth 2.0 authorization server for the myPOS REST API auth protocol')
  .exitOverride();

registerServe(program);
registerClients(program);
registerMigrate(program);
registerMerchants(program);
registerToken(program);
registerRevoke(program);
registerIntrospect(program);
registerResend(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  // Expected failures are one line naming what and where; a stack trace means a bug.
  process.stderr.write(`mypos-auth: ${isExpectedFailure(err) ? err.message : (err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}
