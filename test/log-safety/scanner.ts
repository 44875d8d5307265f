import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExactValueIndex, type KnownValue } from './exact-values.js';
import { fieldMatches, loggedBuffers, patternMatches, type Match } from './leak-rules.js';
import { LOGS, VALUES } from './run-dir.js';

export interface Finding {
  file: string;
  line: number;
  rule: string;
  /** The line around the match, every matched credential masked. */
  excerpt: string;
}

export interface ScanReport {
  files: number;
  lines: number;
  values: number;
  /** Lines of output that show a secret on purpose (below), not scanned. */
  deliberate: number;
  findings: Finding[];
}

/**
 * `serve --demo-client` prints a new client's secret once on stdout, by design (DESIGN.md: a secret is shown
 * once, at creation): these two lines of that banner, and only they, are not log lines.
 */
const DELIBERATE_OUTPUT = [
  /^ {2}Client Secret: [A-Za-z0-9]{48}$/,
  /^ {4}-H "Authorization: Basic \$\(printf '%s' '[A-Za-z0-9]{24}:[A-Za-z0-9]{48}' \| base64 \| tr -d '\\n'\)" \\$/,
];

/** Shows a credential's first 3 characters and its length: enough to recognise it, not to use it. */
export function mask(value: string): string {
  return `${value.slice(0, 3)}…[${value.length} chars masked]`;
}

/**
 * Every leak in one line: shape rules, credential fields of JSON lines, and the exact values tests used;
 * inside logged bytes too, reported as the whole byte list.
 */
export function lineMatches(line: string, exact: ExactValueIndex): Match[] {
  const inBytes = loggedBuffers(line).flatMap((b) =>
    [...patternMatches(b.text), ...exact.matches(b.text)].map((m) => ({ rule: `${m.rule}, in logged bytes`, start: b.start, end: b.end })),
  );
  return [...patternMatches(line), ...fieldMatches(line), ...exact.matches(line), ...inBytes];
}

/** The line with every match masked, cut to 240 characters from a little before the first match. */
function excerpt(line: string, matches: Match[]): string {
  let out = '';
  let at = 0;
  let first = -1;
  for (const m of [...matches].sort((a, b) => a.start - b.start)) {
    if (m.start < at) continue; // overlapping matches: the first one masks the span
    out += line.slice(at, m.start);
    if (first === -1) first = out.length;
    out += mask(line.slice(m.start, m.end));
    at = m.end;
  }
  out += line.slice(at);
  const from = Math.max(0, first - 80);
  const cut = out.slice(from, from + 240);
  return (from > 0 ? '…' : '') + cut + (from + 240 < out.length ? '…' : '');
}

export function scanText(file: string, text: string, exact: ExactValueIndex): { lines: number; deliberate: number; findings: Finding[] } {
  const findings: Finding[] = [];
  let lines = 0;
  let deliberate = 0;
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    lines++;
    if (DELIBERATE_OUTPUT.some((re) => re.test(line))) {
      deliberate++;
      return;
    }
    const matches = lineMatches(line, exact);
    if (matches.length === 0) return;
    const rules = [...new Set(matches.map((m) => m.rule))].join('; ');
    findings.push({ file, line: i + 1, rule: rules, excerpt: excerpt(line, matches) });
  });
  return { lines, deliberate, findings };
}

export function readKnownValues(dir: string): KnownValue[] {
  const out: KnownValue[] = [];
  for (const f of safeList(join(dir, VALUES))) {
    for (const l of readFileSync(join(dir, VALUES, f), 'utf8').split('\n')) if (l) out.push(JSON.parse(l) as KnownValue);
  }
  return out;
}

/** Scans every captured log file of a run directory for every rule and every recorded value. */
export function scanRunDir(dir: string): ScanReport {
  const exact = new ExactValueIndex(readKnownValues(dir));
  const report: ScanReport = { files: 0, lines: 0, values: exact.size, deliberate: 0, findings: [] };
  for (const f of safeList(join(dir, LOGS))) {
    const r = scanText(f, readFileSync(join(dir, LOGS, f), 'utf8'), exact);
    report.files++;
    report.lines += r.lines;
    report.deliberate += r.deliberate;
    report.findings.push(...r.findings);
  }
  return report;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
