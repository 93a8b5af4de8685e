/**
 * npm run bench:functions: bundle size and cold require of every deployed function and of the
 * lazily loaded SMS client, each in RUNS fresh `node` processes (interleaved, after one
 * untimed round), timed with hrtime inside the process. Budgets: speedTest and kafkaLag cold
 * require under 60 ms (issues 6 and 7); statusCheck under 40 ms (issue 3).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAll } from '../scripts/build';
import { kib, median, ms, say } from './util';

const RUNS = 21;
const TARGETS = [
  { file: 'statusCheck.js', budgetMs: 40 },
  { file: 'speedTest.js', budgetMs: 60 },
  { file: 'kafkaLag.js', budgetMs: 60 },
  { file: 'probe.js', budgetMs: undefined },
  { file: 'lazy/smsClient.js', budgetMs: undefined, note: 'loaded on the first SMS only' },
  { file: 'lazy/channel-wecom.js', budgetMs: undefined, note: 'loaded when a run sends to WeCom' },
  { file: 'lazy/channel-email.js', budgetMs: undefined, note: 'loaded when a run sends e-mail (nodemailer on top)' },
];

const CHILD = `const t = process.hrtime.bigint(); require(process.argv[1]); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;

async function main(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'scfm-bench-fn-'));
  try {
    await buildAll({ outDir: out, quiet: true });
    const times = new Map<string, number[]>(TARGETS.map((t) => [t.file, []]));
    for (let i = 0; i <= RUNS; i++) {
      for (const t of TARGETS) {
        const v = Number(execFileSync(process.execPath, ['-e', CHILD, join(out, t.file)], { cwd: out, encoding: 'utf8' }));
        if (i > 0) times.get(t.file)!.push(v);
      }
      if (i % 7 === 0) say(`cold require: round ${i}/${RUNS}`);
    }
    const lines = ['| bundle | size | cold require, median of ' + RUNS + ' | budget |', '|---|---|---|---|'];
    for (const t of TARGETS) {
      const med = median(times.get(t.file)!);
      const budget = t.budgetMs === undefined ? (t.note ?? '') : `≤ ${t.budgetMs} ms ${med <= t.budgetMs ? '(met)' : '(MISSED)'}`;
      lines.push(`| ${t.file} | ${kib(statSync(join(out, t.file)).size)} | ${ms(med)} | ${budget} |`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
