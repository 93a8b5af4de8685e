/**
 * The CKafka API calls the monitor makes (API 2019-08-19), through the per-service SDK client
 * so the kafkaLag bundle carries only CKafka's client, loaded from dist/lazy/ckafkaClient.js
 * when a run first reads an instance (lib/runtime/lazy.ts). Every call goes through
 * callApiWithRetry: RequestLimitExceeded, InternalError and transport failures are retried with
 * backoff inside the run's deadline; AuthFailure.* and InvalidParameterValue.InstanceNotExist
 * fail at once.
 *
 * - DescribeGroupOffsets pages over the group's topics (Limit at most 50) until TotalCount
 *   topics are read: the first page says how many there are, the rest are asked together.
 * - DescribeGroup pages over the instance's groups, for a monitor that names none.
 * - DescribeGroupInfo gives the group's state and members.
 */
import type * as CkafkaClientModule from 'tencentcloud-sdk-nodejs-ckafka/tencentcloud/services/ckafka/v20190819/ckafka_client';
import type {
  DescribeGroupInfoResponse,
  DescribeGroupOffsetsResponse,
  DescribeGroupResponse,
  GroupInfoResponse,
  GroupOffsetTopic,
} from 'tencentcloud-sdk-nodejs-ckafka/tencentcloud/services/ckafka/v20190819/ckafka_models';
import type { CkafkaMonitor } from './schema';
import { lazyRequire } from '../../util/lazy';
import { callApiWithRetry, type RetryOptions } from '../../tencent/call';
import type { TencentApiError } from '../../tencent/api-error';
import { tencentClientConfig } from '../../tencent/client-config';

/** "本次返回结果的最大个数，默认为50，最大值为50" (DescribeGroupOffsets). */
export const OFFSETS_PAGE_SIZE = 50;
/** DescribeGroup documents a default of 20 and no maximum: the documented default is the safe page. */
export const GROUPS_PAGE_SIZE = 20;
/** Pages asked at once after the first; the API allows 100 requests a second. */
const PAGE_CONCURRENCY = 4;
/** Bounds memory and time for an instance far past any sane size (10,000 topics, 4,000 groups). */
const MAX_OFFSET_PAGES = 200;
const MAX_GROUP_PAGES = 200;

export const DEFAULT_HOST = 'ckafka.tencentcloudapi.com';

/** An API failure and what the monitor was doing when it happened, for the record's message. */
export class CkafkaStepError extends Error {
  constructor(
    readonly step: string,
    readonly apiError: TencentApiError,
  ) {
    super(`${step}: ${apiError.message}`);
    this.name = 'CkafkaStepError';
  }
}

export interface GroupOffsets {
  topics: GroupOffsetTopic[];
  pages: number;
}

export interface CkafkaReader {
  readonly host: string;
  listGroups(): Promise<string[]>;
  groupOffsets(group: string): Promise<GroupOffsets>;
  /** Undefined when the API answered without an entry for the group. */
  groupInfo(group: string): Promise<GroupInfoResponse | undefined>;
}

export interface ReaderContext {
  signal: AbortSignal;
  deadlineAt?: number;
}

/**
 * A reader for one run. Credentials are resolved here, per run, because SCF rotates an
 * execution role's temporary keys; NO_CREDENTIALS is thrown from here as a TencentApiError.
 */
export function ckafkaReader(m: CkafkaMonitor, ctx: ReaderContext): CkafkaReader {
  const { config, secrets } = tencentClientConfig(m, m.region);
  const { Client } = lazyRequire<typeof CkafkaClientModule>('ckafkaClient');
  const client = new Client(config);
  const host = m.endpoint ? new URL(m.endpoint).host : DEFAULT_HOST;
  const opts: RetryOptions = { signal: ctx.signal, host, secrets, ...(ctx.deadlineAt !== undefined ? { deadlineAt: ctx.deadlineAt } : {}) };

  const call = async <T>(action: string, req: object, step: string): Promise<T> => {
    try {
      return await callApiWithRetry<T>(client, action, req, opts);
    } catch (err) {
      throw new CkafkaStepError(step, err as TencentApiError);
    }
  };

  const offsetsPage = (group: string, page: number, of: number | undefined) =>
    call<DescribeGroupOffsetsResponse>(
      'DescribeGroupOffsets',
      { InstanceId: m.instanceId, Group: group, Offset: page * OFFSETS_PAGE_SIZE, Limit: OFFSETS_PAGE_SIZE },
      `reading the offsets of group ${group} (page ${page + 1}${of ? ` of ${of}` : ''})`,
    );

  return {
    host,

    async listGroups() {
      const groups = new Set<string>();
      let total = Infinity;
      for (let page = 0; page < MAX_GROUP_PAGES && groups.size < total; page++) {
        const res = await call<DescribeGroupResponse>(
          'DescribeGroup',
          { InstanceId: m.instanceId, Offset: page * GROUPS_PAGE_SIZE, Limit: GROUPS_PAGE_SIZE },
          `listing the consumer groups of ${m.instanceId} (page ${page + 1})`,
        );
        const list = res.Result?.GroupList ?? [];
        total = res.Result?.TotalCount ?? 0;
        for (const g of list) if (g.Group) groups.add(g.Group);
        // A short page means the list ended (a group was deleted between pages).
        if (list.length < GROUPS_PAGE_SIZE) break;
      }
      return [...groups];
    },

    async groupOffsets(group) {
      const byTopic = new Map<string, GroupOffsetTopic>();
      const add = (res: DescribeGroupOffsetsResponse) => {
        // A topic created between pages shifts the rest by one: keep each topic once.
        for (const t of res.Result?.TopicList ?? []) if (t.Topic !== undefined) byTopic.set(t.Topic, t);
      };
      const first = await offsetsPage(group, 0, undefined);
      add(first);
      const total = first.Result?.TotalCount ?? 0;
      const pages = Math.min(MAX_OFFSET_PAGES, Math.max(1, Math.ceil(total / OFFSETS_PAGE_SIZE)));
      for (let start = 1; start < pages; start += PAGE_CONCURRENCY) {
        const batch = [];
        for (let page = start; page < Math.min(pages, start + PAGE_CONCURRENCY); page++) batch.push(offsetsPage(group, page, pages));
        for (const res of await Promise.all(batch)) add(res);
      }
      return { topics: [...byTopic.values()], pages };
    },

    async groupInfo(group) {
      const res = await call<DescribeGroupInfoResponse>(
        'DescribeGroupInfo',
        { InstanceId: m.instanceId, GroupList: [group] },
        `reading the state of group ${group}`,
      );
      return res.Result?.find((r) => r.Group === group) ?? (res.Result?.length === 1 ? res.Result[0] : undefined);
    },
  };
}
