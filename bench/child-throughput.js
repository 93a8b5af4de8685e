// The function side of the throughput run, in a fresh `node` process: require the bundle whose
// monitors.json holds the monitors, then call main_handler `rounds` times (the first is a fresh
// instance's invocation, the next a warm one's), each call checking every monitor. Reports on
// fd 3 each call's checks per second and CPU time, and this process's peak RSS
// (process.resourceUsage().maxRSS, the kernel's figure).
// Usage: node child-throughput.js <dist dir> <rounds>
'use strict';
const cpuMs = (u) => (u.user + u.system) / 1000;
const { writeSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.argv[2];
const rounds = Number(process.argv[3]);
const { main_handler } = require(join(dir, 'statusCheck.js'));

async function main() {
  const batches = [];
  for (let i = 0; i < rounds; i++) {
    const event = { Type: 'Timer', TriggerName: 'bench', Time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), Message: '' };
    const cpu = process.cpuUsage();
    const t = process.hrtime.bigint();
    const summary = await main_handler(event, { time_limit_in_ms: 300_000, memory_limit_in_mb: 128, function_name: 'statusCheck' });
    const secs = Number(process.hrtime.bigint() - t) / 1e9;
    const used = process.cpuUsage(cpu);
    const failed = summary.results.filter((r) => !r.ok);
    if (failed.length) throw new Error(`${failed.length} of ${summary.results.length} checks failed, e.g. ${JSON.stringify(failed[0].reasons)}`);
    batches.push({ rate: summary.results.length / secs, cpuMs: (used.user + used.system) / 1000 });
  }
  writeSync(3, JSON.stringify({ batches, totalCpuMs: cpuMs(process.cpuUsage()), maxRssKb: process.resourceUsage().maxRSS }));
}

main().catch((err) => {
  process.stderr.write(`child-throughput: ${err && err.stack}\n`);
  process.exitCode = 1;
});
