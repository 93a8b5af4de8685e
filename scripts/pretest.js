#!/usr/bin/env node
// npm test's pretest: the tests run a real redis-server and Prometheus Pushgateway, make
// certificates with the openssl CLI, unzip the code packages and drive Debian's Chromium. What is missing is installed with apt-get when that can
// work (Debian or Ubuntu, as root); otherwise this stops at once with the one line that
// installs it, instead of letting dozens of tests fail one by one.
'use strict';
const { accessSync, constants } = require('node:fs');
const { delimiter, join } = require('node:path');
const { spawnSync } = require('node:child_process');

const TOOLS = ['redis-server', 'openssl', 'unzip', 'chromium', 'prometheus-pushgateway'];

function onPath(cmd) {
  for (const dir of (process.env.PATH || '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

/** Package names per manager, where they differ from the tool's. */
function installLine(missing) {
  const names = (map) => missing.map((t) => map[t] || t).join(' ');
  if (process.platform === 'darwin') return `brew install ${names({ 'redis-server': 'redis', 'prometheus-pushgateway': 'pushgateway', chromium: '--cask chromium' })}`;
  if (onPath('apt-get')) return `sudo apt-get install -y ${names({})}`;
  if (onPath('dnf')) return `sudo dnf install -y ${names({ 'redis-server': 'redis' })}`;
  if (onPath('yum')) return `sudo yum install -y ${names({ 'redis-server': 'redis' })}`;
  if (onPath('apk')) return `sudo apk add ${names({ 'redis-server': 'redis' })}`;
  if (onPath('pacman')) return `sudo pacman -S --needed ${names({ 'redis-server': 'redis' })}`;
  return `install ${missing.join(', ')} with your system's package manager`;
}

const missing = TOOLS.filter((t) => !onPath(t));
if (missing.length === 0) process.exit(0);

const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (root && onPath('apt-get')) {
  process.stderr.write(`pretest: installing ${missing.join(', ')} with apt-get (the tests need them)\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  if (update.status === 0) spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
}
const still = TOOLS.filter((t) => !onPath(t));
if (still.length === 0) process.exit(0);
process.stderr.write(`pretest: the tests need ${still.join(', ')}, not found on PATH. Install with:\n  ${installLine(still)}\n`);
process.exit(1);
