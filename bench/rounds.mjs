// --repeat N: the whole run (every server, every scenario) is made N times in rounds, and each figure is
// reported as its median over the rounds. On this kind of machine the ceiling itself swings by ±20% between
// runs minutes apart; a ratio is taken within one round (ours over the ceiling measured minutes before), and
// the median of those ratios is what a target is checked against, so one noisy round cannot decide it.

/** The median of the finite numbers in `values` (the mean of the middle two for an even count); null if none. */
export function median(values) {
  const v = values.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

const FIGURES = ['rps', 'p50', 'p99', 'cpuUsPerRequest', 'peakRssMiB'];

/**
 * One result per server and scenario from several rounds of results: each figure and each ratio the median
 * over the rounds, the per-round values kept under `rounds`, counts (requests, non-2xx, errors) summed.
 */
export function mergeRounds(rounds) {
  if (rounds.length === 1) return rounds[0];
  const merged = [];
  for (const first of rounds[0]) {
    const same = rounds.map((rs) => rs.find((r) => r.server === first.server && r.scenario === first.scenario)).filter(Boolean);
    if (first.na || same.some((r) => r.na)) {
      merged.push(same.find((r) => r.na) ?? first);
      continue;
    }
    const m = { ...first };
    for (const f of FIGURES) m[f] = median(same.map((r) => r[f]));
    m.ratio = Object.fromEntries(FIGURES.map((f) => [f, median(same.map((r) => r.ratio?.[f]))]));
    for (const f of ['requests', 'non2xx', 'errors', 'timeouts']) if (first[f] != null) m[f] = same.reduce((s, r) => s + (r[f] ?? 0), 0);
    if (first.statusCodes) {
      m.statusCodes = {};
      for (const r of same) for (const [code, { count }] of Object.entries(r.statusCodes ?? {})) m.statusCodes[code] = { count: (m.statusCodes[code]?.count ?? 0) + count };
    }
    m.poolWrapped = same.some((r) => r.poolWrapped);
    m.rounds = Object.fromEntries([...FIGURES, 'ratioRps'].map((f) => [f, same.map((r) => (f === 'ratioRps' ? r.ratio?.rps : r[f]) ?? null)]));
    merged.push(m);
  }
  return merged;
}
