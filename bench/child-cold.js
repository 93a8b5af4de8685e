// One cold start, in a fresh `node` process: require the bundle (timed with hrtime inside this
// process, so node's own boot is not counted), then one main_handler call on a timer event.
// Reports on fd 3: require time, require + invoke time, what the run did, and which dist/lazy
// files ended up in require.cache (a healthy run should load none).
// Usage: node child-cold.js <dir holding statusCheck.js and monitors.json>
'use strict';
const { writeSync } = require('node:fs');
const { join, sep } = require('node:path');

const dir = process.argv[2];
const bundle = join(dir, 'statusCheck.js');
const event = { Type: 'Timer', TriggerName: 'bench', Time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), Message: '' };
const context = { time_limit_in_ms: 10_000, memory_limit_in_mb: 128, function_name: 'statusCheck' };

const t0 = process.hrtime.bigint();
const { main_handler } = require(bundle);
const t1 = process.hrtime.bigint();
main_handler(event, context).then(
  (summary) => {
    const t2 = process.hrtime.bigint();
    const lazy = Object.keys(require.cache)
      .filter((p) => p.includes(`${sep}lazy${sep}`))
      .map((p) => p.slice(p.lastIndexOf(`${sep}lazy${sep}`) + 1));
    const report = {
      requireMs: Number(t1 - t0) / 1e6,
      invokeMs: Number(t2 - t0) / 1e6,
      ok: summary.ok,
      results: summary.results.length,
      alerts: summary.alerts.length,
      deliveries: summary.deliveries.length,
      alertingError: summary.alertingError,
      lazy,
    };
    writeSync(3, JSON.stringify(report));
  },
  (err) => {
    process.stderr.write(`child-cold: ${err && err.stack}\n`);
    process.exitCode = 1;
  },
);
