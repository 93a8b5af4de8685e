/** How numbers and spans read in alert text: "152,000 messages", "4 min", "2 h 5 min". */

const counts = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const rates = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** A message count with thousands separators. */
export function count(n: number): string {
  return counts.format(n);
}

/** Messages per second, one decimal below 100 so slow consumers do not read as 0. */
export function rate(perSec: number): string {
  return perSec >= 100 ? counts.format(perSec) : rates.format(perSec);
}

/** A span of time the way people say it; seconds only below two minutes. */
export function span(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 120) return `${min} min`;
  const h = Math.floor(min / 60);
  const rest = min % 60;
  if (h < 48) return rest ? `${h} h ${rest} min` : `${h} h`;
  const d = Math.floor(h / 24);
  const hours = h % 24;
  return hours ? `${d} d ${hours} h` : `${d} d`;
}

/** "a, b, c" and, past `max`, " and N more". */
export function list(items: readonly string[], max = 3): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
