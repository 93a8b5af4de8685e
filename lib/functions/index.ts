/**
 * Every timer function, and what follows from their lists of monitor types: the full config
 * schema (validate, the build, the JSON Schema), the function-to-types table and each
 * monitor's worst case. For the CLI, the demo, the build and tests; never imported by a
 * function bundle, which would then carry every type's code (and SDK).
 */
import { CHANNEL_SCHEMAS } from '../channels';
import { configSchema, type Config, type MonitorConfig } from '../config/schema';
import { checkConfig, loadConfig, type LoadOptions, type Loaded } from '../config/load';
import { validateConfig } from '../config/validate';
import type { FunctionDef, MonitorModule } from '../monitors/module';
import type { Summary } from '../runtime/summary';
import { runDefinedFunction, type RunOptions } from '../runtime/handler';
import type { HttpHandler } from '../runtime/serve';
import { handleIngest, type IngestOptions } from '../ingest/handler';
import { handleApi, type ApiOptions } from '../api/handler';
import type { ScfContext, ScfEvent } from '../runtime/scf';
import { heartbeatCheck } from './heartbeatCheck';
import { kafkaLag } from './kafkaLag';
import { pagePerf } from './pagePerf';
import { speedTest } from './speedTest';
import { statusCheck } from './statusCheck';
import { sweep } from './sweep';

export const FUNCTIONS = { statusCheck, speedTest, kafkaLag, heartbeatCheck, sweep, pagePerf } satisfies Record<string, FunctionDef>;

export type FunctionName = keyof typeof FUNCTIONS;

/**
 * Functions deployed as SCF image functions (Chromium cannot run on SCF's zip runtime): the
 * build puts them in dist-image/, never dist/, and `validate` reads deploy/page/serverless.yml for them.
 */
export const IMAGE_FUNCTIONS: readonly string[] = ['pagePerf'] satisfies FunctionName[];

export function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(FUNCTIONS, name);
}

/** Every monitor type, once, in the order the functions list them. */
export const MONITOR_MODULES: readonly MonitorModule[] = [...new Set(Object.values(FUNCTIONS).flatMap((f) => f.monitors))];

export const MONITOR_TYPE_NAMES: readonly string[] = MONITOR_MODULES.map((m) => m.type);

/** Which monitor types each function runs. */
export const FUNCTION_TYPES = Object.fromEntries(
  Object.entries(FUNCTIONS).map(([name, def]) => [name, def.monitors.map((m) => m.type)]),
) as Record<FunctionName, string[]>;

/** Every type in full: what `validate` and the build check. */
export const FULL_CONFIG_SCHEMA = configSchema({ monitors: MONITOR_MODULES.map((m) => m.schema), channels: CHANNEL_SCHEMAS });

export function loadFullConfig(opts: LoadOptions = {}): Loaded {
  return loadConfig(FULL_CONFIG_SCHEMA, opts);
}

function moduleOf(m: MonitorConfig): MonitorModule {
  const mod = MONITOR_MODULES.find((x) => x.type === m.type);
  if (!mod) throw new Error(`no monitor type ${m.type}`);
  return mod;
}

export function worstCaseMs(m: MonitorConfig): number {
  return moduleOf(m).worstCaseMs(m);
}

/** How the worst case of these monitors adds up, by type: "http: ...; ckafka: ...". */
export function worstCaseHow(monitors: readonly MonitorConfig[]): string {
  return [...new Set(monitors.map((m) => m.type))].map((t) => `${t}: ${MONITOR_MODULES.find((x) => x.type === t)!.worstCaseHow}`).join('; ');
}

/** What in the config calls Tencent Cloud with the role's credentials (no secretId of its own). */
export function roleCredentialUsers(config: Config): string[] {
  const users: string[] = [];
  // A channel that takes Tencent Cloud keys (its schema has secretId) and was given none.
  const tencentChannels = new Set<string>(CHANNEL_SCHEMAS.filter((s) => 'secretId' in s.entries).map((s) => s.entries.type.literal));
  for (const [name, c] of Object.entries(config.channels)) {
    if (tencentChannels.has(c.type) && !(c as { secretId?: string }).secretId) users.push(`channel ${name}`);
  }
  for (const m of config.monitors) if (moduleOf(m).usesRoleCredentials?.(m)) users.push(`monitor ${m.name}`);
  return users;
}

export function runFunction(
  fn: FunctionName,
  event: ScfEvent | undefined,
  context: Partial<ScfContext> | undefined,
  opts: RunOptions = {},
): Promise<Summary> {
  return runDefinedFunction(FUNCTIONS[fn], event, context, { allMonitorTypes: MONITOR_TYPE_NAMES, ...opts });
}

/** The config checks with every type in full, for `validate`, the build and tests. */
export function validateFullConfig(input: unknown): ReturnType<typeof validateConfig> {
  return validateConfig(FULL_CONFIG_SCHEMA, input);
}

export function checkFullConfig(text: string, file: string, env: NodeJS.ProcessEnv, missingEnv: 'error' | 'ignore' = 'error'): ReturnType<typeof checkConfig> {
  return checkConfig(FULL_CONFIG_SCHEMA, text, file, env, missingEnv);
}

/** The HTTP functions (behind function URLs), for `scf-monitor serve`. */
export const HTTP_FUNCTIONS = {
  ingest: (opts: IngestOptions = {}): HttpHandler => (event) => handleIngest(event, { allMonitorTypes: MONITOR_TYPE_NAMES, ...opts }),
  api: (opts: ApiOptions = {}): HttpHandler => (event) => handleApi(event, { allMonitorTypes: MONITOR_TYPE_NAMES, ...opts }),
} satisfies Record<string, (opts?: IngestOptions & ApiOptions) => HttpHandler>;

export type HttpFunctionName = keyof typeof HTTP_FUNCTIONS;

export function isHttpFunctionName(name: string): name is HttpFunctionName {
  return Object.hasOwn(HTTP_FUNCTIONS, name);
}
