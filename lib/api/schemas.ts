/**
 * Each monitor type's schema, for checking a threshold update with the type's own `expect`.
 * Only the schema files: the api bundle carries no monitor's code or SDK. Written by
 * `npm run schema` from the catalog (scripts/schema.ts); do not edit by hand.
 */
import type { MonitorSchema } from '../config/schema';
import { httpMonitor } from '../monitors/http/schema';
import { tcpMonitor } from '../monitors/tcp/schema';
import { dnsMonitor } from '../monitors/dns/schema';
import { speedtestMonitor } from '../monitors/speedtest/schema';
import { ckafkaMonitor } from '../monitors/ckafka/schema';
import { heartbeatMonitor } from '../monitors/heartbeat/schema';
import { hostMonitor } from '../monitors/host/schema';
import { sweepMonitor } from '../monitors/sweep/schema';
import { pageMonitor } from '../monitors/page/schema';

export const TYPE_SCHEMAS: readonly MonitorSchema[] = [httpMonitor, tcpMonitor, dnsMonitor, speedtestMonitor, ckafkaMonitor, heartbeatMonitor, hostMonitor, sweepMonitor, pageMonitor] as unknown as MonitorSchema[];

export function schemaOfType(type: string): MonitorSchema | undefined {
  return TYPE_SCHEMAS.find((s) => s.entries.type.literal === type);
}
