// The function side of the throughput run, in a fresh `node` process: require the bundle whose
// monitors.json holds the monitors, then call main_handler `rounds` times, all reported, each call checking every monitor. Reports on fd 3 each round's checks per
// second and this process's peak RSS (process.resourceUsage().maxRSS, the kernel's figure).
// Usage: node child-throughput.js <dist dir> <rounds>
'use strict';
const { writeSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.argv[2];
const rounds = Number(process.argv[3]);
const { main_handler } = require(join(dir, 'statusCheck.js'));

async function main() {
  const rates = [];
  for (let i = 0; i < rounds; i++) {
    const event = { Type: 'Timer', TriggerName: 'bench', Time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), Message: '' };
    const t = process.hrtime.bigint();
    const summary = await main_handler(event, { time_limit_in_ms: 300_000, memory_limit_in_mb: 128, function_name: 'statusCheck' });
    const secs = Number(process.hrtime.bigint() - t) / 1e9;
    const failed = summary.results.filter((r) => !r.ok);
    if (failed.length) throw new Error(`${failed.length} of ${summary.results.length} checks failed, e.g. ${JSON.stringify(failed[0].reasons)}`);
    rates.push(summary.results.length / secs); // every round, the first (cold JIT) too: the parent decides what counts
  }
  writeSync(3, JSON.stringify({ rates, maxRssKb: process.resourceUsage().maxRSS }));
}

main().catch((err) => {
  process.stderr.write(`child-throughput: ${err && err.stack}\n`);
  process.exitCode = 1;
});
