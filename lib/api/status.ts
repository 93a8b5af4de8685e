/**
 * GET /status: one HTML page, no framework, for a wall screen or a phone. Per monitor its state,
 * uptime over 1 h, 24 h and 7 d, and a response-time chart of CHART_POINTS points over 24 h.
 * A chart travels as one character per point (64 levels) inside an inline <svg>, and a
 * 30-line script draws the path: drawn by the server as path data it would take four or five
 * bytes a point, and 100 monitors would not fit the page's 50 KB.
 */
import type { NoticePoint } from '../history/store';
import { uptime } from '../history/store';
import { stateOf, type MonitorView } from './data';
import { esc } from './html';

export type Locale = 'zh-CN' | 'en';

/** Hundreds of points, not the hundred Uptime Kuma and Gatus keep. */
export const CHART_POINTS = 200;
export const CHART_SPAN_MS = 24 * 3_600_000;
const LEVELS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_';

const TEXT = {
  'zh-CN': {
    up: '正常', down: '故障', unknown: '无数据', monitors: '监控项', incidents: '进行中的故障', none: '无',
    notices: '最近的通知', since: '开始于', updated: '更新于', uptime: '可用率', kept: '保留', last: '最近',
    alert: '告警', reminder: '提醒', resolved: '恢复', broken: '监测失效', cleared: '监测已恢复', chart: '24 小时响应时间', max: '最大', summary: (u: number, d: number, n: number) => `${u} 正常 · ${d} 故障 · ${n} 无数据`,
  },
  en: {
    up: 'Up', down: 'Down', unknown: 'No data', monitors: 'Monitors', incidents: 'Open incidents', none: 'None',
    notices: 'Last notices', since: 'since', updated: 'Updated', uptime: 'Uptime', kept: 'kept', last: 'last',
    alert: 'Alert', reminder: 'Reminder', resolved: 'Resolved', broken: 'Measurement broken', cleared: 'Measuring again', chart: 'Response time, 24 h', max: 'max', summary: (u: number, d: number, n: number) => `${u} up · ${d} down · ${n} no data`,
  },
} as const;

export function pickLocale(query: string | undefined, acceptLanguage: string | undefined, fallback: Locale): Locale {
  if (query === 'en' || query === 'zh-CN') return query;
  if (query?.toLowerCase().startsWith('zh')) return 'zh-CN';
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.trim().split(';')[0]!.toLowerCase();
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return fallback;
}

const pct = (x: number | undefined) => (x === undefined ? '–' : `${(Math.floor(x * 10000) / 100).toFixed(x === 1 ? 0 : 2)}%`);

/** The 24 h chart: one level character per bucket ('.' for none), and the buckets with a failed run. */
export function chartOf(v: MonitorView, now: number): { levels: string; failed: number[]; maxMs: number } {
  const from = now - CHART_SPAN_MS;
  const step = CHART_SPAN_MS / CHART_POINTS;
  const sum = new Float64Array(CHART_POINTS);
  const count = new Uint32Array(CHART_POINTS);
  const bad = new Uint8Array(CHART_POINTS);
  for (const p of v.points) {
    if (p.at < from || p.at > now) continue;
    const i = Math.min(CHART_POINTS - 1, Math.floor((p.at - from) / step));
    if (!p.ok) bad[i] = 1;
    if (p.ms !== undefined) {
      sum[i] = sum[i]! + p.ms;
      count[i] = count[i]! + 1;
    }
  }
  let maxMs = 0;
  for (let i = 0; i < CHART_POINTS; i++) if (count[i]) maxMs = Math.max(maxMs, sum[i]! / count[i]!);
  let levels = '';
  const failed: number[] = [];
  for (let i = 0; i < CHART_POINTS; i++) {
    levels += count[i] && maxMs > 0 ? LEVELS[Math.round(((sum[i]! / count[i]!) / maxMs) * 63)] : '.';
    if (bad[i]) failed.push(i);
  }
  return { levels, failed, maxMs };
}

const CSS = `body{margin:0;font:14px/1.4 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f6f7f9;color:#1d2129}
main{max-width:960px;margin:auto;padding:12px}h1{font-size:20px;margin:4px 0}h2{font-size:16px;margin:16px 0 6px}
ul{list-style:none;margin:0;padding:0}li{background:#fff;border-radius:6px;margin:4px 0;padding:6px 10px;overflow-wrap:anywhere;display:flow-root}
.up,.down,.unknown{border-left:4px solid #aaa}.up{border-color:#00b42a}.down,.i{border-left:4px solid #f53f3f}
em{font-style:normal;font-weight:600;margin-left:6px}.up em{color:#00804a}.down em{color:#cb2634}.unknown em{color:#666}
li p{margin:0;color:#4e5969;font-size:12px}li svg{float:right;width:240px;height:40px;margin-top:-20px;background:#f2f3f5}
svg path{fill:none;stroke:#165dff;stroke-width:1;vector-effect:non-scaling-stroke}svg rect{fill:#f53f3f;opacity:.5}small{color:#86909c}
@media(max-width:600px){li svg{float:none;display:block;width:100%;margin:4px 0 0}}`;

/** Also carries a read token from the address into the language links: the server never writes one into the page. */
const script = (label: string) => `(function(){var L='${LEVELS}',N='http://www.w3.org/2000/svg';document.querySelectorAll('svg[data-p]').forEach(function(s){var p=s.getAttribute('data-p'),d='',pen=0;
s.setAttribute('viewBox','0 0 '+p.length+' 40');s.setAttribute('preserveAspectRatio','none');s.setAttribute('role','img');s.setAttribute('aria-label',${JSON.stringify(label)}+s.getAttribute('data-x')+' ms');for(var i=0;i<p.length;i++){var k=L.indexOf(p[i]);if(k<0){pen=0;continue}d+=(pen?'L':'M')+i+' '+(39-k*38/63).toFixed(1);pen=1}
(s.getAttribute('data-f')||'').split(',').forEach(function(x){if(x==='')return;var r=document.createElementNS(N,'rect');r.setAttribute('x',x);r.setAttribute('y',0);r.setAttribute('width',1);r.setAttribute('height',40);s.appendChild(r)});
var e=document.createElementNS(N,'path');e.setAttribute('d',d);s.appendChild(e)});
var t=new URLSearchParams(location.search).get('token');if(t)document.querySelectorAll('a[href^="?lang="]').forEach(function(a){a.href=a.getAttribute('href')+'&token='+encodeURIComponent(t)})})()`;

export interface StatusInput {
  title: string;
  locale: Locale;
  now: number;
  timeZone: string;
  retentionMs: number;
  views: readonly MonitorView[];
  notices: readonly NoticePoint[];
}

export function renderStatus(input: StatusInput): string {
  const t = TEXT[input.locale];
  const fmt = new Intl.DateTimeFormat(input.locale, { timeZone: input.timeZone, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const when = (ms: number) => esc(fmt.format(ms));
  const { now } = input;
  const weekKept = input.retentionMs < 7 * 86_400_000 ? ` <small>(${esc(Math.round(input.retentionMs / 3_600_000))} h ${t.kept})</small>` : '';
  let up = 0;
  let down = 0;
  let unknown = 0;
  const rows: string[] = [];
  const incidents: string[] = [];
  for (const v of input.views) {
    const state = stateOf(v);
    if (state === 'up') up++;
    else if (state === 'down') down++;
    else unknown++;
    const c = chartOf(v, now);
    const last = v.last?.ms !== undefined ? ` · ${t.last} ${esc(Math.round(v.last.ms))} ms` : '';
    const reasons = v.last && !v.last.ok && v.last.r?.length ? ` · ${esc(v.last.r.join(' '))}` : '';
    // The chart first, so it floats beside the name and the figures.
    rows.push(
      `<li class=${state}><svg data-p="${c.levels}" data-x=${Math.round(c.maxMs)}${c.failed.length ? ` data-f="${c.failed.join(',')}"` : ''}></svg>` +
        `<b>${esc(v.monitor.name)}</b> <small>${esc(v.monitor.type)}</small><em>${t[state]}</em>` +
        `<p>${pct(uptime(v.points, now - 3_600_000))} / ${pct(uptime(v.points, now - 86_400_000))} / ${pct(uptime(v.points, now - 7 * 86_400_000))}${last}${reasons}</p></li>`,
    );
    for (const { key, incident } of v.incidents) {
      const why = incident.reasons.map((r) => `${esc(r.code)}: ${esc(r.message.slice(0, 300))}`).join('<br>');
      incidents.push(`<li class=i><b>${esc(key)}</b> <small>${t.since} ${when(Date.parse(incident.since))}</small><br>${why}</li>`);
    }
  }
  const notices = [...input.notices]
    .slice(-20)
    .reverse()
    .map((n) => `<li><small>${when(n.at)}</small> ${t[n.kind] ?? esc(n.kind)} <b>${esc(n.m)}</b>${n.r?.length ? ` ${esc(n.r.join(' '))}` : ''}${n.msg ? `<br><small>${esc(n.msg)}</small>` : ''}</li>`);
  return (
    `<!doctype html><html lang="${input.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta http-equiv="refresh" content="60"><title>${esc(input.title)}</title><style>${CSS}</style></head><body><main>` +
    `<h1>${esc(input.title)}</h1><p>${t.summary(up, down, unknown)} · <small>${t.updated} ${when(now)} (${esc(input.timeZone)})</small> · <a href="?lang=zh-CN">中文</a> | <a href="?lang=en">English</a></p>` +
    `<h2>${t.incidents}</h2><ul>${incidents.join('') || `<li>${t.none}</li>`}</ul>` +
    `<h2>${t.monitors} <small>${t.uptime} 1 h / 24 h / 7 d${weekKept}</small></h2><ul>${rows.join('')}</ul>` +
    `<h2>${t.notices}</h2><ul>${notices.join('') || `<li>${t.none}</li>`}</ul>` +
    `</main><script>${script(`${t.chart}, ${t.max} `)}</script></body></html>`
  );
}
