// SQL forms of the value rules several Zeek logs share (the JS rules are next to the columns that use them): a
// protocol name as Zeek's transport_proto, and a name renamed by a table of ours.
import type { SqlParts } from './zeek-types.js';

/** Zeek's transport_proto of our proto: tcp, udp, icmp (ICMPv6 too), else (NULL too) unknown_transport. */
export function transportSql(s: SqlParts, p: string): string {
  return `CASE WHEN ${p} IN (${s.lit('tcp')}, ${s.lit('udp')}, ${s.lit('icmp')}) THEN ${p} WHEN ${p} = ${s.lit('icmpv6')} THEN ${s.lit('icmp')} ` +
    `ELSE ${s.lit('unknown_transport')} END`;
}

/** A list, NULL when it is empty (Zeek writes a list only when it has elements). */
export function nonEmptySql(list: string): string {
  return `CASE WHEN len(${list}) > 0 THEN ${list} END`;
}

/** `x` renamed by `table` (`own(table, x) ?? otherwise`, otherwise `x`), NULL stays NULL. */
export function renamedSql(s: SqlParts, x: string, table: Readonly<Record<string, string>>, otherwise = x): string {
  const whens = Object.entries(table).map(([k, v]) => `WHEN ${x} = ${s.lit(k)} THEN ${s.lit(v)}`);
  return whens.length === 0 ? otherwise : `CASE ${whens.join(' ')} ELSE ${otherwise} END`;
}

/** The last line of a text (after its last LF), NULL stays NULL: RE2's `$` without (?m) is the text's end. */
export function lastLineSql(s: SqlParts, x: string): string {
  return `CASE WHEN contains(${x}, chr(10)) THEN regexp_extract(${x}, ${s.lit('[^\n]*$')}) ELSE ${x} END`;
}
