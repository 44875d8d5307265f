import qrcode from 'qrcode-generator';
import { html, type SafeHtml } from '../html.js';

/** Modules of light margin around the symbol (ISO/IEC 18004 asks for four). */
const QUIET = 4;

/**
 * A QR code as inline SVG: one path of dark squares, drawn here from the library's module matrix, so the
 * page needs no script, no inline style and no image request (the CSP allows none of them for this).
 */
export function qrSvg(text: string, label: string): SafeHtml {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const size = n + 2 * QUIET;
  let d = '';
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) if (qr.isDark(row, col)) d += `M${col + QUIET} ${row + QUIET}h1v1h-1z`;
  }
  return html`<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" role="img" aria-label="${label}" shape-rendering="crispEdges"><rect width="${size}" height="${size}" fill="#fff"/><path d="${d}" fill="#000"/></svg>`;
}
