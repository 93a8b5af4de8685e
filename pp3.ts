import { setMaxListeners } from 'node:events';
import { probeHttp } from './lib/probes/http';
const port = 44591;
const t0 = { url: `http://127.0.0.1:${port}/`, method: 'GET', headers: {}, connectTimeoutMs: 3000, readTimeoutMs: 5000, attempts: 3, followRedirects: true, maxRedirects: 5, maxBodyBytes: 1 << 20, insecure: false, keepBody: false };
const ac = new AbortController(); setMaxListeners(0, ac.signal);
async function round(one: () => Promise<unknown>) { let n = 0; await Promise.all(Array.from({ length: 50 }, async () => { while (n < 1000) { n++; await one(); } })); }
(async () => { for (let i = 0; i < 8; i++) await round(() => probeHttp(t0, ac.signal)); })();
