/**
 * Thresholds changed at run time (PUT /api/thresholds/<monitor>): kept under one key, so a run
 * reads every override in one request, and merged over the monitor's `expect` before it runs.
 * What is stored is what the admin sent, checked by the type's own `expect` schema; the run
 * parses it again with that schema, so "2xx" becomes the same ranges as in the config.
 */
import * as v from 'valibot';
import type { MonitorConfig, MonitorSchema } from '../config/schema';

export const THRESHOLDS_KEY = 'thresholds';

export interface ThresholdOverride {
  /** The keys the admin sent, as sent. */
  expect: Record<string, unknown>;
  /** Who set it (the request's `by`, else its address) and when (ISO). */
  by: string;
  at: string;
}

export type Overrides = Record<string, ThresholdOverride>;

/** The schema of a type's `expect`, or undefined when the type has no thresholds (heartbeat). */
export function expectSchemaOf(schema: MonitorSchema): v.GenericSchema | undefined {
  const entries = (schema as unknown as { entries?: Record<string, v.GenericSchema> }).entries;
  return entries?.expect;
}

export type Checked = { ok: true; value: Record<string, unknown> } | { ok: false; path: string; reason: string };

/** Whether `raw` is a valid `expect` for the type: on failure the first issue's path (`expect.maxMeanMs`) and message. */
export function checkExpect(schema: v.GenericSchema, raw: unknown): Checked {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, path: 'expect', reason: 'must be an object of thresholds' };
  if (Object.keys(raw).length === 0) return { ok: false, path: 'expect', reason: 'names no threshold (DELETE returns to the config)' };
  const parsed = v.safeParse(schema, raw);
  if (parsed.success) return { ok: true, value: parsed.output as Record<string, unknown> };
  const issue = parsed.issues[0];
  const path = ['expect', ...(issue.path ?? []).map((p) => String(p.key))].join('.');
  const reason = issue.expected === 'never' ? 'unknown key' : issue.received === 'undefined' ? 'is required' : issue.message;
  return { ok: false, path, reason };
}

/**
 * The monitors with their overrides merged over `expect`. A stored override the schema no
 * longer accepts (the config or the code changed since) is left out and reported, never run.
 */
export function applyOverrides<M extends MonitorConfig>(
  monitors: readonly M[],
  overrides: Overrides | undefined,
  schemaOf: (type: string) => MonitorSchema | undefined,
): { monitors: M[]; applied: string[]; refused: { monitor: string; reason: string }[] } {
  const applied: string[] = [];
  const refused: { monitor: string; reason: string }[] = [];
  if (!overrides || typeof overrides !== 'object') return { monitors: [...monitors], applied, refused };
  const out = monitors.map((m) => {
    const o = Object.hasOwn(overrides, m.name) ? overrides[m.name] : undefined;
    if (!o) return m;
    const schema = schemaOf(m.type);
    const expect = schema && expectSchemaOf(schema);
    if (!expect) {
      refused.push({ monitor: m.name, reason: `a ${m.type} monitor has no thresholds` });
      return m;
    }
    const checked = checkExpect(expect, o.expect);
    if (!checked.ok) {
      refused.push({ monitor: m.name, reason: `${checked.path}: ${checked.reason}` });
      return m;
    }
    // Only the keys sent: the schema's defaults for the others must not undo the config's values.
    const picked = Object.fromEntries(Object.keys(o.expect).map((k) => [k, checked.value[k]]));
    applied.push(m.name);
    return { ...m, expect: { ...((m as { expect?: object }).expect ?? {}), ...picked } };
  });
  return { monitors: out, applied, refused };
}
