/**
 * User templates: which placeholders exist and how they are filled. Kept apart from the
 * messages (and their date formatting) because config validation needs it on every cold
 * start, and the messages only when something is sent.
 */
/** Placeholders a user template may use: `{{monitor}}` and so on. */
export const TEMPLATE_FIELDS = [
  'kind',
  'monitor',
  'type',
  'target',
  'function',
  'incidentId',
  'since',
  'at',
  'duration',
  'codes',
  'reasons',
  'successRate',
  'meanMs',
  'p95Ms',
] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (all, key: string) => values[key] ?? all);
}

/** Placeholders in a template that we do not know, for config validation. */
export function unknownPlaceholders(template: string): string[] {
  const known = new Set<string>(TEMPLATE_FIELDS);
  return [...template.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] as string).filter((k) => !known.has(k));
}
