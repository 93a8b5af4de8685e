/**
 * Tencent Cloud Automated Testing (云拨测, cat.tencentcloudapi.com, 2018-04-09) as a provider:
 * Tencent's own probe nodes by province and ISP, behind a signed API. Unlike chinaz and
 * scf-regions, a node is not asked to check the site now: CAT runs a scheduled task on its
 * own, so each run reads the latest result of every selected node.
 *
 *   DescribeProbeNodes               the nodes (NodeSet: Code, Name, Type, NetService, District, City, IPType, NodeDefineStatus)
 *   DescribeProbeTasks               the monitor's task, found by its name (TaskName, Offset/Limit pages of at most 100, Total)
 *   CreateProbeTasks                 once, when there is none: TaskType 1 (页面性能), the selected nodes' codes, Interval, TaskCategory 1 (PC)
 *   DescribeDetailedSingleProbeData  the task's single results (AnalyzeTaskType_Browse), newest first, paged by Offset/Limit up to TotalNumber
 *
 * Field names are the documented ones (SDK models, the API's 接口补充说明). What the documents
 * do not pin down, and is therefore kept in one place here and listed in README: the names of
 * the page-performance timing fields in a single result, their unit (taken as milliseconds),
 * and that a result's District/City/Operator labels equal the node's District/City/NetService.
 */
import { createHash } from 'node:crypto';
import { CommonClient } from 'tencentcloud-sdk-nodejs-common/tencentcloud/common/common_client';
import type { TencentApiConfig } from '../../config/tencent-schema';
import type { FailureCode, Reason } from '../../report/codes';
import { isTencentApiError, type TencentApiError } from '../../tencent/api-error';
import { callApiWithRetry, type ApiClient } from '../../tencent/call';
import { tencentClientConfig } from '../../tencent/client-config';
import { blankResult, ProviderError, providerFailure, type SpeedProvider } from './provider';
import type { NodeResult, SpeedNode } from './types';

export const CAT_VERSION = '2018-04-09';
/** 页面性能 (page performance): one HTTP(S) page load from each node, what chinaz's check is. */
export const CAT_TASK_TYPE = 1;
export const CAT_ANALYZE_TYPE = 'AnalyzeTaskType_Browse';
/** PC: IDC and last-mile nodes; mobile nodes belong to TaskCategory 2 and are not offered. */
export const CAT_TASK_CATEGORY = 1;
/** DescribeProbeTasks' documented maximum page. */
export const TASKS_PAGE = 100;
export const RESULTS_PAGE = 100;
/** Bounds on what a run reads, so a task with months of history cannot hold the run. */
export const MAX_TASK_PAGES = 20;
export const MAX_RESULT_PAGES = 20;
/** CAT task names are short (32 characters in its older API). */
export const TASK_NAME_MAX = 32;

/** The single-result fields read for a page-performance task (see the file's comment). */
export const SELECTED_FIELDS = ['ProbeTime', 'ErrorId', 'District', 'City', 'Operator', 'TargetIP', 'StatusCode', 'TotalTime', 'DnsTime', 'TcpTime', 'DownloadTime'] as const;

export interface CatOptions {
  api: TencentApiConfig;
  monitorName: string;
  /** The page each node loads (TargetAddress). */
  url: string;
  intervalMinutes: number;
  /** The run's deadline (epoch ms): no retry starts after it. */
  deadlineAt?: number;
  now?: () => number;
}

interface NodeDefine {
  Name?: unknown;
  Code?: unknown;
  Type?: unknown;
  NetService?: unknown;
  District?: unknown;
  City?: unknown;
  IPType?: unknown;
  NodeDefineStatus?: unknown;
}

interface ProbeTask {
  Name?: unknown;
  TaskId?: unknown;
  Nodes?: unknown;
  Status?: unknown;
  TargetAddress?: unknown;
  Interval?: unknown;
}

interface SingleData {
  ProbeTime?: unknown;
  Labels?: { Name?: unknown; Value?: unknown }[];
  Fields?: { Name?: unknown; Value?: unknown }[];
}

/** The CAT task of a monitor: a prefix says who made it, a hash keeps long names apart. */
export function catTaskName(monitor: string): string {
  const name = `scfm-${monitor}`;
  if ([...name].length <= TASK_NAME_MAX) return name;
  const hash = createHash('sha256').update(monitor).digest('hex').slice(0, 8);
  return `${[...name].slice(0, TASK_NAME_MAX - 9).join('')}-${hash}`;
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');

const ISP_OF: Record<string, string> = { 中国电信: '电信', 电信: '电信', 中国联通: '联通', 联通: '联通', 中国移动: '移动', 移动: '移动', BGP: '多线', 多线: '多线' };

/** 中国电信 -> 电信, as the selection's ISPs read; another network keeps its own name. */
export function ispOf(netService: string): string {
  return ISP_OF[netService] ?? netService.replace(/^中国/, '');
}

/** 广东省 -> 广东, 广西壮族自治区 -> 广西, 北京市 -> 北京: the short names `select.provinces` uses. */
export function shortProvince(district: string): string {
  return district.replace(/(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$/, '') || district;
}

const placeKey = (province: string, city: string, isp: string) => `${province}\u0000${city}\u0000${isp}`;

/**
 * The nodes a PC page-performance task can use: running IPv4 IDC and last-mile nodes. Nodes of
 * the same province, city and ISP cannot be told apart in a result (its labels name only
 * those), so the first of them stands for the place.
 */
export function nodesFrom(set: readonly NodeDefine[]): SpeedNode[] {
  const out: SpeedNode[] = [];
  const seen = new Set<string>();
  for (const n of set) {
    const code = str(n.Code);
    const type = Number(n.Type);
    if (!code || (type !== 1 && type !== 2)) continue;
    if (Number(n.NodeDefineStatus) === 2 || Number(n.IPType) === 2) continue;
    const district = str(n.District);
    const city = str(n.City).replace(/市$/, '');
    const isp = ispOf(str(n.NetService));
    if (!district) continue;
    const province = shortProvince(district);
    const key = placeKey(province, city, isp);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ id: code, name: str(n.Name) || `${province}${city}[${isp}]`, province, ...(city ? { city } : {}), ...(isp ? { isp } : {}) });
  }
  return out;
}

function value(d: SingleData, name: string): unknown {
  for (const list of [d.Fields, d.Labels]) {
    if (!Array.isArray(list)) continue;
    const hit = list.find((x) => x && x.Name === name);
    if (hit) return hit.Value;
  }
  return undefined;
}

function ms(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Why a node that reported an error failed, judged from the phases it did report. */
function failureOf(node: SpeedNode, r: NodeResult, errorId: number): Reason {
  const said = `CAT ErrorId ${errorId}`;
  if (r.httpStatus !== undefined && (r.httpStatus >= 400 || r.httpStatus < 200)) {
    return { code: 'HTTP_STATUS', message: `${node.name}: answered HTTP ${r.httpStatus}${r.ip ? ` from ${r.ip}` : ''} (${said})` };
  }
  let code: FailureCode = 'READ_TIMEOUT';
  let what = `connected${r.ip ? ` to ${r.ip}` : ''} but got no page`;
  if (r.dnsMs === undefined && r.ip === undefined) [code, what] = ['DNS_ERROR', 'could not resolve the site'];
  else if (r.connectMs === undefined) [code, what] = ['CONNECT_TIMEOUT', `no connection${r.ip ? ` to ${r.ip}` : ''}`];
  return { code, message: `${node.name}: ${what} (${said})` };
}

/** One single result as the node's measurement. */
export function resultFrom(node: SpeedNode, d: SingleData): NodeResult {
  const r = blankResult(node);
  const ip = str(value(d, 'TargetIP'));
  if (ip) r.ip = ip.slice(0, 64);
  const status = Number(value(d, 'StatusCode'));
  if (Number.isInteger(status) && status > 0) r.httpStatus = status;
  const times: [keyof NodeResult & `${string}Ms`, string][] = [
    ['totalMs', 'TotalTime'],
    ['dnsMs', 'DnsTime'],
    ['connectMs', 'TcpTime'],
    ['downloadMs', 'DownloadTime'],
  ];
  for (const [key, field] of times) {
    const t = ms(value(d, field));
    if (t !== undefined) r[key] = t;
  }
  const errorId = Number(value(d, 'ErrorId') ?? 0);
  if (!Number.isFinite(errorId)) return providerFailure(node, 'CAT reported a result without a readable ErrorId');
  if (errorId !== 0) r.error = failureOf(node, r, errorId);
  else if (r.httpStatus !== undefined && r.httpStatus >= 400) r.error = failureOf(node, r, errorId);
  else if (r.totalMs === undefined) return providerFailure(node, 'CAT reported success without a TotalTime');
  return r;
}

/** What a refusal means for the user: the CAM action, the account, the quota. */
function refusal(action: string, e: TencentApiError): string {
  if (e.code.startsWith('AuthFailure')) return `CAT refused the credentials (${e.code}): ${e.message}`;
  if (e.code.startsWith('UnauthorizedOperation')) return `not allowed to call ${action}: grant the CAM action cat:${action} (${e.message})`;
  if (e.code === 'FailedOperation.OrderOutOfCredit') return `the account's CAT bill is overdue, tasks do not run (${e.code})`;
  if (e.code === 'FailedOperation.ErrPrePaidResourceExpire') return `the CAT prepaid package has expired (${e.code})`;
  if (e.code === 'FailedOperation.TrialTaskExceed') return `the CAT trial's task quota is used up (${e.code}): buy CAT or delete a task`;
  if (e.code === 'FailedOperation.NoValidNodes') return `CAT found none of the selected nodes valid (${e.code}): widen select`;
  if (e.code.startsWith('RequestLimitExceeded')) return `CAT throttled ${action} (${e.code}) and retries ran out`;
  return `${action} failed: ${e.message}`;
}

export function catProvider(opts: CatOptions): SpeedProvider {
  const now = opts.now ?? Date.now;
  const taskName = catTaskName(opts.monitorName);
  const host = opts.api.endpoint ? new URL(opts.api.endpoint).host : 'cat.tencentcloudapi.com';
  let client: ApiClient | undefined;
  let secrets: string[] = [];
  /** The selected nodes' latest results, by node code; filled by prepare. */
  const latest = new Map<string, SingleData>();
  let why: string | undefined;
  /** Selected nodes the existing task was not created with. */
  let outsideTask = new Set<string>();

  const call = async <T>(action: string, req: unknown, signal: AbortSignal): Promise<T> => {
    if (!client) {
      try {
        const setup = tencentClientConfig(opts.api, undefined);
        client = new CommonClient('cat.tencentcloudapi.com', CAT_VERSION, setup.config) as unknown as ApiClient;
        secrets = setup.secrets;
      } catch (err) {
        throw new ProviderError(`cannot call CAT: ${(err as Error).message}`);
      }
    }
    try {
      return await callApiWithRetry<T>(client, action, req, { signal, host, secrets, ...(opts.deadlineAt !== undefined ? { deadlineAt: opts.deadlineAt } : {}) });
    } catch (err) {
      if (isTencentApiError(err)) throw new ProviderError(refusal(action, err));
      throw err;
    }
  };

  /** The monitor's task, by exact name, through every page of DescribeProbeTasks. */
  const findTask = async (signal: AbortSignal): Promise<ProbeTask | undefined> => {
    for (let page = 0, offset = 0; page < MAX_TASK_PAGES; page++) {
      const res = await call<{ TaskSet?: ProbeTask[] | null; Total?: number }>('DescribeProbeTasks', { TaskName: taskName, Offset: offset, Limit: TASKS_PAGE }, signal);
      const set = res?.TaskSet ?? [];
      const hit = set.find((t) => t?.Name === taskName);
      if (hit) return hit;
      offset += set.length;
      if (set.length === 0 || offset >= Number(res?.Total ?? 0)) return undefined;
    }
    throw new ProviderError(`more than ${MAX_TASK_PAGES * TASKS_PAGE} CAT tasks match the name ${taskName}; none is exactly it`);
  };

  const createTask = async (nodes: readonly SpeedNode[], signal: AbortSignal): Promise<string> => {
    const res = await call<{ TaskIDs?: string[] | null }>(
      'CreateProbeTasks',
      {
        BatchTasks: [{ Name: taskName, TargetAddress: opts.url }],
        TaskType: CAT_TASK_TYPE,
        Nodes: nodes.map((n) => n.id),
        Interval: opts.intervalMinutes,
        // The documented page-performance parameters are optional; CAT's defaults apply.
        Parameters: '{}',
        TaskCategory: CAT_TASK_CATEGORY,
      },
      signal,
    );
    const id = res?.TaskIDs?.[0];
    if (typeof id !== 'string' || !id) throw new ProviderError('CreateProbeTasks answered without a task id');
    return id;
  };

  /** Newest first, page by page, until every wanted place has its latest result. */
  const readLatest = async (taskId: string, nodes: readonly SpeedNode[], signal: AbortSignal): Promise<void> => {
    const byPlace = new Map(nodes.map((n) => [placeKey(n.province, n.city ?? '', n.isp ?? ''), n]));
    const end = now();
    // Two intervals and a margin: the last completed round of every node, even a late one.
    const begin = end - (2 * opts.intervalMinutes + 2) * 60_000;
    for (let page = 0, offset = 0; page < MAX_RESULT_PAGES && latest.size < nodes.length; page++) {
      const res = await call<{ DataSet?: SingleData[] | null; TotalNumber?: number }>(
        'DescribeDetailedSingleProbeData',
        {
          BeginTime: begin,
          EndTime: end,
          TaskType: CAT_ANALYZE_TYPE,
          SortField: 'ProbeTime',
          Ascending: false,
          SelectedFields: [...SELECTED_FIELDS],
          Offset: offset,
          Limit: RESULTS_PAGE,
          TaskID: [taskId],
        },
        signal,
      );
      const set = res?.DataSet ?? [];
      for (const d of set) {
        const place = placeKey(shortProvince(str(value(d, 'District'))), str(value(d, 'City')).replace(/市$/, ''), ispOf(str(value(d, 'Operator'))));
        const node = byPlace.get(place);
        if (node && !latest.has(node.id)) latest.set(node.id, d);
      }
      offset += set.length;
      if (set.length === 0 || offset >= Number(res?.TotalNumber ?? 0)) return;
    }
  };

  return {
    name: 'cat',
    async listNodes(signal) {
      const res = await call<{ NodeSet?: NodeDefine[] | null }>('DescribeProbeNodes', {}, signal);
      const nodes = nodesFrom(res?.NodeSet ?? []);
      if (nodes.length === 0) throw new ProviderError('DescribeProbeNodes listed no running IPv4 IDC or last-mile node');
      return nodes;
    },
    async prepare(nodes, signal) {
      const task = await findTask(signal);
      if (!task) {
        await createTask(nodes, signal);
        why = `CAT task ${taskName} was created by this run; its first results arrive within ${opts.intervalMinutes} min`;
        return;
      }
      const taskId = str(task.TaskId);
      if (!taskId) throw new ProviderError(`CAT task ${taskName} has no TaskId`);
      const inTask = new Set(Array.isArray(task.Nodes) ? task.Nodes.map(str) : []);
      const outside = nodes.filter((n) => !inTask.has(n.id));
      await readLatest(taskId, nodes.filter((n) => inTask.has(n.id)), signal);
      const status = task.Status === undefined ? '' : `, task status ${str(task.Status)}`;
      why = `no result from CAT task ${taskName} (${taskId}) in the last ${2 * opts.intervalMinutes + 2} min${status}`;
      for (const n of outside) latest.delete(n.id);
      if (outside.length) outsideTask = new Set(outside.map((n) => n.id));
    },
    async probe(node) {
      if (outsideTask.has(node.id)) {
        return providerFailure(node, `not a node of CAT task ${taskName}, which was created with other nodes: delete the task in the CAT console to have it made again with this selection`);
      }
      const d = latest.get(node.id);
      if (!d) return providerFailure(node, why ?? 'no result from CAT');
      return resultFrom(node, d);
    },
  };
}
