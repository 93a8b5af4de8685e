/**
 * Result records of a ckafka monitor (README "Result records"): one per consumer group, with the
 * group as `subject`, its lag detail and the worst partitions as the alert's table; and the
 * failure records whose reasons name the instance and Tencent's error code.
 */
import type { CkafkaMonitor } from './schema';
import type { Reason } from '../../report/codes';
import type { DetailTable, ResultRecord } from '../../report/record';
import { isTencentApiError, type TencentApiError } from '../../tencent/api-error';
import { CkafkaStepError } from './client';
import { count } from './format';
import { judgedRecord, type RecordBase } from '../judged';
import type { GroupLagDetail, PartitionLag } from './types';

export function groupTarget(m: CkafkaMonitor, group: string): string {
  return `${m.region}/${m.instanceId}/${group}`;
}

export type { RecordBase };

export const PARTITION_COLUMNS = ['topic', 'partition', 'lag', 'committed', 'log end'];

/** The alert's rows: the worst partitions, as people read them. */
export function partitionTable(worst: readonly PartitionLag[]): DetailTable {
  return {
    columns: PARTITION_COLUMNS,
    rows: worst.map((p) => [p.topic, String(p.partition), count(p.lag ?? 0), p.committed < 0 ? 'none' : count(p.committed), p.logEnd === undefined ? '-' : count(p.logEnd)]),
  };
}

export function groupRecord(m: CkafkaMonitor, base: RecordBase, lag: GroupLagDetail, reasons: Reason[]): ResultRecord {
  const ok = reasons.length === 0;
  const r = judgedRecord(base, m, groupTarget(m, lag.group), reasons);
  r.subject = lag.group;
  r.lag = lag;
  // Only an alert shows the table; a healthy record already has `lag.worst`.
  if (!ok && lag.worst.length) r.table = partitionTable(lag.worst);
  return r;
}

/** What an operator should check, for the errors that are about the config or the account. */
const HINTS: Record<string, string> = {
  'AuthFailure.SecretIdNotFound': 'check secretId',
  'AuthFailure.SignatureFailure': 'check secretKey',
  'AuthFailure.SignatureExpire': "check the function's clock",
  'AuthFailure.TokenFailure': 'check sessionToken, or the execution role',
  'AuthFailure.InvalidSecretId': 'check secretId',
  'AuthFailure.UnauthorizedOperation': 'grant the key ckafka:DescribeGroup* in CAM',
  UnauthorizedOperation: 'grant the key ckafka:DescribeGroup* in CAM',
};

/**
 * Errors that every group of the instance would meet the same way: after one group gets one,
 * the groups not yet started take it over instead of asking again.
 */
export function instanceWide(e: TencentApiError): boolean {
  return e.kind === 'permanent' && (e.code.startsWith('AuthFailure') || e.code.startsWith('UnauthorizedOperation') || e.code === 'InvalidParameterValue.InstanceNotExist' || e.code === 'NO_CREDENTIALS');
}

/** The reason for a failed read: DEADLINE when the run's time ran out, else PROVIDER_ERROR naming the instance and code. */
export function failureReason(m: CkafkaMonitor, err: unknown, signal: AbortSignal): Reason {
  const step = err instanceof CkafkaStepError ? err.step : 'preparing the CKafka client';
  const api = err instanceof CkafkaStepError ? err.apiError : isTencentApiError(err) ? err : undefined;
  const inst = m.instanceId;
  if (signal.aborted || api?.code === 'ABORTED') {
    return { code: 'DEADLINE', message: `stopped at the function deadline while ${step} of ${inst}` };
  }
  if (!api) {
    // A bug, not the API: still one clear line rather than a lost record.
    return { code: 'PROVIDER_ERROR', message: `${step} of ${inst} failed: ${(err as Error)?.message ?? String(err)}` };
  }
  const hint = HINTS[api.code];
  const tail = hint ? ` (${hint})` : '';
  if (api.code.startsWith('AuthFailure')) return { code: 'PROVIDER_ERROR', message: `credentials rejected by CKafka for ${inst}: ${api.message}${tail}` };
  if (api.code.startsWith('UnauthorizedOperation')) return { code: 'PROVIDER_ERROR', message: `not allowed to read ${inst}: ${api.message}${tail}` };
  if (api.code === 'InvalidParameterValue.InstanceNotExist') {
    return { code: 'PROVIDER_ERROR', message: `CKafka instance ${inst} does not exist in ${m.region} (check instanceId and region): ${api.message}` };
  }
  if (api.code === 'NO_CREDENTIALS') return { code: 'PROVIDER_ERROR', message: `cannot read ${inst}: ${api.message}` };
  return { code: 'PROVIDER_ERROR', message: `${step} of ${inst} failed: ${api.message}` };
}

/** A group whose offsets could not be read: no `lag`, nothing written to its history. */
export function groupFailure(m: CkafkaMonitor, base: RecordBase, group: string, reason: Reason): ResultRecord {
  const r = judgedRecord(base, m, groupTarget(m, group), [reason]);
  r.subject = group;
  return r;
}

/**
 * The instance itself, for a monitor that lists every group: says whether the list could be
 * read. It is emitted on every run so that an incident opened by a failed listing resolves.
 */
export function instanceRecord(m: CkafkaMonitor, base: RecordBase, reason?: Reason): ResultRecord {
  return judgedRecord(base, m, `${m.region}/${m.instanceId}`, reason ? [reason] : []);
}
