/** statusCheck's monitor types: http, tcp and dns. */
import { redactUrl } from '../report/redact';
import { dnsTarget, runDns } from '../monitors/dns/run';
import { runHttp } from '../monitors/http/run';
import type { FunctionDef } from '../monitors/module';
import { runTcp } from '../monitors/tcp/run';

export const statusCheck = {
  name: 'statusCheck',
  runners: {
    http: { run: runHttp, target: (m) => redactUrl(m.url) },
    tcp: { run: runTcp, target: (m) => `${m.host}:${m.port}` },
    dns: { run: runDns, target: dnsTarget },
  },
} satisfies FunctionDef;
