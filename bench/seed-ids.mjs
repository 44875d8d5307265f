// Shared by seed.mjs and run.mjs: where the seeded database lives and how seeded client ids are formed
// (24 alphanumerics like real ids; zero-padded base 36, so ascending index = ascending key = B-tree appends).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const SEED_DIR = process.env.BENCH_SEED_DIR ?? join(BENCH_DIR, 'data');
export const SEED_DB = join(SEED_DIR, 'big.db');
export const SEED_META = join(SEED_DIR, 'big.json');

export function seededClientId(i) {
  return `seed${i.toString(36).padStart(20, '0')}`;
}
