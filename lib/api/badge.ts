/** GET /badge/<monitor>.svg: a flat badge (status, or uptime with ?kind=uptime&window=24h). */
import { esc } from './html';

/** Rough text width at 11 px Verdana: enough for a badge, no font metrics shipped. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u2e80-\uffff]/.test(ch) ? 11 : /[il.:|]/.test(ch) ? 3.5 : /[mwMW%]/.test(ch) ? 9 : 6.5;
  return Math.ceil(w + 10);
}

export const BADGE_COLORS = { up: '#4c1', down: '#e05d44', unknown: '#9f9f9f', good: '#4c1', fair: '#dfb317', poor: '#e05d44' } as const;

export function badge(label: string, value: string, color: string): string {
  const a = width(label);
  const b = width(value);
  const w = a + b;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${esc(label)}: ${esc(value)}"><title>${esc(label)}: ${esc(value)}</title>` +
    `<rect width="${a}" height="20" fill="#555"/><rect x="${a}" width="${b}" height="20" fill="${color}"/>` +
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11"><text x="${a / 2}" y="14">${esc(label)}</text><text x="${a + b / 2}" y="14">${esc(value)}</text></g></svg>`
  );
}
