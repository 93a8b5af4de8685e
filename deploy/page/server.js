/**
 * The pagePerf image's entry point. An SCF image function (event type) gets no handler
 * name: SCF posts each invocation to an HTTP server in the container. As we read Tencent's
 * image-function documentation (not verified against a live account from this project's
 * machines): POST /event-invoke on port 9000 with the event as the JSON body, the time limit
 * in the X-Scf-Timeout header (ms) and the request id in X-Scf-Request-Id; the answer's body
 * is the invocation's result. This adapter calls the same main_handler the CLI runs.
 */
'use strict';
const http = require('node:http');
const { main_handler } = require('./pagePerf.js');

const port = Number(process.env.PORT ?? 9000);
const host = process.env.HOST ?? '0.0.0.0';
/** When SCF sends no time limit: pagePerf's timeout in deploy/page/serverless.yml. */
const DEFAULT_TIME_LIMIT_MS = 300_000;

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/event-invoke') {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    let event;
    try {
      event = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('the event is not JSON\n');
      return;
    }
    const limit = Number(req.headers['x-scf-timeout']);
    const context = {
      time_limit_in_ms: limit > 0 ? limit : DEFAULT_TIME_LIMIT_MS,
      request_id: String(req.headers['x-scf-request-id'] ?? ''),
      function_name: 'pagePerf',
    };
    try {
      const summary = await main_handler(event, context);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(summary));
    } catch (err) {
      // A config error or an unwritable state store: a function error, so SCF's error alarm fires.
      process.stderr.write(`pagePerf: ${err && err.message}\n`);
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err && err.name}: ${err && err.message}\n`);
    }
  });
});

server.listen(port, host, () => {
  const a = server.address();
  process.stdout.write(`pagePerf listening on ${a.address}:${a.port}\n`);
});
