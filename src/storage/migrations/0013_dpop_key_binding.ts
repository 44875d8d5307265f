import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * DPoP (RFC 9449): a token bound to a key keeps the key's JWK thumbprint (RFC 7638), `cnf.jkt` of §6; a client
 * registered with `dpop_bound_access_tokens` (§5.2) must prove a key on every token request.
 */
export async function up(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema.alterTable('tokens').addColumn('jkt', 'text').execute();
  await db.schema.alterTable('clients').addColumn('dpop_bound_access_tokens', t.flag, (c) => c.notNull().defaultTo(0)).execute();
}
