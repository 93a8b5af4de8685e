// A loopback HTTP target in its own process for bench/memory.ts, so its memory is not the
// function's: answers every request with the status given as argv[2] and a small HTML page.
'use strict';
const http = require('node:http');
const status = Number(process.argv[2] || 200);
const page = `<html><head><title>${status === 200 ? 'OK' : 'Bad Gateway'}</title></head><body>${'x'.repeat(512)}</body></html>`;
const server = http.createServer((req, res) => {
  res.writeHead(status, { 'content-type': 'text/html' });
  res.end(page);
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
