// Built-in recipes: for each mail daemon (and sshd), the programs whose lines it reads and its patterns,
// tried in order on the message after the syslog header. A pattern may name a field that holds a key=value
// list (sendmail's "k=v, k=v", postfix's "k=v k=v"): it is split into fields of their own. Fields are typed
// where the recipe says so (sizes, counts, ports, codes as integers). Our own patterns, from the daemons'
// documented and observed log formats.

export interface RecipePattern {
  /** the record's `type` (e.g. sendmail_from) */
  type: string;
  /** grok over the message */
  grok: string;
  /** a field holding a key=value list, and what separates its items */
  kv?: { field: string; sep: 'comma' | 'space' };
  /** a generic catch-all of the recipe: the line is the daemon's but no specific pattern knew it */
  other?: boolean;
}

export interface Recipe {
  name: string;
  doc: string;
  /** syslog program names the recipe reads */
  programs: RegExp;
  patterns: RecipePattern[];
  /** key=value fields typed as numbers */
  ints?: readonly string[];
  /** recipe-local pattern definitions */
  defs?: readonly [string, string][];
}

const SENDMAIL: Recipe = {
  name: 'sendmail',
  doc: 'sendmail / sm-mta: from and to lines with all their key=value fields, rejects, User unknown, DSNs, timeouts, STARTTLS, milter actions, daemon start, aliases',
  programs: /^(?:sendmail|sm-mta|sm-msp-queue|sm-[\w-]+)$/,
  defs: [
    ['SM_QID', '(?:[0-9A-Za-z]{12,16}|NOQUEUE)'],
    ['SM_RELAY', '(?:(?<relay_host>[^\\s\\[,]+) )?\\[(?<relay_ip>[^\\]]+)\\](?: \\(may be forged\\))?'],
  ],
  ints: ['size', 'nrcpts', 'class', 'pri', 'ntries'],
  patterns: [
    { type: 'sendmail_from', grok: '^%{SM_QID:queue_id}: (?<kv>from=.*)$', kv: { field: 'kv', sep: 'comma' } },
    { type: 'sendmail_to', grok: '^%{SM_QID:queue_id}: (?<kv>to=.*)$', kv: { field: 'kv', sep: 'comma' } },
    { type: 'sendmail_reject', grok: '^%{SM_QID:queue_id}: (?<kv>ruleset=.*)$', kv: { field: 'kv', sep: 'comma' } },
    { type: 'sendmail_user_unknown', grok: '^%{SM_QID:queue_id}: <?(?<address>[^>\\s]*)>?\\.\\.\\. User unknown$' },
    { type: 'sendmail_dsn', grok: '^%{SM_QID:queue_id}: %{SM_QID:dsn_queue_id}: (?<dsn_kind>DSN|return to sender|postmaster notify|sender notify): %{GREEDYDATA:dsn_text}$' },
    { type: 'sendmail_timeout', grok: '^%{SM_QID:queue_id}: timeout waiting for input from (?:%{SM_RELAY}|(?<relay_host>\\S+)) during %{GREEDYDATA:during}$' },
    { type: 'sendmail_no_transaction', grok: '^(?:%{SM_QID:queue_id}: )?(?:%{SM_RELAY}|(?<relay_host>\\S+)) did not issue %{NOTSPACE:commands} during connection to %{GREEDYDATA:daemon}$' },
    { type: 'sendmail_lost_input', grok: '^%{SM_QID:queue_id}: lost input channel from %{SM_RELAY} to %{NOTSPACE:daemon} after %{GREEDYDATA:stage}$' },
    { type: 'sendmail_starttls', grok: '^STARTTLS=%{WORD:tls_role}, (?<kv>.*)$', kv: { field: 'kv', sep: 'comma' } },
    { type: 'sendmail_milter', grok: '^(?:%{SM_QID:queue_id}: )?Milter(?: \\((?<milter>[^)]+)\\))?(?: (?<milter_action>add|change|insert|delete|reject|tempfail|discard|accept))?: %{GREEDYDATA:milter_msg}$' },
    { type: 'sendmail_syserr', grok: '^(?:%{SM_QID:queue_id}: )?SYSERR\\((?<user>[^)]*)\\): %{GREEDYDATA:error}$' },
    { type: 'sendmail_daemon_start', grok: '^starting daemon \\((?<version>[^)]+)\\): %{GREEDYDATA:daemon_mode}$' },
    { type: 'sendmail_aliases_rebuilt', grok: '^alias database %{NOTSPACE:alias_db} rebuilt by %{NOTSPACE:user}$' },
    { type: 'sendmail_aliases_stats', grok: '^%{NOTSPACE:alias_file}: %{INT:aliases:int} aliases, longest %{INT:longest:int} bytes, %{INT:total_bytes:int} bytes total$' },
    { type: 'sendmail_other', grok: '^%{SM_QID:queue_id}: %{GREEDYDATA:text}$', other: true },
  ],
};

const POSTFIX: Recipe = {
  name: 'postfix',
  doc: 'postfix: smtpd (connect, client, NOQUEUE rejects, timeouts, disconnect statistics), cleanup (message-id), qmgr (from/size/nrcpt, removed, expired), smtp/lmtp/local/virtual/pipe deliveries, bounce notifications, anvil statistics, postscreen, master',
  // "postfix/smtpd"; RFC 5424 frames from rsyslog carry only "postfix" as the APP-NAME
  programs: /^postfix(?:-[\w-]+)?(?:\/[\w/-]+)?$/,
  defs: [
    ['PF_QID', '(?:[0-9A-F]{6,15}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10,20}z?[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]*|NOQUEUE)'],
    ['PF_CLIENT', '(?<client_name>[^\\[\\s]+)\\[(?<client_ip>[^\\]]+)\\](?::%{INT:client_port:int})?'],
  ],
  ints: ['size', 'nrcpt', 'code', 'conn_use'],
  patterns: [
    { type: 'postfix_connect', grok: '^connect from %{PF_CLIENT}$' },
    { type: 'postfix_disconnect', grok: '^disconnect from %{PF_CLIENT}(?: (?<disconnect_stats>.*))?$' },
    { type: 'postfix_client', grok: '^%{PF_QID:queue_id}: client=%{PF_CLIENT}(?:, (?<kv>.*))?$', kv: { field: 'kv', sep: 'comma' } },
    { type: 'postfix_message_id', grok: '^%{PF_QID:queue_id}: message-id=<?(?<message_id>[^>]*)>?$' },
    { type: 'postfix_qmgr_active', grok: '^%{PF_QID:queue_id}: (?<kv>from=.*) \\(queue active\\)$', kv: { field: 'kv', sep: 'comma' } },
    { type: 'postfix_qmgr_expired', grok: '^%{PF_QID:queue_id}: (?<kv>from=.*), status=expired, %{GREEDYDATA:response}$', kv: { field: 'kv', sep: 'comma' } },
    { type: 'postfix_removed', grok: '^%{PF_QID:queue_id}: removed$' },
    { type: 'postfix_delivery', grok: '^%{PF_QID:queue_id}: (?<kv>to=.*?), status=%{WORD:status}(?: \\((?<response>.*)\\))?$', kv: { field: 'kv', sep: 'comma' } },
    {
      type: 'postfix_reject',
      grok: '^%{PF_QID:queue_id}: (?<action>reject|defer|discard|hold|redirect|filter|warn): (?<stage>[A-Z]+(?: [A-Z]+)?) from %{PF_CLIENT}: (?:%{INT:code:int} (?<dsn>\\d\\.\\d{1,3}\\.\\d{1,3}) )?(?<text>.*?); (?<kv>from=.*)$',
      kv: { field: 'kv', sep: 'space' },
    },
    { type: 'postfix_bounce', grok: '^%{PF_QID:queue_id}: sender (?<bounce_reason>non-delivery|delivery status|delay) notification: %{PF_QID:bounce_queue_id}$' },
    { type: 'postfix_timeout', grok: '^timeout after %{NOTSPACE:stage}(?: \\((?<detail>[^)]*)\\))? from %{PF_CLIENT}$' },
    { type: 'postfix_lost_connection', grok: '^lost connection after %{NOTSPACE:stage}(?: \\((?<detail>[^)]*)\\))? from %{PF_CLIENT}$' },
    { type: 'postfix_too_many_errors', grok: '^too many errors after %{NOTSPACE:stage} from %{PF_CLIENT}$' },
    { type: 'postfix_tls', grok: '^(?<tls_trust>\\w+) TLS connection established (?:to|from) (?:%{PF_CLIENT}|(?<relay>\\S+)): (?<tls_version>\\S+) with cipher (?<tls_cipher>\\S+) \\((?<tls_bits>[^)]*)\\)' },
    { type: 'postfix_anvil', grok: '^statistics: max (?<anvil_stat>[a-z ]+?) (?<anvil_value>\\S+)(?: for \\((?<anvil_client>[^)]*)\\))? at %{SYSLOGTIMESTAMP:anvil_at}$' },
    { type: 'postfix_postscreen_connect', grok: '^CONNECT from \\[%{IP:client_ip}\\]:%{INT:client_port:int} to \\[%{IP:server_ip}\\]:%{INT:server_port:int}$' },
    { type: 'postfix_postscreen_verdict', grok: '^(?<verdict>PASS NEW|PASS OLD|DNSBL|PREGREET|HANGUP|DISCONNECT|WHITELISTED|BLACKLISTED|COMMAND PIPELINING|NON-SMTP COMMAND|BARE NEWLINE)(?: rank \\d+)? \\[%{IP:client_ip}\\]:%{INT:client_port:int}(?: %{GREEDYDATA:detail})?$' },
    { type: 'postfix_master_start', grok: '^daemon started -- version %{NOTSPACE:version}, configuration %{GREEDYDATA:config_dir}$' },
    { type: 'postfix_master_stop', grok: '^terminating on signal %{INT:signal:int}$' },
    { type: 'postfix_script', grok: '^(?<script_action>starting|stopping|refreshing) the Postfix mail system$' },
    { type: 'postfix_warning', grok: '^(?:%{PF_QID:queue_id}: )?(?<level>warning|fatal|panic|error): %{GREEDYDATA:text}$' },
    { type: 'postfix_other', grok: '^%{PF_QID:queue_id}: %{GREEDYDATA:text}$', other: true },
  ],
};

const DOVECOT: Recipe = {
  name: 'dovecot',
  doc: 'dovecot: imap/pop3 logins (user, method, rip, lip, session), login failures and aborted logins, disconnects with in/out byte counts, auth failures, master',
  programs: /^dovecot$/,
  ints: ['mpid', 'in', 'out', 'deleted', 'expunged', 'trashed', 'hdr_count', 'hdr_bytes', 'body_count', 'body_bytes', 'top', 'retr', 'del', 'size'],
  patterns: [
    { type: 'dovecot_login', grok: '^(?<service>[\\w-]+)-login: Login: (?<kv>.*)$', kv: { field: 'kv', sep: 'comma' } },
    { type: 'dovecot_login_failed', grok: '^(?<service>[\\w-]+)-login: (?<reason>(?:Disconnected|Aborted login|Login aborted).*?): (?<kv>user=.*)$', kv: { field: 'kv', sep: 'comma' } },
    {
      type: 'dovecot_logout',
      grok: '^(?<service>[\\w-]+)\\((?<user>[^)]*)\\)(?:<%{INT:session_pid:int}>)?(?:<(?<session>[^>]+)>)?: (?<reason>Disconnected|Connection closed|Logged out)(?:: (?<detail>.*?))? (?<kv>in=.*)$',
      kv: { field: 'kv', sep: 'space' },
    },
    { type: 'dovecot_auth', grok: '^auth(?:-worker)?(?:\\(\\d+\\))?: (?<auth_db>[\\w-]+)\\((?<user>[^,)]*),(?<rip>[^,)]*)(?:,<(?<session>[^>]*)>)?\\): %{GREEDYDATA:auth_result}$' },
    { type: 'dovecot_auth_other', grok: '^auth(?:-worker)?(?:\\(\\d+\\))?: %{GREEDYDATA:text}$' },
    { type: 'dovecot_start', grok: '^master: Dovecot v%{NOTSPACE:version}(?: \\((?<build>[^)]+)\\))? starting up(?: for (?<protocols>[^(]+?))?(?: \\((?<detail>[^)]*)\\))?$' },
    { type: 'dovecot_master', grok: '^master: %{GREEDYDATA:text}$' },
    { type: 'dovecot_other', grok: '^(?<service>[\\w-]+)(?:\\([^)]*\\))?(?:<[^>]*>)*: %{GREEDYDATA:text}$', other: true },
  ],
};

const OPENDKIM: Recipe = {
  name: 'opendkim',
  doc: 'opendkim: signatures added, verifications (result per signature), clients not internal, not authenticated, key retrieval failures, start and stop',
  programs: /^opendkim$/,
  defs: [['DKIM_QID', '(?:[0-9A-Za-z]{8,20})']],
  patterns: [
    { type: 'opendkim_signed', grok: '^%{DKIM_QID:queue_id}: DKIM-Signature field added \\(s=(?<selector>[^,]+), d=(?<domain>[^)]+)\\)$' },
    { type: 'opendkim_verified', grok: '^%{DKIM_QID:queue_id}: DKIM verification successful$' },
    { type: 'opendkim_signature', grok: '^%{DKIM_QID:queue_id}: (?<kv>signature=.*)$', kv: { field: 'kv', sep: 'space' } },
    { type: 'opendkim_sig_summary', grok: '^%{DKIM_QID:queue_id}: s=(?<selector>\\S+) d=(?<domain>\\S+) (?<algorithm>[\\w-]+)? ?(?<result>SSL.*|.*)$' },
    { type: 'opendkim_not_internal', grok: '^%{DKIM_QID:queue_id}: (?:(?<client_host>\\S+) )?\\[(?<client_ip>[^\\]]+)\\] not internal$' },
    { type: 'opendkim_not_authenticated', grok: '^%{DKIM_QID:queue_id}: not authenticated$' },
    { type: 'opendkim_key_failure', grok: '^%{DKIM_QID:queue_id}: key retrieval failed \\(s=(?<selector>[^,]+), d=(?<domain>[^)]+)\\): %{GREEDYDATA:error}$' },
    { type: 'opendkim_bad_signature', grok: '^%{DKIM_QID:queue_id}: bad signature data$' },
    { type: 'opendkim_no_signature', grok: '^%{DKIM_QID:queue_id}: no signature data$' },
    { type: 'opendkim_start', grok: '^OpenDKIM Filter v%{NOTSPACE:version} starting(?: \\(args: (?<args>.*)\\))?$' },
    { type: 'opendkim_stop', grok: '^OpenDKIM Filter v%{NOTSPACE:version} terminating with status %{INT:status:int}, errno = %{INT:errno:int}$' },
    { type: 'opendkim_other', grok: '^%{DKIM_QID:queue_id}: %{GREEDYDATA:text}$', other: true },
  ],
};

const MILTER_GREYLIST: Recipe = {
  name: 'milter-greylist',
  doc: 'milter-greylist: greylisted, delayed, autowhitelisted and skipped messages (queue id, sender address, from, to, delay)',
  programs: /^milter-greylist$/,
  patterns: [
    { type: 'greylist_delayed', grok: '^(?<queue_id>\\S+): addr (?<client>\\S+)(?:\\[%{IP:client_ip}\\])? from <(?<from>[^>]*)> to <(?<to>[^>]*)> delayed for %{NOTSPACE:delay}(?: \\((?<acl>[^)]*)\\))?$' },
    { type: 'greylist_autowhitelisted', grok: '^(?<queue_id>\\S+): addr (?<client>\\S+)(?:\\[%{IP:client_ip}\\])? from <(?<from>[^>]*)> to <(?<to>[^>]*)> delayed for %{NOTSPACE:delay}, autowhitelisted for %{NOTSPACE:autowhite}(?: \\((?<acl>[^)]*)\\))?$' },
    { type: 'greylist_skipped', grok: '^(?<queue_id>\\S+): skipping greylist because (?<reason>.*?)(?:, \\(from=<(?<from>[^>]*)>, rcpt=<(?<to>[^>]*)>, addr=(?<client>[^)]*)\\))?(?: (?<acl>ACL \\d+))?$' },
    { type: 'greylist_other', grok: '^(?<queue_id>[0-9A-Za-z]{8,20}): %{GREEDYDATA:text}$', other: true },
  ],
};

const MAILSCANNER: Recipe = {
  name: 'mailscanner',
  doc: 'MailScanner: spam scores and actions, virus and content reports, batch and delivery messages',
  programs: /^MailScanner$/,
  patterns: [
    { type: 'mailscanner_spam', grok: '^Message (?<queue_id>\\S+) from %{IP:client_ip} \\((?<from>[^)]*)\\) to (?<to>\\S+) is (?<verdict>spam|not spam)(?:, (?<spam_detail>.*))?$' },
    { type: 'mailscanner_spam_actions', grok: '^Spam Actions: message (?<queue_id>\\S+) actions are (?<actions>.*)$' },
    { type: 'mailscanner_virus', grok: '^(?:Virus Scanning|ClamAV): (?<report>Found .*)$' },
    { type: 'mailscanner_infected', grok: '^Saved infected "(?<filename>[^"]*)" to (?<quarantine>\\S+)$' },
    { type: 'mailscanner_content', grok: '^Content Checks: Detected and have disarmed (?<content>.*?) in (?<where>.*?) in message (?<queue_id>\\S+) from (?<from>\\S+)$' },
    { type: 'mailscanner_blacklisted', grok: '^Message (?<queue_id>\\S+) from %{IP:client_ip} \\((?<from>[^)]*)\\) is (?<verdict>blacklisted|whitelisted)$' },
    { type: 'mailscanner_batch', grok: '^(?<batch>New Batch|Batch \\(\\d+ messages?\\) processed in .*|Batch completed at .*|Scanning \\d+ messages?, .*)$' },
    { type: 'mailscanner_delivered', grok: '^Requeue: (?<queue_id>\\S+) to (?<new_queue_id>\\S+)$' },
    { type: 'mailscanner_other', grok: '^%{GREEDYDATA:text}$', other: true },
  ],
};

const SSHD: Recipe = {
  name: 'sshd',
  doc: 'sshd: accepted and failed logins (method, user, address, port), invalid users, disconnects and closes',
  programs: /^sshd(?:-session)?$/,
  ints: [],
  patterns: [
    { type: 'sshd_accepted', grok: '^Accepted (?<method>\\S+) for (?<user>\\S+) from %{IP:client_ip} port %{INT:client_port:int}(?: (?<protocol>ssh2))?(?:: (?<key_type>\\S+) (?<key>\\S+))?$' },
    { type: 'sshd_failed', grok: '^Failed (?<method>\\S+) for (?:(?<invalid>invalid user) )?(?<user>\\S*) from %{IP:client_ip} port %{INT:client_port:int}(?: (?<protocol>ssh2))?$' },
    { type: 'sshd_invalid_user', grok: '^[Ii]nvalid user (?<user>\\S*) from %{IP:client_ip}(?: port %{INT:client_port:int})?$' },
    { type: 'sshd_disconnected', grok: '^(?:Disconnected from|Connection closed by|Received disconnect from|Connection reset by) (?:(?:invalid |authenticating )?user (?<user>\\S+) )?%{IP:client_ip} port %{INT:client_port:int}(?:: ?(?<detail>.*))?$' },
    { type: 'sshd_max_auth', grok: '^(?:error: )?maximum authentication attempts exceeded for (?:invalid user )?(?<user>\\S+) from %{IP:client_ip} port %{INT:client_port:int}(?: (?<protocol>ssh2))?(?: \\[preauth\\])?$' },
    { type: 'sshd_other', grok: '^%{GREEDYDATA:text}$', other: true },
  ],
};

export const RECIPES: readonly Recipe[] = [SENDMAIL, POSTFIX, DOVECOT, OPENDKIM, MILTER_GREYLIST, MAILSCANNER, SSHD];

/** Splits a key=value list ("k=v, k=v" or "k=v k=v"): an item ends where the next "key=" begins. */
export function splitKv(s: string, sep: 'comma' | 'space'): [string, string][] {
  const boundary = sep === 'comma' ? /, (?=[\w-]+=)/ : / (?=[\w-]+=)/;
  const out: [string, string][] = [];
  for (const item of s.split(boundary)) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    out.push([item.slice(0, eq), item.slice(eq + 1)]);
  }
  return out;
}
