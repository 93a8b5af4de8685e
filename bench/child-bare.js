// The reference side of the throughput run, in a fresh `node` process: the least a client can
// do per check, a bare http.get({agent:false}) (a new connection each, like the prober), body
// read to the end, `concurrency` at a time. `rounds` rounds, all reported.
// Reports on fd 3 each round's requests per second and this process's peak RSS.
// Usage: node child-bare.js <port> <requests per round> <concurrency> <rounds>
'use strict';
const { writeSync } = require('node:fs');
const { get } = require('node:http');

const [port, count, concurrency, rounds] = process.argv.slice(2).map(Number);

function one() {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  });
}

async function round() {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await one();
    }
  };
  const t = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count / (Number(process.hrtime.bigint() - t) / 1e9);
}

async function main() {
  const rates = [];
  for (let i = 0; i < rounds; i++) {
    const rate = await round();
    rates.push(rate); // every round, the first (cold JIT) too: the parent decides what counts
  }
  writeSync(3, JSON.stringify({ rates, maxRssKb: process.resourceUsage().maxRSS }));
}

main().catch((err) => {
  process.stderr.write(`child-bare: ${err && err.stack}\n`);
  process.exitCode = 1;
});
