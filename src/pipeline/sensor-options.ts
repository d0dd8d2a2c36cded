// Durations and sizes of the sensor's options (--rotate 60s|256MB, --keep 7d|50GB, --commit-every 60s).
import { HaystackError } from '../core/errors.js';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Decimal units, as dumpcap's filesize (kB = 1000 bytes) and disk makers count; the binary ones too. */
const SIZE_UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};

/** A time span or a size, as --keep takes either. */
export type Limit = { kind: 'age'; ms: number } | { kind: 'size'; bytes: number };

function bad(option: string, value: string, expected: string): HaystackError {
  return new HaystackError('HAYSTACK_BAD_ARGUMENT', `--${option} ${JSON.stringify(value)}: expected ${expected}`);
}

const SHAPE = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i;

/** A duration ("500ms", "2s", "5m", "1h", "7d") in milliseconds, within [min, max]. */
export function durationMs(option: string, value: string, min: number, max: number): number {
  const m = SHAPE.exec(value.trim());
  const unit = m === null ? undefined : DURATION_UNITS[m[2]!.toLowerCase()];
  if (m === null || unit === undefined) throw bad(option, value, 'a duration such as 500ms, 60s, 5m, 1h or 7d');
  const ms = Math.round(Number(m[1]) * unit);
  if (!(ms >= min && ms <= max)) throw bad(option, value, `a duration from ${min} ms to ${max / 86_400_000} days`);
  return ms;
}

/** A size ("256MB", "50GB", "64KiB") in bytes, within [min, max]. */
export function sizeBytes(option: string, value: string, min: number, max: number): number {
  const m = SHAPE.exec(value.trim());
  const unit = m === null ? undefined : SIZE_UNITS[m[2]!.toLowerCase()];
  if (m === null || unit === undefined) throw bad(option, value, 'a size such as 64KB, 256MB or 50GB (or KiB, MiB, GiB)');
  const bytes = Math.round(Number(m[1]) * unit);
  if (!(bytes >= min && bytes <= max)) throw bad(option, value, `a size from ${min} bytes to ${max / 1e12} TB`);
  return bytes;
}

/** A duration or a size, told apart by the unit. */
export function limitOption(option: string, value: string, limits: { minMs: number; maxMs: number; minBytes: number; maxBytes: number }): Limit {
  const m = SHAPE.exec(value.trim());
  const unit = m?.[2]?.toLowerCase() ?? '';
  if (unit in DURATION_UNITS) return { kind: 'age', ms: durationMs(option, value, limits.minMs, limits.maxMs) };
  if (unit in SIZE_UNITS) return { kind: 'size', bytes: sizeBytes(option, value, limits.minBytes, limits.maxBytes) };
  throw bad(option, value, 'a duration (60s, 5m, 1h, 7d) or a size (256MB, 50GB)');
}
