// The reference side of the throughput run, in a fresh `node` process: the least a client can
// do per check, `concurrency` at a time, `rounds` batches (the first JIT-cold, like a fresh
// instance; the next like a warm one). http: a bare http.get({agent:false}) (a new connection
// each, like the prober), body read to the end. tcp: a bare net.connect, destroyed on connect.
// Reports on fd 3 each batch's checks per second and CPU time, and the peak RSS.
// Usage: node child-bare.js <http|tcp> <port> <checks per batch> <concurrency> <rounds>
'use strict';
const { runBatches } = require('./batches');
const { get } = require('node:http');
const { connect } = require('node:net');

const kind = process.argv[2];
const [port, count, concurrency, rounds] = process.argv.slice(3).map(Number);

function http() {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  });
}

function tcp() {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    s.once('error', reject);
  });
}

const one = kind === 'tcp' ? tcp : http;

runBatches('child-bare', one, { count, concurrency, rounds });
