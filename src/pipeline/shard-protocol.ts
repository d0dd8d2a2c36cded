// The messages between the reader thread and its shard workers (--threads N): jobs, packet batches, tagged output.
import type { EngineOptions } from './engine.js';

/** What a shard worker runs: the verb's analyzers and which records it hands back. */
export interface ShardJob {
  /** sessions: session records (with app_proto probes when `appProto`); tls: tls records */
  verb: 'sessions' | 'tls';
  /** sessions: run the protocol probes so app_proto is what the one-thread run gives */
  appProto: boolean;
  /** hand anomaly records back too (counts always come back) */
  anomalies: boolean;
  /** the engine's options (no callbacks: they cross a thread) */
  engine: Omit<EngineOptions, 'streams' | 'keepBlockSequence'>;
  /** tests only: the global packet numbers whose processing throws (a worker's bug, injected), null for none */
  faultAt: readonly number[] | null;
}

/** Numbers per packet in a batch's `meta`. */
export const PACKET_FIELDS = 11;
/** Offsets in a packet's PACKET_FIELDS numbers. */
export const F_INDEX = 0;
export const F_TS = 1;
export const F_LINKTYPE = 2;
export const F_CAPLEN = 3;
export const F_ORIGLEN = 4;
export const F_FILE_OFFSET = 5;
export const F_RECORD_LEN = 6;
export const F_INPUT = 7;
export const F_DATA_OFFSET = 8;
export const F_IFACE = 9;
/** the packet's bytes: in `slots[F_SLOT]` at F_DATA_OFFSET (read there, no copy), or in `data` when -1 */
export const F_SLOT = 10;

/**
 * One round of packets for one worker: its share of the global packets [start, end), and every session-table
 * sweep of the round (the one-thread run's sweep points, which the reader knows: see threaded.ts).
 */
export interface PacketBatch {
  type: 'batch';
  /** PACKET_FIELDS numbers per packet (transferred, not copied) */
  meta: Float64Array;
  /** the bytes of the packets not in a slot (those that straddled two chunks of the input), back to back */
  data: Uint8Array;
  /** the input's chunks (shared) that the round's packets lie in, each packet's found by F_SLOT */
  slots: Uint8Array[];
  count: number;
  /** sweeps of the round: [global packet number, packet time] pairs, in packet order */
  sweeps: Float64Array;
  /** the round covers the global packets below this number */
  end: number;
}

/** Item kinds of a shard's output. */
export const K_SESSION = 0;
export const K_TLS = 1;
export const K_ANOMALY = 2;
/** a session ended (payload: its local uid) and nothing live names it: the merge forgets the uid's translation */
export const K_END = 3;
/** a session ended (payload: its local uid) that a live session or an expected FTP channel still names */
export const K_END_NAMED = 4;
/** an ended session is named no more (payload: its local uid): the merge forgets the uid's translation */
export const K_RELEASE = 5;
/** an anomaly counted but not recorded (payload: its name): beyond the record cap, or records not wanted */
export const K_ANOMALY_COUNT = 6;

/** Numbers per item key: [global packet, phase, minor, sequence], compared in that order. */
export const KEY_FIELDS = 4;
/** Phases of a packet's output, in the one-thread run's order. */
export const PHASE_READER = 0;
export const PHASE_SWEEP = 1;
export const PHASE_PACKET = 2;
/** The `global packet` of the end-of-run flush: after every packet. */
export const FLUSH_MAJOR = Number.MAX_SAFE_INTEGER;

/** Output of a shard up to a watermark: items sorted by key, and the sessions it made (for global uids). */
export interface ShardOutput {
  keys: Float64Array;
  kinds: Uint8Array;
  payloads: unknown[];
  /** per session made: [position (global packet * 64 + layer), part count, parts...] */
  creations: Float64Array;
  /** the local uid of each session made, in order */
  creationUids: string[];
  /** every item and session made later has a global packet number at or above this */
  watermark: number;
}

export interface ShardFault {
  /** global packet number whose processing threw */
  index: number;
  input: number;
  fileOffset: number;
  message: string;
}

/** The last output of a run: what the shard's table still held, and its totals. */
export interface ShardTotals {
  sessions: number;
  anomalies: [string, number][];
  fault: ShardFault | null;
}

export type ToShard =
  | { type: 'start'; job: ShardJob }
  | PacketBatch
  | { type: 'finish' };

export type FromShard =
  | ({ type: 'out'; spent: PacketBatch['meta'] | null; spentData: PacketBatch['data'] | null } & ShardOutput)
  | ({ type: 'done' } & ShardOutput & ShardTotals)
  | ({ type: 'fault' } & ShardOutput & { fault: ShardFault });
