/**
 * npm run schema: writes schema/monitors.schema.json from the full config schema (lib/functions: every monitor and channel type), for editor
 * completion (`# yaml-language-server: $schema=./schema/monitors.schema.json`). A test
 * fails when the committed file is stale.
 */
import { toJsonSchema } from '@valibot/to-json-schema';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FULL_CONFIG_SCHEMA } from '../lib/functions';

export function configJsonSchema(): object {
  const schema = toJsonSchema(FULL_CONFIG_SCHEMA, { errorMode: 'ignore', typeMode: 'input' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://github.com/scf-monitor/scf-monitor/schema/monitors.schema.json',
    title: 'scf-monitor monitors.yaml',
  };
}

export const SCHEMA_FILE = join(__dirname, '..', 'schema', 'monitors.schema.json');

if (require.main === module) {
  writeFileSync(SCHEMA_FILE, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
