/**
 * A large YAML config is parsed a piece at a time (issue 13.8: the whole-document tree of
 * 5,000 monitors took 90 MB). The pieces must mean exactly what the whole means, and whatever
 * they cannot read alike must fall back to the whole document, errors and positions included.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as yaml from 'yaml';
import { CHUNKED_MIN_BYTES, parseYamlInChunks } from '../lib/config/yaml-chunks';
import { parseConfigText } from '../lib/config/load';
import { checkFullConfig } from '../lib/functions';
import { ConfigError } from '../lib/config/errors';

const HEAD = `# a comment before everything
concurrency: 20

# channels with a block-scalar template, markdown and all
channels:
  ops:
    type: wecom
    webhook: "http://127.0.0.1:1/cgi-bin/webhook/send?key=k"
    template:
      alert: |-
        **{{kind}}** {{monitor}}
        - a dash line inside a block scalar
alerts: { channels: [ops] }
`;

function item(i: number): string {
  return [
    `  # monitor ${i}`,
    `  - name: svc-${i}`,
    `    type: http`,
    `    url: "http://127.0.0.1:1/svc/${i}?a=1&b=2"`,
    `    tags: [web, "t-${i}"]`,
    `    headers:`,
    `      X-Note: 'quoted - with a dash'`,
    `    body: |`,
    `      line one`,
    `      - not an item`,
    `    expect:`,
    `      status:`,
    `        - 200`,
    `        - "3xx"`,
    ``,
  ].join('\n');
}

const big = (n: number, items = item) => `${HEAD}monitors:\n${Array.from({ length: n }, (_, i) => items(i)).join('\n')}\n`;

describe('YAML in pieces', () => {
  test('a large block-style config: pieces give exactly what the whole document gives', () => {
    const text = big(400);
    assert.ok(text.length > CHUNKED_MIN_BYTES);
    const pieces = parseYamlInChunks(text, yaml);
    assert.ok(pieces, 'the piecewise path applies');
    assert.deepEqual(pieces, yaml.parse(text));
    assert.equal((pieces.monitors as unknown[]).length, 400);
  });

  test('items at column 0 under monitors:, and Windows line ends', () => {
    const text = big(1000, (i) => `- name: svc-${i}\n  type: tcp\n  host: 127.0.0.1\n  port: ${1000 + i}\n  tags: [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p]\n`);
    const crlf = text.replace(/\n/g, '\r\n');
    for (const t of [text, crlf]) {
      assert.ok(t.length > CHUNKED_MIN_BYTES);
      const pieces = parseYamlInChunks(t, yaml);
      assert.ok(pieces);
      assert.deepEqual(pieces, yaml.parse(t));
    }
  });

  test('an alias to an anchor in another piece falls back to the whole document', () => {
    const text = `${HEAD}defaults: &d { samples: 1, intervalMs: 0 }\n` + big(400).slice(HEAD.length).replace('  - name: svc-7\n', '  - <<: *d\n    name: svc-7\n');
    assert.equal(parseYamlInChunks(text, yaml), undefined);
    const whole = yaml.parse(text, { merge: true });
    assert.deepEqual(parseConfigText(text, 'big.yaml').data, yaml.parseDocument(text).toJS());
    assert.equal(whole.monitors[7].samples, 1);
  });

  test('small configs and several documents are parsed whole; a flow-style list is one piece', () => {
    assert.equal(parseYamlInChunks('monitors:\n  - { name: a, type: tcp, host: h, port: 1 }\n', yaml), undefined);
    assert.equal(parseYamlInChunks(`---\n${big(400)}`, yaml), undefined);
    assert.equal(parseYamlInChunks(`${big(400)}---\nmonitors: []\n`, yaml), undefined);
    const flow = `monitors: [${Array.from({ length: 2000 }, (_, i) => `{ name: s${i}, type: tcp, host: h, port: 1 }`).join(', ')}]\n`;
    assert.deepEqual(parseYamlInChunks(flow, yaml), yaml.parse(flow));
  });

  test('a key given twice falls back, so the whole document reports it', () => {
    const text = `${big(400)}concurrency: 5\n`;
    assert.equal(parseYamlInChunks(text, yaml), undefined);
    assert.throws(() => parseConfigText(text, 'big.yaml'), ConfigError);
  });

  test('a syntax error deep in a large config names its real line', () => {
    const lines = big(400).split('\n');
    const at = lines.findIndex((l) => l === '  - name: svc-300');
    lines[at + 1] = '    type: [http';
    const text = lines.join('\n');
    assert.equal(parseYamlInChunks(text, yaml), undefined);
    assert.throws(
      () => parseConfigText(text, 'big.yaml'),
      (err: unknown) => err instanceof ConfigError && err.problems.some((p) => p.where?.startsWith(`big.yaml:${at + 2}:`) || p.where?.startsWith(`big.yaml:${at + 3}:`)),
    );
  });

  test('a validation problem in a large config is located in the whole text', () => {
    const text = big(400).replace('  - name: svc-250\n    type: http\n', '  - name: svc-250\n    type: htp\n');
    assert.ok(parseYamlInChunks(text, yaml), 'still parsed in pieces: the YAML is fine');
    const line = text.split('\n').findIndex((l) => l === '    type: htp') + 1;
    const r = checkFullConfig(text, 'big.yaml', {});
    assert.equal(r.config, undefined);
    const p = r.problems.find((x) => x.path.join('.') === 'monitors.250.type');
    assert.ok(p, JSON.stringify(r.problems));
    assert.equal(p.where?.split(':')[1], String(line));
  });
});
