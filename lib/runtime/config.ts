/**
 * The config a function validates: its own monitor types in full, every channel, and the
 * monitors of other functions by their common fields only, so a bundle carries no other
 * type's schema. The build puts the names of every type into the bundle (__SCF_MONITOR_TYPES__),
 * so a misspelt type is still an error there.
 */
import { CHANNEL_SCHEMAS } from '../channels';
import { ConfigError } from '../config/errors';
import { loadConfig, type LoadOptions } from '../config/load';
import { configSchema, type Config, type ConfigSchema } from '../config/schema';
import { logJson } from '../report/log';
import { error, type HttpAnswer } from './http';
import type { FunctionDef } from '../monitors/module';

declare const __SCF_MONITOR_TYPES__: readonly string[] | undefined;

const BUILT_IN_TYPES: readonly string[] | undefined = typeof __SCF_MONITOR_TYPES__ === 'undefined' ? undefined : __SCF_MONITOR_TYPES__;

/** One schema per function and list of types: the loaded config is cached per schema, so a warm instance (or `serve`) validates once. */
const cache = new WeakMap<FunctionDef, Map<readonly string[] | undefined, ConfigSchema>>();

/** `allTypes`: every monitor type of the deployment, when the caller knows them (the CLI's catalog). */
export function functionSchema(def: FunctionDef, allTypes: readonly string[] | undefined = BUILT_IN_TYPES): ConfigSchema {
  let forDef = cache.get(def);
  if (!forDef) cache.set(def, (forDef = new Map()));
  const hit = forDef.get(allTypes);
  if (hit) return hit;
  const own = def.monitors.map((m) => m.type);
  const schema = configSchema({
    monitors: def.monitors.map((m) => m.schema),
    channels: CHANNEL_SCHEMAS,
    otherMonitorTypes: allTypes ? allTypes.filter((t) => !own.includes(t)) : undefined,
    anyOtherType: allTypes === undefined,
  });
  forDef.set(allTypes, schema);
  return schema;
}

/**
 * An HTTP function's config for one request, or the 500 to answer it with: the details go to
 * the operator's log (as `<function>-config-error`), never to whoever sent the request.
 */
export function httpFunctionConfig(def: FunctionDef, opts: LoadOptions & { allMonitorTypes?: readonly string[] }): Config | HttpAnswer {
  try {
    return loadConfig(functionSchema(def, opts.allMonitorTypes), opts).config;
  } catch (err) {
    logJson({ event: `${def.name}-config-error`, message: err instanceof ConfigError ? err.message : (err as Error).message });
    return error(500, `the ${def.name} function has a configuration error (see its log)`);
  }
}
