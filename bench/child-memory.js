// The function side of bench/memory.ts, in a fresh `node` process: require the built bundle
// (SCF_MONITOR_CONFIG names the YAML config), call main_handler `runs` times, and report on
// fd 3 the peak RSS (process.resourceUsage().maxRSS, the kernel's figure) with what each run did.
// Usage: node child-memory.js <dist dir> <runs>
'use strict';
const { writeSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.argv[2];
const runs = Number(process.argv[3] || 1);
const { main_handler } = require(join(dir, 'statusCheck.js'));

async function main() {
  const done = [];
  for (let i = 0; i < runs; i++) {
    const event = { Type: 'Timer', TriggerName: 'bench', Time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), Message: '' };
    const t = Date.now();
    const s = await main_handler(event, { time_limit_in_ms: 300_000, memory_limit_in_mb: 128, function_name: 'statusCheck' });
    done.push({
      ms: Date.now() - t,
      results: s.results.length,
      failing: s.results.filter((r) => !r.ok).length,
      alerts: s.alerts.length,
      delivered: s.deliveries.filter((d) => d.outcome === 'delivered').length,
      alertingError: s.alertingError,
    });
  }
  writeSync(3, JSON.stringify({ runs: done, maxRssKb: process.resourceUsage().maxRSS }));
}

main().catch((err) => {
  process.stderr.write(`child-memory: ${err && err.stack}\n`);
  process.exitCode = 1;
});
