// What the bench's load-generating children share: `rounds` batches of `count` calls of `one`,
// `concurrency` at a time, each batch's rate and CPU time, reported on fd 3 with the
// process's total CPU and peak RSS. `before` runs ahead of the report (closing an agent).
'use strict';
const { writeSync } = require('node:fs');

const cpuMs = (u) => (u.user + u.system) / 1000;

async function batch(one, count, concurrency) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await one();
    }
  };
  const cpu = process.cpuUsage();
  const t = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { rate: count / (Number(process.hrtime.bigint() - t) / 1e9), cpuMs: cpuMs(process.cpuUsage(cpu)) };
}

function runBatches(name, one, { count, concurrency, rounds, before }) {
  (async () => {
    const batches = [];
    for (let i = 0; i < rounds; i++) batches.push(await batch(one, count, concurrency));
    before?.();
    writeSync(3, JSON.stringify({ batches, totalCpuMs: cpuMs(process.cpuUsage()), maxRssKb: process.resourceUsage().maxRSS }));
  })().catch((err) => {
    process.stderr.write(`${name}: ${err && err.stack}\n`);
    process.exitCode = 1;
  });
}

module.exports = { runBatches };
