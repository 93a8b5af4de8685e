/**
 * speedtest's pure parts: the object-literal parser (hostile input included), chinaz labels,
 * page and reply reading, node selection, aggregates, the quorum verdict, the worst-nodes
 * table and the bounded measuring loop. The provider flows are in speedtest-chinaz.test.ts
 * and speedtest-scf.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LiteralError, parseObjectLiteral } from '../lib/monitors/speedtest/object-literal';
import { parseLabel, splitPlace } from '../lib/monitors/speedtest/label';
import { parseMs, parseNodePage, readReply } from '../lib/monitors/speedtest/chinaz';
import { selectNodes } from '../lib/monitors/speedtest/select';
import { aggregate, aggregateOf } from '../lib/monitors/speedtest/aggregate';
import { judgeNodes } from '../lib/monitors/speedtest/quorum';
import { worstNodesTable } from '../lib/monitors/speedtest/table';
import { measureNodes } from '../lib/monitors/speedtest/measure';
import type { SpeedProvider } from '../lib/monitors/speedtest/provider';
import type { NodeResult, SpeedNode } from '../lib/monitors/speedtest/types';
import type { FailureCode } from '../lib/report/codes';

describe('object literal parser', () => {
  test("reads the issue's reply: unquoted keys, single quotes, \\u escapes, numbers", () => {
    const text =
      "({state:1,msg:'',result:{ip:'119.28.190.46',httpstate:200,alltime:'212',dnstime:'18',conntime:'116',downtime:'78',filesize:'-',downspeed:'4.72',ipaddress:'新加坡新加坡',headers:'\\u0048\\u0054\\u0054\\u0050/1.1 200 OK',pagehtml:''}})";
    assert.deepEqual(parseObjectLiteral(text), {
      state: 1,
      msg: '',
      result: {
        ip: '119.28.190.46',
        httpstate: 200,
        alltime: '212',
        dnstime: '18',
        conntime: '116',
        downtime: '78',
        filesize: '-',
        downspeed: '4.72',
        ipaddress: '新加坡新加坡',
        headers: 'HTTP/1.1 200 OK',
        pagehtml: '',
      },
    });
  });

  test('callback wrappers, bare objects, nested parentheses and trailing semicolons', () => {
    for (const text of ["callback({state:0,msg:''})", "jQuery1124_99({state:0,msg:''});", "window.cb.done( {state:0,msg:''} )", "{state:0,msg:''}", "(({state:0,msg:''}));", "  \ufeff({state:0,msg:''})\n"]) {
      assert.deepEqual(parseObjectLiteral(text), { state: 0, msg: '' }, text);
    }
  });

  test('double quotes, quoted keys, every escape, and line continuations', () => {
    const text = `{"a b":"x\\"y",'c':'it\\'s',d:"\\n\\t\\r\\b\\f\\v\\0\\\\\\/",e:'\\x41\\u00e9\\u{1F600}',f:'one\\
two',g:'\\q'}`;
    assert.deepEqual(parseObjectLiteral(text), {
      'a b': 'x"y',
      c: "it's",
      d: '\n\t\r\b\f\v\0\\/',
      e: 'Aé😀',
      f: 'onetwo',
      g: 'q',
    });
  });

  test('numbers, arrays, nesting, trailing commas, literals and comments', () => {
    const text = `{ /* a comment */ n: -12.5e1, h: 0x1F, p: +3, d: .5, i: 7, // to the end of the line
      list: [1, 'two', [true, false, null], {x: undefined},], 3: 'numeric key', }`;
    assert.deepEqual(parseObjectLiteral(text), { n: -125, h: 31, p: 3, d: 0.5, i: 7, list: [1, 'two', [true, false, null], { x: undefined }], 3: 'numeric key' });
  });

  test('code is refused, never run', () => {
    let called = false;
    (globalThis as Record<string, unknown>).__literalProbe = () => {
      called = true;
    };
    const hostile = [
      '({a:alert(1)})',
      '({a:__literalProbe()})',
      "({a:(function(){__literalProbe()})()})",
      "constructor.constructor('__literalProbe()')()",
      '({a:`template`})',
      '({get a(){ return 1 }})',
      '({a:1}); __literalProbe()',
      '({a:1})({b:2})',
      '({a:[1,2].map(__literalProbe)})',
      '({a:new Date()})',
      '({...spread})',
      "({a:'x' + 'y'})",
    ];
    for (const text of hostile) assert.throws(() => parseObjectLiteral(text), LiteralError, text);
    assert.equal(called, false);
    delete (globalThis as Record<string, unknown>).__literalProbe;
  });

  test('__proto__ and constructor keys are plain data', () => {
    const v = parseObjectLiteral("({__proto__:{polluted:'yes'},constructor:{prototype:{polluted:'yes'}},result:{__proto__:1}})") as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.deepEqual(Object.keys(v), ['__proto__', 'constructor', 'result']);
    assert.deepEqual(v['__proto__'], { polluted: 'yes' });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((v as { polluted?: unknown }).polluted, undefined);
  });

  test('bounded: too long, too deep, and malformed input fail with LiteralError', () => {
    assert.throws(() => parseObjectLiteral(`'${'x'.repeat(2000)}'`, { maxLength: 1000 }), /longer than 1000/);
    // Deep nesting fails on the depth limit, not with a stack overflow.
    assert.throws(() => parseObjectLiteral('['.repeat(100_000)), /nested deeper than 32/);
    assert.throws(() => parseObjectLiteral('('.repeat(50) + '1' + ')'.repeat(50)), /nested deeper/);
    assert.deepEqual(parseObjectLiteral('[[[1]]]', { maxDepth: 3 }), [[[1]]]);
    assert.throws(() => parseObjectLiteral('[[[[1]]]]', { maxDepth: 3 }), LiteralError);
    const malformed = ['', '   ', "({a:'x})", "({a:'line\nbreak'})", '({a:1}', '({a 1})', '({a:1,,b:2})', '({:1})', "'\\u12'", "'\\u{110000}'", '[1 2]', '-', 'callback', '/* open', "({a:'\\"];
    for (const text of malformed) assert.throws(() => parseObjectLiteral(text), LiteralError, JSON.stringify(text));
  });

  test('the error says where', () => {
    assert.throws(() => parseObjectLiteral("({state:1,msg:'ok',result:oops})"), (err: LiteralError) => err.at === 26 && /unexpected word "oops" at offset 26/.test(err.message));
  });
});

describe('chinaz labels, pages and replies', () => {
  test('labels split into province, city and ISP', () => {
    assert.deepEqual(parseLabel('江苏宿迁[电信]'), { province: '江苏', city: '宿迁', isp: '电信' });
    assert.deepEqual(parseLabel('黑龙江哈尔滨[联通]'), { province: '黑龙江', city: '哈尔滨', isp: '联通' });
    assert.deepEqual(parseLabel('内蒙古呼和浩特[移动]'), { province: '内蒙古', city: '呼和浩特', isp: '移动' });
    assert.deepEqual(parseLabel(' 北京[多线] '), { province: '北京', city: '北京', isp: '多线' });
    assert.deepEqual(parseLabel('上海上海[电信]'), { province: '上海', city: '上海', isp: '电信' });
    assert.deepEqual(parseLabel('广西壮族自治区南宁市[电信]'), { province: '广西', city: '南宁', isp: '电信' });
    assert.deepEqual(parseLabel('江苏省宿迁[电信]'), { province: '江苏', city: '宿迁', isp: '电信' });
    assert.deepEqual(parseLabel('新加坡[多线]'), { province: '新加坡', isp: '多线' });
    assert.deepEqual(parseLabel('香港[BGP]'), { province: '香港', city: '香港', isp: 'BGP' });
    assert.equal(parseLabel('江苏宿迁 电信'), undefined);
    assert.equal(parseLabel('[电信]'), undefined);
    assert.deepEqual(splitPlace('美国洛杉矶'), { province: '美国洛杉矶' });
  });

  test('a page: guid ids with labels are nodes, the token is #enkey; decoys are skipped', () => {
    const html = `<html><body><input type="hidden" id="enkey" value=" tok123 ">
      <div id="header">江苏宿迁[电信]</div>
      <div id="00000000-0000-0000-0000-00000000000g">广东佛山[电信]</div>
      <ul>
        <li id="F403CDF2-27F8-4CCD-8F22-6F5A28A01309"><div><span class="n">广东佛山[电信]</span></div><div>-</div><div>-</div></li>
        <li id="74cb6a5c-b044-49d0-abee-bf42beb6ae05"><b>节点</b> 江苏宿迁[多线] <i>-</i></li>
        <li id="f403cdf2-27f8-4ccd-8f22-6f5a28a01309"><span>广东佛山[电信]</span></li>
        <li id="ddfeba9f-a432-4b9a-b0a9-ef76e9499558"><img src="ad.png"></li>
      </ul></body></html>`;
    const page = parseNodePage(html);
    assert.equal(page.token, 'tok123');
    assert.deepEqual(page.nodes, [
      { id: 'F403CDF2-27F8-4CCD-8F22-6F5A28A01309', name: '广东佛山[电信]', province: '广东', city: '佛山', isp: '电信' },
      { id: '74cb6a5c-b044-49d0-abee-bf42beb6ae05', name: '江苏宿迁[多线]', province: '江苏', city: '宿迁', isp: '多线' },
    ]);
    assert.deepEqual(parseNodePage('<html><body><div id="list"></div></body></html>'), { nodes: [] });
    assert.deepEqual(parseNodePage('not html at all <<<>>>'), { nodes: [] });
  });

  test('a hostile page: deeply nested node elements and too many nodes stay bounded', { timeout: 60_000 }, () => {
    const guid = (i: number) => `5074fb13-4ab9-4f0a-87d9-${i.toString(16).padStart(12, '0')}`;
    const depth = 1500;
    const nested = `<input id="enkey" value="t">${Array.from({ length: depth }, (_, i) => `<div id="${guid(i)}">江苏宿迁[电信]`).join('')}${'</div>'.repeat(depth)}`;
    const page = parseNodePage(nested);
    assert.equal(page.nodes.length, depth, 'each nested element finds its own label text first');
    const flat = `<input id="enkey" value="t">${Array.from({ length: 2500 }, (_, i) => `<p id="${guid(i)}">广东佛山[联通]</p>`).join('')}`;
    assert.equal(parseNodePage(flat).nodes.length, 2000, 'at most MAX_NODES');
  });

  test("times: '<1' is half a millisecond, '-' is absent", () => {
    assert.equal(parseMs('212'), 212);
    assert.equal(parseMs(' 18 '), 18);
    assert.equal(parseMs('4.72'), 4.72);
    assert.equal(parseMs('12ms'), 12);
    assert.equal(parseMs('<1'), 0.5);
    assert.equal(parseMs('-'), undefined);
    assert.equal(parseMs(''), undefined);
    assert.equal(parseMs('abc'), undefined);
    assert.equal(parseMs(-3), undefined);
    assert.equal(parseMs(7), 7);
    assert.equal(parseMs(undefined), undefined);
  });

  const node: SpeedNode = { id: 'g', name: '江苏宿迁[电信]', province: '江苏', city: '宿迁', isp: '电信' };
  const reply = (result: Record<string, unknown>) => ({ state: 1, msg: '', result });

  test('a reply becomes a NodeResult; the failing phase is inferred from what was reported', () => {
    assert.deepEqual(readReply(node, 'www.example.com', reply({ ip: '1.2.3.4', httpstate: '301', alltime: '212', dnstime: '<1', conntime: '116', downtime: '-', downspeed: '4.72' })), {
      node: '江苏宿迁[电信]',
      id: 'g',
      province: '江苏',
      city: '宿迁',
      isp: '电信',
      ip: '1.2.3.4',
      httpStatus: 301,
      totalMs: 212,
      dnsMs: 0.5,
      connectMs: 116,
      downloadKBps: 4.72,
    });
    const code = (result: Record<string, unknown>) => {
      const r = readReply(node, 'www.example.com', reply(result));
      return r === 'retry' ? 'retry' : r.error?.code;
    };
    assert.equal(code({ ip: '1.2.3.4', httpstate: 502, alltime: '80' }), 'HTTP_STATUS');
    assert.equal(code({ ip: '-', httpstate: 0, dnstime: '-', conntime: '-', alltime: '-' }), 'DNS_ERROR');
    assert.equal(code({ ip: '1.2.3.4', httpstate: 0, dnstime: '20', conntime: '-' }), 'CONNECT_TIMEOUT');
    assert.equal(code({ ip: '1.2.3.4', dnstime: '20', conntime: '35' }), 'READ_TIMEOUT');
    const r = readReply(node, 'www.example.com', reply({ ip: '1.2.3.4', dnstime: '20', conntime: '35' })) as NodeResult;
    assert.equal(r.error?.message, '江苏宿迁[电信]: connected to 1.2.3.4 in 35 ms but got no answer');
  });

  test('state 0 without a message asks for a retry; refusals and odd replies are the provider failing', () => {
    assert.equal(readReply(node, 'h', { state: 0, msg: '' }), 'retry');
    const refused = readReply(node, 'h', { state: 0, msg: '验证失败' }) as NodeResult;
    assert.deepEqual(refused.error, { code: 'PROVIDER_ERROR', message: '江苏宿迁[电信]: the provider refused the check (state 0: 验证失败)' });
    for (const odd of [{ state: 1 }, { state: 1, result: 'x' }, [1, 2], 'text', null, { state: -1 }]) {
      const r = readReply(node, 'h', odd);
      assert.notEqual(r, 'retry');
      assert.equal((r as NodeResult).error?.code, 'PROVIDER_ERROR', JSON.stringify(odd));
    }
  });
});

const NODES: SpeedNode[] = [
  { id: '1', name: '广东广州[电信]', province: '广东', city: '广州', isp: '电信' },
  { id: '2', name: '广东深圳[联通]', province: '广东', city: '深圳', isp: '联通' },
  { id: '3', name: '广东佛山[电信]', province: '广东', city: '佛山', isp: '电信' },
  { id: '4', name: '广东东莞[移动]', province: '广东', city: '东莞', isp: '移动' },
  { id: '5', name: '江苏南京[电信]', province: '江苏', city: '南京', isp: '电信' },
  { id: '6', name: '江苏苏州[移动]', province: '江苏', city: '苏州', isp: '移动' },
  { id: '7', name: '北京[多线]', province: '北京', city: '北京', isp: '多线' },
  { id: '8', name: '黑龙江哈尔滨[联通]', province: '黑龙江', city: '哈尔滨', isp: '联通' },
];
const ids = (nodes: SpeedNode[]) => nodes.map((n) => n.id).join(',');

describe('node selection', () => {
  test('by ISP, by province, both', () => {
    assert.equal(ids(selectNodes(NODES, {})), '1,2,3,4,5,6,7,8');
    assert.equal(ids(selectNodes(NODES, { isps: ['电信'] })), '1,3,5');
    assert.equal(ids(selectNodes(NODES, { isps: ['联通', '多线'] })), '2,7,8');
    assert.equal(ids(selectNodes(NODES, { provinces: ['江苏', '黑龙江'] })), '5,6,8');
    assert.equal(ids(selectNodes(NODES, { provinces: ['广东深圳'] })), '2');
    assert.equal(ids(selectNodes(NODES, { isps: ['电信'], provinces: ['广东'] })), '1,3');
    assert.equal(ids(selectNodes(NODES, { isps: ['电信'], provinces: ['黑龙江'] })), '');
  });

  test('maxNodes takes provinces in turns (and ISPs within one), keeping the provider order', () => {
    assert.equal(ids(selectNodes(NODES, { maxNodes: 4 })), '1,5,7,8');
    assert.equal(ids(selectNodes(NODES, { maxNodes: 6 })), '1,2,5,6,7,8');
    // Within 广东: 电信, 联通, 移动 before a second 电信.
    assert.equal(ids(selectNodes(NODES, { provinces: ['广东'], maxNodes: 3 })), '1,2,4');
    assert.equal(ids(selectNodes(NODES, { maxNodes: 100 })), '1,2,3,4,5,6,7,8');
  });
});

/** A node result for the rule tests: `ms` answered, or a failure code. */
function result(i: number, province: string, outcome: number | FailureCode, isp = '电信'): NodeResult {
  const r: NodeResult = { node: `${province}${i}[${isp}]`, id: String(i), province, isp };
  if (typeof outcome === 'number') Object.assign(r, { ip: `10.0.0.${i % 3}`, httpStatus: 200, totalMs: outcome });
  else r.error = { code: outcome, message: `${province}${i}[${isp}]: ${outcome.toLowerCase()}` };
  return r;
}

const PROVINCES = ['广东', '江苏', '浙江', '北京', '上海', '四川', '湖北', '山东', '河南', '福建'];

/** 20 nodes over 10 provinces; `outcome(i)` decides each. */
function twenty(outcome: (i: number) => number | FailureCode): NodeResult[] {
  return Array.from({ length: 20 }, (_, i) => result(i, PROVINCES[i % 10]!, outcome(i)));
}

describe('aggregates', () => {
  test('median, p90, worst and failed count, overall and per ISP and province', () => {
    const rs = [
      result(1, '广东', 100, '电信'),
      result(2, '广东', 200, '联通'),
      result(3, '江苏', 300, '电信'),
      result(4, '江苏', 400, '移动'),
      result(5, '北京', 1000, '电信'),
      result(6, '北京', 'CONNECT_TIMEOUT', '联通'),
      result(7, '北京', 'PROVIDER_ERROR', '电信'),
    ];
    const a = aggregate(rs);
    // p90 interpolates between closest ranks: 400 + 0.6 x (1000 - 400).
    assert.deepEqual(a.overall, { nodes: 6, failed: 1, providerErrors: 1, medianMs: 300, p90Ms: 760, worstMs: 1000, worstNode: '北京5[电信]' });
    assert.deepEqual(a.byIsp['电信'], { nodes: 3, failed: 0, providerErrors: 1, medianMs: 300, p90Ms: 860, worstMs: 1000, worstNode: '北京5[电信]' });
    assert.deepEqual(a.byIsp['联通'], { nodes: 2, failed: 1, providerErrors: 0, medianMs: 200, p90Ms: 200, worstMs: 200, worstNode: '广东2[联通]' });
    assert.deepEqual(a.byProvince['北京'], { nodes: 2, failed: 1, providerErrors: 1, medianMs: 1000, p90Ms: 1000, worstMs: 1000, worstNode: '北京5[电信]' });
    assert.deepEqual(Object.keys(a.byProvince), ['广东', '江苏', '北京']);
    assert.deepEqual(aggregateOf([]), { nodes: 0, failed: 0, providerErrors: 0 });
  });

  test('a hostile label stays a plain key', () => {
    const a = aggregate([result(1, '__proto__', 5)]);
    assert.equal(Object.getPrototypeOf(a.byProvince), Object.prototype);
    assert.equal(a.byProvince['__proto__']?.nodes, 1);
  });
});

describe('quorum', () => {
  const expect = { minProvinces: 2 };

  test('healthy: no reasons; stats over the nodes that speak for the target', () => {
    const v = judgeNodes(twenty((i) => 100 + i), expect, 'province');
    assert.equal(v.ok, true);
    assert.deepEqual(v.reasons, []);
    assert.deepEqual(v.stats, { samples: 20, successes: 20, successRate: 1, meanMs: 109.5, stdMs: 5.8, p95Ms: 118.1 });
    assert.deepEqual(v.hostList, ['10.0.0.0', '10.0.0.1', '10.0.0.2']);
  });

  test('one node down, or a few: not down', () => {
    assert.equal(judgeNodes(twenty((i) => (i === 3 ? 'CONNECT_TIMEOUT' : 100)), expect, 'province').ok, true);
    assert.equal(judgeNodes(twenty((i) => (i < 10 ? 'CONNECT_TIMEOUT' : 100)), expect, 'province').ok, true, '10 of 20 is not more than half');
  });

  test('down: more than half failed across provinces, failures grouped by code', () => {
    const v = judgeNodes(twenty((i) => (i < 10 ? 'CONNECT_TIMEOUT' : i < 14 ? 'DNS_ERROR' : 100)), expect, 'province');
    assert.equal(v.ok, false);
    assert.deepEqual(
      v.reasons.map((r) => r.code),
      ['LOW_SUCCESS_RATE', 'CONNECT_TIMEOUT', 'DNS_ERROR'],
    );
    assert.equal(v.reasons[0]!.message, '14 of 20 nodes failed in 10 provinces (allowed: at most 50% of nodes)');
    assert.match(v.reasons[1]!.message, /^10 of 20 nodes: 广东0\[电信\]: connect_timeout; 江苏1\[电信\]: connect_timeout; 浙江2\[电信\]: connect_timeout; and 7 more$/);
    assert.match(v.reasons[2]!.message, /^4 of 20 nodes: /);
    assert.deepEqual(v.stats, { samples: 20, successes: 6, successRate: 0.3, meanMs: 100, stdMs: 0, p95Ms: 100 });
  });

  test('failures in fewer provinces than minProvinces do not alert; minProvinces is capped by the provinces measured', () => {
    const rs = Array.from({ length: 10 }, (_, i) => result(i, i < 8 ? '广东' : '江苏', i < 8 ? 'READ_TIMEOUT' : 100));
    assert.equal(judgeNodes(rs, expect, 'province').ok, true, 'all failures in 广东');
    assert.equal(judgeNodes(rs, { minProvinces: 1 }, 'province').ok, false);
    const oneProvince = Array.from({ length: 4 }, (_, i) => result(i, '广东', 'READ_TIMEOUT'));
    const v = judgeNodes(oneProvince, { minProvinces: 3 }, 'province');
    assert.equal(v.ok, false, 'a sample from one province that all fails still alerts');
    assert.equal(v.reasons[0]!.message, '4 of 4 nodes failed in 1 province (allowed: at most 50% of nodes)');
  });

  test('maxFailedNodes and maxFailedRatio', () => {
    const failing = (n: number) => twenty((i) => (i < n ? 'HTTP_STATUS' : 100));
    assert.equal(judgeNodes(failing(3), { ...expect, maxFailedNodes: 2 }, 'province').reasons[0]?.message, '3 of 20 nodes failed in 3 provinces (allowed: at most 2 failed nodes)');
    assert.equal(judgeNodes(failing(2), { ...expect, maxFailedNodes: 2 }, 'province').ok, true);
    assert.equal(judgeNodes(failing(7), { ...expect, maxFailedRatio: 0.3 }, 'province').ok, false);
    assert.equal(judgeNodes(failing(6), { ...expect, maxFailedRatio: 0.3 }, 'province').ok, true);
    // Either limit trips it when both are set; maxFailedNodes alone replaces the default ratio.
    assert.equal(judgeNodes(failing(3), { ...expect, maxFailedNodes: 5, maxFailedRatio: 0.1 }, 'province').ok, false);
    assert.equal(judgeNodes(failing(12), { ...expect, maxFailedNodes: 15 }, 'province').ok, true);
  });

  test('nodes the provider could not run count neither way', () => {
    const v = judgeNodes(twenty((i) => (i < 12 ? 'PROVIDER_ERROR' : 100)), expect, 'province');
    assert.equal(v.ok, true);
    assert.equal(v.stats.samples, 8);
    const w = judgeNodes(twenty((i) => (i < 12 ? 'PROVIDER_ERROR' : i < 17 ? 'CONNECT_REFUSED' : 100)), expect, 'province');
    assert.equal(w.reasons[0]!.message, '5 of 8 nodes failed in 5 provinces (allowed: at most 50% of nodes)');
  });

  test('every node a provider failure: PROVIDER_ERROR, never "down"', () => {
    const v = judgeNodes(twenty(() => 'PROVIDER_ERROR'), expect, 'province');
    assert.deepEqual(v.reasons.map((r) => r.code), ['PROVIDER_ERROR']);
    assert.match(v.reasons[0]!.message, /^none of the 20 nodes could run the check, so nothing is known about the target: 20 of 20 nodes: /);
    assert.deepEqual(v.stats, { samples: 0, successes: 0, successRate: 0 });
  });

  test('slow: most answering nodes above maxTotalMs across provinces, with the median', () => {
    const e = { ...expect, maxTotalMs: 1000 };
    const v = judgeNodes(twenty((i) => (i < 11 ? 3000 + i : 200)), e, 'province');
    assert.deepEqual(v.reasons, [
      { code: 'SLOW_RESPONSE', message: 'median total time 3000.5 ms over 20 answering nodes is above 1000 ms (11 slower than 1000 ms in 10 provinces)' },
    ]);
    assert.equal(judgeNodes(twenty((i) => (i < 10 ? 3000 : 200)), e, 'province').ok, true, 'half is not most');
    const oneProvince = Array.from({ length: 10 }, (_, i) => result(i, i < 7 ? '广东' : PROVINCES[i]!, i < 7 ? 3000 : 200));
    assert.equal(judgeNodes(oneProvince, e, 'province').ok, true, 'slow only in 广东');
    assert.equal(judgeNodes(twenty(() => 3000), { minProvinces: 2 }, 'province').ok, true, 'no maxTotalMs, no SLOW_RESPONSE');
  });

  test('regions are counted for scf-regions', () => {
    const rs = ['ap-guangzhou', 'ap-shanghai', 'ap-beijing'].map((r, i) => result(i, r, i < 2 ? 'CONNECT_TIMEOUT' : 90));
    assert.equal(judgeNodes(rs, expect, 'region').reasons[0]!.message, '2 of 3 nodes failed in 2 regions (allowed: at most 50% of nodes)');
  });

  test('deadline: the nodes measured are kept and judged, the rest left out', () => {
    const v = judgeNodes(twenty((i) => (i >= 15 ? 'DEADLINE' : i < 10 ? 'CONNECT_TIMEOUT' : 100)), expect, 'province');
    assert.equal(v.reasons[0]!.code, 'DEADLINE');
    assert.equal(v.reasons[0]!.message, 'stopped at the function deadline with 15 of 20 nodes measured (the rest are left out of the verdict)');
    assert.equal(v.reasons[1]!.message, '10 of 15 nodes failed in 10 provinces (allowed: at most 50% of nodes)');
    assert.equal(v.stats.samples, 15);
  });
});

describe('worst nodes table', () => {
  test('target failures first, then the slowest, then nodes that could not run; at most 10 rows', () => {
    const rs = [
      result(1, '广东', 120),
      result(2, '江苏', 'PROVIDER_ERROR'),
      result(3, '北京', 900),
      result(4, '上海', 'CONNECT_TIMEOUT'),
      ...Array.from({ length: 10 }, (_, i) => result(10 + i, '四川', 50 + i)),
    ];
    const t = worstNodesTable(rs, 'province');
    assert.deepEqual(t.columns, ['node', 'ISP', 'IP', 'total ms', 'result']);
    assert.equal(t.rows.length, 10);
    assert.deepEqual(t.rows[0], ['上海4[电信]', '电信', '-', '-', 'CONNECT_TIMEOUT']);
    assert.deepEqual(t.rows[1], ['北京3[电信]', '电信', '10.0.0.0', '900', 'HTTP 200']);
    assert.deepEqual(t.rows[2], ['广东1[电信]', '电信', '10.0.0.1', '120', 'HTTP 200']);
    assert.ok(!t.rows.some((r) => r[4] === 'PROVIDER_ERROR'), 'cut when the table is full');
    assert.deepEqual(worstNodesTable([result(1, 'ap-guangzhou', 'PROVIDER_ERROR')], 'region').columns, ['region', 'city', 'IP', 'total ms', 'result']);
  });
});

describe('measuring nodes', () => {
  const nodes = (n: number): SpeedNode[] => Array.from({ length: n }, (_, i) => ({ id: String(i), name: `n${i}`, province: `p${i % 4}` }));

  /** A provider whose node `i` takes `delay(i)` ms and ignores the signal when `deaf`. */
  function fake(delay: (i: number) => number, deaf = false) {
    let inFlight = 0;
    let peak = 0;
    const provider: SpeedProvider = {
      name: 'chinaz',
      listNodes: async () => [],
      probe: (node, signal) =>
        new Promise((resolve) => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          const done = () => {
            inFlight--;
            resolve({ node: node.name, id: node.id, province: node.province, totalMs: 10, httpStatus: 200 });
          };
          const t = setTimeout(done, delay(Number(node.id)));
          if (!deaf) signal.addEventListener('abort', () => (clearTimeout(t), done()), { once: true });
        }),
    };
    return { provider, peak: () => peak };
  }

  test('never more than `concurrency` nodes at once; results in node order', async () => {
    const f = fake(() => 5);
    const rs = await measureNodes(f.provider, nodes(25), { concurrency: 4, nodeTimeoutMs: 1000, signal: new AbortController().signal });
    assert.equal(f.peak(), 4);
    assert.deepEqual(rs.map((r) => r.node), nodes(25).map((n) => n.name));
  });

  test('a node that never reports costs nodeTimeoutMs and is the provider failing, even if it ignores the signal', async () => {
    const f = fake((i) => (i === 1 ? 600 : 5), true);
    const rs = await measureNodes(f.provider, nodes(3), { concurrency: 3, nodeTimeoutMs: 150, signal: new AbortController().signal });
    assert.deepEqual(rs[1]!.error, { code: 'PROVIDER_ERROR', message: 'n1: no report from the node within 150 ms (nodeTimeoutMs)' });
    assert.equal(rs[0]!.error, undefined);
  });

  test('the deadline: nodes in flight and nodes not started are DEADLINE, finished ones kept', async () => {
    const deadline = new AbortController();
    const f = fake((i) => (i < 2 ? 5 : 5000));
    setTimeout(() => deadline.abort(), 100);
    const rs = await measureNodes(f.provider, nodes(6), { concurrency: 4, nodeTimeoutMs: 10_000, signal: deadline.signal });
    assert.deepEqual(rs.map((r) => r.error?.code ?? 'ok'), ['ok', 'ok', 'DEADLINE', 'DEADLINE', 'DEADLINE', 'DEADLINE']);
    assert.match(rs[2]!.error!.message, /stopped at the function deadline before the node reported/);
  });
});
