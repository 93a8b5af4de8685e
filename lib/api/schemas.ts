/**
 * Each monitor type's schema, for checking a threshold update with the type's own `expect`.
 * Only the schema files: the api bundle carries no monitor's code or SDK. A test checks this
 * list names every type of the catalog, so a new type cannot be forgotten here.
 */
import type { MonitorSchema } from '../config/schema';
import { ckafkaMonitor } from '../monitors/ckafka/schema';
import { dnsMonitor } from '../monitors/dns/schema';
import { heartbeatMonitor } from '../monitors/heartbeat/schema';
import { hostMonitor } from '../monitors/host/schema';
import { httpMonitor } from '../monitors/http/schema';
import { speedtestMonitor } from '../monitors/speedtest/schema';
import { tcpMonitor } from '../monitors/tcp/schema';

export const TYPE_SCHEMAS: readonly MonitorSchema[] = [httpMonitor, tcpMonitor, dnsMonitor, speedtestMonitor, ckafkaMonitor, heartbeatMonitor, hostMonitor] as unknown as MonitorSchema[];

export function schemaOfType(type: string): MonitorSchema | undefined {
  return TYPE_SCHEMAS.find((s) => s.entries.type.literal === type);
}
