/**
 * `scf-monitor package`: one code package per function from what `npm run build` made, so
 * what is deployed is exactly the build. Each `<out>/<name>.zip` holds, at its root, the
 * function's bundle `<name>.js` (handler `<name>.main_handler`), `lazy/`, `monitors.json` and
 * every file the build shipped beside it (a sweep's target list); other functions' bundles
 * stay out. No node_modules: the bundles need none. Image functions (pagePerf) are not
 * packaged: they ship as an image built from dist-image/ (deploy/page/).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { IMAGE_FUNCTIONS } from '../lib/functions';
import { zip } from './zip';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .sort();
}

export function packageFunctions(opts: { distDir: string; outDir: string; functionsDir: string }): { name: string; zip: string; files: string[] }[] {
  const dist = resolve(opts.distDir);
  if (!existsSync(join(dist, 'monitors.json')) && !existsSync(join(dist, 'monitors.yaml'))) {
    throw new Error(`${dist} has no monitors.json: run npm run build first (it needs monitors.yaml or --config FILE)`);
  }
  // An image function (pagePerf) is deployed as an image from dist-image/, never as a zip.
  const names = readdirSync(opts.functionsDir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => basename(f, '.ts'))
    .filter((n) => !IMAGE_FUNCTIONS.includes(n));
  const missing = names.filter((n) => !existsSync(join(dist, `${n}.js`)));
  if (missing.length) throw new Error(`${dist} lacks ${missing.map((n) => `${n}.js`).join(', ')}: run npm run build first`);
  const out = resolve(opts.outDir);
  if (out === dist || out.startsWith(dist + sep)) throw new Error('the packages cannot go inside dist/: multi-scf uploads dist/ as it is');
  mkdirSync(out, { recursive: true });
  const all = filesUnder(dist).map((f) => relative(dist, f).split(sep).join('/'));
  const bundles = new Set(names.map((n) => `${n}.js`));
  return names.map((name) => {
    const files = all.filter((f) => !bundles.has(f) || f === `${name}.js`);
    const path = join(out, `${name}.zip`);
    writeFileSync(path, zip(files.map((f) => ({ name: f, data: readFileSync(join(dist, f)) }))));
    return { name, zip: path, files };
  });
}
