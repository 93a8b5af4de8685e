/**
 * The layer rules (.dependency-cruiser.cjs) pass on the tree as it is, and fail on a copy of
 * it with a cycle or an upward import added on purpose: the check in CI can catch what it is for.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');

function cruise(cwd: string): { status: number | null; out: string } {
  const r = spawnSync(depcruise, ['lib', 'functions', 'bin', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** lib/, functions/, bin/ and the configs in a scratch folder, to break on purpose. */
function copyOfTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-layers-'));
  for (const p of ['lib', 'functions', 'bin', 'dev', '.dependency-cruiser.cjs', 'tsconfig.json', 'package.json']) cpSync(join(root, p), join(dir, p), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

describe('layers', () => {
  test('the tree keeps its layer rules', () => {
    const r = cruise(root);
    assert.equal(r.status, 0, r.out);
  });

  test('a cycle added on purpose fails the check, type imports included', () => {
    const dir = copyOfTree();
    try {
      assert.equal(cruise(dir).status, 0, 'the copy starts clean');
      // stats.ts <-> log.ts, both in lib/report: no layer rule is broken, only the cycle.
      appendFileSync(join(dir, 'lib/report/stats.ts'), "\nexport { flushLog } from './log';\n");
      appendFileSync(join(dir, 'lib/report/log.ts'), "\nimport type { roundMs } from './stats';\nexport type RoundMs = typeof roundMs;\n");
      const r = cruise(dir);
      assert.notEqual(r.status, 0);
      assert.match(r.out, /no-circular/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an upward import and a feature import from lib/util fail the check', () => {
    const dir = copyOfTree();
    try {
      appendFileSync(join(dir, 'lib/util/pool.ts'), "\nimport type { Notice } from '../alerting/types';\nexport type PoolNotice = Notice;\n");
      appendFileSync(join(dir, 'lib/monitors/http/run.ts'), "\nimport type { CkafkaMonitor } from '../ckafka/schema';\nexport type Other = CkafkaMonitor;\n");
      appendFileSync(join(dir, 'lib/runtime/scf.ts'), "\nimport type { Running } from '../../dev/standins/servers';\nexport type R = Running;\n");
      const r = cruise(dir);
      assert.notEqual(r.status, 0);
      assert.match(r.out, /layer-util/);
      assert.match(r.out, /monitor-types-apart/);
      assert.match(r.out, /lib-stays-in-lib/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
