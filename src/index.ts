// Haystack's library API: read captures, get typed records.
export { analyze, readPackets, type AnalyzeOptions, type AnalyzeRecord, type DecodedPacket } from './pipeline/api.js';
export { Engine, type EngineHandlers, type EngineOptions, type RunResult, type InputResult } from './pipeline/engine.js';
export { HaystackError, isHaystackError, type ErrorCode } from './core/errors.js';
export type { AnomalyEvent } from './core/anomaly.js';
export { SESSIONS, type SessionRecord } from './schema/sessions.js';
export { TLS, type TlsRecord } from './schema/tls.js';
export { SMTP, type SmtpRecord } from './schema/smtp.js';
export { HTTP, type HttpRecord } from './schema/http.js';
export { FILES, type FileRecord } from './schema/files.js';
export { ANOMALIES, type AnomalyRecord } from './schema/anomalies.js';
export type { StreamAnalyzer, Dir } from './reassembly/stream-analyzer.js';
export { ORIG, RESP } from './reassembly/stream-analyzer.js';
export { communityId } from './flow/community-id.js';
export { openStore, type OpenStoreOptions } from './store/open.js';
export type { Store, QueryResult, CaptureWriter } from './store/store.js';
export { ingest, type IngestOptions, type IngestSummary, type FileOutcome } from './pipeline/ingest.js';
export { top, counts, type TopOptions, type CountsOptions } from './store/reports.js';
export { RECORD_SCHEMAS } from './schema/registry.js';
