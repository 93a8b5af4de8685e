/** How numbers and spans read in alert text: "152,000 messages", "4 min", "2 h 5 min". */

/**
 * Rounded half away from zero with "," between thousands, as en-US Intl.NumberFormat writes it.
 * Not Intl itself: its first NumberFormat loads ICU data, about 8 ms of every cold start.
 */
function grouped(n: number, decimals: 0 | 1): string {
  const scale = decimals ? 10 : 1;
  const scaled = Math.round(Math.abs(n) * scale);
  const whole = Math.floor(scaled / scale);
  const frac = scaled % scale;
  const digits = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 && scaled > 0 ? '-' : ''}${digits}${frac ? `.${frac}` : ''}`;
}

/** A message count with thousands separators. */
export function count(n: number): string {
  return grouped(n, 0);
}

/** Messages per second, one decimal below 100 so slow consumers do not read as 0. */
export function rate(perSec: number): string {
  return grouped(perSec, perSec >= 100 ? 0 : 1);
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
