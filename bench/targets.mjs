// The performance targets, checked against one run's results: each a figure from this run, its target, and
// whether it holds. Rows whose servers or scenarios did not run are left out. With --repeat N the run has
// N rounds: each target's figure is computed within every round and the median decides (rounds.mjs).
import { median } from './rounds.mjs';

const find = (results, server, scenario) => results.find((r) => r.server === server && r.scenario === scenario && !r.na);

/** `results`: one round's results, or an array of rounds (each an array of results). */
export function checkTargets(results) {
  const rounds = Array.isArray(results[0]) ? results : [results];
  const perRound = rounds.map(checkRound);
  // Every target any round could compute, in the order they are defined (a server may fail in one round).
  const defined = new Map();
  for (const rows of perRound) for (const r of rows) if (!defined.has(r.what)) defined.set(r.what, r);
  return [...defined.values()].map((row) => {
    if (rounds.length === 1) return { what: row.what, value: row.value, target: row.target, holds: row.holds(row.value), floor: row.floor };
    const same = perRound.map((rows) => rows.find((r) => r.what === row.what));
    const values = same.map((r) => r?.value ?? null);
    const value = median(values);
    return { what: row.what, value, target: row.target, holds: row.holds(value), floor: median(same.map((r) => r?.floor ?? null)), rounds: values };
  });
}

function checkRound(results) {
  const rows = [];
  // `floor`: the same figure for the storage floor (servers/storage-floor.mjs; storage-floor-pg.mjs for the
  // PostgreSQL rows), where it applies: what the least work on this stack reaches, so a target it misses is
  // out of reach for any server here.
  const add = (what, value, target, holds, floor = null) => {
    if (value != null && Number.isFinite(value)) rows.push({ what, value, target, holds, floor: Number.isFinite(floor) ? floor : null });
  };
  const per = (a, b, field) => (a && b && b[field] ? a[field] / b[field] : null);
  const bare = (sc) => find(results, 'bare', sc);
  const ours = (sc) => find(results, 'ours-sqlite', sc);

  const floor = (sc) => find(results, 'storage-floor', sc);
  const oidc = find(results, 'oidc-provider', 'token');

  add('client_credentials on SQLite, req/s over the ceiling', per(ours('token'), bare('token'), 'rps'), '≥ 0.50×', (v) => v >= 0.5, per(floor('token'), bare('token'), 'rps'));
  add('client_credentials on SQLite, req/s over oidc-provider', per(ours('token'), oidc, 'rps'), '≥ 3×', (v) => v >= 3, per(floor('token'), oidc, 'rps'));
  add('introspection on SQLite, req/s over the ceiling', per(ours('introspect'), bare('introspect'), 'rps'), '≥ 0.60×', (v) => v >= 0.6, per(floor('introspect'), bare('introspect'), 'rps'));
  add('GET /v1/webhooks (bearer) on SQLite, req/s over the ceiling', per(ours('webhooks'), bare('webhooks'), 'rps'), '≥ 0.60×', (v) => v >= 0.6, per(floor('webhooks'), bare('webhooks'), 'rps'));
  const tail = (r) => (r && r.p50 ? r.p99 / r.p50 : null);
  // No floor figure here: the floor's commit and reply timing is not the least a tail can be.
  for (const sc of ['token', 'introspect', 'webhooks']) add(`p99 over p50 on SQLite, ${sc}`, tail(ours(sc)), '≤ 3×', (v) => v <= 3);
  add('10 M tokens: token req/s over the empty database', per(find(results, 'ours-sqlite-big', 'token'), ours('token'), 'rps'), '≥ 0.80×', (v) => v >= 0.8);
  add('SQLite --workers 2: CPU µs per token over one process', per(find(results, 'ours-sqlite-w2', 'token'), ours('token'), 'cpuUsPerRequest'), '≤ 1.15×', (v) => v <= 1.15,
    per(find(results, 'storage-floor-w2', 'token'), floor('token'), 'cpuUsPerRequest'));
  const pgFloor = find(results, 'storage-floor-pg', 'token');
  add('PostgreSQL --workers 2: CPU µs per token over one process', per(find(results, 'ours-postgres-w2', 'token'), find(results, 'ours-postgres', 'token'), 'cpuUsPerRequest'), '≤ 1.15×', (v) => v <= 1.15,
    per(find(results, 'storage-floor-pg-w2', 'token'), pgFloor, 'cpuUsPerRequest'));
  add('client_credentials on PostgreSQL, req/s over the ceiling', per(find(results, 'ours-postgres', 'token'), bare('token'), 'rps'), '≥ 0.25×', (v) => v >= 0.25, per(pgFloor, bare('token'), 'rps'));
  return rows;
}

export function renderTargets(rows) {
  if (rows.length === 0) return [];
  const repeated = rows.some((r) => r.rounds);
  const floors = rows.some((r) => r.floor != null);
  const head = ['target', repeated ? 'median' : 'this run', ...(repeated ? ['each round'] : []), 'wanted', 'holds', ...(floors ? ['storage floor'] : [])];
  const lines = ['', `Targets, from this run${repeated ? ': the median of the rounds decides' : ':'}`, ''];
  lines.push(`| ${head.join(' | ')} |`, `|---|${head.slice(1).map((h) => (h === 'holds' ? '---' : '---:')).join('|')}|`);
  const x = (v) => (v == null ? '–' : `${v.toFixed(2)}×`);
  for (const r of rows) {
    const cells = [r.what, x(r.value)];
    if (repeated) cells.push((r.rounds ?? []).map((v) => (v == null ? '–' : v.toFixed(2))).join(', '));
    cells.push(r.target, r.holds ? 'yes' : '**no**');
    if (floors) cells.push(r.floor == null ? '' : x(r.floor));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  if (floors) lines.push('', 'Storage floor: the same figure for `servers/storage-floor.mjs` (SQLite rows) or `servers/storage-floor-pg.mjs` (PostgreSQL rows), the least work on this stack (Fastify, the database, every token committed); a target it misses is out of reach for any server here. The `--workers 2` rows are ratios: the floor shows what a second process costs when each turn is batched; without batching the ratio is lower and both figures far higher (bench/README.md).');
  return lines;
}
