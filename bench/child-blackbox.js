// Drives blackbox_exporter (another process, on 127.0.0.1) the way Prometheus would: one
// GET /probe per check, `concurrency` at a time, `rounds` batches, every answer checked for
// probe_success 1. Reports on fd 3 each batch's checks per second and this driver's CPU time
// (the exporter's own is read from /proc by the parent).
// Usage: node child-blackbox.js <exporter port> <module> <target> <checks per batch> <concurrency> <rounds>
'use strict';
const { runBatches } = require('./batches');
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

runBatches('child-blackbox', one, { count, concurrency, rounds, before: () => agent.destroy() });
