/** statusCheck's monitor types: http, tcp and dns. */
import { redactUrl } from '../report/redact';
import { dnsTarget, runDns } from './dns';
import { runHttp } from './http';
import type { FunctionDef } from './runner';
import { runTcp } from './tcp';

export const statusCheck = {
  name: 'statusCheck',
  runners: {
    http: { run: runHttp, target: (m) => redactUrl(m.url) },
    tcp: { run: runTcp, target: (m) => `${m.host}:${m.port}` },
    dns: { run: runDns, target: dnsTarget },
  },
} satisfies FunctionDef;
