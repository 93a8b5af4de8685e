/**
 * scf-monitor: invoke a function locally exactly as SCF would, validate a config, run the
 * demo. Exit codes: 0 all monitors healthy, 1 any monitor failing or alerts that could not be
 * handled (state store unwritable or unreachable), 2 config or usage error.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, formatProblem, UsageError } from '../lib/config/errors';
import { parseConfigText } from '../lib/config/load';
import { configWarnings } from '../lib/config/warnings';
import { loadChannel } from '../lib/channels/load';
import { FUNCTIONS, FUNCTION_TYPES, HTTP_FUNCTIONS, IMAGE_FUNCTIONS, isFunctionName, isHttpFunctionName, loadFullConfig, roleCredentialUsers, runFunction, worstCaseHow, worstCaseMs } from '../lib/functions';
import { peakMemoryMb, runWorstCaseMs } from '../lib/runtime/budget';
import { alertReserveMs, DELIVERY_FLOOR_MS } from '../lib/util/deadline';
import { AlertingFailedError } from '../lib/runtime/handler';
import { localContext, timerEvent, type ScfEvent } from '../lib/runtime/scf';
import { setLogSink } from '../lib/report/log';
import { renderTable } from '../lib/runtime/table';
import type { Summary } from '../lib/runtime/summary';
import { runAgent } from './agent';
import { runDemo } from './demo';
import { serveHttp } from '../lib/runtime/serve';
import { closeProcessStores } from '../lib/runtime/process-store';
import { sendTestMessage } from '../lib/alerting/test-message';
import { scrubbingLoader } from '../lib/alerting/scrubbing-loader';
import { readFunctionSettings, readTimerPeriodMs } from './serverless-yml';
import { packageFunctions } from '../scripts/package';

const USAGE = `usage:
  scf-monitor invoke <function> [--config FILE] [--event FILE|JSON] [--json] [--verbose]
  scf-monitor validate [--config FILE]
  scf-monitor test-channel <name> [--config FILE]
  scf-monitor serve <http function> [--port N] [--config FILE]
  scf-monitor agent --url URL [--every 30s] [--once] (token in SCF_MONITOR_AGENT_TOKEN)
  scf-monitor package [--dist DIR] [--out DIR]   (after npm run build: one zip per function)
  scf-monitor demo
  scf-monitor --version

functions: ${Object.keys(FUNCTION_TYPES).join(', ')}
http functions (serve): ${Object.keys(HTTP_FUNCTIONS).join(', ')}
exit codes: 0 all monitors healthy, 1 a monitor is failing or alerting failed, 2 config or usage error
  (test-channel: 0 delivered, 1 not delivered, 2 config or usage error)`;

const SERVERLESS_YML = 'serverless.yml';
/** The image functions' own deploy file (pagePerf is not in the zip deploy's serverless.yml). */
const IMAGE_SERVERLESS_YML = 'deploy/page/serverless.yml';
const deployFile = (fn: string): string => (IMAGE_FUNCTIONS.includes(fn) ? IMAGE_SERVERLESS_YML : SERVERLESS_YML);

function packageVersion(): string {
  return (JSON.parse(readFileSync(resolve(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}
/** Long enough for a rate-limited retry, short enough for someone waiting at a terminal. */
const TEST_CHANNEL_LIMIT_MS = 30_000;

function readEvent(arg: string | undefined): ScfEvent {
  if (arg === undefined) return timerEvent('', 'cli');
  let text = arg;
  if (!arg.trimStart().startsWith('{')) {
    try {
      text = readFileSync(arg, 'utf8');
    } catch (err) {
      throw new UsageError(`--event: cannot read ${arg}: ${(err as NodeJS.ErrnoException).code}`);
    }
  }
  try {
    const event = JSON.parse(text) as unknown;
    if (event === null || typeof event !== 'object' || Array.isArray(event)) throw new Error('not an object');
    return event as ScfEvent;
  } catch (err) {
    throw new UsageError(`--event: not a JSON object: ${(err as Error).message}`);
  }
}

async function invoke(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { config: { type: 'string' }, event: { type: 'string' }, json: { type: 'boolean' }, verbose: { type: 'boolean' } },
  });
  const fn = positionals[0];
  if (!fn || positionals.length > 1) throw new UsageError(`invoke takes one function name\n\n${USAGE}`);
  if (!isFunctionName(fn)) throw new UsageError(`unknown function "${fn}" (known: ${Object.keys(FUNCTION_TYPES).join(', ')})\n\n${USAGE}`);
  const event = readEvent(values.event);
  const settings = readFunctionSettings(resolve(deployFile(fn)), fn);
  const context = localContext(fn, settings.timeoutMs ?? 60_000, settings.memoryMb);
  // With --json the records are the machine's stream (README's crontab keeps them); the table
  // is for a person, who asks for them with --verbose rather than scrolling past them.
  setLogSink(values.json || values.verbose ? (line) => process.stderr.write(line) : () => {});
  const print = (s: Summary) => process.stdout.write(values.json ? `${JSON.stringify(s)}\n` : renderTable(s, process.stdout.columns || 120));
  let summary;
  try {
    summary = await runFunction(fn, event, context, { configPath: values.config });
  } catch (err) {
    if (!(err instanceof AlertingFailedError)) throw err;
    // The monitors' results still matter; the exit code says the alerts could not be handled.
    summary = err.summary;
    print(summary);
    process.stderr.write(`scf-monitor: ${err.message}\n`);
    return 1;
  }
  print(summary);
  return summary.ok ? 0 : 1;
}

function validate(args: string[]): number {
  const { values } = parseArgs({ args, options: { config: { type: 'string' } } });
  const { config, path } = loadFullConfig({ configPath: values.config });
  const parsed = parseConfigText(readFileSync(path, 'utf8'), path);
  for (const w of configWarnings(parsed.data)) process.stderr.write(`warning: ${formatProblem({ ...w, where: parsed.locate(w.path) })}\n`);
  const counts = new Map<string, number>();
  for (const m of config.monitors) counts.set(m.type, (counts.get(m.type) ?? 0) + 1);
  const kinds = [...counts].map(([t, n]) => `${n} ${t}`).join(', ');
  process.stdout.write(`ok: ${path}: ${config.monitors.length} monitors (${kinds})\n`);
  if (Object.keys(config.channels).length && config.state.type === 'file') {
    process.stdout.write(
      `note: state is kept in files under ${config.state.path}; on SCF /tmp belongs to one instance, so deployed functions should use state: { type: redis }\n`,
    );
  }
  const roleUsers = roleCredentialUsers(config);
  if (roleUsers.length && !(process.env.TENCENTCLOUD_SECRETID && process.env.TENCENTCLOUD_SECRETKEY)) {
    process.stdout.write(
      `note: ${roleUsers.join(', ')} use${roleUsers.length === 1 ? 's' : ''} the execution role's credentials; on SCF they arrive as TENCENTCLOUD_SECRETID/SECRETKEY/SESSIONTOKEN, ` +
        `which are not set here, so a local run of ${roleUsers.length === 1 ? 'it' : 'them'} fails with NO_CREDENTIALS\n`,
    );
  }
  for (const def of Object.values(FUNCTIONS)) {
    const timerPeriodMs = readTimerPeriodMs(resolve(deployFile(def.name)), def.name);
    config.monitors.forEach((m, i) => {
      const advice = m.enabled ? def.monitors.find((mod) => mod.type === m.type)?.advise?.(m, { timerPeriodMs, config }) : undefined;
      if (!advice) return;
      const line = `monitors[${i}] (${m.name}): ${advice.text}\n`;
      if (advice.warning) process.stderr.write(`warning: ${line}`);
      else process.stdout.write(`note: ${line}`);
    });
  }
  for (const [fn, types] of Object.entries(FUNCTION_TYPES)) {
    const mine = config.monitors.filter((m) => m.enabled && (types as readonly string[]).includes(m.type));
    if (!mine.length) continue;
    const worst = runWorstCaseMs(mine, config.concurrency, config.deadlineMarginMs, worstCaseMs);
    const { timeoutMs, memoryMb } = readFunctionSettings(resolve(deployFile(fn)), fn);
    const alerting = Object.keys(config.channels).length > 0;
    const needMb = peakMemoryMb(mine, alerting);
    if (memoryMb !== undefined && needMb > memoryMb) {
      process.stderr.write(
        `warning: ${fn}: ${mine.length} monitors${alerting ? ' with alerts' : ''} may need about ${needMb} MB at peak ` +
          `(every monitor failing at once), more than memorySize ${memoryMb} MB in ${deployFile(fn)}; ` +
          `raise memorySize, or split the monitors across functions by tag\n`,
      );
    }
    if (timeoutMs === undefined) {
      process.stdout.write(`note: ${fn}: no timeout in ${deployFile(fn)}; its monitors can take up to ${Math.ceil(worst / 1000)} s when every target times out\n`);
    } else {
      // With channels configured, the monitors stop early to leave time for delivery.
      const reserve = Object.keys(config.channels).length ? alertReserveMs(timeoutMs) : 0;
      if (reserve && reserve < DELIVERY_FLOOR_MS) {
        process.stderr.write(
          `warning: ${fn}: timeout ${timeoutMs / 1000} s in ${deployFile(fn)} leaves ${reserve} ms for alert delivery, ` +
            `less than the ${DELIVERY_FLOOR_MS} ms one attempt per channel needs: alerts would never be sent; give it at least ${(2 * DELIVERY_FLOOR_MS) / 1000} s\n`,
        );
      }
      if (timeoutMs - reserve < worst) {
        process.stderr.write(
          `warning: ${fn}: timeout ${timeoutMs / 1000} s in ${deployFile(fn)} is shorter than its monitors' worst case ` +
            `${Math.ceil(worst / 1000)} s (${worstCaseHow(mine)})` +
            (reserve ? ` plus ${reserve / 1000} s kept for alert delivery: it cannot hold both` : '') +
            `; monitors still running at the deadline are reported as DEADLINE\n`,
        );
      }
    }
  }
  return 0;
}

async function testChannel(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { config: { type: 'string' } } });
  const name = positionals[0];
  if (!name || positionals.length > 1) throw new UsageError(`test-channel takes one channel name\n\n${USAGE}`);
  const { config, secrets } = loadFullConfig({ configPath: values.config });
  const r = await sendTestMessage(config, name, { timeLimitMs: TEST_CHANNEL_LIMIT_MS, loadChannel: scrubbingLoader(loadChannel, secrets) });
  if (r.ok) {
    process.stdout.write(`ok: test message delivered to ${name} (${r.type}) in ${r.ms} ms, ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}\n`);
    return 0;
  }
  const hint = r.kind === 'permanent' ? 'will not work until the channel config is fixed' : 'may work on a later try';
  process.stderr.write(`scf-monitor: ${name} (${r.type}): not delivered after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}: ${r.code}: ${r.message} (${hint})\n`);
  return 1;
}

function packageCommand(args: string[]): number {
  const { values } = parseArgs({ args, options: { dist: { type: 'string' }, out: { type: 'string' } } });
  let made;
  try {
    made = packageFunctions({ distDir: values.dist ?? 'dist', outDir: values.out ?? 'package', functionsDir: resolve(__dirname, '..', 'functions') });
  } catch (err) {
    throw new UsageError(`package: ${(err as Error).message}`);
  }
  for (const m of made) process.stdout.write(`${m.zip}  ${m.files.length} files, handler ${m.name}.main_handler\n`);
  return 0;
}

/** Runs until SIGINT or SIGTERM; every request goes through the function's own handler. */
async function serve(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { config: { type: 'string' }, port: { type: 'string' } } });
  const fn = positionals[0];
  if (!fn || positionals.length > 1) throw new UsageError(`serve takes one HTTP function name\n\n${USAGE}`);
  if (!isHttpFunctionName(fn)) throw new UsageError(`"${fn}" is not an HTTP function (known: ${Object.keys(HTTP_FUNCTIONS).join(', ')})`);
  const port = values.port === undefined ? 8080 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number from 0 to 65535, got ${JSON.stringify(values.port)}`);
  // Fail now on a bad config rather than on the first request.
  loadFullConfig({ configPath: values.config });
  setLogSink((line) => process.stderr.write(line));
  const { server, url } = await serveHttp(HTTP_FUNCTIONS[fn]({ ...(values.config ? { configPath: values.config } : {}) }), { port }).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot listen on 127.0.0.1:${port}: ${err.code ?? err.message}`);
  });
  process.stderr.write(`listening on ${url}\n`);
  await new Promise<void>((done) => {
    const stop = () => server.close(() => void closeProcessStores().then(() => done()));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'invoke':
      return invoke(rest);
    case 'validate':
      return validate(rest);
    case 'test-channel':
      return testChannel(rest);
    case 'serve':
      return serve(rest);
    case 'agent':
      return runAgent(rest);
    case 'package':
      return packageCommand(rest);
    case 'demo':
      return runDemo();
    case '--version':
    case '-v':
    case 'version':
      process.stdout.write(`scf-monitor ${packageVersion()}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof UsageError) {
      process.stderr.write(`scf-monitor: ${err.message}\n`);
    } else if (err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`scf-monitor: ${err.message}\n\n${USAGE}\n`);
    } else {
      const e = err as Error;
      process.stderr.write(`scf-monitor: internal error: ${e?.message ?? String(err)}\n`);
      if (process.env.SCF_MONITOR_DEBUG) process.stderr.write(`${e?.stack}\n`);
    }
    process.exitCode = 2;
  },
);
