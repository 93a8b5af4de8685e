// Loopback pages with injected delays for bench/page.ts, in a process of its own so the
// browser driver's work does not delay its timers. Each held response records, with hrtime,
// how long it was actually held (timers fire late by a varying amount): from the request's
// arrival to the headers handed to the kernel. GET /holds answers with the records.
// Usage (forked, with IPC; sends { port }): node page-server.js
'use strict';
const http = require('node:http');

const HOLDS = { '/h100': 100, '/hold.js': 200, '/late.svg': 300 };
const holds = [];
const html = (body) => `<!doctype html><html><head><title>b</title></head><body>${body}</body></html>`;
const PAGES = {
  '/h100': ['text/html', html('<h1>Headers held 100 ms</h1>')],
  '/simple': ['text/html', html('<h1>Simple</h1><p>A loopback page.</p>')],
  '/async': ['text/html', html('<h1>Load held</h1><script async src="/hold.js"></script>')],
  '/hold.js': ['text/javascript', 'window.held = 1;'],
  '/image': ['text/html', html('<h1>Late image</h1><img src="/late.svg" width="40" height="40">')],
  '/late.svg': ['image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#0a0"/></svg>'],
  '/favicon.ico': ['image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"/>'],
};
// The same pages with nothing held, for the difference measurement: what a timing adds when
// the delay is there, against the delay itself, with the browser's own work taken out.
PAGES['/h0'] = PAGES['/h100'];
PAGES['/async0'] = ['text/html', html('<h1>Load held</h1><script async src="/hold0.js"></script>')];
PAGES['/hold0.js'] = PAGES['/hold.js'];
PAGES['/image0'] = ['text/html', html('<h1>Late image</h1><img src="/late0.svg" width="40" height="40">')];
PAGES['/late0.svg'] = PAGES['/late.svg'];

const server = http.createServer((req, res) => {
  const path = req.url.split('?')[0];
  if (path === '/holds') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(holds));
    return;
  }
  const page = PAGES[path];
  if (!page) {
    res.writeHead(404).end();
    return;
  }
  const arrived = process.hrtime.bigint();
  const answer = () => {
    res.writeHead(200, { 'content-type': page[0], 'cache-control': 'no-store' });
    res.flushHeaders();
    if (HOLDS[path]) holds.push({ path, heldMs: Number(process.hrtime.bigint() - arrived) / 1e6 });
    res.end(page[1]);
  };
  if (HOLDS[path]) setTimeout(answer, HOLDS[path]);
  else answer();
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
