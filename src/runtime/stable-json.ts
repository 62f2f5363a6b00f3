/** JSON with object keys sorted: the same value always gives the same text (cursor scopes, input hashes). */
export function stableJson(value: unknown): string {
  return flatStableJson(value) ?? JSON.stringify(value, sortKeys);
}

function sortKeys(_key: string, v: unknown): unknown {
  return v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
    : v;
}

/**
 * The same text for the common case, a flat object of strings, finite numbers, booleans and nulls
 * (every cursor scope: two per customer on a dashboard), without a replacer's copies; null otherwise.
 */
function flatStableJson(value: unknown): string | null {
  if (!value || typeof value !== 'object' || Array.isArray(value) || 'toJSON' in value) return null;
  const keys = Object.keys(value).sort((a, b) => a.localeCompare(b));
  let text = '{';
  for (const key of keys) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (v !== null && typeof v !== 'string' && typeof v !== 'boolean' && !Number.isFinite(v)) return null;
    text += `${text.length > 1 ? ',' : ''}${JSON.stringify(key)}:${JSON.stringify(v)}`;
  }
  return `${text}}`;
}
