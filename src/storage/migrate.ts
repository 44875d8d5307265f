import type { Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';

class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly migrations: Record<string, Migration>) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return this.migrations;
  }
}

/**
 * Features add their own numbered migrations independently, so a database may have run a later number
 * before an earlier one was written; each migration only adds its own tables, so order among them is free.
 */
export function newMigrator(db: Kysely<any>, migrations: Record<string, Migration>): Migrator {
  return new Migrator({ db, provider: new StaticMigrationProvider(migrations), allowUnorderedMigrations: true });
}

/** Applies pending migrations; throws with the failing migration's name. */
export async function runMigrations(migrator: Migrator): Promise<string[]> {
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of migrations not yet applied. */
export async function pendingMigrations(migrator: Migrator): Promise<string[]> {
  return (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/** Thrown when a server would start on a database whose schema is behind the code. */
export class UnmigratedDatabaseError extends Error {
  constructor(readonly pending: string[]) {
    super(`The database needs migrations (${pending.join(', ')}): run \`mypos-auth migrate --db …\` first, or start with \`serve --migrate\``);
  }
}
