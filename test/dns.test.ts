/**
 * The dns monitor: the codec (lib/probes/dns-message.ts) against packets written out byte by
 * byte from RFC 1035 section 4, CIDR matching, then the prober, the monitor and http's
 * `dnsServers` end to end against the loopback stand-in (test/support/dns-server.ts), which
 * has its own wire code so the two cannot share a misreading.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { getServers, setServers } from 'node:dns';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as v from 'valibot';
import { dnsMonitor, type DnsMonitor } from '../lib/monitors/dns/schema';
import { httpMonitor } from '../lib/monitors/http/schema';
import { validateFullConfig } from '../lib/functions';
import { DnsFormatError, decodeMessage, encodeQuery, formatIPv6, randomId } from '../lib/probes/dns-message';
import { probeDns } from '../lib/probes/dns';
import { inCidr, runDns } from '../lib/monitors/dns/run';
import { runHttp } from '../lib/monitors/http/run';
import type { RunContext } from '../lib/monitors/context';
import type { ResultRecord } from '../lib/report/record';
import { setLogSink } from '../lib/report/log';
import { runFunction } from '../lib/functions';
import { dnsServer, type DnsStandIn } from './support/dns-server';
import { httpServer, type Running } from '../dev/standins/servers';

// ---------------------------------------------------------------- the codec, no network

/** Hex with spaces, newlines and `#` comments allowed, so packets can be laid out by field. */
function hex(text: string): Buffer {
  return Buffer.from(text.replace(/#.*$/gm, '').replace(/\s+/g, ''), 'hex');
}

const EXAMPLE_COM = '07 6578616d706c65 03 636f6d 00'; // "example" "com" root

const A_RESPONSE = hex(`
  beef 8180 0001 0001 0000 0000       # id, QR+RD+RA NOERROR, 1 question, 1 answer
  ${EXAMPLE_COM} 0001 0001            # question at offset 12: example.com A IN
  c00c 0001 0001 00000e10 0004        # answer: pointer to 12, A, IN, TTL 3600, 4 bytes
  5db8d70e                            # 93.184.215.14
`);

const AAAA_RESPONSE = hex(`
  0102 8180 0001 0002 0000 0000
  ${EXAMPLE_COM} 001c 0001
  c00c 001c 0001 0000012c 0010 2606 2800 021f cb07 6820 80da af6b 8b2c
  c00c 001c 0001 0000012c 0010 2001 0db8 0000 0000 0000 0000 0000 0001
`);

const TXT_RESPONSE = hex(`
  abcd 8180 0001 0001 0000 0000
  ${EXAMPLE_COM} 0010 0001
  c00c 0010 0001 00015180 000d        # TXT, TTL 86400, 13 bytes: two character-strings
  07 763d73706631 20                  # "v=spf1 "
  04 2d616c6c                         # "-all"
`);

const CNAME_RESPONSE = hex(`
  1234 8180 0001 0002 0000 0000
  03 777777 ${EXAMPLE_COM} 0001 0001  # www.example.com A; "example" starts at offset 16
  c00c 0005 0001 0000003c 0002 c010   # www.example.com CNAME -> pointer to 16 (example.com)
  c010 0001 0001 0000003c 0004 5db8d70e
`);

describe('decoding known responses', () => {
  test('A with the owner compressed to the question name', () => {
    const m = decodeMessage(A_RESPONSE);
    assert.equal(m.id, 0xbeef);
    assert.deepEqual([m.qr, m.opcode, m.aa, m.tc, m.rd, m.ra, m.rcode], [true, 0, false, false, true, true, 0]);
    assert.deepEqual(m.questions, [{ name: 'example.com', type: 1, class: 1 }]);
    assert.deepEqual(m.answers, [{ name: 'example.com', type: 1, typeName: 'A', class: 1, ttl: 3600, value: '93.184.215.14' }]);
  });

  test('AAAA in canonical text: lower case, the zero run as ::', () => {
    const m = decodeMessage(AAAA_RESPONSE);
    assert.deepEqual(
      m.answers.map((a) => [a.typeName, a.ttl, a.value]),
      [
        ['AAAA', 300, '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
        ['AAAA', 300, '2001:db8::1'],
      ],
    );
  });

  test('TXT character-strings are joined', () => {
    const [a] = decodeMessage(TXT_RESPONSE).answers;
    assert.deepEqual(a, { name: 'example.com', type: 16, typeName: 'TXT', class: 1, ttl: 86400, value: 'v=spf1 -all' });
  });

  test('CNAME target and the next owner through a pointer into the middle of the question', () => {
    const m = decodeMessage(CNAME_RESPONSE);
    assert.deepEqual(
      m.answers.map((a) => [a.name, a.typeName, a.ttl, a.value]),
      [
        ['www.example.com', 'CNAME', 60, 'example.com'],
        ['example.com', 'A', 60, '93.184.215.14'],
      ],
    );
  });

  test('flags: TC and the rcode', () => {
    const nx = Buffer.from(A_RESPONSE);
    nx.writeUInt16BE(0x8183, 2);
    assert.equal(decodeMessage(nx).rcode, 3);
    const tc = Buffer.from(A_RESPONSE);
    tc.writeUInt16BE(0x8380, 2);
    assert.equal(decodeMessage(tc).tc, true);
  });
});

describe('encoding queries', () => {
  test('example.com A with id 0x1234: header, question, EDNS0 OPT', () => {
    const expected = hex(`
      1234 0100 0001 0000 0000 0001       # id, RD, 1 question, 1 additional (OPT)
      ${EXAMPLE_COM} 0001 0001            # example.com A IN
      00 0029 04d0 00000000 0000          # root, OPT, UDP size 1232, no flags, no options
    `);
    assert.deepEqual(encodeQuery('example.com', 'A', 0x1234), expected);
    assert.deepEqual(encodeQuery('example.com.', 'A', 0x1234), expected, 'a final dot changes nothing');
  });

  test('type codes and IDN names', () => {
    for (const [type, code] of [['AAAA', 28], ['CNAME', 5], ['TXT', 16]] as const) {
      const q = encodeQuery('example.com', type, 1);
      assert.equal(q.readUInt16BE(12 + 13), code, type);
    }
    const idn = encodeQuery('bücher.example', 'A', 1);
    assert.ok(idn.includes(Buffer.from('\x0dxn--bcher-kva\x07example\x00', 'latin1')));
  });

  test('ids are random', () => {
    const ids = new Set(Array.from({ length: 50 }, () => randomId()));
    assert.ok(ids.size > 40, `${ids.size} distinct ids of 50`);
    assert.ok([...ids].every((id) => Number.isInteger(id) && id >= 0 && id <= 0xffff));
  });

  test('names DNS cannot carry are refused with DnsFormatError', () => {
    for (const bad of ['a..b', `${'x'.repeat(64)}.example`, `${'abcdefghi.'.repeat(26)}com`]) {
      assert.throws(() => encodeQuery(bad, 'A', 1), DnsFormatError, bad);
    }
  });
});

describe('IPv6 text', () => {
  test('matches what WHATWG URL prints, for many shapes of zero runs', () => {
    const shapes = [
      [0, 0, 0, 0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0, 0, 0, 0],
      [0x2001, 0xdb8, 0, 0, 1, 0, 0, 1],
      [0x2001, 0xdb8, 0, 1, 1, 1, 1, 1],
      [1, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1],
      [0xfe80, 0, 0, 0, 0xabcd, 0, 0, 0],
    ];
    for (let i = 0; i < 300; i++) {
      shapes.push(Array.from({ length: 8 }, () => (Math.random() < 0.5 ? 0 : Math.floor(Math.random() * 65536))));
    }
    for (const words of shapes) {
      const bytes = Uint8Array.from(words.flatMap((w) => [w >> 8, w & 255]));
      const full = words.map((w) => w.toString(16).toUpperCase()).join(':');
      assert.equal(formatIPv6(bytes), new URL(`http://[${full}]/`).hostname.slice(1, -1), full);
    }
  });
});

describe('malformed packets are errors, never crashes', () => {
  const header = (qd: number, an: number) => hex(`dead 8180 ${qd.toString(16).padStart(4, '0')} ${an.toString(16).padStart(4, '0')} 0000 0000`);
  const cases: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['short header', A_RESPONSE.subarray(0, 11)],
    ['label past the end', Buffer.concat([header(1, 0), hex('07 6578616d')])],
    ['pointer to itself', Buffer.concat([header(1, 0), hex('c00c 0001 0001')])],
    ['label then a pointer back to its own start', Buffer.concat([header(1, 0), hex('01 61 c00c 0001 0001')])],
    ['forward pointer', Buffer.concat([header(1, 0), hex('c010 0001 0001 00 00')])],
    ['pointer cut off', Buffer.concat([header(1, 0), hex('c0')])],
    ['label type 0x40', Buffer.concat([header(1, 0), hex('41 00 0001 0001')])],
    ['more answers announced than present', Buffer.concat([header(1, 2), A_RESPONSE.subarray(12)])],
    ['rdlength past the end', Buffer.concat([header(1, 1), hex(`${EXAMPLE_COM} 0001 0001 c00c 0001 0001 00000e10 0010 5db8d70e`)])],
    ['A with 5 bytes', Buffer.concat([header(1, 1), hex(`${EXAMPLE_COM} 0001 0001 c00c 0001 0001 00000e10 0005 5db8d70e00`)])],
    ['AAAA with 4 bytes', Buffer.concat([header(1, 1), hex(`${EXAMPLE_COM} 001c 0001 c00c 001c 0001 00000e10 0004 5db8d70e`)])],
    ['TXT string past its record', Buffer.concat([header(1, 1), hex(`${EXAMPLE_COM} 0010 0001 c00c 0010 0001 00000e10 0003 05 6162`)])],
    ['CNAME target shorter than its record', Buffer.concat([header(1, 1), hex(`${EXAMPLE_COM} 0005 0001 c00c 0005 0001 00000e10 0004 c00c 0000`)])],
    ['name over 255 bytes', Buffer.concat([header(1, 0), Buffer.from(Array.from({ length: 5 }, () => [63, ...Buffer.alloc(63, 0x61)]).flat()), hex('00 0001 0001')])],
  ];
  for (const [label, packet] of cases) {
    test(label, () => {
      assert.throws(() => decodeMessage(packet), DnsFormatError);
    });
  }

  test('every prefix, every single-byte change and random packets: decoded or DnsFormatError', () => {
    const tryDecode = (b: Buffer) => {
      try {
        decodeMessage(b);
      } catch (err) {
        assert.ok(err instanceof DnsFormatError, `${b.toString('hex')}: ${String(err)}`);
      }
    };
    for (const valid of [A_RESPONSE, AAAA_RESPONSE, TXT_RESPONSE, CNAME_RESPONSE]) {
      for (let n = 0; n < valid.length; n++) assert.throws(() => decodeMessage(valid.subarray(0, n)), DnsFormatError);
      for (let i = 0; i < valid.length; i++) {
        for (const v of [0x00, 0x3f, 0xc0, 0xff, valid[i]! ^ 0x80]) {
          const b = Buffer.from(valid);
          b[i] = v;
          tryDecode(b);
        }
      }
    }
    for (let i = 0; i < 3000; i++) {
      const b = randomBytes(12 + Math.floor(Math.random() * 80));
      b.writeUInt16BE(1 + (i % 3), 4); // a few questions and answers, so the parser gets past the header
      b.writeUInt16BE(i % 4, 6);
      tryDecode(b);
    }
  });
});

describe('CIDR matching', () => {
  const cases: [string, string, boolean][] = [
    ['14.215.177.39', '14.215.177.0/24', true],
    ['14.215.178.1', '14.215.177.0/24', false],
    ['10.16.15.255', '10.16.0.0/20', true],
    ['10.16.16.0', '10.16.0.0/20', false],
    ['1.2.3.4', '0.0.0.0/0', true],
    ['1.2.3.4', '1.2.3.4/32', true],
    ['1.2.3.5', '1.2.3.4/32', false],
    ['1.2.3.4', '1.2.3.4', true],
    ['2001:db8:1::5', '2001:db8::/32', true],
    ['2001:db9::1', '2001:db8::/32', false],
    ['2001:db8::1', '2001:DB8:0:0::/64', true],
    ['2001:db8:0:1::1', '2001:db8::/64', false],
    ['fe80::1', 'fe80::/10', true],
    ['febf::1', 'fe80::/10', true],
    ['fec0::1', 'fe80::/10', false],
    ['::ffff:7f00:1', '::ffff:127.0.0.0/104', true],
    // Families never mix: an IPv4 answer is not inside ::/0, an IPv6 one not inside 0.0.0.0/0.
    ['1.2.3.4', '::/0', false],
    ['2001:db8::1', '0.0.0.0/0', false],
    ['::ffff:1.2.3.4', '1.2.3.0/24', false],
  ];
  for (const [address, cidr, inside] of cases) {
    test(`${address} ${inside ? 'in' : 'not in'} ${cidr}`, () => assert.equal(inCidr(address, cidr), inside));
  }
});

// ---------------------------------------------------------------- against the stand-in

function dnsMon(over: Record<string, unknown>): DnsMonitor {
  return v.parse(dnsMonitor, { name: 'dns', type: 'dns', query: 'www.example.com', timeoutMs: 300, attempts: 2, ...over });
}

const ctx = (signal: AbortSignal = new AbortController().signal): RunContext => ({ functionName: 'test', signal });
const runD = (over: Record<string, unknown>, signal?: AbortSignal) => runDns(dnsMon(over), ctx(signal));
const codes = (r: ResultRecord) => r.reasons.map((x) => x.code);
const udpHandles = () => process.getActiveResourcesInfo().filter((x) => x === 'UDPWrap').length;

let ns: DnsStandIn; // answers
let ns2: DnsStandIn; // a second server, configured per test

before(async () => {
  ns = await dnsServer({
    'www.example.com A': { answers: ['127.0.0.10', { value: '127.0.0.11', ttl: 60 }] },
    'www.example.com AAAA': { answers: ['2001:db8::10'] },
    'alias.example.com CNAME': { answers: ['www.example.com'] },
    'chain.example.com A': { cnames: ['edge.example.net', 'node7.edge.example.net'], answers: ['127.0.0.20'] },
    'txt.example.com TXT': { answers: [`v=spf1 include:${'x'.repeat(280)} -all`] },
    'nx.example.com A': { rcode: 'NXDOMAIN' },
    'servfail.example.com A': { rcode: 'SERVFAIL' },
    'refused.example.com A': { rcode: 'REFUSED' },
    'v6only.example.com AAAA': { answers: ['::ffff:127.0.0.1'] },
    'slow.example.com A': { delayMs: 150, answers: ['127.0.0.30'] },
    'tc.example.com A': { truncated: true },
    'decoys.example.com A': { wrongIdFirst: true, otherQuestionFirst: true, strayFirst: true, answers: ['127.0.0.40'] },
    'flat.example.com A': { compress: false, cnames: ['flat2.example.com'], answers: ['127.0.0.41'] },
    'hush.example.com A': { silent: true },
  });
  ns2 = await dnsServer();
});
after(async () => {
  await Promise.all([ns?.close(), ns2?.close()]);
});

describe('dns monitor: answers', () => {
  test('A: the record names server, rcode, answers and timings; the stand-in saw one strict query', async () => {
    const before = ns.queries.length;
    const r = await runD({ servers: [ns.address] });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.equal(r.type, 'dns');
    assert.equal(r.target, `www.example.com A @${ns.address}`);
    assert.deepEqual(r.hostList, ['127.0.0.10', '127.0.0.11']);
    assert.equal(r.samples.length, 1);
    const s = r.samples[0]!;
    assert.equal(s.ok, true);
    assert.equal(s.server, ns.address);
    assert.equal(s.rcode, 'NOERROR');
    assert.deepEqual(s.answers, ['127.0.0.10', '127.0.0.11']);
    assert.equal(s.attempts, 1);
    assert.equal(typeof s.timings.totalMs, 'number');
    assert.ok(s.timings.answerMs! >= 0 && s.timings.answerMs! <= s.timings.totalMs! + 0.1);
    assert.deepEqual([r.stats.samples, r.stats.successes, r.stats.successRate], [1, 1, 1]);
    assert.equal(typeof r.stats.meanMs, 'number');
    const q = ns.queries.slice(before);
    assert.equal(q.length, 1);
    assert.equal(q[0]!.malformed, undefined);
    assert.deepEqual([q[0]!.name, q[0]!.type, q[0]!.rd, q[0]!.ednsSize], ['www.example.com', 1, true, 1232]);
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r, 'one JSON log line');
  });

  test('AAAA, CNAME and TXT answers', async () => {
    const aaaa = await runD({ servers: [ns.address], recordType: 'AAAA' });
    assert.deepEqual(aaaa.samples[0]!.answers, ['2001:db8::10']);
    const cname = await runD({ servers: [ns.address], query: 'alias.example.com', recordType: 'CNAME' });
    assert.deepEqual(cname.samples[0]!.answers, ['www.example.com']);
    const txt = await runD({ servers: [ns.address], query: 'txt.example.com', recordType: 'TXT' });
    // Over 255 bytes, so the stand-in sent it as two character-strings.
    assert.deepEqual(txt.samples[0]!.answers, [`v=spf1 include:${'x'.repeat(280)} -all`]);
    for (const r of [aaaa, cname, txt]) assert.equal(r.ok, true, JSON.stringify(r.reasons));
  });

  test('an A query answered through a CNAME chain keeps only the addresses as answers', async () => {
    const o = await probeDns({ server: { host: '127.0.0.1', port: ns.port }, query: 'chain.example.com', recordType: 'A', timeoutMs: 300, attempts: 1 }, ctx().signal);
    assert.deepEqual(o.answers, [{ value: '127.0.0.20', type: 'A', ttl: 300 }]);
    assert.deepEqual(o.cnames.map((c) => c.value), ['edge.example.net', 'node7.edge.example.net']);
    const flat = await probeDns({ server: { host: '127.0.0.1', port: ns.port }, query: 'flat.example.com', recordType: 'A', timeoutMs: 300, attempts: 1 }, ctx().signal);
    assert.deepEqual(flat.answers.map((a) => a.value), ['127.0.0.41'], 'uncompressed names read the same');
  });

  test('the udp6 path: a server given as an IPv6 (v4-mapped loopback) address', async () => {
    const r = await runD({ servers: [`[::ffff:127.0.0.1]:${ns.port}`] });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.equal(r.samples[0]!.server, `[::ffff:127.0.0.1]:${ns.port}`);
    assert.deepEqual(r.samples[0]!.answers, ['127.0.0.10', '127.0.0.11']);
  });

  test('without servers, the system list is used (here pointed at the stand-in)', async () => {
    const saved = getServers();
    setServers([ns.address]);
    try {
      assert.deepEqual(getServers(), [ns.address]);
      const r = await runD({});
      assert.equal(r.target, `www.example.com A @${ns.address}`);
      assert.equal(r.ok, true, JSON.stringify(r.reasons));
      assert.equal(r.samples[0]!.server, ns.address);
      setServers([]);
      const none = await runD({});
      assert.deepEqual(codes(none), ['DNS_ERROR']);
      assert.match(none.reasons[0]!.message, /no DNS server to ask/);
    } finally {
      setServers(saved);
    }
  });
});

describe('dns monitor: failures', () => {
  for (const rcode of ['NXDOMAIN', 'SERVFAIL', 'REFUSED']) {
    test(`${rcode} is DNS_ERROR naming the server and the rcode`, async () => {
      const query = `${rcode === 'NXDOMAIN' ? 'nx' : rcode.toLowerCase()}.example.com`;
      const r = await runD({ servers: [ns.address], query });
      assert.equal(r.ok, false);
      assert.deepEqual(codes(r), ['DNS_ERROR']);
      assert.equal(r.reasons[0]!.message, `${ns.address} answered ${rcode} for ${query}`);
      assert.equal(r.samples[0]!.rcode, rcode);
      assert.equal(r.samples[0]!.ok, false);
      assert.equal(r.stats.successes, 0);
    });
  }

  test('NOERROR without a record of the type is DNS_ERROR', async () => {
    const r = await runD({ servers: [ns.address], query: 'alias.example.com', recordType: 'TXT' });
    assert.deepEqual(codes(r), ['DNS_ERROR']);
    assert.match(r.reasons[0]!.message, /answered NOERROR with no TXT record for alias\.example\.com/);
    const chain = await runD({ servers: [ns.address], query: 'chain.example.com', recordType: 'AAAA' });
    assert.deepEqual(codes(chain), ['DNS_ERROR']);
  });

  test('a silent server is DNS_SERVER_DOWN after its attempts, naming it; the other answer is still reported', async () => {
    ns2.set('www.example.com', 'A', { silent: true });
    const seen = ns2.queries.length;
    const r = await runD({ servers: [ns.address, ns2.address], attempts: 2, timeoutMs: 200 });
    assert.equal(r.ok, false);
    assert.deepEqual(codes(r), ['DNS_SERVER_DOWN']);
    assert.match(r.reasons[0]!.message, new RegExp(`^${ns2.address} did not answer www\\.example\\.com A \\(2 attempts`));
    assert.doesNotMatch(r.reasons[0]!.message, new RegExp(`${ns.address}\\b`));
    assert.equal(ns2.queries.length - seen, 2, 'asked twice');
    const [good, silent] = r.samples;
    assert.deepEqual([good!.ok, good!.server, good!.answers], [true, ns.address, ['127.0.0.10', '127.0.0.11']]);
    assert.deepEqual([silent!.ok, silent!.server, silent!.attempts, silent!.rcode], [false, ns2.address, 2, undefined]);
    assert.deepEqual(silent!.answers, []);
    assert.equal(silent!.error?.code, 'DNS_SERVER_DOWN');
    assert.deepEqual([r.stats.samples, r.stats.successes], [2, 1]);
    assert.deepEqual(r.hostList, ['127.0.0.10', '127.0.0.11']);
    assert.ok(r.durationMs < 3000, `${r.durationMs} ms`);
  });

  test('allServersAnswer: false needs only one answer; none answering is still DNS_SERVER_DOWN', async () => {
    ns2.set('www.example.com', 'A', { silent: true });
    const one = await runD({ servers: [ns.address, ns2.address], attempts: 1, timeoutMs: 150, expect: { allServersAnswer: false } });
    assert.equal(one.ok, true, JSON.stringify(one.reasons));
    assert.equal(one.samples[1]!.ok, false, 'the silent server is still marked in its sample');
    const none = await runD({ servers: [ns2.address], attempts: 1, timeoutMs: 150, expect: { allServersAnswer: false } });
    assert.deepEqual(codes(none), ['DNS_SERVER_DOWN']);
    assert.match(none.reasons[0]!.message, new RegExp(ns2.address));
  });

  test('a port with no server: DNS_SERVER_DOWN at once (ICMP port unreachable), not after the timeout', async () => {
    const closed = await ns2.close().then(() => ns2.port);
    ns2 = await dnsServer();
    const r = await runD({ servers: [`127.0.0.1:${closed}`], attempts: 2, timeoutMs: 5000 });
    assert.deepEqual(codes(r), ['DNS_SERVER_DOWN']);
    assert.match(r.reasons[0]!.message, new RegExp(`127\\.0\\.0\\.1:${closed} refused`));
    assert.equal(r.samples[0]!.attempts, 2);
    assert.ok(r.durationMs < 2500, `${r.durationMs} ms`);
  });

  test('answersInclude: a missing value is DNS_MISMATCH naming the server and its answers', async () => {
    const ok = await runD({ servers: [ns.address], expect: { answersInclude: ['127.0.0.11'] } });
    assert.equal(ok.ok, true, JSON.stringify(ok.reasons));
    const v6 = await runD({ servers: [ns.address], recordType: 'AAAA', expect: { answersInclude: ['2001:DB8:0:0:0:0:0:10'] } });
    assert.equal(v6.ok, true, `addresses compare by value: ${JSON.stringify(v6.reasons)}`);
    const bad = await runD({ servers: [ns.address], expect: { answersInclude: ['127.0.0.10', '127.0.0.99'] } });
    assert.deepEqual(codes(bad), ['DNS_MISMATCH']);
    assert.equal(bad.reasons[0]!.message, `${ns.address} answered 127.0.0.10, 127.0.0.11 for www.example.com A, without 127.0.0.99`);
    assert.equal(bad.samples[0]!.error?.code, 'DNS_MISMATCH');
  });

  test('answersWithin: an address outside every block is DNS_MISMATCH naming the server and that address', async () => {
    const ok = await runD({ servers: [ns.address], expect: { answersWithin: ['127.0.0.0/28'] } });
    assert.equal(ok.ok, true, JSON.stringify(ok.reasons));
    const bad = await runD({ servers: [ns.address], expect: { answersWithin: ['127.0.0.10/32', '127.1.0.0/16'] } });
    assert.deepEqual(codes(bad), ['DNS_MISMATCH']);
    assert.equal(bad.reasons[0]!.message, `${ns.address} answered 127.0.0.11 for www.example.com A, outside 127.0.0.10/32, 127.1.0.0/16`);
    const v6 = await runD({ servers: [ns.address], recordType: 'AAAA', expect: { answersWithin: ['2001:db8:1::/48'] } });
    assert.deepEqual(codes(v6), ['DNS_MISMATCH']);
    assert.match(v6.reasons[0]!.message, /answered 2001:db8::10 for www\.example\.com AAAA, outside 2001:db8:1::\/48/);
    const v6ok = await runD({ servers: [ns.address], recordType: 'AAAA', expect: { answersWithin: ['2001:db8::/64'] } });
    assert.equal(v6ok.ok, true, JSON.stringify(v6ok.reasons));
  });

  test('maxMs: a 150 ms answer against 50 ms is SLOW_RESPONSE', async () => {
    const r = await runD({ servers: [ns.address], query: 'slow.example.com', timeoutMs: 2000, expect: { maxMs: 50 } });
    assert.deepEqual(codes(r), ['SLOW_RESPONSE']);
    assert.match(r.reasons[0]!.message, new RegExp(`^${ns.address} answered slow\\.example\\.com A in [\\d.]+ ms, above 50 ms$`));
    assert.deepEqual(r.samples[0]!.answers, ['127.0.0.30'], 'the answer itself is kept');
    const relaxed = await runD({ servers: [ns.address], query: 'slow.example.com', timeoutMs: 2000, expect: { maxMs: 5000 } });
    assert.equal(relaxed.ok, true, JSON.stringify(relaxed.reasons));
  });

  test('a truncated reply is reported as such', async () => {
    const r = await runD({ servers: [ns.address], query: 'tc.example.com' });
    assert.deepEqual(codes(r), ['DNS_ERROR']);
    assert.match(r.reasons[0]!.message, /truncated reply \(TC\)/);
  });

  test('several failing servers: one reason per code, each naming its server', async () => {
    ns2.set('www.example.com', 'A', { rcode: 'SERVFAIL' });
    const r = await runD({ servers: [ns.address, ns2.address], expect: { answersInclude: ['127.0.0.10'], answersWithin: ['127.0.0.10/32'] } });
    assert.deepEqual(codes(r), ['DNS_ERROR', 'DNS_MISMATCH']);
    assert.equal(r.reasons[0]!.message, `${ns2.address} answered SERVFAIL for www.example.com`);
    assert.match(r.reasons[1]!.message, new RegExp(`^${ns.address} answered 127\\.0\\.0\\.11 .*outside 127\\.0\\.0\\.10/32$`));
  });
});

describe('dns monitor: hostile replies', () => {
  for (const garbage of ['short', 'loop', 'loop2', 'far'] as const) {
    test(`a malformed reply (${garbage}) is DNS_ERROR, not a crash and not a silent server`, async () => {
      ns2.set('bad.example.com', 'A', { garbage });
      const r = await runD({ servers: [ns2.address], query: 'bad.example.com', attempts: 2, timeoutMs: 150 });
      assert.deepEqual(codes(r), ['DNS_ERROR']);
      assert.match(r.reasons[0]!.message, /malformed reply/);
      assert.match(r.reasons[0]!.message, new RegExp(ns2.address));
      assert.equal(r.samples[0]!.attempts, 2);
    });
  }

  test('replies with another id, for another question or from another port are ignored', async () => {
    const r = await runD({ servers: [ns.address], query: 'decoys.example.com' });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.deepEqual(r.samples[0]!.answers, ['127.0.0.40'], 'not the decoys\' 127.6.6.6');
    assert.equal(r.samples[0]!.attempts, 1);
  });

  test('the abort signal stops a wait at once and closes the socket', async () => {
    const baseline = udpHandles();
    const ac = new AbortController();
    const t0 = performance.now();
    setTimeout(() => ac.abort(), 50);
    const o = await probeDns({ server: { host: '127.0.0.1', port: ns.port }, query: 'hush.example.com', recordType: 'A', timeoutMs: 10_000, attempts: 3 }, ac.signal);
    const took = performance.now() - t0;
    assert.equal(o.error?.code, 'DEADLINE');
    assert.equal(o.answered, false);
    assert.ok(took < 2000, `returned after ${took} ms`);
    await new Promise((r) => setImmediate(r));
    assert.equal(udpHandles(), baseline, 'no UDP socket left open');
  });

  test('a monitor cut by the deadline says so and keeps the servers that answered', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    ns2.set('www.example.com', 'A', { silent: true });
    const r = await runD({ servers: [ns.address, ns2.address], timeoutMs: 10_000 }, ac.signal);
    // Judged on the server that answered (fine); the cut one is only noted.
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.deepEqual(codes(r), []);
    assert.match(r.cut!.message, new RegExp(`waiting on ${ns2.address.replace(/[.[\]]/g, '\\$&')}.*judged on the other 1`));
    assert.deepEqual(r.samples.map((s) => s.server), [ns.address]);
    assert.ok(r.durationMs < 2000);
    const ac2 = new AbortController();
    ac2.abort();
    const notRun = await runD({ servers: [ns.address] }, ac2.signal);
    assert.deepEqual(codes(notRun), ['DEADLINE']);
    assert.match(notRun.reasons[0]!.message, /not run/);
  });
});

// ---------------------------------------------------------------- http through dnsServers

describe('http monitor with dnsServers', () => {
  let web: Running;
  let hosts: string[] = [];
  // A made-up name must never reach the system resolver (a regression here would send it
  // off the machine): the module's lookup is swapped for one that refuses and remembers.
  const dnsModule = require('node:dns') as typeof import('node:dns');
  const systemLookup = dnsModule.lookup;
  const leaked: string[] = [];
  before(() => {
    dnsModule.lookup = ((host: string, ...rest: unknown[]) => {
      // IP literals never leave the process (net.Server.listen passes them through lookup too).
      if (host === 'localhost' || isIP(host)) return (systemLookup as (...a: unknown[]) => void)(host, ...rest);
      leaked.push(host);
      const callback = rest[rest.length - 1] as (err: Error) => void;
      process.nextTick(() => callback(Object.assign(new Error(`test guard: system lookup of ${host}`), { code: 'ENOTFOUND' })));
    }) as typeof systemLookup;
  });
  after(() => {
    dnsModule.lookup = systemLookup;
  });
  afterEach(() => assert.deepEqual(leaked, [], 'no name went to the system resolver'));
  before(async () => {
    web = await httpServer((req, res) => {
      hosts.push(req.headers.host ?? '');
      res.writeHead(200, { 'content-type': 'text/plain' }).end('hello from app');
    });
    ns.set('app.test.internal', 'A', { answers: ['127.0.0.1'] });
    ns.set('v6only.test.internal', 'AAAA', { answers: ['::ffff:127.0.0.1'] });
    ns.set('v6only.test.internal', 'A', {});
    ns.set('gone.test.internal', 'A', { rcode: 'NXDOMAIN' });
  });
  after(() => web.close());

  const runH = (over: Record<string, unknown>) =>
    runHttp(v.parse(httpMonitor, { name: 'via-dns', type: 'http', samples: 1, attempts: 1, connectTimeoutMs: 1000, readTimeoutMs: 1000, ...over }), ctx());

  test('a made-up name resolves through the stand-in and the page is fetched; dnsMs is recorded', async () => {
    hosts = [];
    const seen = ns.queries.length;
    const r = await runH({ url: `http://app.test.internal:${web.port}/`, dnsServers: [ns.address], expect: { bodyContains: 'hello from app' } });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    const s = r.samples[0]!;
    assert.equal(s.remoteAddress, '127.0.0.1');
    assert.ok(typeof s.timings.dnsMs === 'number' && s.timings.dnsMs > 0, `dnsMs ${s.timings.dnsMs}`);
    assert.deepEqual(
      ns.queries.slice(seen).map((q) => [q.name, q.type]),
      [['app.test.internal', 1]],
    );
    assert.deepEqual(hosts, [`app.test.internal:${web.port}`]);
  });

  test('NXDOMAIN from the stand-in: DNS_ERROR naming the server and the rcode; nothing fetched', async () => {
    hosts = [];
    const r = await runH({ url: `http://gone.test.internal:${web.port}/`, dnsServers: [ns.address] });
    assert.deepEqual(codes(r), ['DNS_ERROR']);
    assert.match(r.reasons[0]!.message, new RegExp(`cannot resolve gone\\.test\\.internal: ${ns.address} answered NXDOMAIN`));
    assert.deepEqual(hosts, []);
  });

  test('servers in order: a failing first server hands over to the next', async () => {
    ns2.set('app.test.internal', 'A', { rcode: 'SERVFAIL' });
    const seen2 = ns2.queries.length;
    const r = await runH({ url: `http://app.test.internal:${web.port}/`, dnsServers: [ns2.address, ns.address] });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.equal(ns2.queries.length - seen2, 1, 'the first server was asked');
  });

  test('only silent servers: DNS_ERROR naming each, before the connect timeout', async () => {
    ns2.set('app.test.internal', 'A', { silent: true });
    const r = await runH({ url: `http://app.test.internal:${web.port}/`, dnsServers: [ns2.address], connectTimeoutMs: 400 });
    assert.deepEqual(codes(r), ['DNS_ERROR']);
    assert.match(r.reasons[0]!.message, new RegExp(`${ns2.address} did not answer app\\.test\\.internal A`));
  });

  test('no A record: falls back to AAAA', async () => {
    hosts = [];
    const seen = ns.queries.length;
    const r = await runH({ url: `http://v6only.test.internal:${web.port}/`, dnsServers: [ns.address] });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.deepEqual(
      ns.queries.slice(seen).map((q) => q.type),
      [1, 28],
    );
    assert.equal(hosts.length, 1);
  });

  test('an IP-literal URL asks no DNS server', async () => {
    const seen = ns.queries.length;
    const r = await runH({ url: web.url('/'), dnsServers: [ns.address] });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.equal(ns.queries.length, seen);
  });
});

// ---------------------------------------------------------------- config and wiring

describe('dns monitor config', () => {
  const problems = (m: Record<string, unknown>) => validateFullConfig({ monitors: [{ name: 'd', type: 'dns', query: 'www.example.com', ...m }] }).problems;

  test('defaults', () => {
    const { config } = validateFullConfig({ monitors: [{ name: 'd', type: 'dns', query: 'www.example.com' }] });
    const m = config!.monitors[0] as DnsMonitor;
    assert.deepEqual([m.recordType, m.timeoutMs, m.attempts, m.expect.allServersAnswer, m.servers], ['A', 2000, 2, true, undefined]);
  });

  test('a bad server address and a bad CIDR are problems at their paths', () => {
    const bad = problems({ servers: ['127.0.0.1:5353', '127.0.0.300'], expect: { answersWithin: ['127.0.0.0/8', '127.0.0.0/33'] } });
    assert.deepEqual(
      bad.map((p) => p.path),
      [
        ['monitors', 0, 'servers', 1],
        ['monitors', 0, 'expect', 'answersWithin', 1],
      ],
    );
    assert.match(bad[0]!.message, /IP address/);
    assert.match(bad[1]!.message, /CIDR/);
    assert.deepEqual(problems({ servers: [] }).map((p) => p.path), [['monitors', 0, 'servers']]);
    assert.deepEqual(problems({ recordType: 'MX' }).map((p) => p.path), [['monitors', 0, 'recordType']]);
  });

  test('statusCheck runs dns monitors next to http ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-dns-'));
    const web = await httpServer((_q, res) => res.end('ok'));
    setLogSink(() => {});
    try {
      const configPath = join(dir, 'monitors.json');
      writeFileSync(
        configPath,
        JSON.stringify({
          monitors: [
            { name: 'resolve', type: 'dns', query: 'www.example.com', servers: [ns.address], expect: { answersInclude: ['127.0.0.10'] } },
            { name: 'gone', type: 'dns', query: 'nx.example.com', servers: [ns.address] },
            { name: 'web', type: 'http', url: web.url('/'), samples: 1 },
          ],
        }),
      );
      const s = await runFunction('statusCheck', undefined, { time_limit_in_ms: 10_000 }, { configPath });
      const [resolve, gone, page] = s.results;
      assert.deepEqual([resolve!.type, resolve!.ok, resolve!.target], ['dns', true, `www.example.com A @${ns.address}`]);
      assert.deepEqual(codes(gone!), ['DNS_ERROR']);
      assert.equal(page!.ok, true);
    } finally {
      setLogSink((line) => process.stdout.write(line));
      await web.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dns monitor: IDN names', () => {
  test('bücher.example is asked, and its reply matched, in its ASCII (punycode) form', async () => {
    ns.set('xn--bcher-kva.example', 'A', { answers: ['127.0.0.77'] });
    const before = ns.queries.length;
    const r = await runD({ query: 'bücher.example', servers: [ns.address], expect: { answersInclude: ['127.0.0.77'] } });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.deepEqual(r.samples[0]!.answers, ['127.0.0.77']);
    assert.equal(ns.queries[before]!.name.replace(/\.$/, ''), 'xn--bcher-kva.example');
  });

  test('an IDN name with a CNAME chain follows the chain from the ASCII owner', async () => {
    ns.set('xn--mnchen-3ya.example', 'A', { cnames: ['edge.example.net'], answers: ['127.0.0.78'] });
    const r = await runD({ query: 'München.example', servers: [ns.address] });
    assert.equal(r.ok, true, JSON.stringify(r.reasons));
    assert.deepEqual(r.samples[0]!.answers, ['127.0.0.78']);
  });
});
