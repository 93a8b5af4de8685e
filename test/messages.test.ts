/**
 * What a notice says before a channel formats it: zh-CN and en wording, times in UTC+8,
 * durations, user templates, titles of grouped messages, and fitting a message to a channel's
 * byte and item limits without ever splitting a character or going over the limit.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cutUtf8, displayTime, fillTemplate, fitMessage, messageTitle, templateValues, unknownPlaceholders, viewNotice, WORDS, type FitOptions } from '../lib/alerting/messages';
import type { Notice, NoticeKind } from '../lib/alerting/types';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
/** A lone surrogate half: what splitting an emoji in the middle leaves behind. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const SINCE = '2026-11-22T06:52:51Z'; // 14:52:51 in UTC+8
const AT = '2026-11-22T07:02:51Z'; // ten minutes later

function notice(over: Partial<Notice> = {}): Notice {
  return {
    kind: 'alert',
    function: 'statusCheck',
    monitor: 'api',
    type: 'http',
    target: 'https://api.example.com/health',
    incidentId: 'inc-20261122-1',
    since: SINCE,
    at: AT,
    reasons: [
      { code: 'HTTP_STATUS', message: '503 Service Unavailable' },
      { code: 'SLOW_RESPONSE', message: 'mean 6200 ms over 5000 ms' },
    ],
    stats: { samples: 10, successes: 7, successRate: 0.7, meanMs: 6200, p95Ms: 9100 },
    ...over,
  };
}

describe('displayTime', () => {
  test('UTC+8 with the offset named', () => {
    assert.equal(displayTime('2026-11-22T06:52:51Z'), '2026-11-22 14:52:51 (UTC+8)');
  });

  test('crossing midnight and the year, with hour 00', () => {
    assert.equal(displayTime('2026-12-31T16:00:00Z'), '2027-01-01 00:00:00 (UTC+8)');
    assert.equal(displayTime('2026-11-22T15:59:59.900Z'), '2026-11-22 23:59:59 (UTC+8)');
  });

  test('an ISO time with its own offset', () => {
    assert.equal(displayTime('2026-11-22T14:52:51+08:00'), '2026-11-22 14:52:51 (UTC+8)');
  });
});

describe('viewNotice: alert and reminder', () => {
  test('zh-CN alert', () => {
    assert.deepEqual(viewNotice(notice(), 'zh-CN'), {
      kind: 'alert',
      headline: '告警 api',
      fields: [
        ['目标', 'https://api.example.com/health'],
        ['原因', 'HTTP_STATUS: 503 Service Unavailable'],
        ['原因', 'SLOW_RESPONSE: mean 6200 ms over 5000 ms'],
        ['数据', '成功率 70% (7/10), 均值 6200 ms, p95 9100 ms'],
        ['开始时间', '2026-11-22 14:52:51 (UTC+8)'],
        ['事件编号', 'inc-20261122-1'],
      ],
    });
  });

  test('en alert', () => {
    assert.deepEqual(viewNotice(notice(), 'en'), {
      kind: 'alert',
      headline: 'ALERT api',
      fields: [
        ['Target', 'https://api.example.com/health'],
        ['Reason', 'HTTP_STATUS: 503 Service Unavailable'],
        ['Reason', 'SLOW_RESPONSE: mean 6200 ms over 5000 ms'],
        ['Numbers', 'success rate 70% (7/10), mean 6200 ms, p95 9100 ms'],
        ['Since', '2026-11-22 14:52:51 (UTC+8)'],
        ['Incident', 'inc-20261122-1'],
      ],
    });
  });

  test('reminder headlines', () => {
    assert.equal(viewNotice(notice({ kind: 'reminder' }), 'zh-CN').headline, '仍未恢复 api');
    assert.equal(viewNotice(notice({ kind: 'reminder' }), 'en').headline, 'STILL FAILING api');
    assert.equal(viewNotice(notice({ kind: 'reminder' }), 'en').kind, 'reminder');
  });

  test('a reminder lists the same fields as an alert', () => {
    assert.deepEqual(viewNotice(notice({ kind: 'reminder' }), 'en').fields, viewNotice(notice(), 'en').fields);
  });

  test('stats without timings: the success rate only', () => {
    const v = viewNotice(notice({ stats: { samples: 8, successes: 1, successRate: 0.125 } }), 'en');
    // 0.125 -> round(125) / 10 = 12.5%
    assert.deepEqual(v.fields.find(([label]) => label === 'Numbers'), ['Numbers', 'success rate 12.5% (1/8)']);
  });

  test('no stats, or no samples: no numbers line', () => {
    const none = viewNotice(notice({ stats: undefined }), 'en');
    const empty = viewNotice(notice({ stats: { samples: 0, successes: 0, successRate: 0 } }), 'en');
    assert.equal(none.fields.some(([label]) => label === 'Numbers'), false);
    assert.equal(empty.fields.some(([label]) => label === 'Numbers'), false);
  });

  test('one reason line per reason, in order', () => {
    const v = viewNotice(notice({ reasons: [{ code: 'DNS_ERROR', message: 'ENOTFOUND api.example.com' }] }), 'zh-CN');
    assert.deepEqual(
      v.fields.filter(([label]) => label === '原因'),
      [['原因', 'DNS_ERROR: ENOTFOUND api.example.com']],
    );
  });
});

describe('viewNotice: resolved', () => {
  const resolved = (over: Partial<Notice> = {}) => notice({ kind: 'resolved', durationMs: 10 * 60_000, stats: undefined, ...over });

  test('zh-CN resolved', () => {
    assert.deepEqual(viewNotice(resolved(), 'zh-CN'), {
      kind: 'resolved',
      headline: '已恢复 api',
      fields: [
        ['目标', 'https://api.example.com/health'],
        ['原因', 'HTTP_STATUS: 503 Service Unavailable; SLOW_RESPONSE: mean 6200 ms over 5000 ms'],
        ['开始时间', '2026-11-22 14:52:51 (UTC+8)'],
        ['持续', '10 分钟'],
        ['事件编号', 'inc-20261122-1'],
      ],
    });
  });

  test('en resolved', () => {
    assert.deepEqual(viewNotice(resolved(), 'en'), {
      kind: 'resolved',
      headline: 'RESOLVED api',
      fields: [
        ['Target', 'https://api.example.com/health'],
        ['Reason', 'HTTP_STATUS: 503 Service Unavailable; SLOW_RESPONSE: mean 6200 ms over 5000 ms'],
        ['Since', '2026-11-22 14:52:51 (UTC+8)'],
        ['Lasted', '10 min'],
        ['Incident', 'inc-20261122-1'],
      ],
    });
  });

  test('a resolved has no numbers line even with stats', () => {
    const v = viewNotice(resolved({ stats: { samples: 10, successes: 10, successRate: 1 } }), 'en');
    assert.equal(v.fields.some(([label]) => label === 'Numbers'), false);
  });

  test('without durationMs the duration is at - since', () => {
    // since 06:52:51, at 07:02:51 -> 10 minutes.
    assert.equal(viewNotice(resolved({ durationMs: undefined }), 'en').fields.find(([l]) => l === 'Lasted')?.[1], '10 min');
  });

  // [ms, zh-CN, en]; minutes are rounded, hours and days are whole with the rest below them.
  const cases: [number, string, string][] = [
    [20_000, '20 秒', '20 s'],
    [1_000, '1 秒', '1 s'],
    [29_000, '29 秒', '29 s'], // 0.48 min rounds to 0 -> seconds
    [10 * 60_000, '10 分钟', '10 min'],
    [59 * 60_000, '59 分钟', '59 min'],
    [60 * 60_000 - 20_000, '1 小时 0 分钟', '1 h 0 min'], // 59.67 min rounds to 60
    [90 * 60_000, '1 小时 30 分钟', '1 h 30 min'],
    [2 * 3600_000, '2 小时 0 分钟', '2 h 0 min'],
    [23 * 3600_000 + 59 * 60_000, '23 小时 59 分钟', '23 h 59 min'],
    [24 * 3600_000, '1 天 0 小时', '1 d 0 h'],
    [(3 * 24 + 5) * 3600_000 + 40 * 60_000, '3 天 5 小时', '3 d 5 h'], // minutes below a day's hours are dropped
  ];
  for (const [ms, zh, en] of cases) {
    test(`lasted ${ms} ms: "${zh}" / "${en}"`, () => {
      const lasted = (locale: 'zh-CN' | 'en') => viewNotice(resolved({ durationMs: ms }), locale).fields.at(-2);
      assert.deepEqual(lasted('zh-CN'), ['持续', zh]);
      assert.deepEqual(lasted('en'), ['Lasted', en]);
    });
  }
});

describe('templates', () => {
  test('templateValues for an alert', () => {
    assert.deepEqual(templateValues(notice(), 'en'), {
      kind: 'ALERT',
      monitor: 'api',
      type: 'http',
      target: 'https://api.example.com/health',
      function: 'statusCheck',
      incidentId: 'inc-20261122-1',
      since: '2026-11-22 14:52:51 (UTC+8)',
      at: '2026-11-22 15:02:51 (UTC+8)',
      duration: '10 min',
      codes: 'HTTP_STATUS, SLOW_RESPONSE',
      reasons: 'HTTP_STATUS: 503 Service Unavailable; SLOW_RESPONSE: mean 6200 ms over 5000 ms',
      successRate: '70%',
      meanMs: '6200',
      p95Ms: '9100',
    });
  });

  test('codes are listed once each', () => {
    const v = templateValues(
      notice({
        reasons: [
          { code: 'HTTP_STATUS', message: '502' },
          { code: 'HTTP_STATUS', message: '504' },
          { code: 'READ_TIMEOUT', message: 'no answer' },
        ],
      }),
      'zh-CN',
    );
    assert.equal(v.codes, 'HTTP_STATUS, READ_TIMEOUT');
    assert.equal(v.kind, '告警');
  });

  test('no stats: empty numbers', () => {
    const v = templateValues(notice({ stats: undefined }), 'en');
    assert.equal(v.successRate, '');
    assert.equal(v.meanMs, '');
    assert.equal(v.p95Ms, '');
  });

  test('fillTemplate fills known placeholders, with or without spaces, and leaves others', () => {
    const values = { monitor: 'api', kind: 'ALERT' };
    assert.equal(fillTemplate('{{kind}}: {{ monitor }} {{nope}}', values), 'ALERT: api {{nope}}');
    assert.equal(fillTemplate('{{monitor}}{{monitor}}', values), 'apiapi');
    assert.equal(fillTemplate('no placeholders', values), 'no placeholders');
  });

  test('unknownPlaceholders names the unknown ones', () => {
    assert.deepEqual(unknownPlaceholders('{{monitor}} {{ foo }} {{since}} {{Monitor}}'), ['foo', 'Monitor']);
    assert.deepEqual(unknownPlaceholders('{{kind}} {{monitor}} {{duration}} {{p95Ms}}'), []);
    assert.deepEqual(unknownPlaceholders('plain text'), []);
  });

  test('unknownPlaceholders does not take object built-ins for fields', () => {
    assert.deepEqual(unknownPlaceholders('{{constructor}} {{toString}}'), ['constructor', 'toString']);
  });

  test('viewNotice fills the template of the notice kind only', () => {
    const templates = { alert: '[{{kind}}] {{monitor}} since {{since}}: {{codes}}', resolved: '{{monitor}} ok after {{duration}}' };
    assert.equal(viewNotice(notice(), 'en', templates).custom, '[ALERT] api since 2026-11-22 14:52:51 (UTC+8): HTTP_STATUS, SLOW_RESPONSE');
    assert.equal(viewNotice(notice({ kind: 'resolved', durationMs: 3 * 3600_000 }), 'zh-CN', templates).custom, 'api ok after 3 小时 0 分钟');
    const reminder = viewNotice(notice({ kind: 'reminder' }), 'en', templates);
    assert.equal('custom' in reminder, false);
    assert.equal('custom' in viewNotice(notice(), 'en'), false);
  });
});

describe('messageTitle', () => {
  const n = (kind: NoticeKind, monitor = 'api') => notice({ kind, monitor });

  test('one notice: its kind and monitor', () => {
    assert.equal(messageTitle([n('alert')], 'zh-CN'), '[scf-monitor] 告警 api');
    assert.equal(messageTitle([n('resolved', 'db')], 'en'), '[scf-monitor] RESOLVED db');
    assert.equal(messageTitle([n('reminder')], 'en'), '[scf-monitor] STILL FAILING api');
  });

  test('a group: counts per kind, zero counts left out', () => {
    const group = [n('alert', 'a'), n('resolved', 'b'), n('alert', 'c')];
    assert.equal(messageTitle(group, 'zh-CN'), '[scf-monitor] 2 个告警，1 个已恢复');
    assert.equal(messageTitle(group, 'en'), '[scf-monitor] 2 alerts, 1 resolved');
  });

  test('singular and all three kinds', () => {
    const group = [n('alert', 'a'), n('reminder', 'b'), n('reminder', 'c'), n('resolved', 'd')];
    assert.equal(messageTitle(group, 'en'), '[scf-monitor] 1 alert, 2 still failing, 1 resolved');
    assert.equal(messageTitle(group, 'zh-CN'), '[scf-monitor] 1 个告警，2 个仍未恢复，1 个已恢复');
  });
});

/** mulberry32: a small seeded PRNG, so a failing case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 1-, 2-, 3- and 4-byte characters (the emoji are surrogate pairs in JS). */
const ALPHABET = ['a', 'Z', ' ', '\n', 'é', 'ß', '中', '文', '告', '警', '😀', '🚀', '👍'];

function randomText(rand: () => number, maxChars: number): string {
  let s = '';
  const n = Math.floor(rand() * (maxChars + 1));
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return s;
}

describe('cutUtf8', () => {
  test('a string that fits comes back whole', () => {
    assert.equal(cutUtf8('abc', 3), 'abc');
    assert.equal(cutUtf8('中文', 6), '中文');
    assert.equal(cutUtf8('', 0), '');
  });

  test('Chinese: never a partial character', () => {
    // 3 bytes each: 7 bytes hold two characters, 8 still two, 9 three.
    assert.equal(cutUtf8('中文字符', 7), '中文');
    assert.equal(cutUtf8('中文字符', 8), '中文');
    assert.equal(cutUtf8('中文字符', 9), '中文字');
    assert.equal(cutUtf8('中文字符', 2), '');
  });

  test('emoji: never half a surrogate pair', () => {
    // "a" is 1 byte, "😀" 4 bytes (2 UTF-16 units).
    assert.equal(cutUtf8('a😀b', 4), 'a');
    assert.equal(cutUtf8('a😀b', 5), 'a😀');
    assert.equal(cutUtf8('😀😀', 7), '😀');
    assert.equal(cutUtf8('😀', 3), '');
  });

  test('random strings: the longest whole-character prefix within the limit', () => {
    const rand = prng(20261122);
    for (let i = 0; i < 300; i++) {
      const s = randomText(rand, 40);
      const max = Math.floor(rand() * (bytes(s) + 3));
      const out = cutUtf8(s, max);
      assert.ok(s.startsWith(out), `not a prefix: ${JSON.stringify(s)} ${max}`);
      assert.ok(bytes(out) <= max, `over the limit: ${JSON.stringify(s)} ${max}`);
      assert.doesNotMatch(out, LONE_SURROGATE);
      const next = [...s.slice(out.length)][0];
      if (next !== undefined) assert.ok(bytes(out + next) > max, `could have kept more: ${JSON.stringify(s)} ${max}`);
    }
  });
});

describe('fitMessage', () => {
  /** A `more` callback that records what it was given and names the omitted notices. */
  function moreSpy(names: string[], locale: 'zh-CN' | 'en' = 'en') {
    const calls: number[][] = [];
    const more = (omitted: number[]) => {
      calls.push(omitted);
      return WORDS[locale].more(omitted.length, omitted.map((i) => names[i]).join(', '));
    };
    return { more, calls };
  }

  const base = (over: Partial<FitOptions>): FitOptions => ({
    head: 'H\n',
    blocks: [],
    separator: '\n',
    more: () => 'MORE',
    maxBytes: 1000,
    maxItems: 20,
    locale: 'en',
    ...over,
  });

  test('everything fits: all blocks, no more line', () => {
    const spy = moreSpy(['a', 'b', 'c']);
    const r = fitMessage(base({ blocks: ['a', 'b', 'c'], more: spy.more, tail: '\n@ops' }));
    assert.deepEqual(r, { text: 'H\na\nb\nc\n@ops', shown: 3, truncated: false });
    assert.deepEqual(spy.calls, []);
  });

  test('exactly maxBytes still fits', () => {
    // "H\n" + "a\nb\nc" = 2 + 5 = 7 bytes
    assert.equal(fitMessage(base({ blocks: ['a', 'b', 'c'], maxBytes: 7 })).shown, 3);
  });

  test('no blocks: head and tail', () => {
    assert.deepEqual(fitMessage(base({ blocks: [], tail: 'T' })), { text: 'H\nT', shown: 0, truncated: false });
  });

  test('item cap: the first maxItems blocks, then the "N more" line naming the rest', () => {
    const names = ['api', 'db', 'cache', 'mq', 'dns'];
    const spy = moreSpy(names);
    const r = fitMessage(base({ blocks: names.map((n) => `block ${n}`), maxItems: 2, more: spy.more }));
    assert.equal(r.shown, 2);
    assert.equal(r.truncated, false);
    assert.equal(r.text, 'H\nblock api\nblock db\n... and 3 more not shown: cache, mq, dns');
    assert.deepEqual(spy.calls.at(-1), [2, 3, 4]);
  });

  test('item cap in zh-CN', () => {
    const names = ['接口', '数据库', '缓存'];
    const spy = moreSpy(names, 'zh-CN');
    const r = fitMessage(base({ blocks: names.map((n) => `监控 ${n}`), maxItems: 1, more: spy.more, locale: 'zh-CN' }));
    assert.equal(r.text, 'H\n监控 接口\n……另有 2 条未列出：数据库, 缓存');
  });

  test('byte cap: whole blocks are dropped, never cut, and counted in bytes', () => {
    // Blocks of 4 Chinese characters: 4 chars but 12 bytes. more = "+N" (2 bytes here).
    // 3 shown: 2 + 3*12 + 2 separators + 1 + 2 = 43 bytes; 2 shown: 2 + 24 + 1 + 1 + 2 = 30.
    const blocks = ['中文一二', '中文三四', '中文五六', '中文七八'];
    const more = (o: number[]) => `+${o.length}`;
    const at42 = fitMessage(base({ blocks, more, maxBytes: 42 }));
    assert.deepEqual(at42, { text: 'H\n中文一二\n中文三四\n+2', shown: 2, truncated: false });
    assert.equal(bytes(at42.text), 30);
    const at43 = fitMessage(base({ blocks, more, maxBytes: 43 }));
    assert.deepEqual(at43, { text: 'H\n中文一二\n中文三四\n中文五六\n+1', shown: 3, truncated: false });
    assert.equal(bytes(at43.text), 43);
  });

  test('byte cap: the more line names every omitted index', () => {
    const blocks = ['x'.repeat(50), 'y'.repeat(50), 'z'.repeat(50), 'w'.repeat(50)];
    const spy = moreSpy(['0', '1', '2', '3']);
    const r = fitMessage(base({ blocks, more: spy.more, maxBytes: 120 }));
    assert.equal(r.shown, 1);
    assert.deepEqual(spy.calls.at(-1), [1, 2, 3]);
    assert.ok(r.text.endsWith('... and 3 more not shown: 1, 2, 3'));
  });

  test('the tail is always kept', () => {
    const r = fitMessage(base({ blocks: ['aaaa', 'bbbb'], more: (o) => `+${o.length}`, tail: '\n<@alice>', maxBytes: 20 }));
    // 2 shown: 2 + 9 + 9 = 20 bytes.
    assert.equal(r.text, 'H\naaaa\nbbbb\n<@alice>');
    const cut = fitMessage(base({ blocks: ['aaaa', 'bbbb'], more: (o) => `+${o.length}`, tail: '\n<@alice>', maxBytes: 19 }));
    // 1 shown + "+1": 2 + 4 + 1 + 2 + 9 = 18 bytes.
    assert.equal(cut.text, 'H\naaaa\n+1\n<@alice>');
  });

  test('one oversized block is cut and the message says so (en)', () => {
    const note = WORDS.en.truncated;
    const r = fitMessage(base({ head: 'T\n', blocks: ['x'.repeat(1000)], maxBytes: 100 }));
    // room for the block: 100 - 2 (head) - note - 1 (newline before the note)
    const keep = 100 - 2 - bytes(note) - 1;
    assert.equal(r.truncated, true);
    assert.equal(r.shown, 1);
    assert.equal(r.text, `T\n${'x'.repeat(keep)}\n${note}`);
    assert.equal(bytes(r.text), 100);
  });

  test('one oversized Chinese block is cut on a character boundary (zh-CN note)', () => {
    const note = WORDS['zh-CN'].truncated;
    assert.equal(note, '（消息过长，已截断）');
    const block = '告警'.repeat(500);
    const r = fitMessage(base({ head: 'T\n', blocks: [block], maxBytes: 200, locale: 'zh-CN' }));
    // room = 200 - 2 - 30 (10 chars * 3) - 1 = 167 bytes -> 55 characters (165 bytes).
    assert.equal(r.truncated, true);
    assert.equal(r.text, `T\n${block.slice(0, 55)}\n${note}`);
    assert.equal(bytes(r.text), 198);
  });

  test('one oversized emoji block is never split inside an emoji', () => {
    const block = 'a' + '😀'.repeat(100);
    for (let max = 40; max < 60; max++) {
      const r = fitMessage(base({ head: '', blocks: [block], maxBytes: max }));
      assert.ok(bytes(r.text) <= max);
      assert.doesNotMatch(r.text, LONE_SURROGATE);
      assert.ok(r.text.endsWith(`\n${WORDS.en.truncated}`));
      assert.ok(block.startsWith(r.text.slice(0, r.text.indexOf('\n'))));
    }
  });

  test('an oversized first block with others after it: cut, and the rest in the more line', () => {
    const spy = moreSpy(['big', 'b', 'c']);
    const r = fitMessage(base({ blocks: ['x'.repeat(500), 'b', 'c'], more: spy.more, maxBytes: 150 }));
    assert.equal(r.truncated, true);
    assert.deepEqual(spy.calls.at(-1), [1, 2]);
    assert.ok(r.text.includes(`\n${WORDS.en.truncated}`));
    assert.ok(r.text.endsWith('... and 2 more not shown: b, c'));
    assert.ok(bytes(r.text) <= 150);
  });

  test('random inputs: never over maxBytes, never a broken character', () => {
    const rand = prng(42);
    for (let i = 0; i < 1000; i++) {
      const locale = rand() < 0.5 ? 'zh-CN' : 'en';
      const blocks = Array.from({ length: Math.floor(rand() * 9) }, () => randomText(rand, 120));
      const head = randomText(rand, 20);
      const tail = rand() < 0.5 ? randomText(rand, 10) : undefined;
      const maxBytes = 20 + Math.floor(rand() * 600);
      const maxItems = 1 + Math.floor(rand() * 10);
      const calls: number[][] = [];
      const more = (o: number[]) => {
        calls.push(o);
        return WORDS[locale].more(o.length, o.map((k) => `#${k}`).join(', '));
      };
      const o: FitOptions = { head, blocks, separator: '\n\n', more, maxBytes, maxItems, locale, ...(tail === undefined ? {} : { tail }) };
      const r = fitMessage(o);
      const what = `case ${i}: ${JSON.stringify({ ...o, more: undefined })}`;
      assert.ok(bytes(r.text) <= maxBytes, `${bytes(r.text)} > ${maxBytes} in ${what}`);
      assert.doesNotMatch(r.text, LONE_SURROGATE, what);
      assert.ok(r.shown <= Math.min(blocks.length, maxItems) || (r.truncated && r.shown === 1), what);
      if (blocks.length === 0) {
        assert.equal(r.shown, 0, what);
        if (bytes(head + (tail ?? '')) <= maxBytes) assert.equal(r.text, head + (tail ?? ''), what);
      } else if (!r.truncated) {
        assert.ok(r.text.startsWith(head), what);
        assert.ok(r.text.endsWith(tail ?? ''), what);
        assert.ok(r.text.includes(blocks.slice(0, r.shown).join('\n\n')), what);
        if (r.shown < blocks.length) {
          const omitted = blocks.map((_, k) => k).slice(r.shown);
          assert.ok(r.text.includes(more(omitted)), `missing more line in ${what}`);
        }
      } else {
        // The note is there whenever head, tail, more line and note fit at all.
        const rest = blocks.map((_, k) => k).slice(1);
        const fixed = head + (rest.length ? '\n\n' + more(rest) : '') + (tail ?? '');
        if (bytes(fixed) + bytes(WORDS[locale].truncated) + 1 <= maxBytes) {
          assert.ok(r.text.includes(WORDS[locale].truncated), `missing note in ${what}`);
        }
      }
    }
  });
});
