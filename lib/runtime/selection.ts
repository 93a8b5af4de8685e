/**
 * The event's `Message` narrows which monitors run: `{"monitors":["homepage"]}` or
 * `{"tags":["web"]}` (both: either matches); empty means every enabled monitor of the
 * function's types. A name asked for by name runs even when `enabled: false`.
 */
import { UsageError } from '../config/errors';
import type { MonitorConfig } from '../config/schema';
import type { ScfEvent } from './scf';

export interface Selector {
  monitors?: string[];
  tags?: string[];
}

const HELP = 'expected JSON such as {"monitors":["homepage"]} or {"tags":["web"]}, or an empty Message';

export function parseMessage(event: ScfEvent | undefined | null): Selector {
  const raw = event?.Message;
  if (raw === undefined || raw === null || raw === '') return {};
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new UsageError(`event Message is not JSON: ${JSON.stringify(raw.slice(0, 100))}; ${HELP}`);
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`event Message: ${HELP}`);
  const out: Selector = {};
  for (const [key, v] of Object.entries(value)) {
    if (key !== 'monitors' && key !== 'tags') throw new UsageError(`event Message: unknown key "${key}"; ${HELP}`);
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
      throw new UsageError(`event Message: "${key}" must be a list of strings`);
    }
    out[key] = v;
  }
  return out;
}

export function selectMonitors(all: readonly MonitorConfig[], types: readonly string[], sel: Selector): MonitorConfig[] {
  const ofFunction = all.filter((m) => types.includes(m.type));
  if (!sel.monitors?.length && !sel.tags?.length) return ofFunction.filter((m) => m.enabled);

  const names = new Set(sel.monitors ?? []);
  for (const name of names) {
    const m = all.find((x) => x.name === name);
    if (!m) throw new UsageError(`event Message names monitor "${name}", which the config does not have (known: ${all.map((x) => x.name).join(', ')})`);
    if (!types.includes(m.type)) throw new UsageError(`monitor "${name}" is of type ${m.type}, which this function does not run (it runs ${types.join(', ')})`);
  }
  const tags = new Set(sel.tags ?? []);
  for (const tag of tags) {
    if (!ofFunction.some((m) => m.tags.includes(tag))) throw new UsageError(`event Message names tag "${tag}", which no monitor of this function has`);
  }
  return ofFunction.filter((m) => names.has(m.name) || (m.enabled && m.tags.some((t) => tags.has(t))));
}
