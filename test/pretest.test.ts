/**
 * npm test's pretest on a machine without the tools the tests need: it installs them with
 * apt-get as root, and otherwise stops with the one line that installs them. Run against a
 * PATH of stand-ins, so nothing is installed for real.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(__dirname, '..', 'scripts', 'pretest.js');
let tmp: string;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'scf-monitor-pretest-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A folder of executables: each named tool, and apt-get that logs its arguments (and "installs" into the folder when asked). */
function bin(name: string, tools: string[], aptInstalls: boolean): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const t of tools) {
    writeFileSync(join(dir, t), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir, t), 0o755);
  }
  const install = aptInstalls ? `if [ "$1" = install ]; then for p in "$@"; do case "$p" in -*|install) ;; *) printf '#!/bin/sh\\n' > "${dir}/$p"; ${CHMOD} 755 "${dir}/$p";; esac; done; fi\n` : '';
  writeFileSync(join(dir, 'apt-get'), `#!/bin/sh\necho "$@" >> "${dir}/apt.log"\n${install}exit 0\n`);
  chmodSync(join(dir, 'apt-get'), 0o755);
  return dir;
}

function pretest(path: string) {
  const r = spawnSync(process.execPath, [SCRIPT], { env: { PATH: path }, encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}

const root = process.getuid?.() === 0;
/** The stand-in apt-get runs with only its own folder on PATH. */
const CHMOD = spawnSync('sh', ['-c', 'command -v chmod'], { encoding: 'utf8' }).stdout.trim();

describe('pretest', () => {
  test('every tool present: exit 0, silent, apt-get never called', () => {
    const dir = bin('all', ['redis-server', 'openssl', 'unzip', 'chromium', 'prometheus-pushgateway'], true);
    assert.deepEqual(pretest(dir), { code: 0, stderr: '' });
    assert.ok(!existsSync(join(dir, 'apt.log')));
  });

  test(`tools missing, apt-get present, ${root ? 'as root: installs them and passes' : 'not root: stops with the one-line sudo apt-get install'}`, () => {
    const dir = bin('some', ['openssl', 'chromium', 'prometheus-pushgateway'], true);
    const r = pretest(dir);
    if (root) {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^pretest: installing redis-server, unzip with apt-get/);
      assert.deepEqual(readFileSync(join(dir, 'apt.log'), 'utf8').trim().split('\n'), ['update -qq', 'install -y -qq redis-server unzip']);
    } else {
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Install with:\n {2}sudo apt-get install -y redis-server unzip\n$/);
      assert.ok(!existsSync(join(dir, 'apt.log')));
    }
  });

  test('an install that does not provide the tools: exit 1 naming them and the install line', () => {
    const dir = bin('failing', [], false);
    const r = pretest(dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /pretest: the tests need redis-server, openssl, unzip, chromium, prometheus-pushgateway, not found on PATH\. Install with:\n {2}sudo apt-get install -y redis-server openssl unzip chromium prometheus-pushgateway\n$/);
  });
});
