/**
 * The chinaz (站长工具) speed test, as the seed used it (the site's 2019-2021 protocol; today's
 * site may differ, so the base URL is configurable and a changed page is a PROVIDER_ERROR):
 *
 *   GET  <base>/speedtest/<host>        the nodes (elements whose id is the node's guid, labelled
 *                                       like 江苏宿迁[电信]) and a token in the hidden input #enkey
 *   POST <base>/iframe.ashx?t=ping      per node: guid, host, ishost=1, encode=<token>, checktype=1,
 *                                       sent like the page's own XMLHttpRequest
 *
 * The reply is a JavaScript object literal, `({state:1,msg:'',result:{ip,httpstate,alltime,
 * dnstime,conntime,downtime,downspeed,...}})`, times being strings of milliseconds that may
 * read '<1' or '-'. `({state:0,msg:''})` means the node produced nothing: like the page, we
 * ask twice more before recording it as the provider's failure.
 */
import { load } from 'cheerio/slim';
import { sleep } from '../../util/abort';
import type { Reason } from '../../report/codes';
import { LABEL_EXACT, LABEL_IN_TEXT, splitPlace } from './label';
import { LiteralError, parseObjectLiteral } from './object-literal';
import { blankResult, ProviderError, providerFailure, type SpeedProvider } from './provider';
import { TextRequestError, textClient, type TextResponse } from './text-client';
import type { NodeResult, SpeedNode } from './types';

export interface ChinazOptions {
  /** e.g. https://tool.chinaz.com (no trailing slash needed). */
  baseUrl: string;
  /** The site under test, as a host name. */
  host: string;
  nodeTimeoutMs: number;
  /** Sockets kept open to the provider: the run's node concurrency. */
  concurrency: number;
  /** Pause before asking a node again after state:0. */
  retryDelayMs?: number;
}

/** Bounds on what we read from the provider, so a broken or hostile site cannot exhaust memory. */
export const PAGE_MAX_BYTES = 2 * 1024 * 1024;
export const REPLY_MAX_BYTES = 256 * 1024;
export const MAX_NODES = 2000;
/** state:0 is asked again this many times, as the site's own page does. */
export const STATE0_RETRIES = 2;
const DEFAULT_RETRY_DELAY_MS = 300;
const MAX_COOKIES = 20;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ---------------------------------------------------------------------------------------------
// The node page.

export interface NodePage {
  nodes: SpeedNode[];
  token?: string;
}

/** The part of htmlparser2's DOM the label search walks. */
interface DomNode {
  type: string;
  data?: string;
  children?: DomNode[];
}

/** Nodes of one element looked at for its label: a node row is small, a hostile one is cut short. */
const LABEL_SCAN_NODES = 200;

/**
 * The element's label: a text node that is exactly one label, else the first label in its
 * text. The walk is bounded, so elements nested into each other on a hostile page cost
 * LABEL_SCAN_NODES each rather than their whole subtree.
 */
function labelOf(el: DomNode): string | undefined {
  const stack = [...(el.children ?? [])].reverse();
  let text = '';
  for (let seen = 0; stack.length > 0; seen++) {
    if (seen >= LABEL_SCAN_NODES) return undefined;
    const n = stack.pop()!;
    if (n.type === 'text') {
      const t = (n.data ?? '').trim();
      if (LABEL_EXACT.test(t)) return t;
      text += n.data ?? '';
    } else if (n.children) {
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
    }
  }
  return LABEL_IN_TEXT.exec(text)?.[0];
}

export function parseNodePage(html: string): NodePage {
  const $ = load(html);
  const token = ($('#enkey').attr('value') ?? '').trim();
  const nodes: SpeedNode[] = [];
  const seen = new Set<string>();
  $('[id]').each((_, el) => {
    const id = ($(el).attr('id') ?? '').trim();
    if (!GUID.test(id) || seen.has(id.toLowerCase()) || nodes.length >= MAX_NODES) return;
    const label = labelOf(el as unknown as DomNode);
    const m = label ? LABEL_IN_TEXT.exec(label) : null;
    if (!m) return;
    seen.add(id.toLowerCase());
    nodes.push({ id, name: `${m[1]}[${m[2]}]`, ...splitPlace(m[1]!), isp: m[2]! });
  });
  return token ? { nodes, token } : { nodes };
}

// ---------------------------------------------------------------------------------------------
// One node's reply.

/** '212' -> 212, '<1' -> 0.5 (under a millisecond: counted as half of one), '-' or '' -> absent. */
export function parseMs(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().replace(/\s*ms$/i, '');
  if (s === '<1') return 0.5;
  return /^\d+(\.\d+)?$/.test(s) ? Number(s) : undefined;
}

function text(v: unknown): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const s = String(v).trim();
  return s && s !== '-' ? s.slice(0, 100) : undefined;
}

/** Why a node that did not get an answer failed, judged from the phases it did report. */
function noAnswer(node: SpeedNode, host: string, r: NodeResult): Reason {
  if (r.ip === undefined && r.dnsMs === undefined) {
    return { code: 'DNS_ERROR', message: `${node.name}: could not resolve ${host} (no address and no DNS time reported)` };
  }
  const at = r.ip ?? host;
  if (r.connectMs === undefined) {
    return { code: 'CONNECT_TIMEOUT', message: `${node.name}: no connection to ${at} (no connect time reported)` };
  }
  return { code: 'READ_TIMEOUT', message: `${node.name}: connected to ${at} in ${r.connectMs} ms but got no answer` };
}

/** The reply as a NodeResult, or 'retry' for state:0 without a message. */
export function readReply(node: SpeedNode, host: string, reply: unknown): NodeResult | 'retry' {
  if (reply === null || typeof reply !== 'object' || Array.isArray(reply)) {
    return providerFailure(node, 'the provider answered something other than an object');
  }
  const { state, msg, result } = reply as { state?: unknown; msg?: unknown; result?: unknown };
  const message = typeof msg === 'string' ? msg.trim().slice(0, 200) : '';
  if (Number(state) !== 1) {
    if (Number(state) === 0 && !message) return 'retry';
    return providerFailure(node, `the provider refused the check (state ${String(state).slice(0, 20)}${message ? `: ${message}` : ''})`);
  }
  if (result === null || typeof result !== 'object') return providerFailure(node, 'the provider answered state 1 without a result');
  const f = result as Record<string, unknown>;
  const r = blankResult(node);
  const ip = text(f.ip);
  if (ip) r.ip = ip;
  const status = Number(f.httpstate);
  if (Number.isInteger(status) && status > 0) r.httpStatus = status;
  const times: [keyof NodeResult & `${string}Ms`, unknown][] = [
    ['totalMs', f.alltime],
    ['dnsMs', f.dnstime],
    ['connectMs', f.conntime],
    ['downloadMs', f.downtime],
  ];
  for (const [key, raw] of times) {
    const ms = parseMs(raw);
    if (ms !== undefined) r[key] = ms;
  }
  const speed = parseMs(f.downspeed);
  if (speed !== undefined) r.downloadKBps = speed;

  if (r.httpStatus === undefined) r.error = noAnswer(node, host, r);
  else if (r.httpStatus >= 400 || r.httpStatus < 200) {
    r.error = { code: 'HTTP_STATUS', message: `${node.name}: ${host} answered HTTP ${r.httpStatus}${r.ip ? ` from ${r.ip}` : ''}` };
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// The provider.

function describe(err: unknown): string {
  if (err instanceof TextRequestError) return err.code === 'ABORTED' || err.code === 'TOO_LARGE' ? err.message : err.message.startsWith(err.code) ? err.message : `${err.code}: ${err.message}`;
  return (err as Error)?.message ?? String(err);
}

function cookiesFrom(res: TextResponse): string | undefined {
  const set = res.headers['set-cookie'];
  if (!Array.isArray(set) || set.length === 0) return undefined;
  return set
    .slice(0, MAX_COOKIES)
    .map((c) => c.split(';', 1)[0]!.trim())
    .filter((c) => c.includes('='))
    .join('; ');
}

export function chinazProvider(opts: ChinazOptions): SpeedProvider {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const pageUrl = `${base}/speedtest/${encodeURIComponent(opts.host)}`;
  const origin = new URL(base).origin;
  // Only the configured base URL is ever contacted: no proxy from the environment.
  const http = textClient({
    timeoutMs: opts.nodeTimeoutMs,
    concurrency: opts.concurrency,
    headers: { 'User-Agent': 'Mozilla/5.0 (compatible; scf-monitor/0.1; speed test)', Accept: '*/*' },
  });
  let token: string | undefined;
  let cookie: string | undefined;
  // What every check of the run sends, made once the page has set its cookie.
  let checkHeaders: Record<string, string> = {};
  // Parsed once: every check of the run goes to it.
  const checkUrl = new URL(`${base}/iframe.ashx?t=ping`);
  const retryDelayMs = opts.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;

  const check = async (node: SpeedNode, signal: AbortSignal): Promise<NodeResult | 'retry'> => {
    const form = new URLSearchParams({ guid: node.id, host: opts.host, ishost: '1', encode: token ?? '', checktype: '1' }).toString();
    let res: TextResponse;
    try {
      // A check is never redirected: a 3xx is the provider's odd answer.
      res = await http.request(checkUrl, { method: 'POST', body: form, signal, maxRedirects: 0, maxBytes: REPLY_MAX_BYTES, headers: checkHeaders });
    } catch (err) {
      return providerFailure(node, `the check request to ${base} failed: ${describe(err)}`);
    }
    if (res.status !== 200) return providerFailure(node, `the provider answered HTTP ${res.status} to the check`);
    try {
      return readReply(node, opts.host, parseObjectLiteral(res.text, { maxLength: REPLY_MAX_BYTES }));
    } catch (err) {
      const why = err instanceof LiteralError ? err.message : String(err);
      return providerFailure(node, `the provider's reply is not a readable object literal (${why}): ${JSON.stringify(res.text.slice(0, 80))}`);
    }
  };

  return {
    name: 'chinaz',
    async listNodes(signal) {
      let res: TextResponse;
      try {
        res = await http.request(pageUrl, { method: 'GET', signal, maxRedirects: 3, maxBytes: PAGE_MAX_BYTES });
      } catch (err) {
        throw new ProviderError(`could not load the provider's node page ${pageUrl}: ${describe(err)}`);
      }
      if (res.status !== 200) throw new ProviderError(`the provider's node page ${pageUrl} answered HTTP ${res.status}`);
      cookie = cookiesFrom(res);
      const page = parseNodePage(res.text);
      const missing = [page.nodes.length ? '' : 'no nodes', page.token ? '' : 'no token (#enkey)'].filter(Boolean);
      if (missing.length) {
        throw new ProviderError(
          `the provider's page changed: ${missing.join(' and ')} at ${pageUrl}; the chinaz protocol this monitor speaks may be out of date (nothing is known about the target)`,
        );
      }
      token = page.token;
      checkHeaders = {
        'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8',
        'X-Requested-With': 'XMLHttpRequest',
        Referer: pageUrl,
        Origin: origin,
        ...(cookie ? { Cookie: cookie } : {}),
      };
      return page.nodes;
    },
    async probe(node, signal) {
      for (let attempt = 1; ; attempt++) {
        const outcome = await check(node, signal);
        if (outcome !== 'retry') return outcome;
        if (attempt > STATE0_RETRIES) return providerFailure(node, `the node reported no result (state 0) in ${attempt} attempts`);
        await sleep(retryDelayMs, signal);
        if (signal.aborted) return providerFailure(node, 'stopped');
      }
    },
    close() {
      http.close();
    },
  };
}
