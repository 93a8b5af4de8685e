/**
 * A target or a peer that echoes our secrets back (issue 13.6): a 403 page whose <title>
 * repeats the Authorization header, another repeating an X-Api-Key, and a robot whose error
 * repeats the token. Through the real handler with a real file store and the WeCom stand-in:
 * no copy of any secret may reach the record, the log, the alert, the state or the dead
 * letters. And a monitor's own headers do not follow a redirect to another origin.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingHttpHeaders } from 'node:http';
import { stringify } from 'yaml';
import { runFunction } from '../lib/functions';
import { setLogSink } from '../lib/report/log';
import { probeHttp, type HttpTarget } from '../lib/probes/http';
import { httpServer, type Running } from '../dev/standins/servers';
import { wecomStandIn, type WecomStandIn } from './support/wecom';

const TOKEN = 'tok-ES-9c41d27be05f-SECRET';
const WECOM_KEY = 'wk-ES-2b7e4410-KEY';
const DEAD_KEY = 'wk-ES-dead-5d03-KEY';
/** Written literally in the config, not through ${ENV}: a header value is a secret all the same. */
const API_KEY = 'ak-literal-77e1f0aa';
const ENV = { SCFM_ES_TOKEN: TOKEN, SCFM_ES_WECOM: WECOM_KEY, SCFM_ES_DEAD: DEAD_KEY };

let dir: string;
const lines: string[] = [];
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'scf-monitor-echo-'));
  Object.assign(process.env, ENV);
  setLogSink((text) => lines.push(text));
});
after(() => {
  setLogSink((line) => process.stdout.write(line));
  for (const k of Object.keys(ENV)) delete process.env[k];
  rmSync(dir, { recursive: true, force: true });
});

function filesUnder(path: string): string[] {
  return readdirSync(path).flatMap((name) => {
    const p = join(path, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [readFileSync(p, 'utf8')];
  });
}

function assertNoSecret(where: string, text: string): void {
  for (const secret of [TOKEN, API_KEY, WECOM_KEY, DEAD_KEY]) {
    assert.ok(!text.includes(secret), `${where} holds a copy of ${secret.slice(0, 6)}...`);
  }
}

describe('a target echoing our secrets', () => {
  let target: Running;
  let wecom: WecomStandIn;
  let dead: WecomStandIn;
  before(async () => {
    target = await httpServer((req, res) => {
      const echoed = req.url === '/key' ? String(req.headers['x-api-key']) : String(req.headers.authorization);
      res.writeHead(403, { 'content-type': 'text/html' }).end(`<html><title>Denied ${echoed}</title><body>${echoed}</body></html>`);
    });
    wecom = await wecomStandIn(WECOM_KEY);
    dead = await wecomStandIn(DEAD_KEY);
    // A permanent error that quotes what it was sent: the delivery error, the dead letter and
    // the fallback note all carry the robot's errmsg.
    await dead.setMode({ errcode: 93000, errmsg: `invalid webhook url; request had Bearer ${TOKEN} and ${API_KEY}` });
  });
  after(async () => {
    await target.close();
    await wecom.close();
    await dead.close();
  });

  test('no copy of the token or the api key in the record, log, alert, state or dead letters', async () => {
    const stateDir = join(dir, 'state');
    const configPath = join(dir, 'monitors.yaml');
    writeFileSync(
      configPath,
      stringify({
        state: { type: 'file', path: stateDir },
        channels: {
          ops: { type: 'wecom', webhook: wecom.url('/cgi-bin/webhook/send?key=${SCFM_ES_WECOM}') },
          broken: { type: 'wecom', webhook: dead.url('/cgi-bin/webhook/send?key=${SCFM_ES_DEAD}') },
        },
        alerts: { channels: ['ops', 'broken'], fallback: 'ops' },
        monitors: [
          { name: 'auth-echo', type: 'http', url: target.url('/auth'), samples: 1, headers: { Authorization: 'Bearer ${SCFM_ES_TOKEN}' } },
          { name: 'key-echo', type: 'http', url: target.url('/key'), samples: 1, headers: { 'X-Api-Key': API_KEY } },
        ],
      }),
    );
    const s = await runFunction('statusCheck', undefined, { time_limit_in_ms: 10_000 }, { configPath });

    const auth = s.results.find((r) => r.monitor === 'auth-echo')!;
    const key = s.results.find((r) => r.monitor === 'key-echo')!;
    assert.equal(auth.reasons[0]!.code, 'HTTP_STATUS');
    // The page is still quoted, with the secret blanked where it stood.
    assert.match(auth.reasons[0]!.message, /answered 403 \("Denied \*\*\*"\)/);
    assert.match(key.reasons[0]!.message, /answered 403 \("Denied \*\*\*"\)/);

    assert.ok(wecom.received.length >= 1, 'the alert went out');
    assert.ok(dead.received.length >= 1, 'the broken channel was tried');
    assert.ok(s.deadLetters.length >= 1, 'the permanent failure was dead-lettered');
    assert.ok(s.deliveries.some((d) => d.outcome === 'dead-letter' && /invalid webhook url/.test(d.message ?? '')), JSON.stringify(s.deliveries));
    const alertText = wecom.received.map((r) => r.raw).join('\n');
    assert.match(alertText, /Denied \*\*\*/);

    assertNoSecret('the summary', JSON.stringify(s));
    assertNoSecret('the log', lines.join(''));
    assertNoSecret('a WeCom message', alertText);
    assertNoSecret('the broken robot', dead.received.map((r) => r.raw).join('\n'));
    const stored = filesUnder(stateDir);
    assert.ok(stored.some((t) => t.includes('Denied ***')), 'the state holds the incident with its reasons');
    assert.ok(stored.some((t) => t.includes('invalid webhook url')), 'the state holds the dead letter');
    assertNoSecret('the state and dead letters', stored.join('\n'));
  });
});

describe("a monitor's headers on a redirect", () => {
  let other: Running;
  let first: Running;
  const seen: IncomingHttpHeaders[] = [];
  before(async () => {
    other = await httpServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200).end('ok');
    });
    first = await httpServer((req, res) => {
      if (req.url === '/same') return res.writeHead(302, { location: '/landing' }).end();
      if (req.url === '/landing') {
        seen.push(req.headers);
        return res.writeHead(200).end('ok');
      }
      // Another port is another origin.
      res.writeHead(302, { location: other.url('/landing') }).end();
    });
  });
  after(async () => {
    await other.close();
    await first.close();
  });

  const target = (url: string): HttpTarget => ({
    url,
    method: 'GET',
    headers: { 'X-Api-Key': API_KEY, Authorization: `Bearer ${TOKEN}`, 'X-Trace': 'trace-1234', 'User-Agent': 'probe-ua/1', 'Accept-Language': 'zh-CN' },
    connectTimeoutMs: 2000,
    readTimeoutMs: 2000,
    attempts: 1,
    followRedirects: true,
    maxRedirects: 3,
    maxBodyBytes: 1024,
    insecure: false,
    keepBody: false,
  });

  test('to another origin: only User-Agent, Accept and Accept-Language go on', async () => {
    seen.length = 0;
    const o = await probeHttp(target(first.url('/away')), new AbortController().signal);
    assert.equal(o.statusCode, 200);
    assert.equal(o.redirects, 1);
    assert.equal(seen.length, 1);
    const h = seen[0]!;
    assert.equal(h['x-api-key'], undefined);
    assert.equal(h.authorization, undefined);
    assert.equal(h['x-trace'], undefined);
    assert.equal(h['user-agent'], 'probe-ua/1');
    assert.equal(h['accept-language'], 'zh-CN');
    assert.equal(h.accept, '*/*');
  });

  test('within the origin: every header goes on', async () => {
    seen.length = 0;
    const o = await probeHttp(target(first.url('/same')), new AbortController().signal);
    assert.equal(o.statusCode, 200);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!['x-api-key'], API_KEY);
    assert.equal(seen[0]!.authorization, `Bearer ${TOKEN}`);
  });
});
