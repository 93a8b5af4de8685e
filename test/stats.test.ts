/** Statistics, the verdict over samples, and the worst-case time budget. No network. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mean, percentile, roundMs, roundRatio, std } from '../lib/report/stats';
import { judge, type Judged } from '../lib/monitors/verdict';
import { runWorstCaseMs } from '../lib/runtime/budget';
import { validateFullConfig, worstCaseMs } from '../lib/functions';
import type { MonitorConfig } from '../lib/config/schema';
import type { HttpMonitor } from '../lib/monitors/http/schema';

const close = (actual: number | undefined, expected: number, eps = 1e-9) => {
  assert.ok(actual !== undefined, `expected ${expected}, got undefined`);
  assert.ok(Math.abs(actual - expected) < eps, `expected ${expected}, got ${actual}`);
};

describe('mean and std', () => {
  test('known values', () => {
    assert.equal(mean([2, 4, 4, 4, 5, 5, 7, 9]), 5);
    // Population standard deviation (numpy's default ddof=0): 2, not the sample std 2.138.
    assert.equal(std([2, 4, 4, 4, 5, 5, 7, 9]), 2);
    close(std([1, 2, 3, 4]), Math.sqrt(1.25));
    assert.equal(mean([42]), 42);
    assert.equal(std([42]), 0);
    close(mean([0.1, 0.2, 0.3]), 0.2);
  });

  test('empty arrays give undefined', () => {
    assert.equal(mean([]), undefined);
    assert.equal(std([]), undefined);
    assert.equal(percentile([], 95), undefined);
  });
});

describe('percentile (linear interpolation, numpy-compatible)', () => {
  test('known values', () => {
    close(percentile([1, 2, 3, 4], 95), 3.85);
    close(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), 9.55);
    close(percentile([1, 2, 3, 4], 50), 2.5);
    close(percentile([1, 2, 3, 4, 5], 50), 3);
    close(percentile([15, 20, 35, 40, 50], 40), 29);
  });

  test('input order does not matter and the input is not modified', () => {
    const values = [10, 1, 7, 3, 9, 2, 8, 5, 4, 6];
    const copy = [...values];
    close(percentile(values, 95), 9.55);
    assert.deepEqual(values, copy);
  });

  test('extremes and a single value', () => {
    assert.equal(percentile([3, 1, 2], 0), 1);
    assert.equal(percentile([3, 1, 2], 100), 3);
    assert.equal(percentile([7], 95), 7);
  });
});

describe('rounding', () => {
  test('roundMs keeps one decimal', () => {
    assert.equal(roundMs(12.34), 12.3);
    assert.equal(roundMs(12.36), 12.4);
    assert.equal(roundMs(0), 0);
    assert.equal(roundMs(1000), 1000);
    assert.equal(roundMs(0.04), 0);
  });

  test('roundRatio keeps three decimals', () => {
    assert.equal(roundRatio(2 / 3), 0.667);
    assert.equal(roundRatio(0.7), 0.7);
    assert.equal(roundRatio(1), 1);
  });
});

const EXPECT = { minSuccessRate: 0.7, maxMeanMs: 5000 };

function okSamples(n: number, timeMs = 10, remoteAddress = '127.0.0.1'): Judged[] {
  return Array.from({ length: n }, () => ({ ok: true, timeMs, remoteAddress }));
}

function refused(n: number, port = 9): Judged[] {
  return Array.from({ length: n }, () => ({
    ok: false,
    error: { code: 'CONNECT_REFUSED' as const, message: `connection refused by 127.0.0.1:${port}` },
  }));
}

describe('judge()', () => {
  test('all ok -> ok, with stats and host list', () => {
    const v = judge([...okSamples(3, 10), { ok: true, timeMs: 30, remoteAddress: '127.0.0.2' }], EXPECT, 4, 'none');
    assert.equal(v.ok, true);
    assert.deepEqual(v.reasons, []);
    assert.deepEqual(v.stats, { samples: 4, successes: 4, successRate: 1, meanMs: 15, stdMs: 8.7, p95Ms: 27 });
    assert.deepEqual(v.hostList, ['127.0.0.1', '127.0.0.2']);
  });

  test('3 of 10 failing with minSuccessRate 0.7 -> ok (0.7 is not below 0.7)', () => {
    const v = judge([...okSamples(7), ...refused(3)], EXPECT, 10, 'none');
    assert.equal(v.stats.successRate, 0.7);
    assert.equal(v.stats.successes, 7);
    assert.equal(v.ok, true, JSON.stringify(v.reasons));
    assert.deepEqual(v.reasons, []);
  });

  test('4 of 10 failing -> LOW_SUCCESS_RATE first, then the failures grouped by code', () => {
    const v = judge([...refused(2), ...okSamples(6), ...refused(2)], EXPECT, 10, 'none');
    assert.equal(v.ok, false);
    assert.equal(v.stats.successRate, 0.6);
    assert.deepEqual(
      v.reasons.map((r) => r.code),
      ['LOW_SUCCESS_RATE', 'CONNECT_REFUSED'],
    );
    assert.match(v.reasons[0]!.message, /0\.6/);
    assert.match(v.reasons[0]!.message, /6 of 10 samples/);
    assert.match(v.reasons[0]!.message, /below 0\.7/);
    // Identical messages are said once.
    assert.equal(v.reasons[1]!.message, '4 of 10 samples: connection refused by 127.0.0.1:9');
    // Only answered samples have times.
    assert.equal(v.stats.meanMs, 10);
  });

  test('groups are ordered by size and list distinct messages', () => {
    const v = judge(
      [
        ...okSamples(2),
        ...refused(1, 1),
        ...refused(1, 2),
        ...refused(1, 1),
        { ok: false, error: { code: 'READ_TIMEOUT', message: 'no answer within 5000 ms' } },
      ],
      EXPECT,
      6,
      'none',
    );
    assert.deepEqual(
      v.reasons.map((r) => r.code),
      ['LOW_SUCCESS_RATE', 'CONNECT_REFUSED', 'READ_TIMEOUT'],
    );
    assert.equal(v.reasons[1]!.message, '3 of 6 samples: connection refused by 127.0.0.1:1; connection refused by 127.0.0.1:2');
    assert.equal(v.reasons[2]!.message, '1 of 6 samples: no answer within 5000 ms');
  });

  test('all failing -> no LOW_SUCCESS_RATE, just the grouped code', () => {
    const v = judge(refused(10), EXPECT, 10, 'none');
    assert.equal(v.ok, false);
    assert.deepEqual(v.reasons, [{ code: 'CONNECT_REFUSED', message: '10 of 10 samples: connection refused by 127.0.0.1:9' }]);
    assert.deepEqual(v.stats, { samples: 10, successes: 0, successRate: 0 });
    assert.deepEqual(v.hostList, []);
  });

  test('mean above maxMeanMs -> SLOW_RESPONSE', () => {
    const v = judge([...okSamples(2, 4000), ...okSamples(2, 7000)], EXPECT, 4, 'none');
    assert.equal(v.ok, false);
    assert.deepEqual(
      v.reasons.map((r) => r.code),
      ['SLOW_RESPONSE'],
    );
    assert.match(v.reasons[0]!.message, /5500/);
    assert.match(v.reasons[0]!.message, /5000/);
    // At the limit is not above it.
    assert.equal(judge(okSamples(3, 5000), EXPECT, 3, 'none').ok, true);
  });

  test('cutShort with good samples -> judged on them: ok, the cut only noted "after N of M samples"', () => {
    const v = judge(okSamples(4), EXPECT, 10, 'between');
    assert.equal(v.ok, true);
    assert.deepEqual(v.reasons, []);
    assert.equal(v.cut?.code, 'DEADLINE');
    assert.match(v.cut!.message, /after 4 of 10 samples; judged on those 4/);
    assert.equal(v.stats.samples, 4);
  });

  test('cutShort with failed samples -> judged on them: their failures, no DEADLINE reason', () => {
    const failed = [{ ok: false, error: { code: 'CONNECT_REFUSED' as const, message: 'refused' } }];
    const v = judge(failed, EXPECT, 10, 'between');
    assert.equal(v.ok, false);
    assert.deepEqual(v.reasons.map((r) => r.code), ['CONNECT_REFUSED']);
    assert.match(v.cut!.message, /after 1 of 10 samples; judged on that one/);
  });

  test('cut inside a sample -> DEADLINE says it was waiting on the target, not "not run"', () => {
    const none = judge([], EXPECT, 3, 'during');
    assert.equal(none.ok, false);
    assert.deepEqual(none.reasons.map((r) => r.code), ['DEADLINE']);
    assert.match(none.reasons[0]!.message, /while sample 1 of 3 was still waiting on the target/);
    assert.doesNotMatch(none.reasons[0]!.message, /not run/);
    const some = judge(okSamples(2), EXPECT, 5, 'during');
    assert.equal(some.ok, true);
    assert.match(some.cut!.message, /sample 3 of 5 .*\(2 samples kept\)/);
  });

  test('cutShort with no samples -> DEADLINE "not run"', () => {
    const v = judge([], EXPECT, 10, 'between');
    assert.equal(v.ok, false);
    assert.deepEqual(
      v.reasons.map((r) => r.code),
      ['DEADLINE'],
    );
    assert.match(v.reasons[0]!.message, /not run/);
    assert.deepEqual(v.stats, { samples: 0, successes: 0, successRate: 0 });
  });

  test('extra reasons make it fail', () => {
    const v = judge(okSamples(2), EXPECT, 2, 'none', [{ code: 'CERT_EXPIRING', message: 'soon' }]);
    assert.equal(v.ok, false);
    assert.deepEqual(v.reasons, [{ code: 'CERT_EXPIRING', message: 'soon' }]);
  });
});

function monitorOf(m: Record<string, unknown>): MonitorConfig {
  const { config, problems } = validateFullConfig({ monitors: [m] });
  assert.deepEqual(problems, []);
  return config!.monitors[0]!;
}

describe('budget', () => {
  test('worstCaseMs for an http monitor with the defaults is 140000', () => {
    // 10 samples, 1000 ms apart, each up to 3 x 3000 connect + 5000 read = 14000 ms.
    const m = monitorOf({ name: 'h', type: 'http', url: 'http://127.0.0.1/' });
    assert.equal(m.type === 'http' && (m as HttpMonitor).samples, 10);
    assert.equal(worstCaseMs(m), 140_000);
  });

  test('worstCaseMs for a tcp monitor with the defaults is 90000', () => {
    const m = monitorOf({ name: 't', type: 'tcp', host: '127.0.0.1', port: 1 });
    assert.equal(worstCaseMs(m), 90_000);
  });

  test('worstCaseMs: a long interval dominates short samples', () => {
    const m = monitorOf({ name: 't', type: 'tcp', host: '127.0.0.1', port: 1, samples: 3, intervalMs: 20_000, attempts: 1, connectTimeoutMs: 100 });
    assert.equal(worstCaseMs(m), 2 * 20_000 + 100);
    const one = monitorOf({ name: 'h', type: 'http', url: 'http://127.0.0.1/', samples: 1, attempts: 2, connectTimeoutMs: 100, readTimeoutMs: 50 });
    assert.equal(worstCaseMs(one), 250);
  });

  test('runWorstCaseMs spreads over the concurrency slots and adds the margin', () => {
    const h = monitorOf({ name: 'h', type: 'http', url: 'http://127.0.0.1/' });
    const t = monitorOf({ name: 't', type: 'tcp', host: '127.0.0.1', port: 1 });
    assert.equal(runWorstCaseMs([], 20, 1000, worstCaseMs), 0);
    assert.equal(runWorstCaseMs([h, t], 20, 1000, worstCaseMs), 141_000);
    assert.equal(runWorstCaseMs([h, t], 1, 1000, worstCaseMs), 231_000);
    assert.equal(runWorstCaseMs([h, h, h], 2, 0, worstCaseMs), 210_000);
  });
});
