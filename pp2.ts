import { get } from 'node:http';
import { setMaxListeners } from 'node:events';
import { probeHttp } from './lib/probes/http';
import { runMonitor } from './lib/monitors';
import { validateConfig } from './lib/config/validate';
import { runFunction } from './lib/runtime/handler';
import { setLogSink } from './lib/report/log';
import { writeFileSync } from 'node:fs';
const port = 44591;
const url = `http://127.0.0.1:${port}/`;
const t0 = { url, method: 'GET', headers: {}, connectTimeoutMs: 3000, readTimeoutMs: 5000, attempts: 3, followRedirects: true, maxRedirects: 5, maxBodyBytes: 1 << 20, insecure: false, keepBody: false };
const ac = new AbortController(); setMaxListeners(0, ac.signal); const sig = ac.signal;
const m = validateConfig({ monitors: [{ name: 'a', type: 'http', url, samples: 1 }] }).config!.monitors[0]!;
writeFileSync('/tmp/prof/c.json', JSON.stringify({ concurrency: 50, monitors: Array.from({ length: 1000 }, (_, i) => ({ name: `m${i}`, type: 'http', url, samples: 1 })) }));
setLogSink(() => {});
function bare() { return new Promise<void>((res, rej) => { get({ host: '127.0.0.1', port, path: '/', agent: false }, (r) => { r.resume(); r.on('end', () => res()); }).on('error', rej); }); }
async function round(one: () => Promise<unknown>) { let n = 0; const t = performance.now(); await Promise.all(Array.from({ length: 50 }, async () => { while (n < 1000) { n++; await one(); } })); return 1000 / ((performance.now() - t) / 1000); }
(async () => {
  for (let i = 0; i < 6; i++) {
    const a = await round(bare); const b = await round(() => probeHttp(t0, sig)); const c = await round(() => runMonitor(m, { functionName: 'x', signal: sig }));
    const t = performance.now(); await runFunction('statusCheck', undefined, { time_limit_in_ms: 300000 }, { configPath: '/tmp/prof/c.json' }); const d = 1000 / ((performance.now() - t) / 1000);
    console.log(`bare ${a.toFixed(0)} probe ${b.toFixed(0)} monitor ${c.toFixed(0)} handler ${d.toFixed(0)}`);
  }
})();
