/** Reads what the CLI needs from serverless.yml: each function's timeout and memory. */
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
