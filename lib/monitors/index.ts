/** Which monitor types each deployed function runs, and how each type runs. */
import type { Monitor, MonitorType } from '../config/schema';
import type { ResultRecord } from '../report/record';
import type { RunContext } from './context';
import { redactUrl } from '../report/redact';
import { runHttp } from './http';
import { runTcp } from './tcp';
import { dnsTarget, runDns } from './dns';

export const FUNCTION_TYPES = {
  statusCheck: ['http', 'tcp', 'dns'],
} as const satisfies Record<string, readonly MonitorType[]>;

export type FunctionName = keyof typeof FUNCTION_TYPES;

export function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(FUNCTION_TYPES, name);
}

export function runMonitor(m: Monitor, ctx: RunContext): Promise<ResultRecord> {
  switch (m.type) {
    case 'http':
      return runHttp(m, ctx);
    case 'tcp':
      return runTcp(m, ctx);
    case 'dns':
      return runDns(m, ctx);
  }
}

export function targetOf(m: Monitor): string {
  switch (m.type) {
    case 'http':
      return redactUrl(m.url);
    case 'tcp':
      return `${m.host}:${m.port}`;
    case 'dns':
      return dnsTarget(m);
  }
}
