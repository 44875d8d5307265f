import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * private_key_jwt client authentication (RFC 7523 §2.2): a client's registered public keys, as a JWK Set
 * (RFC 7517 §5) in JSON. Null for a client that authenticates with a secret, or a public client.
 */
export async function up(db: Kysely<any>, _t: ColumnTypes): Promise<void> {
  await db.schema.alterTable('clients').addColumn('jwks', 'text').execute();
}
