/** `type: tcp`: the seed's port connectivity check. */
import * as v from 'valibot';
import { int } from '../../config/fields';
import { dnsServerList, hostname, monitorBase, ratio, sampling } from '../../config/monitor-base';

const tcpExpect = v.strictObject({
  minSuccessRate: v.optional(ratio, 0.7),
  maxMeanMs: v.optional(v.pipe(v.number('must be a number of milliseconds'), v.minValue(1, 'must be at least 1')), 5000),
});

export const tcpMonitor = v.strictObject({
  ...monitorBase,
  ...sampling,
  type: v.literal('tcp'),
  host: hostname,
  port: int(1, 65535, 'a port number'),
  /** Resolve the host through these servers instead of the system resolver. */
  dnsServers: v.optional(dnsServerList),
  expect: v.optional(tcpExpect, {}),
});

export type TcpMonitor = v.InferOutput<typeof tcpMonitor>;
