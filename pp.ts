import { get } from 'node:http';
import { probeHttp } from './lib/probes/http';
const port = 44591;
const t0 = { url: `http://127.0.0.1:${port}/`, method: 'GET', headers: {}, connectTimeoutMs: 3000, readTimeoutMs: 5000, attempts: 3, followRedirects: true, maxRedirects: 5, maxBodyBytes: 1 << 20, insecure: false, keepBody: false };
const sig = new AbortController().signal;
function bare() { return new Promise<void>((res, rej) => { get({ host: '127.0.0.1', port, path: '/', agent: false }, (r) => { r.resume(); r.on('end', () => res()); }).on('error', rej); }); }
async function round(one: () => Promise<unknown>) { let n = 0; const t = performance.now(); await Promise.all(Array.from({ length: 50 }, async () => { while (n < 1000) { n++; await one(); } })); return 1000 / ((performance.now() - t) / 1000); }
(async () => {
  for (let i = 0; i < 8; i++) {
    const a = await round(bare); const b = await round(() => probeHttp(t0, sig));
    console.log(`bare ${a.toFixed(0)}  probe ${b.toFixed(0)}  ratio ${(b / a).toFixed(2)}`);
  }
})();
