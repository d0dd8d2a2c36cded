// The content-inspection contract (L3, pure): what a detector is given, what it returns, and how a hit is told
// apart from the value it found. A hit's plaintext `value` never leaves the pipeline: it is keyed-hashed
// (value_hmac) and dropped there; records and output carry only `masked` and `excerpt`.

/** high: validated and in context; medium: validated; low: shape only. Each detector documents its rule. */
export type Confidence = 'high' | 'medium' | 'low';

/**
 * financial (cards, track data, IBAN, routing numbers), pii (SSN, email and phone in bulk), secret (keys and
 * tokens), credential (a login sent in clear), remote_access (an RMM tool by name), evasion (a label that
 * lies: protocol/port, DNS tunnelling), uninspectable (an encrypted container, a limit hit).
 */
export type Category = 'financial' | 'pii' | 'secret' | 'credential' | 'remote_access' | 'evasion' | 'uninspectable';

/** One value a detector found in one buffer. */
export interface Hit {
  /** detector name, snake_case: payment_card, us_ssn, aws_access_key, gitleaks:<rule id>, ... */
  readonly detector: string;
  readonly category: Category;
  readonly confidence: Confidence;
  /** byte offset of the value in the buffer handed to the detector */
  readonly offset: number;
  /** bytes of the value in the buffer */
  readonly length: number;
  /** canonical plaintext (card digits without separators, the whole token): input to value_hmac only */
  readonly value: string;
  /** the value masked for display, e.g. "4111 **** **** 1111", "AKIA************MPLE"; never the whole value */
  readonly masked: string;
  /** checks the value passed, e.g. ["luhn", "iin:visa"], ["mod97", "length:DE"], ["crc32"] */
  readonly validations: readonly string[];
  /** context words found near the value (within the detector's window), lower case */
  readonly contextTerms: readonly string[];
  /** a published test value (4111 1111 1111 1111, AKIAIOSFODNN7EXAMPLE, ...) */
  readonly testValue: boolean;
  /** what a reader needs besides the mask, never secret: "user alice", "alg HS256", "tool AnyDesk" */
  readonly note?: string;
}

/** What a detector knows of where the buffer came from (it must not depend on anything else). */
export interface DetectContext {
  /** the application protocol the bytes were delivered by (http, smtp, ftp, ...), or null */
  readonly appProto: string | null;
  /** the buffer is a file or part (true) or a raw stream's bytes (false) */
  readonly isObject: boolean;
  /**
   * the object's file name or part path when known (an attachment's filename, an HTTP path), else absent or
   * null: gitleaks rules with a `path` and allowlists with `paths` are checked against it
   */
  readonly path?: string | null;
}

/**
 * A content detector: one file per detector under src/inspect/detectors/. `keywords` feed the engine's one
 * prefilter automaton (ASCII, matched case-insensitively); `digits` asks the engine to run the detector when the
 * buffer holds a run of at least that many ASCII digits (separators inside the run are the detector's business).
 * A detector with neither never runs on content (it is fed by names or records instead).
 */
export interface Detector {
  readonly name: string;
  readonly category: Category;
  readonly keywords: readonly string[];
  readonly digits?: number;
  /** every hit in `text` (one character per byte, as latin1() gives it); runs only when triggered */
  detect(text: string, ctx: DetectContext): Hit[];
  /**
   * Optional: the same hits as detect(latin1(buf), ctx), read from the bytes. When every detector triggered on a
   * buffer has one, the engine calls these and never builds the text (binary and encrypted content trigger
   * little else than e-mail's '@', and the text would cost more than the detector).
   */
  readonly detectBytes?: (buf: Uint8Array, ctx: DetectContext) => Hit[];
}
