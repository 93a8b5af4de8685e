/**
 * CKafka (消息队列 CKafka, API version 2019-08-19) for the Tencent Cloud stand-in: the three
 * read calls the kafkaLag monitor makes, over a model that tests and the demo move between runs.
 *
 * From the documentation (cloud.tencent.com/document/api/597/40837 DescribeGroupOffsets,
 * 597/40840 DescribeGroup, tencentcloud.com/document/product/597/35360 DescribeGroupInfo) and
 * the SDK's models (tencentcloud-sdk-nodejs-ckafka ckafka_models.d.ts):
 * - DescribeGroupOffsets: InstanceId and Group required; Topics, SearchWord, Offset (default 0),
 *   Limit ("默认为50，最大值为50"). Answers Result {TotalCount, TopicList [{Topic, Partitions
 *   [{Partition, Offset, Metadata, ErrorCode, LogEndOffset, Lag}]}]}, TotalCount counting topics.
 * - DescribeGroup: InstanceId required; SearchWord, Offset, Limit (default 20), Filters.
 *   Answers Result {TotalCount, GroupList [{Group, Protocol}], GroupCountQuota}.
 * - DescribeGroupInfo: InstanceId and GroupList required. Answers Result [{ErrorCode "0", State,
 *   ProtocolType, Protocol, Members [{MemberId, ClientId, ClientHost, Assignment {Version,
 *   Topics [{Topic, Partitions}]}}], Group}]. "Dead：消费分组不存在"; Members are listed "仅当
 *   state 为 Stable 且 protocol_type 为 consumer 时".
 * - Error codes these three may return (the Go SDK's per-action lists): FailedOperation,
 *   InternalError, InvalidParameter, InvalidParameterValue.InstanceNotExist ("The instance does
 *   not exist."), ResourceUnavailable, UnauthorizedOperation ...; the common ones
 *   (AuthFailure.*, RequestLimitExceeded, UnknownParameter, MissingParameter) come from the
 *   stand-in itself or from `failNext`.
 *
 * Assumed, not documented: instances are regional, so an instance asked for in another region
 * answers InstanceNotExist; DescribeGroup's largest Limit (100 here); a Group unknown to
 * DescribeGroupOffsets answers TotalCount 0 rather than an error; the Lag of a partition the
 * group never committed (Offset -1) is LogEndOffset + 1, the naive difference (settable).
 */
import { TcError, type TcService } from './tencent-cloud';

export const CKAFKA_VERSION = '2019-08-19';
export const CKAFKA_OFFSETS_MAX_LIMIT = 50;
export const CKAFKA_GROUPS_MAX_LIMIT = 100;
const GROUPS_DEFAULT_LIMIT = 20;

export type CkGroupState = 'Stable' | 'Empty' | 'Dead' | 'PreparingRebalance' | 'CompletingRebalance';

export interface CkMember {
  memberId: string;
  clientId: string;
  clientHost: string;
  /** topic -> assigned partitions. */
  assignment: Record<string, number[]>;
}

export interface CkGroupModel {
  state: CkGroupState;
  members: CkMember[];
  /** "consumer" for ordinary consumers; anything else (e.g. "connect") hides Members. */
  protocolType: string;
  /** topic -> committed offset per partition (-1: never committed). */
  offsets: Record<string, number[]>;
  /** topic -> partition -> Kafka error code to answer instead of 0. */
  partitionErrors?: Record<string, Record<number, number>>;
}

export interface CkInstanceModel {
  region: string;
  /** topic -> log end offset per partition. */
  topics: Record<string, number[]>;
  groups: Record<string, CkGroupModel>;
}

export interface CkafkaModel {
  instances: Record<string, CkInstanceModel>;
}

export interface CkafkaServiceOptions {
  /** What Lag says for a partition with Offset -1: LogEndOffset + 1 (default), LogEndOffset, or -1. */
  uncommittedLag?: 'log-end-plus-one' | 'log-end' | 'minus-one';
}

export interface GroupSetup {
  state?: CkGroupState;
  /** A number makes that many consumers sharing the group's partitions. */
  members?: number | CkMember[];
  protocolType?: string;
  /** topic -> committed offsets; missing partitions are -1. Topics must exist on the instance. */
  offsets?: Record<string, number[]>;
}

export interface CkafkaStandIn {
  service: TcService;
  model: CkafkaModel;
  /** Creates (or replaces) an instance in a region. */
  addInstance(id: string, region: string): CkInstanceModel;
  /** A topic with `partitions` partitions, each at log end `logEnd`. */
  addTopic(instanceId: string, topic: string, partitions: number, logEnd?: number | number[]): void;
  addGroup(instanceId: string, group: string, setup?: GroupSetup): CkGroupModel;
  group(instanceId: string, group: string): CkGroupModel;
  /** Producers append: every partition (or each as listed) grows by `n`. */
  produce(instanceId: string, topic: string, n: number | number[]): void;
  /** The group commits `n` more on every partition (or each as listed), never past the log end; -1 starts at 0. */
  consume(instanceId: string, group: string, topic: string, n: number | number[]): void;
  /** Sets one committed offset, e.g. backwards for a rewind or -1. */
  commit(instanceId: string, group: string, topic: string, partition: number, offset: number): void;
  /** Moves the group to a state; members as in GroupSetup (default: none unless Stable). */
  setState(instanceId: string, group: string, state: CkGroupState, members?: number | CkMember[]): void;
}

// ---------------------------------------------------------------------------------------------
// Request checks, in the stand-in's envelope style.

function typeError(name: string): TcError {
  return new TcError('InvalidParameter', `Parameter \`${name}\` type error.`);
}

function onlyKnown(params: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) throw new TcError('UnknownParameter', `The parameter \`${key}\` is not recognized.`);
  }
}

function str(params: Record<string, unknown>, name: string): string | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw typeError(name);
  return v;
}

function strings(params: Record<string, unknown>, name: string): string[] | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw typeError(name);
  return v as string[];
}

function int(params: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError(name);
  if (v < min || v > max) throw new TcError('InvalidParameter', `Parameter \`${name}\` must be between ${min} and ${max}, got ${v}.`);
  return v;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function makeMembers(n: number, topics: Record<string, number[]>): CkMember[] {
  const members: CkMember[] = Array.from({ length: n }, (_, i) => ({
    memberId: `consumer-${i + 1}-${(0x1000 + i).toString(16)}`,
    clientId: `consumer-${i + 1}`,
    clientHost: `/10.0.0.${i + 11}`,
    assignment: {},
  }));
  // Round-robin over every partition, like the range/roundrobin assignors would spread them.
  let k = 0;
  for (const [topic, ends] of Object.entries(topics)) {
    ends.forEach((_, p) => {
      const m = members[k++ % Math.max(1, n)];
      if (m) (m.assignment[topic] ??= []).push(p);
    });
  }
  return members;
}

export function ckafkaService(opts: CkafkaServiceOptions = {}): CkafkaStandIn {
  const model: CkafkaModel = { instances: {} };

  const inst = (id: string): CkInstanceModel => {
    const i = model.instances[id];
    if (!i) throw new Error(`stand-in: no instance ${id}`);
    return i;
  };
  const grp = (id: string, group: string): CkGroupModel => {
    const g = inst(id).groups[group];
    if (!g) throw new Error(`stand-in: no group ${group} on ${id}`);
    return g;
  };
  const topicsOfGroup = (i: CkInstanceModel, g: CkGroupModel) => {
    const out: Record<string, number[]> = {};
    for (const t of Object.keys(g.offsets)) out[t] = i.topics[t] ?? [];
    return out;
  };

  /** The instance the request names, in the region it was sent to. */
  const requested = (params: Record<string, unknown>, region: string | undefined): [string, CkInstanceModel] => {
    const id = str(params, 'InstanceId') ?? '';
    const i = model.instances[id];
    if (!i || i.region !== region) throw new TcError('InvalidParameterValue.InstanceNotExist', 'The instance does not exist.');
    return [id, i];
  };

  const uncommittedLag = (logEnd: number) => {
    switch (opts.uncommittedLag ?? 'log-end-plus-one') {
      case 'log-end-plus-one':
        return logEnd + 1;
      case 'log-end':
        return logEnd;
      case 'minus-one':
        return -1;
    }
  };

  const service: TcService = {
    service: 'ckafka',
    version: CKAFKA_VERSION,
    actions: {
      DescribeGroupOffsets: {
        required: ['InstanceId', 'Group'],
        handle: (params, ctx) => {
          onlyKnown(params, ['InstanceId', 'Group', 'Topics', 'SearchWord', 'Offset', 'Limit']);
          const group = str(params, 'Group')!;
          const only = strings(params, 'Topics');
          const search = str(params, 'SearchWord');
          const offset = int(params, 'Offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
          const limit = int(params, 'Limit', 1, CKAFKA_OFFSETS_MAX_LIMIT) ?? CKAFKA_OFFSETS_MAX_LIMIT;
          const [, i] = requested(params, ctx.region);
          const g = i.groups[group];
          if (!g) return { Result: { TotalCount: 0, TopicList: [] } };
          const names = Object.keys(g.offsets)
            .filter((t) => (!only || only.length === 0 || only.includes(t)) && (!search || t.includes(search)))
            .sort(byName);
          const TopicList = names.slice(offset, offset + limit).map((topic) => ({
            Topic: topic,
            Partitions: (i.topics[topic] ?? []).map((logEnd, p) => {
              const committed = g.offsets[topic]?.[p] ?? -1;
              return {
                Partition: p,
                Offset: committed,
                Metadata: '',
                ErrorCode: g.partitionErrors?.[topic]?.[p] ?? 0,
                LogEndOffset: logEnd,
                Lag: committed < 0 ? uncommittedLag(logEnd) : logEnd - committed,
              };
            }),
          }));
          return { Result: { TotalCount: names.length, TopicList } };
        },
      },
      DescribeGroup: {
        required: ['InstanceId'],
        handle: (params, ctx) => {
          onlyKnown(params, ['InstanceId', 'SearchWord', 'Offset', 'Limit', 'Filters']);
          const search = str(params, 'SearchWord');
          const offset = int(params, 'Offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
          const limit = int(params, 'Limit', 1, CKAFKA_GROUPS_MAX_LIMIT) ?? GROUPS_DEFAULT_LIMIT;
          if (params.Filters !== undefined && !Array.isArray(params.Filters)) throw typeError('Filters');
          const [, i] = requested(params, ctx.region);
          const names = Object.keys(i.groups)
            .filter((g) => !search || g.includes(search))
            .sort(byName);
          return {
            Result: {
              TotalCount: names.length,
              GroupList: names.slice(offset, offset + limit).map((g) => ({ Group: g, Protocol: i.groups[g]!.protocolType })),
              GroupCountQuota: 200,
            },
          };
        },
      },
      DescribeGroupInfo: {
        required: ['InstanceId', 'GroupList'],
        handle: (params, ctx) => {
          onlyKnown(params, ['InstanceId', 'GroupList']);
          const list = strings(params, 'GroupList')!;
          if (list.length === 0) throw new TcError('InvalidParameter', 'Parameter `GroupList` must not be empty.');
          const [, i] = requested(params, ctx.region);
          return {
            Result: list.map((name) => {
              const g = i.groups[name];
              if (!g) return { ErrorCode: '0', State: 'Dead', ProtocolType: '', Protocol: '', Members: [], Group: name };
              const listed = g.state === 'Stable' && g.protocolType === 'consumer';
              return {
                ErrorCode: '0',
                State: g.state,
                ProtocolType: g.protocolType,
                Protocol: 'range',
                Members: listed
                  ? g.members.map((m) => ({
                      MemberId: m.memberId,
                      ClientId: m.clientId,
                      ClientHost: m.clientHost,
                      Assignment: { Version: 0, Topics: Object.entries(m.assignment).map(([Topic, Partitions]) => ({ Topic, Partitions })) },
                    }))
                  : [],
                Group: name,
              };
            }),
          };
        },
      },
    },
  };

  const perPartition = (n: number | number[], p: number) => (Array.isArray(n) ? (n[p] ?? 0) : n);

  return {
    service,
    model,
    addInstance(id, region) {
      const i: CkInstanceModel = { region, topics: {}, groups: {} };
      model.instances[id] = i;
      return i;
    },
    addTopic(instanceId, topic, partitions, logEnd = 0) {
      inst(instanceId).topics[topic] = Array.from({ length: partitions }, (_, p) => perPartition(logEnd, p));
    },
    addGroup(instanceId, group, setup = {}) {
      const i = inst(instanceId);
      const offsets: Record<string, number[]> = {};
      for (const [topic, list] of Object.entries(setup.offsets ?? {})) {
        const ends = i.topics[topic];
        if (!ends) throw new Error(`stand-in: no topic ${topic} on ${instanceId}`);
        offsets[topic] = ends.map((_, p) => list[p] ?? -1);
      }
      const state = setup.state ?? 'Stable';
      const g: CkGroupModel = { state, members: [], protocolType: setup.protocolType ?? 'consumer', offsets };
      const members = setup.members ?? (state === 'Stable' ? 1 : 0);
      g.members = typeof members === 'number' ? makeMembers(members, topicsOfGroup(i, g)) : members;
      i.groups[group] = g;
      return g;
    },
    group: grp,
    produce(instanceId, topic, n) {
      const ends = inst(instanceId).topics[topic];
      if (!ends) throw new Error(`stand-in: no topic ${topic} on ${instanceId}`);
      ends.forEach((v, p) => (ends[p] = v + perPartition(n, p)));
    },
    consume(instanceId, group, topic, n) {
      const ends = inst(instanceId).topics[topic] ?? [];
      const g = grp(instanceId, group);
      const offsets = (g.offsets[topic] ??= ends.map(() => -1));
      ends.forEach((end, p) => {
        const step = perPartition(n, p);
        if (step === 0) return;
        offsets[p] = Math.min(end, Math.max(0, offsets[p] ?? -1) + step);
      });
    },
    commit(instanceId, group, topic, partition, offset) {
      const g = grp(instanceId, group);
      const ends = inst(instanceId).topics[topic] ?? [];
      const offsets = (g.offsets[topic] ??= ends.map(() => -1));
      offsets[partition] = offset;
    },
    setState(instanceId, group, state, members) {
      const i = inst(instanceId);
      const g = grp(instanceId, group);
      g.state = state;
      const m = members ?? (state === 'Stable' ? Math.max(1, g.members.length) : 0);
      g.members = typeof m === 'number' ? makeMembers(m, topicsOfGroup(i, g)) : m;
    },
  };
}
