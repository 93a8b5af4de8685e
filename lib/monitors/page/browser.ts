/**
 * Chromium for the page monitor: which binary, with which flags, and closing it whatever
 * happened. playwright-core is required lazily (dist-image/lazy/playwright.js in the image),
 * so loading pagePerf's bundle costs no more than any other function's.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { lazyRequire } from '../../util/lazy';

/**
 * Where a system Chromium lives, first found wins. Debian's /usr/bin/chromium is a shell
 * wrapper that exports Google API keys and turns on remote extensions (so background fetches
 * to Google's hosts); the binary behind it takes only our flags.
 */
export const SYSTEM_CHROMIUM = [
  '/usr/lib/chromium/chromium',
  '/usr/lib/chromium/chromium-headless-shell',
  '/usr/bin/chromium',
  '/usr/bin/chromium-headless-shell',
  '/usr/bin/chromium-browser',
];

export function chromiumPath(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (configured) return configured;
  if (env.CHROMIUM_PATH) return env.CHROMIUM_PATH;
  return SYSTEM_CHROMIUM.find((p) => existsSync(p));
}

/**
 * Every flag Chromium gets (Playwright's defaults are off, so nothing else is added). The
 * background-networking, component-update and sync switches keep it from calling hosts other
 * than the page's: a monitor must measure the page, not Chromium's own traffic, and must not
 * reach out from a machine that allows only the targets.
 */
export function chromiumArgs(userDataDir: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-default-apps',
    '--disable-extensions',
    '--disable-breakpad',
    '--disable-client-side-phishing-detection',
    '--disable-domain-reliability',
    '--metrics-recording-only',
    '--no-default-browser-check',
    '--no-pings',
    '--password-store=basic',
    '--use-mock-keychain',
    // SCF and containers give /dev/shm 64 MB, which Chromium outgrows on a large page.
    '--disable-dev-shm-usage',
    '--hide-scrollbars',
    '--mute-audio',
    '--remote-debugging-pipe',
    `--user-data-dir=${userDataDir}`,
    'about:blank',
  ];
}

export interface Launched {
  browser: Browser;
  userDataDir: string;
  /** Closes the browser and removes its profile; never rejects, never waits past `waitMs`. */
  close(waitMs?: number): Promise<void>;
}

export class BrowserError extends Error {
  override name = 'BrowserError';
}

export async function launchChromium(executablePath: string | undefined, timeoutMs: number): Promise<Launched> {
  if (!executablePath) {
    throw new BrowserError(`no Chromium found: set executablePath or CHROMIUM_PATH, or install it (${SYSTEM_CHROMIUM.join(', ')})`);
  }
  if (!existsSync(executablePath)) throw new BrowserError(`Chromium not found at ${executablePath}`);
  const { chromium } = lazyRequire<typeof import('playwright-core')>('playwright');
  // On SCF only /tmp is writable; a profile of our own, so no run sees another's cookies or cache.
  const userDataDir = mkdtempSync(join(tmpdir(), 'scf-monitor-page-'));
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath,
      ignoreDefaultArgs: true,
      args: chromiumArgs(userDataDir),
      timeout: timeoutMs,
      // The handler owns the process's signals; a CLI run ended by ^C still kills its child.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (err) {
    killProfile(userDataDir);
    rmSync(userDataDir, { recursive: true, force: true });
    throw new BrowserError(`Chromium at ${executablePath} did not start: ${firstLine((err as Error).message)}`);
  }
  let closing: Promise<void> | undefined;
  const close = (waitMs = 5000): Promise<void> =>
    (closing ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        browser.close().catch(() => undefined),
        new Promise<void>((r) => {
          timer = setTimeout(r, waitMs);
        }),
      ]);
      clearTimeout(timer);
      // A browser wedged past its close (a renderer spinning in a script) is killed outright.
      killProfile(userDataDir);
      rmSync(userDataDir, { recursive: true, force: true, maxRetries: 3 });
    })());
  return { browser, userDataDir, close };
}

/** Pids of the processes started with this profile: the browser and every child it spawned. */
export function profileProcesses(userDataDir: string): number[] {
  const flag = `--user-data-dir=${userDataDir}`;
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8');
      if (cmd.split('\0').includes(flag)) pids.push(Number(e));
    } catch {
      // Gone already.
    }
  }
  return pids;
}

function killProfile(userDataDir: string): void {
  for (const pid of profileProcesses(userDataDir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Exited between the scan and the kill.
    }
  }
}

export function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim() !== '') ?? s).trim().slice(0, 300);
}
