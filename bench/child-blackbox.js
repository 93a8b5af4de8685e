// Drives blackbox_exporter (another process, on 127.0.0.1) the way Prometheus would: one
// GET /probe per check, `concurrency` at a time, `rounds` batches, every answer checked for
// probe_success 1. Reports on fd 3 each batch's checks per second and this driver's CPU time
// (the exporter's own is read from /proc by the parent).
// Usage: node child-blackbox.js <exporter port> <module> <target> <checks per batch> <concurrency> <rounds>
'use strict';
const cpuMs = (u) => (u.user + u.system) / 1000;
const { writeSync } = require('node:fs');
const { Agent, get } = require('node:http');

const [exporterPort, probeModule, target] = process.argv.slice(2, 5);
const [count, concurrency, rounds] = process.argv.slice(5).map(Number);
// Kept-alive connections to the exporter, as a Prometheus server scraping it keeps them.
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const path = `/probe?module=${encodeURIComponent(probeModule)}&target=${encodeURIComponent(target)}`;

function one() {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: Number(exporterPort), path, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => (/^probe_success 1$/m.test(text) ? resolve() : reject(new Error(`probe failed: ${text.slice(0, 300)}`))));
    }).on('error', reject);
  });
}

async function batch() {
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
  const used = process.cpuUsage(cpu);
  return { rate: count / (Number(process.hrtime.bigint() - t) / 1e9), cpuMs: (used.user + used.system) / 1000 };
}

async function main() {
  const batches = [];
  for (let i = 0; i < rounds; i++) batches.push(await batch());
  agent.destroy();
  writeSync(3, JSON.stringify({ batches, totalCpuMs: cpuMs(process.cpuUsage()), maxRssKb: process.resourceUsage().maxRSS }));
}

main().catch((err) => {
  process.stderr.write(`child-blackbox: ${err && err.stack}\n`);
  process.exitCode = 1;
});
