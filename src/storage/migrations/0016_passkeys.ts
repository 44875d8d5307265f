import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * WebAuthn passkeys as a second factor of the Web Account (W3C WebAuthn Level 3): each merchant's registered
 * credentials, and the challenges handed to a browser, kept server-side until used once or expired.
 */
export async function up(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('passkeys')
    // The credential id as base64url (WebAuthn §6.1 credentialId), unique across authenticators.
    .addColumn('credential_id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    // The credential public key as COSE (RFC 9052 §7), base64url.
    .addColumn('public_key', 'text', (c) => c.notNull())
    // The last signature counter seen (WebAuthn §6.1.1); 0 for authenticators that do not count.
    .addColumn('counter', t.int64, (c) => c.notNull())
    // Comma-separated AuthenticatorTransport values the browser reported.
    .addColumn('transports', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', t.int64, (c) => c.notNull())
    .addColumn('last_used_at', t.int64)
    .execute();
  await db.schema.createIndex('passkeys_merchant').on('passkeys').column('merchant_id').execute();

  await db.schema
    .createTable('passkey_challenges')
    // Keyed hash of the session the challenge was given to, and what it is for: one live challenge per pair.
    .addColumn('session_hash', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    // Keyed hash of the challenge: compared, never shown again.
    .addColumn('challenge_hash', 'text', (c) => c.notNull())
    .addColumn('expires_at', t.int64, (c) => c.notNull())
    .addPrimaryKeyConstraint('passkey_challenges_pk', ['session_hash', 'purpose'])
    .execute();
}
