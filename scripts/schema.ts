/**
 * npm run schema: writes schema/monitors.schema.json from the full config schema (lib/functions: every monitor and channel type), for editor
 * completion (`# yaml-language-server: $schema=./schema/monitors.schema.json`). A test
 * fails when the committed file is stale.
 */
import { toJsonSchema } from '@valibot/to-json-schema';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FULL_CONFIG_SCHEMA, MONITOR_MODULES } from '../lib/functions';

export function configJsonSchema(): object {
  const schema = toJsonSchema(FULL_CONFIG_SCHEMA, { errorMode: 'ignore', typeMode: 'input' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://github.com/scf-monitor/scf-monitor/schema/monitors.schema.json',
    title: 'scf-monitor monitors.yaml',
  };
}

export const SCHEMA_FILE = join(__dirname, '..', 'schema', 'monitors.schema.json');
export const API_SCHEMAS_FILE = join(__dirname, '..', 'lib', 'api', 'schemas.ts');

/**
 * lib/api/schemas.ts: every type's schema file, so the api bundle can check a threshold update
 * without carrying any monitor's code. Generated from the catalog (each type's folder is named
 * for it), so a new monitor type needs no line here; a test fails when it is stale.
 */
export function apiSchemasSource(): string {
  const entries = MONITOR_MODULES.map((m) => {
    const file = join(__dirname, '..', 'lib', 'monitors', m.type, 'schema.ts');
    const exported = Object.entries(require(file) as Record<string, unknown>).find(([, v]) => v === m.schema)?.[0];
    if (!exported) throw new Error(`lib/monitors/${m.type}/schema.ts does not export the ${m.type} monitor's schema`);
    return { type: m.type, exported };
  });
  return `/**
 * Each monitor type's schema, for checking a threshold update with the type's own \`expect\`.
 * Only the schema files: the api bundle carries no monitor's code or SDK. Written by
 * \`npm run schema\` from the catalog (scripts/schema.ts); do not edit by hand.
 */
import type { MonitorSchema } from '../config/schema';
${entries.map((e) => `import { ${e.exported} } from '../monitors/${e.type}/schema';`).join('\n')}

export const TYPE_SCHEMAS: readonly MonitorSchema[] = [${entries.map((e) => e.exported).join(', ')}] as unknown as MonitorSchema[];

export function schemaOfType(type: string): MonitorSchema | undefined {
  return TYPE_SCHEMAS.find((s) => s.entries.type.literal === type);
}
`;
}

if (require.main === module) {
  writeFileSync(SCHEMA_FILE, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
  writeFileSync(API_SCHEMAS_FILE, apiSchemasSource());
  process.stdout.write(`wrote ${API_SCHEMAS_FILE}\n`);
}
