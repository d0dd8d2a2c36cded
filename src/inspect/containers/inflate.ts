// The injected DEFLATE decoder (L3 is pure: the pipeline passes node:zlib's inflateRawSync behind this contract)
// and the guard that holds any implementation to its output bound.

/** What an inflation gave: output, or why there is none. */
export type InflateResult =
  | {
    readonly ok: true;
    /** the output, at most `maxOut` bytes */
    readonly bytes: Uint8Array;
    /** input bytes used up to the end of the DEFLATE stream (the input's length when it ran out first) */
    readonly consumed: number;
    /** the stream's final block was reached; false: the input ran out and `bytes` is what it held so far */
    readonly complete: boolean;
  }
  | {
    readonly ok: false;
    /** too_large: the output would pass `maxOut` (nothing is returned); corrupt: not valid DEFLATE */
    readonly error: 'too_large' | 'corrupt';
    readonly detail: string;
  };

/**
 * Raw DEFLATE (RFC 1951) of `data`, stopping with `too_large` as soon as the output would pass `maxOut` bytes;
 * trailing bytes after the stream's end are ignored and reported through `consumed`. Must not throw.
 */
export type InflateRaw = (data: Uint8Array, maxOut: number) => InflateResult;

/**
 * Calls `inflate` and holds it to the contract whatever it does: an exception is `corrupt`, output over `maxOut`
 * is `too_large`, a `consumed` outside the input is clamped.
 */
export function boundedInflate(inflate: InflateRaw, data: Uint8Array, maxOut: number): InflateResult {
  let r: InflateResult;
  try {
    r = inflate(data, maxOut);
  } catch (e) {
    return { ok: false, error: 'corrupt', detail: e instanceof Error ? e.message : String(e) };
  }
  if (!r.ok) return r;
  if (r.bytes.length > maxOut) return { ok: false, error: 'too_large', detail: `output over ${maxOut} bytes` };
  const consumed = Number.isSafeInteger(r.consumed) && r.consumed >= 0 && r.consumed <= data.length ? r.consumed : data.length;
  return consumed === r.consumed ? r : { ok: true, bytes: r.bytes, consumed, complete: r.complete };
}
