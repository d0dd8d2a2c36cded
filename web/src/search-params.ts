// The Search screen's state as the URL holds it: query, range, columns, sort, histogram split and group-by.
import { location, navigate, withParams } from './route.js';

export interface SearchState {
  table: string;
  q: string;
  from: string;
  to: string;
  /** the columns shown, in order */
  fields: string[];
  sort: string;
  order: 'asc' | 'desc';
  split: string;
  group: string;
  /** rows per page (1-1000, default 100) */
  limit: number;
}

/** The columns a table shows until the user picks others. */
export const DEFAULT_FIELDS: Record<string, string> = {
  sessions: 'start_time,proto,src_ip,src_port,dst_ip,dst_port,app_proto,direction,src_bytes,dst_bytes,state,uid',
  tls: 'ts,src_ip,dst_ip,dst_port,sni,version,ja4,ja3,uid',
  http: 'ts,src_ip,dst_ip,method,host,uri,status_code,user_agent,uid',
  smtp: 'ts,src_ip,dst_ip,mail_from,rcpt_to,subject,message_id,uid',
  files: 'ts,source,filename,declared_type,mime_type,size,sha256,uid',
  alerts: 'ts,sid,msg,priority,src_ip,src_port,dst_ip,dst_port,uid',
  logs: 'ts,host,program,type,message',
  anomalies: 'ts,name,detail,uid',
  captures: 'ingested_at,format,packets,size,first_ts,last_ts,sha256',
};

export function searchState(table: string): SearchState {
  const p = location.value.params;
  return {
    table,
    q: p.get('q') ?? '',
    from: p.get('from') ?? '',
    to: p.get('to') ?? '',
    fields: (p.get('fields') ?? DEFAULT_FIELDS[table] ?? '').split(',').filter((f) => f !== ''),
    sort: p.get('sort') ?? '',
    order: p.get('order') === 'asc' ? 'asc' : 'desc',
    split: p.get('split') ?? '',
    group: p.get('group') ?? '',
    limit: Math.min(1000, Math.max(1, Number(p.get('limit') ?? 100) || 100)),
  };
}

/** Changes some of the search's URL parameters (a new history entry: Back undoes it). */
export function setSearch(table: string, change: Record<string, string | null>): void {
  navigate(`/search/${table}`, withParams(change));
}

/** The parameters every query of the screen sends: filter and range. */
export function scopeParams(s: SearchState): { q: string; from: string; to: string } {
  return { q: s.q, from: s.from, to: s.to };
}
