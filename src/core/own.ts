// A table's own entry for a key that comes from data: `TABLE[key]` on an object literal answers
// "constructor", "__proto__" or "toString" with Object.prototype's members (a function, an object).

/** table[key] when the table itself has that key; undefined otherwise (never an inherited member). */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
