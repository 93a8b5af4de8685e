/**
 * Our own probe nodes: the `probe` function deployed in several SCF regions, each invoked
 * synchronously (Invoke, InvocationType RequestResponse) through the SCF API of its region. No
 * third party can change this under us. A region whose function is missing, fails, times out
 * or answers nonsense is a node the provider could not run (PROVIDER_ERROR); what the probe
 * itself saw of the site (DNS_ERROR, CONNECT_TIMEOUT, HTTP_STATUS ...) speaks for the target.
 */
import { Client } from 'tencentcloud-sdk-nodejs-scf/tencentcloud/services/scf/v20180416/scf_client';
import type { InvokeRequest, InvokeResponse } from 'tencentcloud-sdk-nodejs-scf/tencentcloud/services/scf/v20180416/scf_models';
import type { TencentApiConfig } from '../../config/tencent-schema';
import { FAILURE_CODES, type FailureCode } from '../../report/codes';
import { isTencentApiError } from '../../tencent/api-error';
import { callApiWithRetry, type ApiClient } from '../../tencent/call';
import { tencentClientConfig } from '../../tencent/client-config';
import { blankResult, ProviderError, providerFailure, type SpeedProvider } from './provider';
import type { ProbeAnswer, ProbeEvent } from './probe-handler';
import type { NodeResult, SpeedNode } from './types';

export interface ScfRegionsOptions {
  api: TencentApiConfig;
  regions: readonly string[];
  functionName: string;
  namespace: string;
  /** The site, as the probe fetches it. */
  url: string;
  nodeTimeoutMs: number;
  /** The run's deadline (epoch ms): no retry starts after it. */
  deadlineAt?: number;
}

/** Where the common regions are, for people reading a table. */
const REGION_CITY: Record<string, string> = {
  'ap-guangzhou': '广州',
  'ap-shanghai': '上海',
  'ap-beijing': '北京',
  'ap-chengdu': '成都',
  'ap-chongqing': '重庆',
  'ap-nanjing': '南京',
  'ap-hongkong': '香港',
  'ap-singapore': '新加坡',
  'ap-tokyo': '东京',
  'ap-seoul': '首尔',
  'ap-bangkok': '曼谷',
  'ap-jakarta': '雅加达',
  'ap-mumbai': '孟买',
  'eu-frankfurt': '法兰克福',
  'na-ashburn': '弗吉尼亚',
  'na-siliconvalley': '硅谷',
  'na-toronto': '多伦多',
  'sa-saopaulo': '圣保罗',
};

/** The documented codes of Invoke for a function (or its namespace) that does not exist. */
const MISSING = new Set(['ResourceNotFound.Function', 'ResourceNotFound.FunctionName', 'ResourceNotFound.Namespace', 'InvalidParameterValue.FunctionName']);
const MAX_ANSWER_CHARS = 64 * 1024;
/** The probe gets this share of nodeTimeoutMs, so it answers (with a timeout of its own) before we stop waiting. */
const PROBE_SHARE = 0.8;
const KNOWN_CODES = new Set<string>(FAILURE_CODES);

/** The probe's time: enough below nodeTimeoutMs for the invocation's own overhead. */
export function probeTimeoutMs(nodeTimeoutMs: number): number {
  return Math.max(100, Math.min(Math.floor(nodeTimeoutMs * PROBE_SHARE), nodeTimeoutMs - 500));
}

/** SCF's ErrMsg is usually JSON from the runtime ({"errorMessage": ...}); else plain text. */
function functionError(errMsg: string): { message: string; timedOut: boolean } {
  let message = errMsg;
  let status: unknown;
  try {
    const parsed = JSON.parse(errMsg) as { errorMessage?: unknown; statusCode?: unknown };
    if (typeof parsed?.errorMessage === 'string') message = parsed.errorMessage;
    status = parsed?.statusCode;
  } catch {
    // plain text
  }
  message = message.replace(/\s+/g, ' ').trim().slice(0, 300) || 'no message';
  // 433 is SCF's "function timed out" status code.
  return { message, timedOut: status === 433 || /timed? ?out/i.test(message) };
}

function isProbeAnswer(v: unknown): v is ProbeAnswer {
  const a = v as ProbeAnswer | null;
  return !!a && typeof a === 'object' && typeof a.ok === 'boolean' && !!a.timings && typeof a.timings === 'object';
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

export function resultFromAnswer(node: SpeedNode, answer: ProbeAnswer): NodeResult {
  const r = blankResult(node);
  if (typeof answer.remoteAddress === 'string' && answer.remoteAddress) r.ip = answer.remoteAddress.slice(0, 64);
  const status = num(answer.statusCode);
  if (status !== undefined && Number.isInteger(status)) r.httpStatus = status;
  const t = answer.timings as unknown as Record<string, unknown>;
  const total = num(t.totalMs);
  const dns = num(t.dnsMs);
  const connect = num(t.connectMs);
  const download = num(t.downloadMs);
  if (total !== undefined) r.totalMs = total;
  if (dns !== undefined) r.dnsMs = dns;
  if (connect !== undefined) r.connectMs = connect;
  if (download !== undefined) r.downloadMs = download;
  const bytes = num(answer.bodyBytes);
  if (bytes !== undefined && download !== undefined && download > 0) r.downloadKBps = Math.round((bytes / 1024 / (download / 1000)) * 100) / 100;
  const e = answer.error;
  if (e || !answer.ok) {
    // DEADLINE from a probe would be its own time, not this run's: the node could not report.
    const code = e && typeof e.code === 'string' && KNOWN_CODES.has(e.code) && e.code !== 'DEADLINE' ? (e.code as FailureCode) : 'PROVIDER_ERROR';
    const said = e && typeof e.message === 'string' ? e.message.slice(0, 300) : 'the probe reported a failure without a reason';
    r.error = { code, message: `${node.name}: ${said}` };
  }
  return r;
}

export function scfRegionsProvider(opts: ScfRegionsOptions): SpeedProvider {
  const clients = new Map<string, { client: ApiClient; secrets: string[] }>();
  const host = opts.api.endpoint ? new URL(opts.api.endpoint).host : 'scf.tencentcloudapi.com';
  const event: Partial<ProbeEvent> = { url: opts.url, method: 'GET', timeoutMs: probeTimeoutMs(opts.nodeTimeoutMs) };
  const where = (region: string) => `function ${opts.functionName} in namespace ${opts.namespace} of ${region}`;

  return {
    name: 'scf-regions',
    async listNodes() {
      for (const region of opts.regions) {
        try {
          // The Invoke call waits for the probe: its request timeout is the node's, not apiTimeoutMs.
          const { config, secrets } = tencentClientConfig({ ...opts.api, apiTimeoutMs: opts.nodeTimeoutMs }, region);
          clients.set(region, { client: new Client(config) as unknown as ApiClient, secrets });
        } catch (err) {
          throw new ProviderError(`cannot call SCF in ${region}: ${(err as Error).message}`);
        }
      }
      return opts.regions.map((region) => {
        const city = REGION_CITY[region];
        return { id: region, name: region, province: region, ...(city ? { city } : {}) };
      });
    },
    async probe(node, signal) {
      const c = clients.get(node.id);
      if (!c) return providerFailure(node, 'no SCF client for this region');
      const req: InvokeRequest = {
        FunctionName: opts.functionName,
        InvocationType: 'RequestResponse',
        Namespace: opts.namespace,
        ClientContext: JSON.stringify(event),
      };
      let res: InvokeResponse;
      try {
        res = await callApiWithRetry<InvokeResponse>(c.client, 'Invoke', req, {
          signal,
          host,
          secrets: c.secrets,
          maxAttempts: 2,
          ...(opts.deadlineAt !== undefined ? { deadlineAt: opts.deadlineAt } : {}),
        });
      } catch (err) {
        if (!isTencentApiError(err)) return providerFailure(node, `Invoke failed: ${(err as Error)?.message ?? String(err)}`);
        if (MISSING.has(err.code)) return providerFailure(node, `no ${where(node.id)}: deploy the probe there or drop the region (${err.code})`);
        if (err.code === 'TIMEOUT') return providerFailure(node, `the ${where(node.id)} did not answer within ${opts.nodeTimeoutMs} ms`);
        return providerFailure(node, err.message);
      }
      const result = res?.Result;
      if (!result) return providerFailure(node, 'Invoke answered without a Result');
      if ((result.InvokeResult !== undefined && result.InvokeResult !== 0) || result.ErrMsg) {
        const f = functionError(String(result.ErrMsg ?? ''));
        return providerFailure(
          node,
          f.timedOut
            ? `the ${where(node.id)} timed out (${f.message}): give it a timeout above ${event.timeoutMs} ms`
            : `the ${where(node.id)} failed: ${f.message}`,
        );
      }
      const text = String(result.RetMsg ?? '');
      let answer: unknown;
      try {
        if (text.length > MAX_ANSWER_CHARS) throw new Error('too long');
        answer = JSON.parse(text);
      } catch {
        return providerFailure(node, `the ${where(node.id)} answered something other than a probe result: ${JSON.stringify(text.slice(0, 80))}`);
      }
      if (!isProbeAnswer(answer)) return providerFailure(node, `the ${where(node.id)} answered something other than a probe result: ${JSON.stringify(text.slice(0, 80))}`);
      return resultFromAnswer(node, answer);
    },
  };
}
