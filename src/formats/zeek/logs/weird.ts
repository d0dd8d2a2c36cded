// weird.log from `anomalies`: Zeek's weird columns (base/frameworks/notice/weird); our anomaly names are
// layer-prefixed snake_case, not Zeek's weird names.
import { ANOMALIES } from '../../../schema/anomalies.js';
import { fixed, same, unfilled } from '../columns.js';
import type { ZeekLog } from '../zeek-types.js';

export const WEIRD_LOG: ZeekLog = {
  path: 'weird',
  schema: ANOMALIES,
  columns: [
    same('ts', 'time', 'ts'),
    same('uid', 'string', 'uid'),
    // an anomaly names its session by uid only (join sessions for the endpoints)
    unfilled('id.orig_h', 'addr'),
    unfilled('id.orig_p', 'port'),
    unfilled('id.resp_h', 'addr'),
    unfilled('id.resp_p', 'port'),
    same('name', 'string', 'name'),
    same('addl', 'string', 'detail'),
    fixed('notice', 'bool', false),
    unfilled('peer', 'string'),
    unfilled('source', 'string'),
  ],
};
