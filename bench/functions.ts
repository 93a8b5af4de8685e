/**
 * npm run bench:functions: bundle size and cold require of every deployed function, of the
 * lazily loaded SDK clients and of an empty handler, each in RUNS fresh `node` processes
 * (interleaved, after one untimed round), timed with hrtime inside the process. Budgets:
 * speedTest and kafkaLag cold require under 60 ms (issues 6 and 7); statusCheck under 40 ms
 * (issue 3); kafkaLag at most 8x the empty handler of the same run (issue 14) and statusCheck
 * at most 5x (issue 21), because an absolute figure moves with the machine's load and the
 * ratio much less.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildAll, BUNDLE_OPTIONS } from '../scripts/build';
import { kib, median, ms, say } from './util';

const RUNS = 21;
const EMPTY = 'empty.js';
const TARGETS = [
  { file: 'statusCheck.js', budgetMs: 40 },
  { file: 'speedTest.js', budgetMs: 60 },
  { file: 'kafkaLag.js', budgetMs: 60 },
  { file: 'probe.js', budgetMs: undefined },
  { file: 'heartbeatCheck.js', budgetMs: undefined },
  { file: 'ingest.js', budgetMs: undefined, note: 'an HTTP function: every cold start is a waiting request' },
  { file: 'api.js', budgetMs: undefined },
  { file: 'sweep.js', budgetMs: undefined },
  { file: 'lazy/smsClient.js', budgetMs: undefined, note: 'loaded on the first SMS only' },
  { file: 'lazy/ckafkaClient.js', budgetMs: undefined, note: "loaded by a kafkaLag instance's first run" },
  { file: 'lazy/channel-wecom.js', budgetMs: undefined, note: 'loaded when a run sends to WeCom' },
  { file: 'lazy/channel-email.js', budgetMs: undefined, note: 'loaded when a run sends e-mail (nodemailer on top)' },
  { file: EMPTY, budgetMs: undefined, note: 'the floor: a main_handler that does nothing, same build options' },
];
/** Cold require against the empty handler's, both medians of this run. */
const TIMES_EMPTY = { 'kafkaLag.js': 8, 'statusCheck.js': 5 };

const CHILD = `const t = process.hrtime.bigint(); require(process.argv[1]); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;

async function main(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'scfm-bench-fn-'));
  try {
    await buildAll({ outDir: out, quiet: true, configOptional: true });
    await build({ ...BUNDLE_OPTIONS, stdin: { contents: 'exports.main_handler = async () => ({});', loader: 'js' }, outfile: join(out, EMPTY) });
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
    lines.push('');
    for (const [file, budget] of Object.entries(TIMES_EMPTY)) {
      const ratio = median(times.get(file)!) / median(times.get(EMPTY)!);
      lines.push(`${file} / ${EMPTY}, medians of this run: ${ratio.toFixed(1)}x (budget ≤ ${budget}x ${ratio <= budget ? 'met' : 'MISSED'})`);
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
