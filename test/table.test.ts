/** The CLI table: every reason of a failing monitor readable in full, whatever the width. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { displayWidth, renderTable, wrap } from '../lib/runtime/table';
import type { Summary } from '../lib/runtime/summary';
import type { ResultRecord } from '../lib/report/record';

const reason = 'connection refused by 127.0.0.1:18443 on every one of 3 attempts (10 of 10 samples): the port is closed or a firewall rejects it';
const record = {
  timestamp: '2026-12-01T00:00:00.000Z',
  function: 'statusCheck',
  monitor: 'api-backend',
  type: 'http',
  target: 'http://127.0.0.1:18443/',
  ok: false,
  reasons: [
    { code: 'CONNECT_REFUSED', message: reason },
    { code: 'HTTP_STATUS', message: '10 of 10 samples: answered 502 from 127.0.0.1, expected 200-399' },
  ],
  stats: { samples: 10, successes: 0, successRate: 0 },
  hostList: [],
  samples: [],
  durationMs: 12,
} as unknown as ResultRecord;
const summary = { function: 'statusCheck', startedAt: '2026-12-01T00:00:00.000Z', durationMs: 12, ok: false, results: [record], alerts: [], deliveries: [], deadLetters: [] } as unknown as Summary;

describe('the CLI table', () => {
  for (const width of [80, 120]) {
    test(`at ${width} columns the DETAIL wraps and keeps every word of every reason`, () => {
      const out = renderTable(summary, width);
      const lines = out.split('\n');
      for (const l of lines) assert.ok(displayWidth(l) <= width, `wider than ${width}: ${l}`);
      const row = lines.findIndex((l) => l.startsWith('api-backend'));
      assert.ok(row > 0, out);
      const detailCol = lines[row]!.indexOf('CONNECT_REFUSED');
      const detail = lines
        .slice(row)
        .filter((l, i) => i === 0 || (l.startsWith(' '.repeat(detailCol)) && l.trim()))
        .map((l) => l.slice(detailCol))
        .join(' ');
      assert.ok(detail.includes(reason), detail);
      assert.ok(detail.includes('expected 200-399'), detail);
      assert.ok(!out.includes('…'));
    });
  }

  test('wrap breaks at spaces, and hard-breaks a word longer than the width, losing nothing', () => {
    assert.deepEqual(wrap('aaa bbb ccc', 7), ['aaa bbb', 'ccc']);
    assert.deepEqual(wrap('abcdefghij', 4), ['abcd', 'efgh', 'ij']);
    assert.deepEqual(wrap('short', 30), ['short']);
  });
});
