/**
 * JSON with object keys sorted at every level, so two option objects that differ only in key
 * order (`{"a":1,"b":2}` vs `{"b":2,"a":1}`) give the same text and compare equal.
 * `undefined` members are dropped, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  // toJSON first (dates and the like), as JSON.stringify would.
  const plain = typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON(): unknown }).toJSON() : value;
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) return sortKeys(plain);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(plain).sort()) out[key] = sortKeys((plain as Record<string, unknown>)[key]);
  return out;
}
