// Conversion of capture timestamps (64-bit counts of some unit) to integer µs without losing precision.

/** Converts (hi, lo) counts of 10^-resol s (decimal) or 2^-resol s (binary) to µs, exactly where it can. */
export class TimestampConverter {
  private readonly mode: 0 | 1 | 2 | 3;
  private readonly div: number;
  private readonly q32: number;
  private readonly r32: number;
  private readonly mul: number;
  /** if_tsoffset in µs */
  readonly offsetUs: number;
  /**
   * µs resolution (the common case): the time is hi * 2^32 + lo + offsetUs, which a reader computes inline (a
   * call returns it as a heap number made for each packet)
   */
  readonly micros: boolean;
  private readonly binaryBits: number;
  private readonly isBinary: boolean;

  /**
   * @param tsresol pcapng if_tsresol byte: high bit clear = negative power of 10, set = negative power of 2
   * @param offsetSeconds pcapng if_tsoffset
   */
  constructor(tsresol: number, offsetSeconds = 0) {
    this.offsetUs = offsetSeconds * 1_000_000;
    this.div = 1;
    this.q32 = 0;
    this.r32 = 0;
    this.mul = 1;
    this.binaryBits = 0;
    this.isBinary = (tsresol & 0x80) !== 0;
    this.micros = !this.isBinary && tsresol === 6;
    if (this.isBinary) {
      this.mode = 3;
      this.binaryBits = tsresol & 0x7f;
    } else if (tsresol === 6) {
      this.mode = 0;
    } else if (tsresol > 6 && tsresol <= 12) {
      // (hi * 2^32 + lo) / d  =  hi * q32 + (hi * r32 + lo) / d, every term below 2^53 for d <= 10^6
      this.mode = 1;
      this.div = 10 ** (tsresol - 6);
      this.q32 = Math.floor(4294967296 / this.div);
      this.r32 = 4294967296 % this.div;
    } else if (tsresol < 6) {
      this.mode = 2;
      this.mul = 10 ** (6 - tsresol);
    } else {
      this.mode = 3; // 10^-13 .. 10^-127: exotic, done with BigInt
      this.div = tsresol;
    }
  }

  toMicros(hi: number, lo: number): number {
    switch (this.mode) {
      case 0:
        return hi * 4294967296 + lo + this.offsetUs;
      case 1:
        return hi * this.q32 + Math.floor((hi * this.r32 + lo) / this.div) + this.offsetUs;
      case 2:
        return (hi * 4294967296 + lo) * this.mul + this.offsetUs;
      case 3:
        return this.slow(hi, lo);
    }
  }

  private slow(hi: number, lo: number): number {
    const v = (BigInt(hi) << 32n) | BigInt(lo);
    const us = this.isBinary ? (v * 1_000_000n) >> BigInt(this.binaryBits) : v / 10n ** BigInt(this.div - 6);
    return Number(us) + this.offsetUs;
  }
}
