#!/usr/bin/env python3
"""grok_ref.py -- the reference for bench/logs.mjs: mail log lines parsed with Python 3's `re`, the way a
hand-written grok-style parser does it (what Logstash's grok filter does per event, without Logstash).

    python3 bench/ref/grok_ref.py FILE [--sample N]

Not part of Haystack. For each line: the syslog header is split off (RFC 3164 "Nov 22 06:11:26 host
tag[pid]: ", the RFC 3339 stamps rsyslog writes, RFC 5424 frames "<PRI>1 TS HOST APP PROCID MSGID SD"),
the time is turned into microseconds since the epoch (UTC; the year of RFC 3164 lines given by --year,
default the current one), then the message is tried on the patterns of its program (sendmail, postfix,
dovecot, opendkim) in order, the first match wins and gives the line its type and named captures, and the
key=value lists of sendmail and postfix lines are split into fields with sizes and counts as integers. The
patterns are written for the maillog A set of ../shared/corpus (every one of its lines matches a specific
pattern); a line no pattern matches is counted as unparsed. The same kind of work per line as
`haystack logs parse` (and as a grok filter with one pattern list per program), in the interpreter's
regular-expression engine (C).

Prints one JSON object: lines, parsed, seconds (reading and parsing, after start-up and compiling),
lines_per_s, by_type; --sample N prints the first N records before it.
"""
import calendar
import json
import re
import sys
import time

MONTHS = {m: i + 1 for i, m in enumerate(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'])}

BSD = re.compile(r'([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? (\S+) ')
ISO = re.compile(r'(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})? (\S+) ')
RFC5424 = re.compile(r'<(\d{1,3})>\d{1,2} (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]"]|"(?:[^"\\]|\\.)*")*\])+) ?\ufeff? ?')
ISO_TS = re.compile(r'(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})?$')
TAG = re.compile(r'([^\s:\[\]]+)(?:\[(\d+)\])?: ?')

SM_QID = r'(?P<queue_id>[0-9A-Za-z]{12,16}|NOQUEUE)'
SM_RELAY = r'(?:(?P<relay_host>[^\s\[,]+) )?\[(?P<relay_ip>[^\]]+)\](?: \(may be forged\))?'
PF_QID = r'(?P<queue_id>[0-9A-F]{6,15}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10,20}z?[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]*|NOQUEUE)'
PF_CLIENT = r'(?P<client_name>[^\[\s]+)\[(?P<client_ip>[^\]]+)\](?::(?P<client_port>\d+))?'
DK_QID = r'(?P<queue_id>[0-9A-Za-z]{8,20})'

# (type, pattern, key=value field and its separator or None); tried in order, first match wins
RECIPES = {
    'sendmail': [
        ('sendmail_from', SM_QID + r': (?P<kv>from=.*)$', ', '),
        ('sendmail_to', SM_QID + r': (?P<kv>to=.*)$', ', '),
        ('sendmail_reject', SM_QID + r': (?P<kv>ruleset=.*)$', ', '),
        ('sendmail_user_unknown', SM_QID + r': <?(?P<address>[^>\s]*)>?\.\.\. User unknown$', None),
        ('sendmail_dsn', SM_QID + r': (?P<dsn_queue_id>[0-9A-Za-z]{12,16}): (?P<dsn_kind>DSN|return to sender|postmaster notify|sender notify): (?P<dsn_text>.*)$', None),
        ('sendmail_timeout', SM_QID + r': timeout waiting for input from (?:' + SM_RELAY + r'|(?P<relay_host2>\S+)) during (?P<during>.*)$', None),
        ('sendmail_no_transaction', r'(?:' + SM_QID + r': )?(?:' + SM_RELAY + r'|(?P<relay_host2>\S+)) did not issue (?P<commands>\S+) during connection to (?P<daemon>.*)$', None),
        ('sendmail_starttls', r'STARTTLS=(?P<tls_role>\w+), (?P<kv>.*)$', ', '),
        ('sendmail_syserr', r'(?:' + SM_QID + r': )?SYSERR\((?P<user>[^)]*)\): (?P<error>.*)$', None),
        ('sendmail_daemon_start', r'starting daemon \((?P<version>[^)]+)\): (?P<daemon_mode>.*)$', None),
        ('sendmail_aliases_rebuilt', r'alias database (?P<alias_db>\S+) rebuilt by (?P<user>\S+)$', None),
        ('sendmail_aliases_stats', r'(?P<alias_file>\S+): (?P<aliases>\d+) aliases, longest (?P<longest>\d+) bytes, (?P<total_bytes>\d+) bytes total$', None),
    ],
    'postfix': [
        ('postfix_connect', r'connect from ' + PF_CLIENT + r'$', None),
        ('postfix_disconnect', r'disconnect from ' + PF_CLIENT + r'(?: (?P<disconnect_stats>.*))?$', None),
        ('postfix_client', PF_QID + r': client=' + PF_CLIENT + r'(?:, (?P<kv>.*))?$', ', '),
        ('postfix_message_id', PF_QID + r': message-id=<?(?P<message_id>[^>]*)>?$', None),
        ('postfix_qmgr_active', PF_QID + r': (?P<kv>from=.*) \(queue active\)$', ', '),
        ('postfix_qmgr_expired', PF_QID + r': (?P<kv>from=.*), status=expired, (?P<response>.*)$', ', '),
        ('postfix_removed', PF_QID + r': removed$', None),
        ('postfix_delivery', PF_QID + r': (?P<kv>to=.*?), status=(?P<status>\w+)(?: \((?P<response>.*)\))?$', ', '),
        ('postfix_reject', PF_QID + r': (?P<action>reject|defer|discard|hold|redirect|filter|warn): (?P<stage>[A-Z]+(?: [A-Z]+)?) from ' + PF_CLIENT
         + r': (?:(?P<code>\d+) (?P<dsn>\d\.\d{1,3}\.\d{1,3}) )?(?P<text>.*?); (?P<kv>from=.*)$', ' '),
        ('postfix_timeout', r'timeout after (?P<stage>\S+)(?: \((?P<detail>[^)]*)\))? from ' + PF_CLIENT + r'$', None),
        ('postfix_master_start', r'daemon started -- version (?P<version>\S+), configuration (?P<config_dir>.*)$', None),
        ('postfix_master_stop', r'terminating on signal (?P<signal>\d+)$', None),
        ('postfix_script', r'(?P<script_action>starting|stopping|refreshing) the Postfix mail system$', None),
        ('postfix_warning', r'(?:' + PF_QID + r': )?(?P<level>warning|fatal|panic|error): (?P<text>.*)$', None),
    ],
    'dovecot': [
        ('dovecot_login', r'(?P<service>[\w-]+)-login: Login: (?P<kv>.*)$', ', '),
        ('dovecot_logout', r'(?P<service>[\w-]+)\((?P<user>[^)]*)\)(?:<(?P<session_pid>\d+)>)?(?:<(?P<session>[^>]+)>)?: (?P<reason>Disconnected|Connection closed|Logged out)(?:: (?P<detail>.*?))? (?P<kv>in=.*)$', ' '),
        ('dovecot_login_failed', r'(?P<service>[\w-]+)-login: (?P<reason>(?:Disconnected|Aborted login|Login aborted).*?): (?P<kv>user=.*)$', ', '),
        ('dovecot_auth', r'auth(?:-worker)?(?:\(\d+\))?: (?P<auth_db>[\w-]+)\((?P<user>[^,)]*),(?P<rip>[^,)]*)(?:,<(?P<session>[^>]*)>)?\): (?P<auth_result>.*)$', None),
        ('dovecot_start', r'master: Dovecot v(?P<version>\S+)(?: \((?P<build>[^)]+)\))? starting up(?: for (?P<protocols>[^(]+?))?(?: \((?P<detail>[^)]*)\))?$', None),
        ('dovecot_master', r'master: (?P<text>.*)$', None),
    ],
    'opendkim': [
        ('opendkim_signed', DK_QID + r': DKIM-Signature field added \(s=(?P<selector>[^,]+), d=(?P<domain>[^)]+)\)$', None),
        ('opendkim_verified', DK_QID + r': DKIM verification successful$', None),
        ('opendkim_signature', DK_QID + r': (?P<kv>signature=.*)$', ' '),
        ('opendkim_sig_summary', DK_QID + r': s=(?P<selector>\S+) d=(?P<domain>\S+) (?P<algorithm>[\w-]+)? ?(?P<result>SSL.*|.*)$', None),
        ('opendkim_not_internal', DK_QID + r': (?:(?P<client_host>\S+) )?\[(?P<client_ip>[^\]]+)\] not internal$', None),
        ('opendkim_not_authenticated', DK_QID + r': not authenticated$', None),
        ('opendkim_key_failure', DK_QID + r': key retrieval failed \(s=(?P<selector>[^,]+), d=(?P<domain>[^)]+)\): (?P<error>.*)$', None),
        ('opendkim_bad_signature', DK_QID + r': bad signature data$', None),
        ('opendkim_no_signature', DK_QID + r': no signature data$', None),
        ('opendkim_start', r'OpenDKIM Filter v(?P<version>\S+) starting(?: \(args: (?P<args>.*)\))?$', None),
        ('opendkim_stop', r'OpenDKIM Filter v(?P<version>\S+) terminating with status (?P<status>\d+), errno = (?P<errno>\d+)$', None),
    ],
}
PROGRAMS = [
    (re.compile(r'(?:sendmail|sm-mta|sm-msp-queue|sm-[\w-]+)$'), 'sendmail'),
    (re.compile(r'postfix(?:-[\w-]+)?(?:/[\w/-]+)?$'), 'postfix'),
    (re.compile(r'dovecot$'), 'dovecot'),
    (re.compile(r'opendkim$'), 'opendkim'),
]
INTS = {'size', 'nrcpts', 'nrcpt', 'class', 'pri', 'ntries', 'code', 'mpid', 'in', 'out', 'deleted', 'expunged', 'trashed',
        'hdr_count', 'hdr_bytes', 'body_count', 'body_bytes', 'client_port', 'aliases', 'longest', 'total_bytes', 'signal',
        'status_code', 'session_pid', 'errno'}
KV_SPLIT = {', ': re.compile(r', (?=[\w-]+=)'), ' ': re.compile(r' (?=[\w-]+=)')}
COMPILED = {name: [(t, re.compile(p), kv) for t, p, kv in pats] for name, pats in RECIPES.items()}
by_program = {}


def patterns_of(program):
    if program not in by_program:
        by_program[program] = next((COMPILED[name] for r, name in PROGRAMS if program is not None and r.match(program)), [])
    return by_program[program]


def epoch_us(y, mo, d, h, mi, s, frac, zone):
    us = int(frac[:6].ljust(6, '0')) if frac else 0
    t = calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0))
    if zone and zone != 'Z':
        off = (int(zone[1:3]) * 60 + int(zone[-2:])) * (-1 if zone[0] == '-' else 1)
        t -= off * 60
    return t * 1_000_000 + us


def parse(line, year):
    ts = host = program = pid = None
    msg = line
    m = BSD.match(line)
    if m and m.group(1) in MONTHS:
        ts = epoch_us(year, MONTHS[m.group(1)], int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5)), m.group(6), None)
        host, rest = m.group(7), line[m.end():]
    else:
        m = ISO.match(line)
        if m:
            ts = epoch_us(int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5)), int(m.group(6)), m.group(7), m.group(8))
            host, rest = m.group(9), line[m.end():]
        else:
            m = RFC5424.match(line)
            if m:
                t = ISO_TS.match(m.group(2))
                ts = epoch_us(*(int(t.group(k)) for k in range(1, 7)), t.group(7), t.group(8)) if t else None
                nil = lambda v: None if v == '-' else v  # noqa: E731
                host, program, proc = nil(m.group(3)), nil(m.group(4)), nil(m.group(5))
                pid = int(proc) if proc and proc.isdigit() else None
                msg = line[m.end():]
            rest = None
    if rest is not None:
        t = TAG.match(rest)
        if t:
            program, pid, msg = t.group(1), int(t.group(2)) if t.group(2) else None, rest[t.end():]
        else:
            msg = rest
    for typ, rx, kv in patterns_of(program):
        g = rx.match(msg)
        if g is None:
            continue
        fields = {k: v for k, v in g.groupdict().items() if v}
        if 'relay_host2' in fields:
            fields.setdefault('relay_host', fields.pop('relay_host2'))
        if kv is not None and 'kv' in fields:
            for item in KV_SPLIT[kv].split(fields.pop('kv')):
                k, eq, v = item.partition('=')
                if eq and k and k not in fields:
                    fields[k] = v
        for k in INTS.intersection(fields):
            if fields[k].isdigit():
                fields[k] = int(fields[k])
        return {'ts': ts, 'host': host, 'program': program, 'pid': pid, 'type': typ, 'message': msg, 'fields': fields, 'parse_ok': True}
    return {'ts': ts, 'host': host, 'program': program, 'pid': pid, 'type': None, 'message': msg, 'fields': None, 'parse_ok': False}


def main():
    args = sys.argv[1:]
    sample = 0
    year = time.gmtime().tm_year
    if '--sample' in args:
        i = args.index('--sample')
        sample = int(args[i + 1])
        del args[i:i + 2]
    if '--year' in args:
        i = args.index('--year')
        year = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 1:
        sys.exit('usage: grok_ref.py FILE [--sample N] [--year Y]')
    t0 = time.perf_counter()
    lines = parsed = 0
    by_type = {}
    with open(args[0], encoding='utf-8', errors='replace', newline=None) as f:
        for line in f:
            line = line.rstrip('\n')
            lines += 1
            r = parse(line, year)
            if r['parse_ok']:
                parsed += 1
                by_type[r['type']] = by_type.get(r['type'], 0) + 1
            if lines <= sample:
                print(json.dumps(r))
    s = time.perf_counter() - t0
    print(json.dumps({'lines': lines, 'parsed': parsed, 'seconds': s, 'lines_per_s': lines / s, 'by_type': by_type}))


if __name__ == '__main__':
    main()
