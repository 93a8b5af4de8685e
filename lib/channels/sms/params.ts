/**
 * Filling an SMS template's variables. Tencent approves the text ("监控{1}：{2}，{3}") and caps
 * every variable (6 characters on newer accounts, 12 on older individual ones); a longer one
 * makes SendSms refuse the message. So each value is built to fit and still say something: a
 * short status word, a clock time, the monitor name cut with a count of the others.
 */
import type { Locale } from '../../config/channel-base';
import type { SmsParamField } from './schema';
import type { FailureCode } from '../../report/codes';
import type { Notice, NoticeKind } from '../../alerting/types';

const STATUS: Record<Locale, Record<NoticeKind, string>> = {
  'zh-CN': { alert: '告警', reminder: '未恢复', resolved: '已恢复', broken: '监测失效', cleared: '监测恢复' },
  en: { alert: 'DOWN', reminder: 'STILL', resolved: 'OK', broken: 'BROKEN', cleared: 'FIXED' },
};

/**
 * A word or two per failure code, short enough for a 6-character variable. A code added
 * without a word here is sent as the code itself, cut to fit: a new monitor type need not
 * touch the SMS channel.
 */
const REASON: Record<Locale, Partial<Record<FailureCode, string>>> = {
  'zh-CN': {
    DNS_ERROR: '解析失败',
    CONNECT_REFUSED: '连接被拒',
    CONNECT_TIMEOUT: '连接超时',
    READ_TIMEOUT: '读取超时',
    CONNECTION_RESET: '连接重置',
    PROTOCOL_ERROR: '协议错误',
    TLS_ERROR: '证书错误',
    CERT_EXPIRING: '证书将过期',
    HTTP_STATUS: '状态码异常',
    BODY_MISMATCH: '内容不符',
    REDIRECT_LIMIT: '重定向过多',
    SLOW_RESPONSE: '响应慢',
    LOW_SUCCESS_RATE: '成功率低',
    DNS_MISMATCH: '解析不符',
    DNS_SERVER_DOWN: 'DNS无响应',
    DEADLINE: '未完成',
    PROBE_NETWORK: '探测网络',
    PROVIDER_ERROR: '测速源异常',
    LAG_THRESHOLD: '积压超限',
    STOP: '消费停止',
    STALL: '消费停滞',
    WARN: '积压增长',
    REWIND: '位点回退',
    HEARTBEAT_MISSED: '心跳超时',
    HEARTBEAT_FAILED: '任务失败',
    NO_DATA: '无数据',
    HOST_UNREACHABLE: '主机失联',
    HOST_THRESHOLD: '主机超限',
    STATE_RESET: '状态重置',
    LOSS_DEVIATION: '丢包升高',
    LATENCY_DEVIATION: '延迟升高',
    SWEEP_INCOMPLETE: '探测不全',
    TARGETS_UNREADABLE: '目标表错误',
  },
  en: {
    DNS_ERROR: 'DNS',
    CONNECT_REFUSED: 'REFUSED',
    CONNECT_TIMEOUT: 'TIMEOUT',
    READ_TIMEOUT: 'TIMEOUT',
    CONNECTION_RESET: 'RESET',
    PROTOCOL_ERROR: 'PROTO',
    TLS_ERROR: 'TLS',
    CERT_EXPIRING: 'CERT',
    HTTP_STATUS: 'HTTP',
    BODY_MISMATCH: 'BODY',
    REDIRECT_LIMIT: 'REDIR',
    SLOW_RESPONSE: 'SLOW',
    LOW_SUCCESS_RATE: 'FLAKY',
    DNS_MISMATCH: 'DNS',
    DNS_SERVER_DOWN: 'DNS',
    DEADLINE: 'DEADLINE',
    PROBE_NETWORK: 'NET',
    PROVIDER_ERROR: 'PROVIDER',
    LAG_THRESHOLD: 'LAG',
    STOP: 'STOP',
    STALL: 'STALL',
    WARN: 'LAG UP',
    REWIND: 'REWIND',
    HEARTBEAT_MISSED: 'NO PING',
    HEARTBEAT_FAILED: 'FAILED',
    NO_DATA: 'NO DATA',
    HOST_UNREACHABLE: 'HOST DOWN',
    HOST_THRESHOLD: 'HOST HIGH',
    STATE_RESET: 'RESET',
    LOSS_DEVIATION: 'LOSS UP',
    LATENCY_DEVIATION: 'SLOWER',
    SWEEP_INCOMPLETE: 'PARTIAL',
    TARGETS_UNREADABLE: 'TARGETS',
  },
};

/** Length as Tencent counts it: one per character, a Chinese character included. */
export const smsLength = (s: string): number => [...s].length;

/** The first `n` characters (never half a surrogate pair). */
function take(s: string, n: number): string {
  return [...s].slice(0, Math.max(0, n)).join('');
}

/** Characters the SMS console rejects in variables, and whitespace runs, go. */
function clean(s: string): string {
  return s.replace(/[【】\[\]]/g, '').replace(/\s+/g, ' ').trim();
}

/** The last `n` characters. */
function tail(s: string, n: number): string {
  return n <= 0 ? '' : [...s].slice(-n).join('');
}

/**
 * `name` in `n` characters, told apart from every other monitor name cut to `n`: the plain
 * cut when no other name shares it ("orders"); else its start and end ("bac~pi" for
 * backend-api beside backend-db's "bac~db"); else its start and its place among the names
 * that still collide ("backe1", "backe2").
 */
export function shortName(name: string, n: number, names: readonly string[]): string {
  const plain = take(name, n);
  if (smsLength(name) <= n) return name;
  const rivals = [...new Set(names.map(clean))].filter((o) => o !== name && smsLength(o) > n && take(o, n) === plain);
  if (!rivals.length || n < 3) return plain;
  const headLen = Math.ceil((n - 1) / 2);
  const ends = (s: string) => `${take(s, headLen)}~${tail(s, n - 1 - headLen)}`;
  if (!rivals.some((o) => ends(o) === ends(name))) return ends(name);
  const group = [name, ...rivals].sort();
  const mark = String(group.indexOf(name) + 1);
  return take(name, n - mark.length) + mark;
}

/** `name` fitted with a suffix for the others: "orders等3个", "orde+2". */
function fitName(name: string, others: number, max: number, locale: Locale, names: readonly string[]): string {
  const suffix = others === 0 ? '' : locale === 'en' ? `+${others}` : `等${others + 1}个`;
  if (smsLength(name) + smsLength(suffix) <= max) return name + suffix;
  // Keep at least two characters of the name; drop the suffix before the name disappears.
  if (max - smsLength(suffix) >= 2) return shortName(name, max - smsLength(suffix), names) + suffix;
  return shortName(name, max, names);
}

let clocks: Map<string, Intl.DateTimeFormat> | undefined;
/** "14:05", or "11-22 14:05" with the date: built from parts, since locales order them differently. */
function clockTime(iso: string, timeZone: string, withDate: boolean): string {
  clocks ??= new Map();
  let f = clocks.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    clocks.set(timeZone, f);
  }
  const part: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(iso))) part[p.type] = p.value;
  const time = `${part.hour}:${part.minute}`;
  return withDate ? `${part.month}-${part.day} ${time}` : time;
}

/** "告警" when all notices are alerts; "2告警1恢复" style counts when kinds are mixed. */
function status(notices: readonly Notice[], max: number, locale: Locale): string {
  const kinds: NoticeKind[] = ['alert', 'reminder', 'resolved', 'broken', 'cleared'];
  const present = kinds.filter((k) => notices.some((n) => n.kind === k));
  const words = STATUS[locale];
  if (present.length === 1) return take(words[present[0]!], max);
  const parts = present.map((k) => `${notices.filter((n) => n.kind === k).length}${locale === 'en' ? ' ' : ''}${words[k]}`);
  // The most severe kind first; later parts drop when they do not fit.
  let out = '';
  for (const p of parts) {
    const next = out ? `${out}${locale === 'en' ? ',' : ''}${p}` : p;
    if (smsLength(next) > max) break;
    out = next;
  }
  return out || take(parts[0]!, max);
}

export interface SmsParamOptions {
  fields: readonly SmsParamField[];
  maxLength: number;
  locale: Locale;
  /** For `time`; default Asia/Shanghai. */
  timeZone?: string;
  /** Every monitor name of the config, so that two cut to the same text are told apart. */
  monitorNames?: readonly string[];
}

/** TemplateParamSet for one grouped message: every value at most `maxLength` characters. */
export function smsParams(notices: readonly Notice[], o: SmsParamOptions): string[] {
  const first = notices[0];
  if (!first) return o.fields.map(() => '');
  const max = o.maxLength;
  return o.fields.map((field) => {
    switch (field) {
      case 'monitor':
        return fitName(clean(first.monitor), notices.length - 1, max, o.locale, o.monitorNames ?? notices.map((n) => n.monitor));
      case 'status':
        return status(notices, max, o.locale);
      case 'time': {
        const latest = notices.reduce((a, n) => (n.at > a ? n.at : a), first.at);
        // "11-22 14:05" when there is room for the date, else "14:05".
        const t = clockTime(latest, o.timeZone ?? 'Asia/Shanghai', max >= 11);
        return take(t, max);
      }
      case 'reason': {
        const code = first.reasons[0]?.code;
        return code ? take(REASON[o.locale][code] ?? code, max) : '';
      }
      case 'count':
        return take(String(notices.length), max);
    }
  });
}
