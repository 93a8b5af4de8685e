/**
 * Config: every bad-config kind with its path and reason, defaults, ${ENV} interpolation,
 * discovery order, `ca` files, the build's 'ignore' mode, and the JSON Schema / example file
 * staying in step with lib/config/schema.ts. No network traffic at all.
 */
import { heartbeatMonitor } from '../lib/monitors/heartbeat/schema';
import { hostMonitor } from '../lib/monitors/host/schema';
import { sweepMonitor } from '../lib/monitors/sweep/schema';
import { tencentApiEntries } from '../lib/config/tencent-schema';
import { pageMonitor } from '../lib/monitors/page/schema';
import { speedtestMonitor } from '../lib/monitors/speedtest/schema';
import { ckafkaMonitor } from '../lib/monitors/ckafka/schema';
import { EXAMPLE_ENV } from './support/example-env';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as v from 'valibot';
import { findConfig, parseConfigText } from '../lib/config/load';
import { checkFullConfig, loadFullConfig } from '../lib/functions';
import { MONITOR_TYPE_NAMES, validateFullConfig } from '../lib/functions';
import { interpolate } from '../lib/config/env';
import { configWarnings } from '../lib/config/warnings';
import { ConfigError, formatPath, formatProblem, type Problem } from '../lib/config/errors';
import { FULL_CONFIG_SCHEMA as configSchema } from '../lib/functions';
import { dnsMonitor } from '../lib/monitors/dns/schema';
import { httpMonitor, type HttpMonitor } from '../lib/monitors/http/schema';
import { tcpMonitor, type TcpMonitor } from '../lib/monitors/tcp/schema';
import { alerts as alertsSchema, fileState, maintenanceWindow } from '../lib/config/alerting-schema';
import { dingtalkChannel } from '../lib/channels/dingtalk/schema';
import { emailChannel } from '../lib/channels/email/schema';
import { wecomChannel } from '../lib/channels/wecom/schema';
import { API_SCHEMAS_FILE, apiSchemasSource, configJsonSchema, SCHEMA_FILE } from '../scripts/schema';

const ROOT = resolve(__dirname, '..');
const FILE = '/cfg/monitors.yaml';

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'scf-monitor-config-test-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** A fresh directory under the suite's temp dir. */
let dirCount = 0;
function dir(files: Record<string, string> = {}): string {
  const d = join(tmp, `d${++dirCount}`);
  mkdirSync(d, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(d, name, '..'), { recursive: true });
    writeFileSync(join(d, name), text);
  }
  return d;
}

/** The formatted problems of a YAML text that must not validate (without `where`). */
function problemsOf(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  const r = checkFullConfig(yaml, FILE, env);
  assert.equal(r.config, undefined, 'expected the config to be rejected');
  assert.ok(r.problems.length > 0);
  return r.problems.map((p) => formatProblem({ ...p, where: undefined }));
}

/** The one problem of a YAML text, formatted without `where`. */
function onlyProblem(yaml: string, env: NodeJS.ProcessEnv = {}): string {
  const all = problemsOf(yaml, env);
  assert.equal(all.length, 1, `expected exactly one problem, got:\n${all.join('\n')}`);
  return all[0]!;
}

function validHttp(env: NodeJS.ProcessEnv = {}, yaml = 'monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/" }\n') {
  const r = checkFullConfig(yaml, FILE, env);
  assert.deepEqual(r.problems, []);
  assert.ok(r.config);
  return r.config;
}

function http(yaml: string, env: NodeJS.ProcessEnv = {}): HttpMonitor {
  const m = validHttp(env, yaml).monitors[0]!;
  assert.equal(m.type, 'http');
  return m as HttpMonitor;
}

describe('formatPath / formatProblem', () => {
  test('paths read like JavaScript, the top level has a name', () => {
    assert.equal(formatPath(['monitors', 0, 'url']), 'monitors[0].url');
    assert.equal(formatPath(['monitors', 2, 'headers', 'Accept-Language']), 'monitors[2].headers.Accept-Language');
    assert.equal(formatPath(['monitors', 0, 'headers', 'x y']), 'monitors[0].headers["x y"]');
    assert.equal(formatPath([]), '(top level)');
    assert.equal(formatProblem({ path: ['a'], message: 'bad', where: 'f.yaml:3:4' }), 'f.yaml:3:4: a: bad');
  });

  test('ConfigError lists every problem under the file name', () => {
    const err = new ConfigError(
      [
        { path: ['monitors', 0, 'url'], message: 'not a valid URL' },
        { path: ['concurrency'], message: 'must be at least 1' },
      ],
      '/x/monitors.yaml',
    );
    assert.equal(err.name, 'ConfigError');
    assert.equal(
      err.message,
      'invalid config /x/monitors.yaml:\n  monitors[0].url: not a valid URL\n  concurrency: must be at least 1',
    );
    assert.equal(err.problems.length, 2);
    assert.equal(err.file, '/x/monitors.yaml');
  });
});

describe('bad configs name the path and the reason', () => {
  test('an invalid URL', () => {
    assert.equal(
      onlyProblem('monitors:\n  - { name: a, type: http, url: "not a url" }\n'),
      'monitors[0].url: not a valid URL',
    );
  });

  test('a URL that is not http(s)', () => {
    assert.equal(
      onlyProblem('monitors:\n  - { name: a, type: http, url: "ftp://127.0.0.1/x" }\n'),
      'monitors[0].url: must be an http:// or https:// URL',
    );
  });

  test('an unknown type lists the known types', () => {
    assert.equal(
      onlyProblem('monitors:\n  - { name: a, type: ftp, host: 127.0.0.1 }\n'),
      'monitors[0].type: unknown type "ftp" (known types: http, tcp, dns, speedtest, ckafka, heartbeat, host, sweep, page)',
    );
  });

  test('duplicate names name both indexes', () => {
    const yaml =
      'monitors:\n' +
      '  - { name: web, type: http, url: "http://127.0.0.1:1/" }\n' +
      '  - { name: db, type: tcp, host: 127.0.0.1, port: 1 }\n' +
      '  - { name: web, type: tcp, host: 127.0.0.1, port: 2 }\n';
    assert.equal(onlyProblem(yaml), 'monitors[2].name: duplicate name "web" (also monitors[0])');
    // validateConfig gives the same on plain data.
    const { config, problems } = validateFullConfig(parseYaml(yaml));
    assert.equal(config, undefined);
    assert.deepEqual(problems, [{ path: ['monitors', 2, 'name'], message: 'duplicate name "web" (also monitors[0])' }]);
  });

  test('a missing environment variable names the variable and where it is used', () => {
    const yaml = 'monitors:\n  - name: a\n    type: http\n    url: "http://127.0.0.1:1/"\n    headers: { Authorization: "Bearer ${NO_SUCH_TOKEN_XYZ}" }\n';
    const r = checkFullConfig(yaml, FILE, {});
    assert.equal(r.config, undefined);
    assert.equal(r.problems.length, 1);
    assert.deepEqual(r.problems[0]!.path, ['monitors', 0, 'headers', 'Authorization']);
    assert.equal(r.problems[0]!.where, `${FILE}:5:31`);
    assert.equal(
      formatProblem(r.problems[0]!),
      `${FILE}:5:31: monitors[0].headers.Authorization: environment variable NO_SUCH_TOKEN_XYZ is not set`,
    );
  });

  test('a missing variable inside a URL is reported once, as the variable, not also as a bad URL', () => {
    const all = problemsOf('monitors:\n  - { name: a, type: http, url: "http://${NO_SUCH_HOST_XYZ}/" }\n');
    assert.deepEqual(all, ['monitors[0].url: environment variable NO_SUCH_HOST_XYZ is not set']);
  });

  test('a negative number', () => {
    assert.equal(
      onlyProblem('monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", samples: -5 }\n'),
      'monitors[0].samples: must be at least 1, got -5',
    );
  });

  test('numbers out of range elsewhere', () => {
    assert.deepEqual(
      problemsOf(
        'concurrency: 0\nmonitors:\n  - { name: a, type: tcp, host: 127.0.0.1, port: 70000, expect: { minSuccessRate: 1.5 } }\n',
      ),
      [
        'concurrency: must be at least 1, got 0',
        'monitors[0].port: must be at most 65535, got 70000',
        'monitors[0].expect.minSuccessRate: must be at most 1, got 1.5',
      ],
    );
  });

  test('an unknown key at the top level', () => {
    assert.equal(
      onlyProblem('monitor: []\nmonitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/" }\n'),
      'monitor: unknown key (did you mean "monitors"?)',
    );
  });

  test('an unknown key inside a monitor', () => {
    assert.equal(
      onlyProblem('monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", timeout: 5 }\n'),
      'monitors[0].timeout: unknown key (did you mean "connectTimeoutMs"?)',
    );
  });

  test('an unknown key inside expect', () => {
    assert.equal(
      onlyProblem('monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", expect: { statusCode: 200 } }\n'),
      'monitors[0].expect.statusCode: unknown key (did you mean "status"?)',
    );
  });

  test('an http-only key on a tcp monitor is unknown there', () => {
    assert.equal(
      onlyProblem('monitors:\n  - { name: a, type: tcp, host: 127.0.0.1, port: 1, expect: { status: 200 } }\n'),
      'monitors[0].expect.status: unknown key (known here: minSuccessRate, maxMeanMs)',
    );
  });

  test('a string where a number belongs', () => {
    assert.equal(
      onlyProblem('monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", samples: "ten" }\n'),
      'monitors[0].samples: must be a whole number, got "ten"',
    );
  });

  test('a fraction where a whole number belongs', () => {
    assert.equal(
      onlyProblem('monitors:\n  - { name: a, type: tcp, host: 127.0.0.1, port: 1, attempts: 1.5 }\n'),
      'monitors[0].attempts: must be a whole number, got 1.5',
    );
  });

  test('a missing required field: tcp without port', () => {
    assert.equal(onlyProblem('monitors:\n  - { name: a, type: tcp, host: 127.0.0.1 }\n'), 'monitors[0].port: is required');
  });

  test('a missing required field: http without url, any monitor without name', () => {
    assert.deepEqual(problemsOf('monitors:\n  - { name: a, type: http }\n  - { type: tcp, host: h, port: 1 }\n'), [
      'monitors[0].url: is required',
      'monitors[1].name: is required',
    ]);
  });

  test('a tcp host with a scheme or port', () => {
    assert.equal(
      onlyProblem('monitors:\n  - { name: a, type: tcp, host: "tcp://127.0.0.1:80", port: 80 }\n'),
      'monitors[0].host: must be a host name or IP address, without scheme or port',
    );
  });

  test('a bad regular expression in bodyMatches', () => {
    assert.equal(
      onlyProblem('monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", expect: { bodyMatches: "(unclosed" } }\n'),
      'monitors[0].expect.bodyMatches: not a valid regular expression',
    );
  });

  test('a bad status item names its list index', () => {
    assert.equal(
      onlyProblem('monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", expect: { status: [200, "abc", 301] } }\n'),
      'monitors[0].expect.status[1]: must be a status code (200), a class ("2xx") or a range ("200-299"), got "abc"',
    );
  });

  test('a status code out of range and a backwards range', () => {
    assert.deepEqual(
      problemsOf('monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", expect: { status: [99, "299-200"] } }\n'),
      [
        'monitors[0].expect.status[0]: must be a status code (200), a class ("2xx") or a range ("200-299"), got 99',
        'monitors[0].expect.status[1]: range must go from low to high',
      ],
    );
  });

  test('an unknown method lists the allowed ones', () => {
    assert.equal(
      onlyProblem('monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", method: FETCH }\n'),
      'monitors[0].method: must be GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS, got "FETCH"',
    );
  });

  test('an empty monitors list', () => {
    assert.equal(onlyProblem('monitors: []\n'), 'monitors: must list at least one monitor, got 0');
  });

  test('no monitors key at all', () => {
    assert.equal(onlyProblem('concurrency: 5\n'), 'monitors: is required');
  });

  test('monitors given as a mapping instead of a list', () => {
    assert.equal(onlyProblem('monitors:\n  a: { type: tcp }\n'), 'monitors: must be a list of monitors, got Object');
  });

  test('a monitor without a type', () => {
    assert.equal(onlyProblem('monitors:\n  - { name: a, url: "http://127.0.0.1:1/" }\n'), 'monitors[0].type: is required');
  });

  test(
    'a monitor that is not a mapping says so',
    () => {
      assert.equal(onlyProblem('monitors:\n  - just-a-name\n'), 'monitors[0]: must be a mapping of keys to values, got "just-a-name"');
    },
  );

  test(
    'expect given as a list instead of a mapping is rejected',
    () => {
      // A natural slip: `expect:` followed by `- status: 204` on the next line.
      assert.equal(
        onlyProblem('monitors:\n  - name: a\n    type: http\n    url: "http://127.0.0.1:1/"\n    expect:\n      - status: 204\n'),
        'monitors[0].expect: must be a mapping of keys to values, got Array',
      );
      assert.equal(
        onlyProblem('monitors:\n  - { name: a, type: tcp, host: h, port: 1, expect: [] }\n'),
        'monitors[0].expect: must be a mapping of keys to values, got Array',
      );
    },
  );

  test(
    'headers given as a list instead of a mapping is rejected',
    () => {
      assert.equal(
        onlyProblem('monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", headers: ["X-A: 1"] }\n'),
        'monitors[0].headers: must be a mapping of keys to values, got Array',
      );
    },
  );

  test(
    'an empty name says it must not be empty, without a stray ", got 0"',
    () => {
      assert.equal(onlyProblem('monitors:\n  - { name: "", type: tcp, host: h, port: 1 }\n'), 'monitors[0].name: must not be empty');
    },
  );

  test('a top-level list instead of a mapping', () => {
    assert.equal(
      onlyProblem('- { name: a, type: http, url: "http://127.0.0.1:1/" }\n'),
      '(top level): the config must be a mapping with a `monitors:` list',
    );
  });

  test('an empty file', () => {
    assert.equal(onlyProblem(''), '(top level): the config must be a mapping with a `monitors:` list');
  });

  test('a YAML syntax error throws a ConfigError whose message carries file:line:col', () => {
    const text = 'monitors:\n  - name: a\n    type: http\n    url: [http://127.0.0.1:1/\n';
    let caught: unknown;
    try {
      checkFullConfig(text, FILE, {});
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof ConfigError, 'expected a ConfigError');
    assert.equal(caught.file, FILE);
    assert.ok(caught.problems.length >= 1);
    const first = caught.problems[0]!;
    assert.match(first.where ?? '', /^\/cfg\/monitors\.yaml:\d+:\d+$/);
    assert.match(first.message, /^YAML: /);
    assert.ok(caught.message.startsWith(`invalid config ${FILE}:\n  ${FILE}:`), caught.message);
  });

  test('a YAML syntax error points at the offending line', () => {
    // Line 3 is indented wrongly: a sibling of `name` with one space too few.
    const text = 'monitors:\n  - name: a\n   type: http\n';
    assert.throws(
      () => checkFullConfig(text, FILE, {}),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.ok(err.problems.some((p) => p.where?.startsWith(`${FILE}:3:`)), JSON.stringify(err.problems));
        return true;
      },
    );
  });

  test('a JSON syntax error in a .json config', () => {
    assert.throws(
      () => parseConfigText('{"monitors": [', '/cfg/monitors.json'),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.file, '/cfg/monitors.json');
        assert.match(err.problems[0]!.message, /^not valid JSON: /);
        return true;
      },
    );
  });

  test('YAML problems carry where with the line of the bad value', () => {
    const text = [
      '# comment',
      'concurrency: 5',
      'monitors:',
      '  - name: ok-one',
      '    type: tcp',
      '    host: 127.0.0.1',
      '    port: 1',
      '  - name: bad-url',
      '    type: http',
      '    url: "nope"', // line 10
      '    samples: -1', // line 11
    ].join('\n');
    const r = checkFullConfig(text, FILE, {});
    assert.equal(r.config, undefined);
    const byPath = new Map(r.problems.map((p) => [formatPath(p.path), p]));
    assert.equal(byPath.get('monitors[1].url')?.where, `${FILE}:10:10`);
    assert.equal(byPath.get('monitors[1].samples')?.where, `${FILE}:11:14`);
    assert.equal(formatProblem(byPath.get('monitors[1].url')!), `${FILE}:10:10: monitors[1].url: not a valid URL`);
  });

  test('a missing required key points at its monitor', () => {
    const r = checkFullConfig('monitors:\n  - name: a\n    type: tcp\n  - name: b\n    type: tcp\n    host: h\n', FILE, {});
    const where = Object.fromEntries(r.problems.map((p) => [formatPath(p.path), p.where]));
    assert.equal(where['monitors[0].host'], `${FILE}:2:5`);
    assert.equal(where['monitors[0].port'], `${FILE}:2:5`);
    assert.equal(where['monitors[1].port'], `${FILE}:4:5`);
  });

  test('JSON sources have no where', () => {
    const r = checkFullConfig('{"monitors":[{"name":"a","type":"http","url":"nope"}]}', '/cfg/monitors.json', {});
    assert.equal(r.problems.length, 1);
    assert.deepEqual(r.problems[0]!.path, ['monitors', 0, 'url']);
    assert.equal(r.problems[0]!.message, 'not a valid URL');
    assert.equal(r.problems[0]!.where, undefined);
  });

  test('several problems are reported at once, in different monitors and levels', () => {
    const yaml = [
      'concurrency: "x"',
      'bogus: 1',
      'monitors:',
      '  - { name: a, type: http, url: "not a url", samples: -5, extra: 1, expect: { bodyMatches: "(", what: 1 } }',
      '  - { name: b, type: ftp }',
      '  - { name: c, type: tcp, host: 127.0.0.1 }',
      '  - { name: d, type: http, url: "http://127.0.0.1:1/", headers: { X: "${NO_SUCH_VAR_XYZ}" } }',
    ].join('\n');
    const all = problemsOf(yaml);
    const expected = [
      'concurrency: must be a whole number, got "x"',
      'bogus: unknown key (known here: concurrency, deadlineMarginMs, canary, heartbeatUrl, state, ingest, history, api, metrics, channels, alerts, monitors)',
      'monitors[0].url: not a valid URL',
      'monitors[0].samples: must be at least 1, got -5',
      'monitors[0].extra: unknown key (known here: name, tags, enabled, alert, samples, intervalMs, connectTimeoutMs, attempts, type, url, method, headers, body, readTimeoutMs, followRedirects, maxRedirects, maxBodyBytes, insecure, ca, dnsServers, expect)',
      'monitors[0].expect.bodyMatches: not a valid regular expression',
      'monitors[0].expect.what: unknown key (known here: status, minSuccessRate, maxMeanMs, bodyContains, bodyMatches, certMinDays)',
      'monitors[1].type: unknown type "ftp" (known types: http, tcp, dns, speedtest, ckafka, heartbeat, host, sweep, page)',
      'monitors[2].port: is required',
      'monitors[3].headers.X: environment variable NO_SUCH_VAR_XYZ is not set',
    ];
    assert.deepEqual([...all].sort(), [...expected].sort());
    // Missing variables come first: they are usually the one thing to fix on a new machine.
    assert.equal(all[0], 'monitors[3].headers.X: environment variable NO_SUCH_VAR_XYZ is not set');
  });

  test(
    'duplicate names are reported together with the other problems',
    () => {
      const all = problemsOf(
        'monitors:\n  - { name: web, type: http, url: "nope" }\n  - { name: web, type: tcp, host: 127.0.0.1, port: 1 }\n',
      );
      assert.deepEqual(all, ['monitors[0].url: not a valid URL', 'monitors[1].name: duplicate name "web" (also monitors[0])']);
    },
  );

  test('one mistake gives one problem, not a cascade from the union of types', () => {
    const all = problemsOf('monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", expect: { status: "abc" } }\n');
    assert.deepEqual(all, [
      'monitors[0].expect.status[0]: must be a status code (200), a class ("2xx") or a range ("200-299"), got "abc"',
    ]);
  });
});

describe('defaults', () => {
  test('an http monitor and the config get every documented default', () => {
    const cfg = validHttp({}, 'monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/" }\n');
    assert.equal(cfg.concurrency, 20);
    assert.equal(cfg.deadlineMarginMs, 1000);
    assert.deepEqual(cfg.monitors[0], {
      name: 'a',
      type: 'http',
      url: 'http://127.0.0.1:1/',
      tags: [],
      enabled: true,
      samples: 10,
      intervalMs: 1000,
      connectTimeoutMs: 3000,
      attempts: 3,
      method: 'GET',
      headers: {},
      readTimeoutMs: 5000,
      followRedirects: true,
      maxRedirects: 5,
      maxBodyBytes: 1048576,
      insecure: false,
      expect: { status: [[200, 399]], minSuccessRate: 0.7, maxMeanMs: 5000 },
    });
  });

  test('a tcp monitor gets its defaults', () => {
    const cfg = validHttp({}, 'monitors:\n  - { name: db, type: tcp, host: 127.0.0.1, port: 3306 }\n');
    const m = cfg.monitors[0] as TcpMonitor;
    assert.deepEqual(m, {
      name: 'db',
      type: 'tcp',
      host: '127.0.0.1',
      port: 3306,
      tags: [],
      enabled: true,
      samples: 10,
      intervalMs: 1000,
      connectTimeoutMs: 3000,
      attempts: 3,
      expect: { minSuccessRate: 0.7, maxMeanMs: 5000 },
    });
  });

  test('a partial expect keeps the other defaults; statuses are normalised to ranges', () => {
    const m = http('monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", expect: { status: [200, "3xx", "401-403"], maxMeanMs: 200 } }\n');
    assert.deepEqual(m.expect, { status: [[200, 200], [300, 399], [401, 403]], minSuccessRate: 0.7, maxMeanMs: 200 });
    const one = http('monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", expect: { status: 204 } }\n');
    assert.deepEqual(one.expect.status, [[204, 204]]);
  });

  test('given values override the defaults', () => {
    const cfg = validHttp(
      {},
      'concurrency: 3\nmonitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", samples: 2, intervalMs: 0, insecure: true, method: HEAD }\n',
    );
    assert.equal(cfg.concurrency, 3);
    const m = cfg.monitors[0] as HttpMonitor;
    assert.equal(m.samples, 2);
    assert.equal(m.intervalMs, 0);
    assert.equal(m.insecure, true);
    assert.equal(m.method, 'HEAD');
  });
});

describe('${ENV} interpolation', () => {
  test('a variable is substituted and its path recorded', () => {
    const yaml = 'monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", headers: { Authorization: "Bearer ${API_TOKEN}" } }\n';
    const r = checkFullConfig(yaml, FILE, { API_TOKEN: 's3cr3t' });
    assert.deepEqual(r.problems, []);
    assert.equal((r.config!.monitors[0] as HttpMonitor).headers.Authorization, 'Bearer s3cr3t');
    assert.deepEqual(r.fromEnv, [['monitors', 0, 'headers', 'Authorization']]);
  });

  test('${X:-fallback} uses the fallback when X is unset or empty, and X when set', () => {
    const yaml = 'monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", headers: { X-Env: "${STAGE:-prod}" } }\n';
    assert.equal(http(yaml, {}).headers['X-Env'], 'prod');
    assert.equal(http(yaml, { STAGE: '' }).headers['X-Env'], 'prod');
    assert.equal(http(yaml, { STAGE: 'test' }).headers['X-Env'], 'test');
    // An empty fallback is allowed.
    const empty = 'monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", headers: { X-Env: "v${NONE_XYZ:-}" } }\n';
    assert.equal(http(empty, {}).headers['X-Env'], 'v');
  });

  test('$${ writes a literal ${', () => {
    const yaml = 'monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", body: "{\\"tpl\\": \\"$${USER}\\"}" }\n';
    const m = http(yaml, { USER: 'someone' });
    assert.equal(m.body, '{"tpl": "${USER}"}');
  });

  test('an env value inside a URL', () => {
    const yaml = 'monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:${TARGET_PORT}/health?key=${API_KEY}" }\n';
    const m = http(yaml, { TARGET_PORT: '8080', API_KEY: 'k1' });
    assert.equal(m.url, 'http://127.0.0.1:8080/health?key=k1');
  });

  test('several variables in one string and in lists', () => {
    const r = interpolate({ a: ['${A}-${B}', 'x'], n: 5, t: true, z: null }, { A: '1', B: '2' });
    assert.deepEqual(r.value, { a: ['1-2', 'x'], n: 5, t: true, z: null });
    assert.deepEqual(r.missing, []);
    assert.deepEqual(r.fromEnv, [['a', 0]]);
  });

  test('a secret interpolated into a field that fails validation is not printed in the error', () => {
    const SECRET = 'hunter2-Loc-7f3a-SECRET';
    const yaml =
      'channels:\n  w: { type: wecom, webhook: "http://127.0.0.1:1/cgi-bin/webhook/send?key=k", locale: "${LOC}" }\n' +
      'monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", method: "${METHOD}" }\n';
    const env = { LOC: SECRET, METHOD: `GET-${SECRET}` };
    const problems = problemsOf(yaml, env);
    assert.deepEqual(problems, ['channels.w.locale: must be zh-CN or en, got "***"', 'monitors[0].method: must be GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS, got "***"']);
    // And through loadConfig, whose ConfigError is what the CLI and the handler print.
    const d = mkdtempSync(join(tmpdir(), 'scf-monitor-secret-'));
    try {
      const file = join(d, 'monitors.yaml');
      writeFileSync(file, yaml);
      assert.throws(
        () => loadFullConfig({ configPath: file, env }),
        (err: unknown) => err instanceof ConfigError && !err.message.includes(SECRET) && /locale: must be zh-CN or en/.test(err.message),
      );
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  test('every missing variable is reported, each with its path', () => {
    const r = interpolate({ monitors: [{ url: '${U1}', headers: { h: '${H1} ${H2:-ok}' } }] }, {});
    assert.deepEqual(r.missing, [
      { path: ['monitors', 0, 'url'], message: 'environment variable U1 is not set' },
      { path: ['monitors', 0, 'headers', 'h'], message: 'environment variable H1 is not set' },
    ]);
  });
});

describe("checkConfig(..., 'ignore'): the build checks structure without secrets", () => {
  const withSecret = 'monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", headers: { Authorization: "Bearer ${BUILD_SECRET_XYZ}" } }\n';

  test('missing variables are not reported', () => {
    const r = checkFullConfig(withSecret, FILE, {}, 'ignore');
    assert.deepEqual(r.problems, []);
    assert.ok(r.config);
  });

  test("the same text is an error in 'error' mode (the default)", () => {
    const r = checkFullConfig(withSecret, FILE, {});
    assert.deepEqual(
      r.problems.map((p) => formatProblem({ ...p, where: undefined })),
      ['monitors[0].headers.Authorization: environment variable BUILD_SECRET_XYZ is not set'],
    );
  });

  test('structural errors are still reported', () => {
    const yaml = 'monitors:\n  - { name: a, type: http, url: "http://${BUILD_HOST_XYZ}/", samples: 0, foo: 1 }\n';
    const r = checkFullConfig(yaml, FILE, {}, 'ignore');
    assert.equal(r.config, undefined);
    assert.deepEqual(r.problems.map((p) => formatProblem({ ...p, where: undefined })).sort(), [
      'monitors[0].foo: unknown key (known here: name, tags, enabled, alert, samples, intervalMs, connectTimeoutMs, attempts, type, url, method, headers, body, readTimeoutMs, followRedirects, maxRedirects, maxBodyBytes, insecure, ca, dnsServers, expect)',
      'monitors[0].samples: must be at least 1, got 0',
    ]);
  });
});

describe('discovery order', () => {
  const cfg = (name: string) => `monitors:\n  - { name: ${name}, type: tcp, host: 127.0.0.1, port: 1 }\n`;

  function layout() {
    const cwd = dir({ 'monitors.yaml': cfg('from-cwd') });
    const bundle = dir({ 'monitors.json': JSON.stringify({ monitors: [{ name: 'from-bundle', type: 'tcp', host: '127.0.0.1', port: 1 }] }) });
    const envDir = dir({ 'env.yaml': cfg('from-env') });
    const flagDir = dir({ 'flag.yaml': cfg('from-flag') });
    return { cwd, bundle, envFile: join(envDir, 'env.yaml'), flagFile: join(flagDir, 'flag.yaml') };
  }
  const nameOf = (l: ReturnType<typeof loadFullConfig>) => l.config.monitors[0]!.name;

  test('--config beats SCF_MONITOR_CONFIG, the bundle and cwd', () => {
    const l = layout();
    const loaded = loadFullConfig({ configPath: l.flagFile, env: { SCF_MONITOR_CONFIG: l.envFile }, bundleDir: l.bundle, cwd: l.cwd });
    assert.equal(nameOf(loaded), 'from-flag');
    assert.equal(loaded.path, l.flagFile);
  });

  test('SCF_MONITOR_CONFIG beats the bundle and cwd', () => {
    const l = layout();
    const loaded = loadFullConfig({ env: { SCF_MONITOR_CONFIG: l.envFile }, bundleDir: l.bundle, cwd: l.cwd });
    assert.equal(nameOf(loaded), 'from-env');
    assert.equal(loaded.path, l.envFile);
  });

  test('the config beside the bundle beats ./monitors.yaml, and monitors.json is read as JSON', () => {
    const l = layout();
    const loaded = loadFullConfig({ env: {}, bundleDir: l.bundle, cwd: l.cwd });
    assert.equal(nameOf(loaded), 'from-bundle');
    assert.equal(loaded.path, join(l.bundle, 'monitors.json'));
  });

  test('beside the bundle, monitors.json beats monitors.yaml', () => {
    const bundle = dir({
      'monitors.yaml': cfg('bundle-yaml'),
      'monitors.json': JSON.stringify({ monitors: [{ name: 'bundle-json', type: 'tcp', host: '127.0.0.1', port: 1 }] }),
    });
    assert.equal(nameOf(loadFullConfig({ env: {}, bundleDir: bundle, cwd: dir() })), 'bundle-json');
    const yamlOnly = dir({ 'monitors.yaml': cfg('bundle-yaml') });
    assert.equal(nameOf(loadFullConfig({ env: {}, bundleDir: yamlOnly, cwd: dir() })), 'bundle-yaml');
  });

  test('a .json config is parsed as JSON, not YAML (a JSON error says so)', () => {
    const bundle = dir({ 'monitors.json': '{"monitors": [ {"name": "a",} ] }' });
    assert.throws(
      () => loadFullConfig({ env: {}, bundleDir: bundle, cwd: dir() }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.file, join(bundle, 'monitors.json'));
        assert.match(err.problems[0]!.message, /^not valid JSON: /);
        return true;
      },
    );
  });

  test('./monitors.yaml in cwd is the last resort', () => {
    const l = layout();
    const loaded = loadFullConfig({ env: {}, bundleDir: dir(), cwd: l.cwd });
    assert.equal(nameOf(loaded), 'from-cwd');
    assert.equal(loaded.path, join(l.cwd, 'monitors.yaml'));
  });

  test('SCF_MONITOR_CONFIG and --config are resolved against cwd', () => {
    const cwd = dir({ 'sub/rel.yaml': cfg('relative') });
    assert.equal(findConfig({ env: { SCF_MONITOR_CONFIG: 'sub/rel.yaml' }, bundleDir: dir(), cwd }), join(cwd, 'sub', 'rel.yaml'));
    assert.equal(findConfig({ configPath: 'sub/rel.yaml', env: {}, bundleDir: dir(), cwd }), join(cwd, 'sub', 'rel.yaml'));
  });

  test('a --config path that does not exist is an error naming it (no fallback to other configs)', () => {
    const l = layout();
    const missing = join(tmp, 'nowhere', 'missing.yaml');
    assert.throws(
      () => loadFullConfig({ configPath: missing, env: { SCF_MONITOR_CONFIG: l.envFile }, bundleDir: l.bundle, cwd: l.cwd }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(formatProblem(err.problems[0]!), `(top level): config file ${missing} (from --config) does not exist`);
        assert.ok(err.message.includes(missing));
        return true;
      },
    );
  });

  test('an SCF_MONITOR_CONFIG path that does not exist names the variable', () => {
    const l = layout();
    assert.throws(
      () => loadFullConfig({ env: { SCF_MONITOR_CONFIG: 'gone.yaml' }, bundleDir: l.bundle, cwd: l.cwd }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.problems[0]!.message, `config file ${join(l.cwd, 'gone.yaml')} (from SCF_MONITOR_CONFIG) does not exist`);
        return true;
      },
    );
  });

  test('nothing found: the error lists every place it looked', () => {
    const cwd = dir();
    const bundle = dir();
    assert.throws(
      () => loadFullConfig({ env: {}, bundleDir: bundle, cwd }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const msg = err.problems[0]!.message;
        assert.ok(msg.startsWith('no config found: pass --config FILE, set SCF_MONITOR_CONFIG, or create ./monitors.yaml'), msg);
        const looked = msg.slice(msg.indexOf('Looked in: ') + 'Looked in: '.length).split(', ');
        assert.deepEqual(looked, [
          join(bundle, 'monitors.json'),
          join(bundle, 'monitors.yaml'),
          join(bundle, 'monitors.yml'),
          join(cwd, 'monitors.yaml'),
        ]);
        return true;
      },
    );
  });

  test('loadConfig interpolates from the env it is given and reports problems under the file name', () => {
    const d = dir({ 'm.yaml': 'monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:${P}/" }\n' });
    const file = join(d, 'm.yaml');
    const loaded = loadFullConfig({ configPath: file, env: { P: '9' }, bundleDir: dir(), cwd: d });
    assert.equal((loaded.config.monitors[0] as HttpMonitor).url, 'http://127.0.0.1:9/');
    assert.deepEqual(loaded.fromEnv, [['monitors', 0, 'url']]);
    assert.throws(
      () => loadFullConfig({ configPath: file, env: {}, bundleDir: dir(), cwd: d }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.file, file);
        assert.equal(err.message, `invalid config ${file}:\n  ${file}:2:33: monitors[0].url: environment variable P is not set`);
        return true;
      },
    );
  });
});

describe('ca', () => {
  const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

  test('a path relative to the config file is read into PEM (not relative to cwd)', () => {
    const d = dir({ 'conf/certs/ca.pem': PEM, 'conf/m.yaml': 'monitors:\n  - { name: a, type: http, url: "https://127.0.0.1:1/", ca: certs/ca.pem }\n' });
    const loaded = loadFullConfig({ configPath: join(d, 'conf', 'm.yaml'), env: {}, bundleDir: dir(), cwd: dir() });
    assert.equal((loaded.config.monitors[0] as HttpMonitor).ca, PEM);
  });

  test('inline PEM is kept as is', () => {
    const d = dir({ 'm.yaml': `monitors:\n  - name: a\n    type: http\n    url: "https://127.0.0.1:1/"\n    ca: |\n${PEM.trimEnd().split('\n').map((l) => `      ${l}`).join('\n')}\n` });
    const loaded = loadFullConfig({ configPath: join(d, 'm.yaml'), env: {}, bundleDir: dir(), cwd: d });
    assert.equal((loaded.config.monitors[0] as HttpMonitor).ca, PEM);
  });

  test('a missing ca file is an error on monitors[i].ca naming the resolved path', () => {
    const d = dir({ 'm.yaml': 'monitors:\n  - { name: a, type: http, url: "https://127.0.0.1:1/", ca: ./missing-ca.pem }\n' });
    assert.throws(
      () => loadFullConfig({ configPath: join(d, 'm.yaml'), env: {}, bundleDir: dir(), cwd: dir() }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.problems.length, 1);
        assert.equal(formatProblem(err.problems[0]!), `monitors[0].ca: cannot read ${join(d, 'missing-ca.pem')}: ENOENT`);
        return true;
      },
    );
  });

  test('a ca file that is not PEM is an error', () => {
    const d = dir({ 'not.pem': 'hello', 'm.yaml': 'monitors:\n  - { name: a, type: http, url: "https://127.0.0.1:1/", ca: not.pem }\n' });
    assert.throws(
      () => loadFullConfig({ configPath: join(d, 'm.yaml'), env: {}, bundleDir: dir(), cwd: d }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(formatProblem(err.problems[0]!), 'monitors[0].ca: file is not a PEM certificate');
        return true;
      },
    );
  });
});

describe('the JSON Schema and the example stay in step with the schema', () => {
  test('schema/monitors.schema.json is what `npm run schema` writes now', () => {
    assert.equal(SCHEMA_FILE, join(ROOT, 'schema', 'monitors.schema.json'));
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    assert.deepEqual(JSON.parse(committed), configJsonSchema(), 'schema/monitors.schema.json is stale: run npm run schema');
    assert.equal(committed, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  });

  test('lib/api/schemas.ts is what `npm run schema` writes now (every monitor type, by its schema file)', () => {
    assert.equal(readFileSync(API_SCHEMAS_FILE, 'utf8'), apiSchemasSource(), 'lib/api/schemas.ts is stale: run npm run schema');
  });

  const EXAMPLE = join(ROOT, 'monitors.example.yaml');

  test('monitors.example.yaml validates once its variables are set, and names every one that is not', () => {
    const unset = checkFullConfig(readFileSync(EXAMPLE, 'utf8'), EXAMPLE, {});
    const named = unset.problems.map((p) => /environment variable (\w+) is not set/.exec(p.message)?.[1]).filter(Boolean);
    assert.deepEqual([...new Set(named)].sort(), Object.keys(EXAMPLE_ENV).sort(), JSON.stringify(unset.problems));
    assert.equal(unset.problems.length, named.length, 'only missing variables');
    const set = loadFullConfig({ configPath: EXAMPLE, env: EXAMPLE_ENV, bundleDir: dir(), cwd: dir() });
    assert.deepEqual(set.config.monitors.map((m) => `${m.type}:${m.name}`), [
      'http:homepage', 'tcp:intranet-db', 'dns:dns-www', 'heartbeat:nightly-backup', 'host:web-01', 'sweep:netsky-isp', 'page:home-page',
      'speedtest:site-speed', 'speedtest:site-speed-regions', 'speedtest:site-speed-cat', 'ckafka:orders-lag',
    ]);
    assert.equal((set.config.monitors[0] as HttpMonitor).headers.Authorization, `Bearer ${EXAMPLE_ENV.HOMEPAGE_TOKEN}`);
  });

  test('every monitor type the functions run has a monitor in the example', () => {
    const types = new Set((parseYaml(readFileSync(EXAMPLE, 'utf8')) as { monitors: { type: string }[] }).monitors.map((m) => m.type));
    assert.deepEqual(MONITOR_TYPE_NAMES.filter((t) => !types.has(t)), []);
  });

  test('the example shows the documented defaults', () => {
    const { config } = loadFullConfig({ configPath: EXAMPLE, env: EXAMPLE_ENV, bundleDir: dir(), cwd: dir() });
    const example = parseYaml(readFileSync(EXAMPLE, 'utf8')) as { concurrency: number; deadlineMarginMs: number };
    const defaults = validateFullConfig({ monitors: [{ name: 'x', type: 'http', url: 'http://127.0.0.1/' }] }).config!;
    assert.equal(example.concurrency, defaults.concurrency);
    assert.equal(example.deadlineMarginMs, defaults.deadlineMarginMs);
    const ex = config.monitors[0] as HttpMonitor;
    const d = defaults.monitors[0] as HttpMonitor;
    for (const k of ['samples', 'intervalMs', 'connectTimeoutMs', 'readTimeoutMs', 'attempts', 'followRedirects', 'maxRedirects', 'maxBodyBytes', 'insecure', 'method'] as const) {
      assert.equal(ex[k], d[k], `monitors.example.yaml shows ${k}: ${String(ex[k])}, the default is ${String(d[k])}`);
    }
    assert.equal(ex.expect.minSuccessRate, d.expect.minSuccessRate);
    assert.equal(ex.expect.maxMeanMs, d.expect.maxMeanMs);
  });

  /** The keys of a valibot object schema, unwrapping `optional(...)`. */
  function keysOf(schema: unknown): string[] {
    let s = schema as { type: string; wrapped?: unknown; pipe?: unknown[]; entries?: Record<string, unknown> };
    while (s.wrapped || s.pipe) s = (s.wrapped ?? s.pipe![0]) as typeof s;
    assert.ok(s.entries, `not an object schema: ${s.type}`);
    return Object.keys(s.entries);
  }

  /** Schema keys the example does not show (live, or as a commented-out `# key:` line). */
  function keysMissingFromExample(): string[] {
    const text = readFileSync(EXAMPLE, 'utf8');
    const example = parseYaml(text) as Record<string, unknown> & { monitors: Record<string, unknown>[] };
    const http = example.monitors.find((m) => m.type === 'http');
    const tcp = example.monitors.find((m) => m.type === 'tcp');
    assert.ok(http && tcp, 'the example has an http and a tcp monitor');

    // Keys that cannot be live in the example (a body on a GET, a CA file that does not exist)
    // are shown as commented-out lines instead.
    const commentedOnly = new Set(['body', 'ca', 'dnsServers', 'period', 'readToken', 'pushgateway', 'executablePath', 'userAgent', 'dir']);
    const missing: string[] = [];
    const need = (where: string, obj: Record<string, unknown>, keys: string[]) => {
      for (const k of keys) {
        if (k in obj) continue;
        if (commentedOnly.has(k) && new RegExp(`^\\s*# ${k}: `, 'm').test(text)) continue;
        missing.push(`${where}.${k}`);
      }
    };
    need('(top level)', example, keysOf(configSchema));
    need('http', http, keysOf(httpMonitor));
    need('http.expect', http.expect as Record<string, unknown>, keysOf(httpMonitor.entries.expect));
    need('tcp', tcp, keysOf(tcpMonitor));
    need('tcp.expect', tcp.expect as Record<string, unknown>, keysOf(tcpMonitor.entries.expect));
    const dns = example.monitors.find((m) => m.type === 'dns');
    assert.ok(dns, 'the example has a dns monitor');
    need('dns', dns, keysOf(dnsMonitor));
    need('dns.expect', dns.expect as Record<string, unknown>, keysOf(dnsMonitor.entries.expect));
    const hb = example.monitors.find((m) => m.type === 'heartbeat');
    const host = example.monitors.find((m) => m.type === 'host');
    assert.ok(hb && host, 'the example has a heartbeat and a host monitor');
    need('heartbeat', hb, keysOf(heartbeatMonitor).filter((k) => k !== 'alert'));
    need('host', host, keysOf(hostMonitor).filter((k) => k !== 'alert'));
    need('host.expect', host.expect as Record<string, unknown>, keysOf(hostMonitor.entries.expect));
    const sweep = example.monitors.find((m) => m.type === 'sweep');
    assert.ok(sweep, 'the example has a sweep monitor');
    need('sweep', sweep, keysOf(sweepMonitor).filter((k) => k !== 'alert'));
    for (const part of ['deviation', 'baseline', 'pushgateway'] as const) need(`sweep.${part}`, sweep[part] as Record<string, unknown>, keysOf(sweepMonitor.entries[part]));
    // The Tencent Cloud API keys are the shared ones (tencentApiEntries), named in a comment.
    const apiKeys = new Set(Object.keys(tencentApiEntries));
    need('sweep.fanout', sweep.fanout as Record<string, unknown>, keysOf(sweepMonitor.entries.fanout).filter((k) => !apiKeys.has(k)));
    for (const k of apiKeys) if (!new RegExp(`^\\s*# .*\\b${k}\\b`, 'm').test(text)) missing.push(`sweep.fanout.${k}`);
    const page = example.monitors.find((m) => m.type === 'page');
    assert.ok(page, 'the example has a page monitor');
    need('page', page, keysOf(pageMonitor));
    need('page.expect', page.expect as Record<string, unknown>, keysOf(pageMonitor.entries.expect));
    need('page.screenshot', page.screenshot as Record<string, unknown>, keysOf(pageMonitor.entries.screenshot));
    need('page.viewport', page.viewport as Record<string, unknown>, keysOf(pageMonitor.entries.viewport));
    // Two speedtest monitors between them show both providers' keys.
    const speed = Object.assign({}, ...example.monitors.filter((m) => m.type === 'speedtest')) as Record<string, unknown>;
    assert.ok(speed.type, 'the example has a speedtest monitor');
    need('speedtest', speed, keysOf(speedtestMonitor).filter((k) => k !== 'alert' && !apiKeys.has(k)));
    need('speedtest.apiTimeoutMs', speed, ['apiTimeoutMs']);
    for (const part of ['select', 'expect'] as const) need(`speedtest.${part}`, speed[part] as Record<string, unknown>, keysOf(speedtestMonitor.pipe[0].entries[part]));
    const kafka = example.monitors.find((m) => m.type === 'ckafka');
    assert.ok(kafka, 'the example has a ckafka monitor');
    need('ckafka', kafka, keysOf(ckafkaMonitor).filter((k) => k !== 'alert' && !apiKeys.has(k)));
    need('ckafka.apiTimeoutMs', kafka, ['apiTimeoutMs']);
    need('ckafka.expect', kafka.expect as Record<string, unknown>, keysOf(ckafkaMonitor.pipe[0].entries.expect));
    need('ingest', example.ingest as Record<string, unknown>, keysOf(configSchema.entries.ingest));
    need('history', example.history as Record<string, unknown>, keysOf(configSchema.entries.history));
    need('api', example.api as Record<string, unknown>, keysOf(configSchema.entries.api));
    need('metrics', example.metrics as Record<string, unknown>, keysOf(configSchema.entries.metrics));
    const channels = example.channels as Record<string, Record<string, unknown>>;
    const ofType = (t: string) => Object.values(channels).find((c) => c.type === t) ?? {};
    need('channels.email', ofType('email'), keysOf(emailChannel).filter((k) => k !== 'template'));
    need('channels.wecom', ofType('wecom'), keysOf(wecomChannel));
    need('channels.dingtalk', ofType('dingtalk'), keysOf(dingtalkChannel).filter((k) => k !== 'template'));
    need('alerts', example.alerts as Record<string, unknown>, keysOf(alertsSchema));
    const window = (example.alerts as { maintenance: Record<string, unknown>[] }).maintenance[0]!;
    need('alerts.maintenance', window, keysOf(maintenanceWindow));
    need('state', example.state as Record<string, unknown>, keysOf(fileState));
    // The redis store is shown as a commented-out line beside the file store.
    if (!/^#\s+state: \{ type: redis, url: .*keyPrefix.*connectTimeoutMs/m.test(text)) missing.push('state (redis)');
    return missing;
  }

  test('the schema walk sees every key (so the example check cannot pass vacuously)', () => {
    assert.deepEqual(keysOf(configSchema), ['concurrency', 'deadlineMarginMs', 'canary', 'heartbeatUrl', 'state', 'ingest', 'history', 'api', 'metrics', 'channels', 'alerts', 'monitors']);
    assert.equal(keysOf(heartbeatMonitor).length, 10);
    assert.equal(keysOf(hostMonitor).length, 9);
    assert.equal(keysOf(sweepMonitor).length, 18);
    assert.equal(keysOf(pageMonitor).length, 15);
    assert.equal(keysOf(pageMonitor.entries.expect).length, 14);
    assert.deepEqual(keysOf(pageMonitor.entries.screenshot), ['onFailure', 'maxBytes', 'dir']);
    assert.equal(keysOf(speedtestMonitor).length, 23);
    assert.equal(keysOf(ckafkaMonitor).length, 19);
    assert.equal(keysOf(httpMonitor).length, 21);
    assert.equal(keysOf(dnsMonitor).length, 11);
    assert.equal(keysOf(emailChannel).length, 15);
    assert.deepEqual(keysOf(httpMonitor.entries.expect), ['status', 'minSuccessRate', 'maxMeanMs', 'bodyContains', 'bodyMatches', 'certMinDays']);
    assert.equal(keysOf(tcpMonitor).length, 13);
    assert.deepEqual(keysOf(tcpMonitor.entries.expect), ['minSuccessRate', 'maxMeanMs']);
  });

  test('monitors.example.yaml shows every key of the schemas (apart from the known gap below)', () => {
    const missing = keysMissingFromExample().filter((k) => k !== 'tcp.enabled');
    assert.deepEqual(missing, [], `monitors.example.yaml does not show: ${missing.join(', ')}`);
  });

  test(
    'monitors.example.yaml shows every key of the tcp schema too',
    () => {
      assert.deepEqual(keysMissingFromExample(), []);
    },
  );

  test('the example is valid against the schema the JSON Schema comes from', () => {
    const data = parseYaml(readFileSync(EXAMPLE, 'utf8'));
    const r = v.safeParse(configSchema, interpolate(data, EXAMPLE_ENV).value);
    assert.equal(r.success, true);
  });
});

describe('problem shapes', () => {
  test('every problem has a path array and a lower-case message, never valibot defaults', () => {
    const yaml = [
      'monitors:',
      '  - { name: " a", type: http, url: 5, headers: "x", tags: "web", enabled: "yes", expect: "200" }',
      '  - { name: b, type: tcp, host: "", port: "80", expect: { minSuccessRate: "high" } }',
    ].join('\n');
    const r = checkFullConfig(yaml, FILE, {});
    assert.equal(r.config, undefined);
    const all: Problem[] = r.problems;
    assert.ok(all.length >= 8, JSON.stringify(all));
    for (const p of all) {
      assert.ok(Array.isArray(p.path) && p.path.length > 0, JSON.stringify(p));
      assert.match(p.message, /^[a-z]/, JSON.stringify(p));
      assert.doesNotMatch(p.message, /Invalid (type|key|length)|Expected/, JSON.stringify(p));
    }
    const byPath = Object.fromEntries(all.map((p) => [formatPath(p.path), p.message]));
    assert.equal(byPath['monitors[0].name'], 'must not start or end with spaces');
    assert.equal(byPath['monitors[0].url'], 'must be a URL, got 5');
    assert.equal(byPath['monitors[0].headers'], 'must be a mapping, got "x"');
    assert.equal(byPath['monitors[0].tags'], 'must be a list, got "web"');
    assert.equal(byPath['monitors[0].enabled'], 'must be true or false, got "yes"');
    assert.match(byPath['monitors[1].host'] ?? '', /^must not be empty/);
    assert.equal(byPath['monitors[1].port'], 'must be a port number, got "80"');
    assert.equal(byPath['monitors[0].expect'], 'must be a mapping of keys to values, got "200"');
    assert.equal(byPath['monitors[1].expect.minSuccessRate'], 'must be a number from 0 to 1, got "high"');
  });
});

describe('messages that say what to do', () => {
  const msgs = (yaml: string, env: NodeJS.ProcessEnv = {}) => checkFullConfig(yaml, FILE, env).problems.map((p) => `${formatPath(p.path)}: ${p.message}`);

  test('a JSON config with a trailing comma: line and column of the comma', () => {
    const json = '{\n  "monitors": [\n    { "name": "a", "type": "tcp", "host": "h", "port": 1 },\n  ]\n}\n';
    assert.throws(() => parseConfigText(json, '/cfg/monitors.json'), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(formatProblem(err.problems[0]!), '/cfg/monitors.json:3:59: (top level): not valid JSON: a trailing comma (JSON allows none before } or ])');
      return true;
    });
  });

  test('every unknown key of one mapping is reported, each with the closest known key', () => {
    assert.deepEqual(msgs('monitors:\n  - { name: a, type: http, url: "http://127.0.0.1:1/", sampels: 3, intervalms: 5, expect: { statusCode: 200 } }\n'), [
      'monitors[0].expect.statusCode: unknown key (did you mean "status"?)',
      'monitors[0].sampels: unknown key (did you mean "samples"?)',
      'monitors[0].intervalms: unknown key (did you mean "intervalMs"?)',
    ]);
  });

  test('an unknown key with nothing close lists the keys known there', () => {
    assert.deepEqual(msgs('monitors:\n  - { name: b, type: tcp, host: 127.0.0.1, port: 1, expect: { status: 200 } }\n'), [
      'monitors[0].expect.status: unknown key (known here: minSuccessRate, maxMeanMs)',
    ]);
  });

  test('a URL without a scheme suggests https://, naming only the host', () => {
    const [m] = msgs('monitors:\n  - { name: a, type: http, url: "www.example.com/health?key=k-secret-1" }\n');
    assert.equal(m, 'monitors[0].url: not a valid URL: it has no scheme; did you mean "https://www.example.com/..."?');
    const [local] = msgs('monitors:\n  - { name: a, type: http, url: "localhost:8080" }\n');
    assert.equal(local, 'monitors[0].url: must be an http:// or https:// URL: it has no scheme; did you mean "https://localhost:8080/"?');
  });

  test('port: "${DB_PORT:-3306}" explains that ${} yields text', () => {
    const yaml = 'monitors:\n  - { name: d, type: tcp, host: h, port: "${DB_PORT:-3306}" }\n';
    assert.deepEqual(msgs(yaml), ['monitors[0].port: must be a port number, got "3306": ${...} always yields text, so numbers and true/false must be written as literals (port: 3306)']);
    assert.deepEqual(msgs('monitors:\n  - { name: d, type: tcp, host: h, port: "3306" }\n'), ['monitors[0].port: must be a port number, got "3306"']);
  });
});

describe('configWarnings', () => {
  const warn = (yaml: string) => configWarnings(parseYaml(yaml)).map((p) => `${formatPath(p.path)}: ${p.message}`);

  test('channels with no alerts.channels and no monitor naming one: a warning; routed: none', () => {
    const ch = 'channels:\n  ops: { type: wecom, webhook: "http://127.0.0.1:1/x" }\n';
    const mon = 'monitors:\n  - { name: a, type: tcp, host: h, port: 1 }\n';
    assert.deepEqual(warn(ch + mon), ['alerts.channels: channels are defined (ops) but no alert goes to any: set alerts: { channels: [ops] } (or a monitor\'s alert.channels)']);
    assert.deepEqual(warn(`${ch}alerts: { channels: [ops] }\n${mon}`), []);
    assert.deepEqual(warn(`${ch}monitors:\n  - { name: a, type: tcp, host: h, port: 1, alert: { channels: [ops] } }\n`), []);
  });

  test('literal secrets warn, say how to use ${ENV}, and never repeat the secret', () => {
    const yaml = [
      'alerts: { channels: [m] }',
      'channels:',
      '  m: { type: email, host: smtp.example.com, user: ops, pass: hunter2, from: a@example.com, to: [b@example.com] }',
      '  w: { type: wecom, webhook: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wk-secret-42" }',
      'monitors:',
      '  - { name: api, type: http, url: "https://u:pw-secret-7@www.example.com/", headers: { Authorization: "Bearer tk-secret-9", Accept: text/html } }',
      '  - { name: job, type: heartbeat, period: 5m, token: tok-secret-3 }',
      '  - { name: fine, type: heartbeat, period: 5m, token: "${JOB_TOKEN}" }',
    ].join('\n');
    const w = warn(yaml);
    assert.deepEqual(w.map((x) => x.split(':')[0]), ['channels.m.pass', 'channels.w.webhook', 'monitors[0].url', 'monitors[0].headers.Authorization', 'monitors[1].token']);
    assert.match(w[0]!, /a literal secret: .*write "\$\{M_PASS\}" and set M_PASS in the environment/);
    assert.match(w[1]!, /a URL with a literal key=/);
    assert.match(w[4]!, /write "\$\{JOB_TOKEN\}"/);
    for (const s of ['hunter2', 'wk-secret-42', 'pw-secret-7', 'tk-secret-9', 'tok-secret-3']) assert.ok(!w.join('\n').includes(s), s);
  });
});
