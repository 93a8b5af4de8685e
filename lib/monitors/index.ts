/** Which monitor types each deployed function runs (names only: see runner.ts for the code). */
import type { MonitorType } from '../config/schema';

export const FUNCTION_TYPES = {
  statusCheck: ['http', 'tcp', 'dns'],
  speedTest: ['speedtest'],
  kafkaLag: ['ckafka'],
} as const satisfies Record<string, readonly MonitorType[]>;

export type FunctionName = keyof typeof FUNCTION_TYPES;

export function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(FUNCTION_TYPES, name);
}
