// The field mappings `haystack import` uses: Zeek logs through zeekToRecord (formats/zeek), Suricata EVE events
// through eveToRecords (formats/eve), the inverses of the writers `export --format zeek|zeek-json|eve` use.
import { eveToRecords } from '../eve/eve-inverse.js';
import { zeekToRecord } from '../zeek/zeek-to-record.js';
import type { ImportMapper } from './mapper.js';

/** The built-in mappings. */
export const BUILTIN_MAPPER: ImportMapper = { zeek: zeekToRecord, eve: eveToRecords };
