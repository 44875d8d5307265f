import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { ColumnTypes } from './column-types.js';
import * as m0001 from './0001_clients_and_tokens.js';
import * as m0002 from './0002_accounts.js';
import * as m0003 from './0003_webhooks.js';
import * as m0004 from './0004_signing_keys.js';
import * as m0005 from './0005_auth_failures.js';
import * as m0006 from './0006_authorization_codes.js';
import * as m0007 from './0007_consents.js';
import * as m0008 from './0008_webhook_secret_overlap.js';
import * as m0009 from './0009_web_account_forms.js';
import * as m0010 from './0010_webhook_attempts_and_listen.js';
import * as m0011 from './0011_webhook_pause.js';
import * as m0012 from './0012_two_factor.js';
import * as m0013DpopKeyBinding from './0013_dpop_key_binding.js';
import * as m0013UsedJtis from './0013_used_jtis.js';
import * as m0014 from './0014_client_public_keys.js';
import * as m0015 from './0015_pushed_requests_and_resources.js';
import * as m0016 from './0016_passkeys.js';

type Step = (db: Kysely<any>, types: ColumnTypes) => Promise<void>;

/**
 * The schema, in order, for both backends. The names are what each database records as applied: never
 * rename or edit a shipped migration; add the next file and list it here.
 */
const MIGRATIONS: Record<string, { up: Step }> = {
  '0001_clients_and_tokens': m0001,
  '0002_accounts': m0002,
  '0003_webhooks': m0003,
  '0004_signing_keys': m0004,
  '0005_auth_failures': m0005,
  '0006_authorization_codes': m0006,
  '0007_consents': m0007,
  '0008_webhook_secret_overlap': m0008,
  '0009_web_account_forms': m0009,
  '0010_webhook_attempts_and_listen': m0010,
  '0011_webhook_pause': m0011,
  '0012_two_factor': m0012,
  '0013_dpop_key_binding': m0013DpopKeyBinding,
  '0013_used_jtis': m0013UsedJtis,
  '0014_client_public_keys': m0014,
  '0015_pushed_requests_and_resources': m0015,
  '0016_passkeys': m0016,
};

/** The migrations with one backend's column types. */
export function migrationsFor(types: ColumnTypes): Record<string, Migration> {
  return Object.fromEntries(Object.entries(MIGRATIONS).map(([name, m]) => [name, { up: (db: Kysely<any>) => m.up(db, types) }]));
}
