// One measured run of the sweep bench in a fresh `node` process, so its peak RSS is its own.
// `bare`: a net.connect loop over the targets at the given concurrency (connected sockets
// closed with RST, as the sweep closes them). `invocation`: the built dist/sweep.js bundle's
// main_handler once, with SCF_MONITOR_CONFIG naming a config whose list is a file of the same
// targets. Prints one JSON line: rate, answered, maxRSS.
// Usage: node child-sweep.js <bare|invocation> <n> <concurrency> <open port> <closed port> [dist dir]
'use strict';
const { connect } = require('node:net');
const { join } = require('node:path');

const [mode, nText, concText, openText, closedText, dist] = process.argv.slice(2);
const n = Number(nText);
const concurrency = Number(concText);
const open = Number(openText);
const closed = Number(closedText);
const host = (i) => `127.${20 + Math.floor(i / 65024)}.${Math.floor((i % 65024) / 254)}.${(i % 254) + 1}`;
const port = (i) => (i % 2 === 0 ? open : closed);

function bare() {
  let next = 0;
  let answered = 0;
  let live = 0;
  return new Promise((resolve) => {
    const start = () => {
      while (live < concurrency && next < n) {
        const i = next++;
        live++;
        const s = connect({ host: host(i), port: port(i) });
        const done = () => {
          live--;
          if (next < n) start();
          else if (live === 0) resolve(answered);
        };
        s.once('connect', () => {
          answered++;
          s.resetAndDestroy();
          done();
        });
        s.once('error', (e) => {
          if (e.code === 'ECONNREFUSED') answered++;
          s.destroy();
          done();
        });
      }
    };
    start();
  });
}

async function invocation() {
  const { main_handler } = require(join(dist, 'sweep.js'));
  const event = { Type: 'Timer', TriggerName: 'bench', Time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), Message: '' };
  const summary = await main_handler(event, { time_limit_in_ms: 60_000, memory_limit_in_mb: 128, function_name: 'sweep' });
  return summary.results.filter((r) => r.subject).reduce((t, r) => t + r.sweep.answered, 0);
}

(async () => {
  const t0 = performance.now();
  const answered = mode === 'bare' ? await bare() : await invocation();
  const ms = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ mode, n, ms, rate: (n / ms) * 1000, answered, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
})().catch((err) => {
  process.stderr.write(`child-sweep: ${err && err.stack}\n`);
  process.exitCode = 1;
});
