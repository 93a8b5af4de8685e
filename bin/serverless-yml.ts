/** Reads what the CLI needs from serverless.yml: each function's timeout and memory, and its timer's period. */
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface FunctionSettings {
  timeoutMs?: number;
  memoryMb?: number;
}

export function readFunctionSettings(file: string, fn: string): FunctionSettings {
  if (!existsSync(file)) return {};
  try {
    const doc = parse(readFileSync(file, 'utf8')) as { inputs?: Record<string, unknown> } | null;
    const inputs = doc?.inputs ?? {};
    const own = ((inputs.functions as Record<string, Record<string, unknown>> | undefined) ?? {})[fn] ?? {};
    const timeout = Number(own.timeout ?? inputs.timeout);
    const memory = Number(own.memorySize ?? inputs.memorySize);
    return {
      ...(timeout > 0 ? { timeoutMs: timeout * 1000 } : {}),
      ...(memory > 0 ? { memoryMb: memory } : {}),
    };
  } catch {
    return {};
  }
}

/**
 * The period of the function's timer trigger, from its 7-field cron (second minute hour day
 * month weekday year), for the common even forms only: every minute, every n minutes or every
 * n hours (a step in the minute or hour field, the rest `*`); undefined for anything else or
 * no timer.
 */
export function readTimerPeriodMs(file: string, fn: string): number | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const doc = parse(readFileSync(file, 'utf8')) as { triggers?: unknown; inputs?: { triggers?: unknown } } | null;
    const triggers = (doc?.triggers ?? doc?.inputs?.triggers ?? []) as { type?: string; function?: string; parameters?: { cronExpression?: string } }[];
    const timer = Array.isArray(triggers) ? triggers.find((t) => t?.type === 'timer' && t.function === fn) : undefined;
    const f = timer?.parameters?.cronExpression?.trim().split(/\s+/);
    if (!f || f.length !== 7 || !/^\d+$/.test(f[0]!) || f.slice(3).some((x) => x !== '*')) return undefined;
    const every = (x: string) => (x === '*' ? 1 : /^\*\/(\d+)$/.exec(x) ? Number(x.slice(2)) : undefined);
    const [, min, hour] = f as [string, string, string];
    if (every(min) !== undefined && hour === '*') return every(min)! * 60_000;
    if (/^\d+$/.test(min) && every(hour) !== undefined) return every(hour)! * 3_600_000;
    return undefined;
  } catch {
    return undefined;
  }
}
