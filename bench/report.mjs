// Renders a run's JSON report as Markdown: one row per server and scenario, each figure with its ratio to
// the bare node:http ceiling of the same run.
import { renderTargets } from './targets.mjs';

const f0 = (x) => (x == null ? '–' : Math.round(x).toLocaleString('en-US'));
const f1 = (x) => (x == null ? '–' : x.toFixed(1));
const f2 = (x) => (x == null ? '–' : x.toFixed(2));
const ratio = (x) => (x == null ? '' : ` (${x.toFixed(2)}×)`);

export function renderMarkdown(report) {
  const lines = [];
  const m = report.machine;
  lines.push(`## Benchmark ${report.started}`);
  lines.push('');
  lines.push(`${m.nproc} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}; ` +
    `${report.settings.connections} connections, ${report.settings.warmupS} s warm-up + ${report.settings.durationS} s measured; ` +
    (report.settings.repeat > 1 ? `the whole run made ${report.settings.repeat} times, every figure below the median of the rounds; ` : '') +
    (m.taskset ? 'server on core 0, load generator on core 1 (taskset)' : 'no taskset: server and load generator share the cores') +
    `; load average ${report.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} at start, ` +
    `${report.loadAverage.end.map((x) => x.toFixed(2)).join(' ')} at end.`);
  lines.push('');
  lines.push('Ratios in parentheses are to the bare `node:http` ceiling in the same scenario of the same run ' +
    (report.settings.repeat > 1 ? '(taken within each round, then the median) ' : '') +
    '(req/s: higher is better; latency, CPU and RSS: lower is better).');
  lines.push('');
  lines.push('| scenario | server | req/s | p50 ms | p99 ms | server CPU µs/req | peak RSS MiB | non-2xx |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const sc of report.scenarios) {
    for (const r of report.results.filter((x) => x.scenario === sc.id)) {
      if (r.na) {
        lines.push(`| ${sc.title} | ${r.label} | n/a | | | | | ${r.na} |`);
        continue;
      }
      const errs = r.errors || r.timeouts ? ` (+${r.errors} errors, ${r.timeouts} timeouts)` : '';
      const wrapped = r.poolWrapped ? ' (token pool wrapped)' : '';
      lines.push(`| ${sc.title} | ${r.label} | ${f0(r.rps)}${ratio(r.ratio?.rps)} | ${f1(r.p50)}${ratio(r.ratio?.p50)} | ` +
        `${f1(r.p99)}${ratio(r.ratio?.p99)} | ${f1(r.cpuUsPerRequest)}${ratio(r.ratio?.cpuUsPerRequest)} | ` +
        `${f1(r.peakRssMiB)}${ratio(r.ratio?.peakRssMiB)} | ${f0(r.non2xx)}${errs}${wrapped} |`);
    }
  }
  if (report.bigOverEmpty?.length) {
    lines.push('');
    lines.push('Seeded database (1 M clients, 10 M live tokens) over the empty one, same run:');
    lines.push('');
    lines.push('| scenario | req/s | p50 | p99 | CPU µs/req | peak RSS |');
    lines.push('|---|---:|---:|---:|---:|---:|');
    for (const b of report.bigOverEmpty) {
      const title = report.scenarios.find((s) => s.id === b.scenario)?.title ?? b.scenario;
      lines.push(`| ${title} | ${f2(b.rps)}× | ${f2(b.p50)}× | ${f2(b.p99)}× | ${f2(b.cpuUsPerRequest)}× | ${f2(b.peakRssMiB)}× |`);
    }
  }
  if (report.targets) lines.push(...renderTargets(report.targets));
  if (report.notes?.length) {
    lines.push('');
    for (const n of report.notes) lines.push(`- ${n}`);
  }
  lines.push('');
  return lines.join('\n');
}
