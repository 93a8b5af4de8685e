/**
 * Automated Testing (云拨测, cat, API version 2018-04-09) for the Tencent Cloud stand-in: the four
 * actions the `cat` speed-test provider calls, with the request and response fields of the
 * SDK's models (cat_models.ts) and the API's 接口补充说明:
 *
 *   DescribeProbeNodes               NodeType, Location, IsIPv6, NodeName, PayMode -> NodeSet
 *   DescribeProbeTasks               TaskIDs, TaskName (a substring match), Offset, Limit (default 20, at most 100) ... -> TaskSet, Total
 *   CreateProbeTasks                 BatchTasks [{Name, TargetAddress}], TaskType, Nodes, Interval, Parameters (a JSON string), TaskCategory ... -> TaskIDs
 *   DescribeDetailedSingleProbeData  BeginTime, EndTime (ms), TaskType (AnalyzeTaskType_*), SortField, Ascending, SelectedFields, Offset, Limit, TaskID ... -> DataSet, TotalNumber
 *
 * Every action refuses a parameter it does not document (UnknownParameter), a missing required
 * one (MissingParameter) and a value of the wrong type (InvalidParameterValue). Error codes are
 * CAT's documented list (FailedOperation.NoValidNodes, FailedOperation.TrialTaskExceed,
 * FailedOperation.OrderOutOfCredit, ResourceNotFound ...). Assumed, not documented: the
 * messages; that a duplicate task name is InvalidParameterValue; the page-performance fields of
 * a single result (cat.ts SELECTED_FIELDS) and that string ones come as Labels, numbers as Fields.
 */
import { randomBytes } from 'node:crypto';
import { TcError, type TcService } from './tencent-cloud';

export const CAT_VERSION = '2018-04-09';

export interface CatNode {
  Code: string;
  Name: string;
  /** 1 IDC, 2 LastMile, 3 Mobile. */
  Type: number;
  NetService: string;
  District: string;
  City: string;
  /** 1 IPv4, 2 IPv6. */
  IPType: number;
  /** 1 mainland, 2 HK/Macao/Taiwan, 3 abroad. */
  Location: number;
  CodeType: string;
  /** 1 running, 2 offline. */
  NodeDefineStatus: number;
}

export interface CatTask {
  Name: string;
  TaskId: string;
  TaskType: number;
  Nodes: string[];
  Interval: number;
  Parameters: string;
  Status: number;
  TargetAddress: string;
  PayMode: number;
  OrderState: number;
  TaskCategory: number;
  CreatedAt: string;
  Cron: string | null;
  CronState: number | null;
  TagInfoList: { Key: string; Value: string }[];
}

/** One node's run of a task, as a test describes it; the stand-in answers it as Labels and Fields. */
export interface CatResult {
  node: string;
  /** Epoch ms. */
  at: number;
  errorId?: number;
  statusCode?: number;
  totalMs?: number;
  dnsMs?: number;
  connectMs?: number;
  downloadMs?: number;
  targetIp?: string;
}

export interface CatStandIn {
  service: TcService;
  nodes: CatNode[];
  tasks: CatTask[];
  /** Results of a task's runs, by task id. */
  addResults(taskId: string, results: CatResult[]): void;
  /** CreateProbeTasks answers FailedOperation.TrialTaskExceed while set. */
  setTrialExceeded(on: boolean): void;
  /** Every request's action and parameters, in order. */
  calls: { action: string; params: Record<string, unknown> }[];
}

const ANALYZE_TYPES = ['AnalyzeTaskType_Network', 'AnalyzeTaskType_Browse', 'AnalyzeTaskType_UploadDownload', 'AnalyzeTaskType_Transport', 'AnalyzeTaskType_MediaStream'];
/** TaskType -> the AnalyzeTaskType its results are read with. */
const ANALYZE_OF: Record<number, string> = { 1: 'AnalyzeTaskType_Browse', 2: 'AnalyzeTaskType_UploadDownload', 3: 'AnalyzeTaskType_UploadDownload', 4: 'AnalyzeTaskType_Transport', 5: 'AnalyzeTaskType_Network', 6: 'AnalyzeTaskType_MediaStream' };

const PROVINCES: [string, string][] = [
  ['北京', '北京'],
  ['上海', '上海'],
  ['广东', '广州'],
  ['广东', '深圳'],
  ['江苏', '南京'],
  ['浙江', '杭州'],
  ['四川', '成都'],
  ['湖北', '武汉'],
  ['陕西', '西安'],
  ['辽宁', '沈阳'],
];
const NETS = ['中国电信', '中国联通', '中国移动'];

/** `n` running IPv4 IDC nodes across provinces and the three ISPs, codes 10001 up, in that order. */
export function catNodes(n: number): CatNode[] {
  const out: CatNode[] = [];
  for (let i = 0; i < n; i++) {
    const [district, city] = PROVINCES[Math.floor(i / NETS.length) % PROVINCES.length]!;
    const net = NETS[i % NETS.length]!;
    const round = Math.floor(i / (NETS.length * PROVINCES.length));
    const place = round ? `${city}${round + 1}` : city;
    out.push({
      Code: String(10001 + i),
      Name: `${district}-${place}市-${net}[IDC]`,
      Type: 1,
      NetService: net,
      District: district,
      City: `${place}市`,
      IPType: 1,
      Location: 1,
      CodeType: 'base',
      NodeDefineStatus: 1,
    });
  }
  return out;
}

type Kind = 'string' | 'integer' | 'boolean' | 'strings' | 'integers' | 'array';

function check(params: Record<string, unknown>, allowed: Record<string, Kind>, required: readonly string[] = []): void {
  for (const k of Object.keys(params)) {
    if (!Object.hasOwn(allowed, k)) throw new TcError('UnknownParameter', `The parameter \`${k}\` is not recognized.`);
  }
  for (const k of required) if (params[k] === undefined) throw new TcError('MissingParameter', `The request is missing a required parameter \`${k}\`.`);
  for (const [k, kind] of Object.entries(allowed)) {
    const v = params[k];
    if (v === undefined) continue;
    const ok =
      kind === 'string'
        ? typeof v === 'string'
        : kind === 'integer'
          ? Number.isInteger(v)
          : kind === 'boolean'
            ? typeof v === 'boolean'
            : kind === 'strings'
              ? Array.isArray(v) && v.every((x) => typeof x === 'string')
              : kind === 'integers'
                ? Array.isArray(v) && v.every((x) => Number.isInteger(x))
                : Array.isArray(v);
    if (!ok) throw new TcError('InvalidParameterValue', `The value type of parameter \`${k}\` is not valid (expected ${kind}).`);
  }
}

function page(params: Record<string, unknown>, defaultLimit: number, maxLimit: number): { offset: number; limit: number } {
  const offset = (params.Offset as number | undefined) ?? 0;
  const limit = (params.Limit as number | undefined) ?? defaultLimit;
  if (offset < 0) throw new TcError('InvalidParameterValue', 'Offset must not be negative.');
  if (limit < 1 || limit > maxLimit) throw new TcError('InvalidParameterValue', `Limit must be between 1 and ${maxLimit}.`);
  return { offset, limit };
}

export function catStandIn(opts: { nodes?: CatNode[] } = {}): CatStandIn {
  const nodes = opts.nodes ?? catNodes(12);
  const tasks: CatTask[] = [];
  const results = new Map<string, CatResult[]>();
  const calls: CatStandIn['calls'] = [];
  let trialExceeded = false;
  const nodeByCode = () => new Map(nodes.map((n) => [n.Code, n]));

  const service: TcService = {
    service: 'cat',
    version: CAT_VERSION,
    actions: {
      DescribeProbeNodes: {
        regional: false,
        handle(params) {
          calls.push({ action: 'DescribeProbeNodes', params });
          check(params, { NodeType: 'integer', Location: 'integer', IsIPv6: 'boolean', NodeName: 'string', PayMode: 'integer' });
          const set = nodes.filter(
            (n) =>
              (!params.NodeType || n.Type === params.NodeType) &&
              (!params.Location || n.Location === params.Location) &&
              (params.IsIPv6 === undefined || (n.IPType === 2) === params.IsIPv6) &&
              (!params.NodeName || n.Name.includes(params.NodeName as string)),
          );
          return { NodeSet: set };
        },
      },
      DescribeProbeTasks: {
        regional: false,
        handle(params) {
          calls.push({ action: 'DescribeProbeTasks', params });
          check(params, {
            TaskIDs: 'strings',
            TaskName: 'string',
            TargetAddress: 'string',
            TaskStatus: 'integers',
            Offset: 'integer',
            Limit: 'integer',
            PayMode: 'integer',
            OrderState: 'integer',
            TaskType: 'integers',
            TaskCategory: 'integers',
            OrderBy: 'string',
            Ascend: 'boolean',
            TagFilters: 'array',
          });
          const { offset, limit } = page(params, 20, 100);
          const matching = tasks.filter(
            (t) =>
              (!params.TaskIDs || (params.TaskIDs as string[]).includes(t.TaskId)) &&
              (!params.TaskName || t.Name.includes(params.TaskName as string)) &&
              (!params.TargetAddress || t.TargetAddress.includes(params.TargetAddress as string)),
          );
          return { TaskSet: matching.slice(offset, offset + limit), Total: matching.length };
        },
      },
      CreateProbeTasks: {
        regional: false,
        required: ['BatchTasks', 'TaskType', 'Nodes', 'Interval', 'Parameters', 'TaskCategory'],
        handle(params) {
          calls.push({ action: 'CreateProbeTasks', params });
          check(
            params,
            { BatchTasks: 'array', TaskType: 'integer', Nodes: 'strings', Interval: 'integer', Parameters: 'string', TaskCategory: 'integer', Cron: 'string', Tag: 'array', ProbeType: 'integer', PluginSource: 'string', ClientNum: 'string' },
            ['BatchTasks', 'TaskType', 'Nodes', 'Interval', 'Parameters', 'TaskCategory'],
          );
          const batch = params.BatchTasks as { Name?: unknown; TargetAddress?: unknown }[];
          if (batch.length === 0) throw new TcError('InvalidParameterValue', 'BatchTasks must not be empty.');
          for (const b of batch) {
            if (!b || typeof b !== 'object' || typeof b.Name !== 'string' || typeof b.TargetAddress !== 'string' || !b.Name || !b.TargetAddress) {
              throw new TcError('InvalidParameterValue', 'Each of BatchTasks needs a Name and a TargetAddress.');
            }
            const extra = Object.keys(b).filter((k) => k !== 'Name' && k !== 'TargetAddress');
            if (extra.length) throw new TcError('UnknownParameter', `The parameter \`BatchTasks.${extra[0]}\` is not recognized.`);
            if (tasks.some((t) => t.Name === b.Name)) throw new TcError('InvalidParameterValue', `A task named ${b.Name} exists already.`);
          }
          const taskType = params.TaskType as number;
          if (taskType < 1 || taskType > 7) throw new TcError('InvalidParameterValue', 'TaskType must be 1 to 7.');
          if (params.TaskCategory !== 1 && params.TaskCategory !== 2) throw new TcError('InvalidParameterValue', 'TaskCategory must be 1 (PC) or 2 (Mobile).');
          if ((params.Interval as number) < 1) throw new TcError('InvalidParameterValue', 'Interval must be a positive number of minutes.');
          try {
            const p = JSON.parse(params.Parameters as string) as unknown;
            if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new Error('not an object');
          } catch {
            throw new TcError('InvalidParameterValue', 'Parameters must be a JSON object serialised as a string.');
          }
          const known = nodeByCode();
          const asked = params.Nodes as string[];
          const valid = asked.filter((c) => known.get(c)?.NodeDefineStatus === 1);
          if (valid.length === 0) throw new TcError('FailedOperation.NoValidNodes', 'No valid nodes.');
          if (valid.length < asked.length) throw new TcError('InvalidParameterValue', `Unknown or offline nodes: ${asked.filter((c) => !valid.includes(c)).join(', ')}.`);
          if (trialExceeded) throw new TcError('FailedOperation.TrialTaskExceed', 'The number of trial tasks exceeds the limit.');
          const ids: string[] = [];
          for (const b of batch) {
            const TaskId = `task-${randomBytes(4).toString('hex')}`;
            ids.push(TaskId);
            tasks.push({
              Name: b.Name as string,
              TaskId,
              TaskType: taskType,
              Nodes: [...asked],
              Interval: params.Interval as number,
              Parameters: params.Parameters as string,
              Status: 2,
              TargetAddress: b.TargetAddress as string,
              PayMode: 1,
              OrderState: 1,
              TaskCategory: params.TaskCategory as number,
              CreatedAt: new Date().toISOString(),
              Cron: (params.Cron as string | undefined) ?? null,
              CronState: null,
              TagInfoList: [],
            });
          }
          return { TaskIDs: ids };
        },
      },
      DescribeDetailedSingleProbeData: {
        regional: false,
        required: ['BeginTime', 'EndTime', 'TaskType', 'SortField', 'Ascending', 'SelectedFields', 'Offset', 'Limit'],
        handle(params) {
          calls.push({ action: 'DescribeDetailedSingleProbeData', params });
          check(
            params,
            {
              BeginTime: 'integer',
              EndTime: 'integer',
              TaskType: 'string',
              SortField: 'string',
              Ascending: 'boolean',
              SelectedFields: 'strings',
              Offset: 'integer',
              Limit: 'integer',
              TaskID: 'strings',
              Operators: 'strings',
              Districts: 'strings',
              ErrorTypes: 'strings',
              City: 'strings',
              ScrollID: 'string',
              QueryFlag: 'string',
            },
            ['BeginTime', 'EndTime', 'TaskType', 'SortField', 'Ascending', 'SelectedFields', 'Offset', 'Limit'],
          );
          if (!ANALYZE_TYPES.includes(params.TaskType as string)) throw new TcError('InvalidParameterValue', `TaskType ${String(params.TaskType)} is not an AnalyzeTaskType.`);
          const selected = params.SelectedFields as string[];
          if (params.SortField !== 'ProbeTime' && !selected.includes(params.SortField as string)) {
            throw new TcError('InvalidParameterValue', 'SortField must be ProbeTime or one of SelectedFields.');
          }
          if ((params.BeginTime as number) > (params.EndTime as number)) throw new TcError('InvalidParameterValue', 'BeginTime is after EndTime.');
          const { offset, limit } = page(params, 20, 1000);
          const ids = (params.TaskID as string[] | undefined) ?? tasks.map((t) => t.TaskId);
          const known = nodeByCode();
          const rows: { at: number; r: CatResult }[] = [];
          for (const t of tasks) {
            if (!ids.includes(t.TaskId) || ANALYZE_OF[t.TaskType] !== params.TaskType) continue;
            for (const r of results.get(t.TaskId) ?? []) {
              if (r.at >= (params.BeginTime as number) && r.at <= (params.EndTime as number)) rows.push({ at: r.at, r });
            }
          }
          rows.sort((a, b) => (params.Ascending ? a.at - b.at : b.at - a.at));
          const DataSet = rows.slice(offset, offset + limit).map(({ r }) => {
            const node = known.get(r.node);
            const labels: Record<string, string | undefined> = {
              District: node?.District,
              City: node?.City,
              Operator: node?.NetService,
              TargetIP: r.targetIp,
            };
            const fields: Record<string, number | undefined> = {
              ErrorId: r.errorId ?? 0,
              StatusCode: r.statusCode,
              TotalTime: r.totalMs,
              DnsTime: r.dnsMs,
              TcpTime: r.connectMs,
              DownloadTime: r.downloadMs,
            };
            return {
              ProbeTime: r.at,
              Labels: selected.filter((f) => labels[f] !== undefined).map((f, i) => ({ ID: i + 1, Name: f, Value: labels[f]! })),
              Fields: selected.filter((f) => fields[f] !== undefined).map((f, i) => ({ ID: i + 1, Name: f, Value: fields[f]! })),
            };
          });
          return { DataSet, TotalNumber: rows.length };
        },
      },
    },
  };

  return {
    service,
    nodes,
    tasks,
    calls,
    addResults(taskId, rs) {
      results.set(taskId, [...(results.get(taskId) ?? []), ...rs]);
    },
    setTrialExceeded(on) {
      trialExceeded = on;
    },
  };
}
