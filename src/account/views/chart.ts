import { html, type SafeHtml } from '../html.js';

interface Bar {
  label: string;
  /** Shown under the bar every few bars. */
  tick?: string;
  issued: number;
  failed: number;
}

/**
 * A bar chart drawn on the server as SVG: tokens issued (blue) and failed authentications (red) side by side
 * per bucket. Colours are presentation attributes, not inline styles, so the page's CSP needs no
 * 'unsafe-inline'. Each bar has a <title> for hover and screen readers; the page also gives the numbers as a table.
 */
export function barChart(o: { id: string; title: string; bars: Bar[] }): SafeHtml {
  const width = 720;
  const height = 220;
  const left = 44;
  const bottom = 28;
  const top = 12;
  const plotW = width - left - 8;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...o.bars.map((b) => Math.max(b.issued, b.failed)));
  const step = niceStep(max);
  const yMax = Math.ceil(max / step) * step;
  const slot = plotW / Math.max(1, o.bars.length);
  const barW = Math.max(1, slot / 2 - 1);
  const y = (v: number) => top + plotH - (v / yMax) * plotH;
  const grid = [];
  for (let v = 0; v <= yMax; v += step) grid.push(v);
  const total = o.bars.reduce((a, b) => ({ issued: a.issued + b.issued, failed: a.failed + b.failed }), { issued: 0, failed: 0 });
  return html`<figure class="chart">
<svg id="${o.id}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${o.id}-t ${o.id}-d" preserveAspectRatio="xMidYMid meet">
  <title id="${o.id}-t">${o.title}</title>
  <desc id="${o.id}-d">${total.issued} tokens issued and ${total.failed} failed authentications in this period.</desc>
  ${grid.map(
    (v) => html`<line x1="${left}" x2="${width - 8}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e3e8ef" stroke-width="1"/>
  <text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#5b6576">${v}</text>`,
  )}
  ${o.bars.map((b, i) => {
    const x = left + i * slot + 1;
    return html`<g>
    <title>${b.label}: ${b.issued} issued, ${b.failed} failed</title>
    <rect x="${x.toFixed(1)}" y="${y(b.issued).toFixed(1)}" width="${barW.toFixed(1)}" height="${(top + plotH - y(b.issued)).toFixed(1)}" fill="#2563eb"/>
    <rect x="${(x + barW).toFixed(1)}" y="${y(b.failed).toFixed(1)}" width="${barW.toFixed(1)}" height="${(top + plotH - y(b.failed)).toFixed(1)}" fill="#dc2626"/>
    ${b.tick ? html`<text x="${(x + barW).toFixed(1)}" y="${height - 10}" text-anchor="middle" font-size="11" fill="#5b6576">${b.tick}</text>` : ''}
  </g>`;
  })}
  <line x1="${left}" x2="${width - 8}" y1="${top + plotH}" y2="${top + plotH}" stroke="#9aa4b2" stroke-width="1"/>
</svg>
<figcaption><span class="key issued"></span> Tokens issued (${total.issued}) <span class="key failed"></span> Failed authentications (${total.failed})</figcaption>
</figure>`;
}

function niceStep(max: number): number {
  const raw = max / 4;
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return Math.max(1, m * pow);
  return Math.max(1, 10 * pow);
}
