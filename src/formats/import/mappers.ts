// The field mappings `haystack import` uses. Until the Zeek and EVE mappings are wired here (zeekToRecord from
// src/formats/zeek/, eveToRecords from src/formats/eve/), no line is mapped: files are read, bad lines become
// anomalies, and every log / event type is counted as unmapped.
import type { ImportMapper } from './mapper.js';

/** The built-in mappings. */
export const BUILTIN_MAPPER: ImportMapper = {
  zeek: () => null,
  eve: () => [],
};
