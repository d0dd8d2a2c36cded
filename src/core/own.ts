// A table's own entry for a key that comes from data: `TABLE[key]` on an object literal answers
// "constructor", "__proto__" or "toString" with Object.prototype's members (a function, an object).

/** table[key] when the table itself has that key; undefined otherwise (never an inherited member). */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * Sets o[key] as the object's own data property, whatever the key: `o["__proto__"] = v` would set the object's
 * prototype instead (the key and its value lost, or worse), when the key comes from data (a log's column name).
 */
export function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}
