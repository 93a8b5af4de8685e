// A loopback HTTP server in its own process for the timing-accuracy check. On /probe?id=N it
// waits HEADER_MS, sends the response headers alone (flushHeaders), waits BODY_MS, then sends
// the body. It times on its own side, with hrtime, what it actually did (timers fire late by a
// varying amount, so the nominal delays are not the truth):
//   headerMs: from the 'request' event (request headers parsed) to the header bytes handed to
//             the kernel (flushHeaders returned);
//   bodyMs:   from then to the body handed to the kernel (res.end returned).
// GET /timings answers with every record so far, keyed by id.
// Usage (forked, with IPC): node timing-server.js <HEADER_MS> <BODY_MS>
'use strict';
const http = require('node:http');

const [HEADER_MS, BODY_MS] = process.argv.slice(2).map(Number);
const BODY = Buffer.alloc(1024, 'x');
const records = {};
const elapsedMs = (from) => Number(process.hrtime.bigint() - from) / 1e6;

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://timing');
  if (url.pathname === '/timings') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(records));
    return;
  }
  const arrived = process.hrtime.bigint();
  const id = url.searchParams.get('id') ?? '?';
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
    res.flushHeaders();
    const headersAt = process.hrtime.bigint();
    const headerMs = elapsedMs(arrived);
    // Bytes node could not hand to the kernel at once would leave later than we record.
    const headersQueued = res.socket ? res.socket.writableLength : -1;
    setTimeout(() => {
      res.end(BODY);
      const bodyMs = elapsedMs(headersAt);
      records[id] = { headerMs, bodyMs, headersQueued, bodyQueued: res.socket ? res.socket.writableLength : -1 };
    }, BODY_MS);
  }, HEADER_MS);
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
