// Anomalies: malformed or unusual traffic, counted and recorded, never thrown.

/** One recorded anomaly (the `anomalies` record before it gets its capture context). */
export interface AnomalyEvent {
  /** µs since the epoch of the packet that showed it */
  ts: number;
  /** session uid when the anomaly belongs to a session */
  uid: string | null;
  /** snake_case, layer-prefixed: `ipv4_truncated`, `tcp_rexmit_inconsistency` */
  name: string;
  detail: string | null;
}

/**
 * Records are capped per name so that a capture full of one kind of damage cannot flood the output;
 * counts are always exact. 1000 rows is plenty to find examples, and bounded.
 */
export const MAX_ANOMALY_RECORDS_PER_NAME = 1000;

/**
 * Characters of a detail kept: details quote traffic (a file name, a header) to show what was seen, and a row
 * must stay small whatever was sent (the anomalies record's bound); 1024 is a few lines of context.
 */
export const MAX_ANOMALY_DETAIL = 1024;

export class AnomalyLog {
  readonly counts = new Map<string, number>();
  private readonly onRecord: (a: AnomalyEvent) => void;
  private readonly maxPerName: number;

  constructor(onRecord: (a: AnomalyEvent) => void, maxPerName = MAX_ANOMALY_RECORDS_PER_NAME) {
    this.onRecord = onRecord;
    this.maxPerName = maxPerName;
  }

  add(ts: number, uid: string | null, name: string, detail: string | null = null): void {
    const n = (this.counts.get(name) ?? 0) + 1;
    this.counts.set(name, n);
    if (n > this.maxPerName) return;
    this.onRecord({ ts, uid, name, detail: detail !== null && detail.length > MAX_ANOMALY_DETAIL ? `${detail.slice(0, MAX_ANOMALY_DETAIL - 1)}…` : detail });
  }

  get total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }
}
