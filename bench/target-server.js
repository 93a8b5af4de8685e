// The loopback targets in their own process, so the benchmark's clients are measured alone:
// an HTTP server answering at once, and a TCP port that accepts and closes.
'use strict';
const http = require('node:http');
const net = require('node:net');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok');
});
const tcp = net.createServer((s) => {
  s.on('error', () => {});
  s.destroy();
});
server.listen(0, '127.0.0.1', () =>
  tcp.listen(0, '127.0.0.1', () => process.send({ port: server.address().port, tcpPort: tcp.address().port })),
);
process.on('disconnect', () => process.exit(0));
