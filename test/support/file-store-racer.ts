/**
 * One of several processes racing on one FileStore key (test/state.test.ts).
 * Usage: node --import tsx file-store-racer.ts DIR KEY COUNT
 * Prints "ready", waits for a line on stdin so all racers start together, then increments the
 * key COUNT times and prints "done".
 */
import { once } from 'node:events';
import { FileStore } from '../../lib/state/file';
import { update } from '../../lib/state/types';

const [dir, key, count] = process.argv.slice(2);
const store = new FileStore(dir!);

async function main(): Promise<void> {
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
  process.stdin.pause();
  for (let i = 0; i < Number(count); i++) {
    // Far more contention than real runs see, so far more tries than update()'s default.
    await update<number, void>(store, key!, (n) => ({ value: (n ?? 0) + 1, result: undefined }), 1000);
  }
  process.stdout.write('done\n');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
