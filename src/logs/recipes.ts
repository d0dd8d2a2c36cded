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
  /** key=value fields whose value the daemon writes in angle brackets as quoting (dovecot's user=<alice>): kept without them */
  unbracket?: readonly string[];
  /** recipe-local pattern definitions */
  defs?: readonly [string, string][];
}

const SENDMAIL: Recipe = {
  name: 'sendmail',
  doc: 'sendmail / sm-mta: from and to lines with all their key=value fields, rejects, User unknown, DSNs, timeouts, STARTTLS, milter actions, daemon start, aliases',
  programs: /^(?:sendmail|sm-mta|sm-msp-queue|sm-[\w-]+)$/,
  defs: [
    ['SM_QID', '(?:[0-9A-Za-z]{12,16}|NOQUEUE)'],
    ['SM_RELAY', '(?:(?<relay_host>[^\\s\\[,]+) )?\\[(?:IPv6:)?(?<relay_ip>[^\\]]+)\\](?: \\(may be forged\\))?'],
  ],
  ints: ['size', 'nrcpts', 'class', 'pri', 'ntries'],
  patterns: [
    { type: 'sendmail_from', grok: '^%{SM_QID:queue_id}: (?<kv>from=.*)$', kv: { field: 'kv', sep: 'comma' } },
    { type: 'sendmail_to', grok: '^%{SM_QID:queue_id}: (?<kv>to=.*)$', kv: { field: 'kv', sep: 'comma' } },
    // check_relay rejects come before a queue id exists
    { type: 'sendmail_reject', grok: '^(?:%{SM_QID:queue_id}: )?(?<kv>ruleset=.*)$', kv: { field: 'kv', sep: 'comma' } },
    { type: 'sendmail_user_unknown', grok: '^%{SM_QID:queue_id}: <?(?<address>[^>\\s]*)>?\\.\\.\\. (?<reason>User unknown|No such user(?: here)?)$' },
    // the relay is always last; the user name is the client's, so it may hold ", relay=..." itself
    {
      type: 'sendmail_auth_failure',
      grok: '^%{SM_QID:queue_id}: AUTH failure \\((?<mech>[^)]+)\\): (?<reason>.*?)(?: \\(%{INT:sasl_code:int}\\))?(?: (?<sasl_detail>SASL\\(-?\\d+\\): .*?))?(?:, user=(?<user>.*?))?, relay=%{SM_RELAY}$',
    },
    { type: 'sendmail_smtp_attack', grok: '^%{SM_QID:queue_id}: %{SM_RELAY}: possible SMTP attack: command=(?<command>[^,]+), count=%{INT:count:int}$' },
    { type: 'sendmail_pregreet', grok: '^%{SM_QID:queue_id}: rejecting commands from +%{SM_RELAY} due to pre-greeting traffic after %{INT:seconds:int} seconds$' },
    { type: 'sendmail_expn_vrfy', grok: '^%{SM_QID:queue_id}: %{SM_RELAY}: (?<command>(?i:expn|vrfy)) (?<address>.*?)(?: \\[(?<result>rejected)\\])?$' },
    // LogLevel 10 and up: every connection; a client that only connects and leaves
    { type: 'sendmail_connect', grok: '^%{SM_QID:queue_id}: connect from %{SM_RELAY}$' },
    { type: 'sendmail_null_connection', grok: '^%{SM_QID:queue_id}: Null connection from %{SM_RELAY}$' },
    { type: 'sendmail_collect', grok: '^%{SM_QID:queue_id}: collect: (?<collect_error>premature EOM|I/O error|read timeout|unexpected close)(?:[^:]*): %{GREEDYDATA:detail}$' },
    { type: 'sendmail_rejecting_connections', grok: '^rejecting connections on daemon %{NOTSPACE:daemon}: %{GREEDYDATA:reason}$' },
    { type: 'sendmail_dsn', grok: '^%{SM_QID:queue_id}: %{SM_QID:dsn_queue_id}: (?<dsn_kind>DSN|return to sender|postmaster notify|sender notify): %{GREEDYDATA:dsn_text}$' },
    { type: 'sendmail_timeout', grok: '^%{SM_QID:queue_id}: timeout waiting for input from (?:%{SM_RELAY}|(?<relay_host>\\S+)) during %{GREEDYDATA:during}$' },
    { type: 'sendmail_no_transaction', grok: '^(?:%{SM_QID:queue_id}: )?(?:%{SM_RELAY}|(?<relay_host>\\S+)) did not issue %{NOTSPACE:commands} during connection to %{GREEDYDATA:daemon}$' },
    { type: 'sendmail_lost_input', grok: '^%{SM_QID:queue_id}: lost input channel from %{SM_RELAY} to %{NOTSPACE:daemon} after %{GREEDYDATA:stage}$' },
    { type: 'sendmail_starttls', grok: '^STARTTLS=%{WORD:tls_role}, (?<kv>.*)$', kv: { field: 'kv', sep: 'comma' } },
    { type: 'sendmail_milter', grok: '^(?:%{SM_QID:queue_id}: )?Milter(?: \\((?<milter>[^)]+)\\))?(?: (?<milter_action>add|change|insert|delete|reject|tempfail|discard|accept))?: %{GREEDYDATA:milter_msg}$' },
    { type: 'sendmail_syserr', grok: '^(?:%{SM_QID:queue_id}: )?SYSERR\\((?<user>[^)]*)\\): %{GREEDYDATA:error}$' },
    { type: 'sendmail_daemon_start', grok: '^starting daemon \\((?<version>[^)]+)\\): %{GREEDYDATA:daemon_mode}$' },
    { type: 'sendmail_aliases_rebuilt', grok: '^alias database %{NOTSPACE:alias_db} rebuilt by %{NOTSPACE:user}$' },
    {
      type: 'sendmail_unqualified_hostname',
      grok: '^(?:unable to qualify my own domain name \\((?<hostname>[^)]+)\\) -- (?<action>using short name)|My unqualified host name \\((?<hostname>[^)]+)\\) unknown; (?<action>sleeping for retry))$',
    },
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
      // the key=value part starts at from=, to= or proto= (what smtpd knew then); a reject before HELO has none
      grok: '^%{PF_QID:queue_id}: (?<action>reject|defer|discard|hold|redirect|filter|warn|reject_warning|milter-reject|milter-discard|milter-hold): (?<stage>[A-Z-]+(?: [A-Z]+)?) from %{PF_CLIENT}: (?:%{INT:code:int} (?<dsn>\\d\\.\\d{1,3}\\.\\d{1,3}) )?(?<text>.*?)(?:; (?<kv>(?:from|to|proto|helo)=.*))?$',
      kv: { field: 'kv', sep: 'space' },
    },
    // postscreen's own rejects: no client name, and the key=value list is comma-separated
    {
      type: 'postfix_postscreen_reject',
      grok: '^%{PF_QID:queue_id}: (?<action>reject): (?<stage>[A-Z-]+) from \\[%{IP:client_ip}\\]:%{INT:client_port:int}: (?:%{INT:code:int} (?<dsn>\\d\\.\\d{1,3}\\.\\d{1,3}) )?(?<text>.*?)(?:; (?<kv>(?:from|to|proto|helo)=.*))?$',
      kv: { field: 'kv', sep: 'comma' },
    },
    { type: 'postfix_bounce', grok: '^%{PF_QID:queue_id}: sender (?<bounce_reason>non-delivery|delivery status|delay) notification: %{PF_QID:bounce_queue_id}$' },
    { type: 'postfix_timeout', grok: '^timeout after %{NOTSPACE:stage}(?: \\((?<detail>[^)]*)\\))? from %{PF_CLIENT}$' },
    { type: 'postfix_lost_connection', grok: '^(?:%{PF_QID:queue_id}: )?lost connection after %{NOTSPACE:stage}(?: \\((?<detail>[^)]*)\\))? from %{PF_CLIENT}$' },
    { type: 'postfix_too_many_errors', grok: '^too many errors after %{NOTSPACE:stage} from %{PF_CLIENT}$' },
    { type: 'postfix_pipelining', grok: '^improper command pipelining after %{NOTSPACE:stage} from %{PF_CLIENT}(?::(?: (?<command>.*))?)?$' },
    { type: 'postfix_tls', grok: '^(?<tls_trust>\\w+) TLS connection established (?:to|from) (?:%{PF_CLIENT}|(?<relay>\\S+)): (?<tls_version>\\S+) with cipher (?<tls_cipher>\\S+) \\((?<tls_bits>[^)]*)\\)' },
    { type: 'postfix_anvil', grok: '^statistics: max (?<anvil_stat>[a-z ]+?) (?<anvil_value>\\S+)(?: for \\((?<anvil_client>[^)]*)\\))? at %{SYSLOGTIMESTAMP:anvil_at}$' },
    { type: 'postfix_postscreen_connect', grok: '^CONNECT from \\[%{IP:client_ip}\\]:%{INT:client_port:int} to \\[%{IP:server_ip}\\]:%{INT:server_port:int}$' },
    {
      // "PREGREET 11 after 0.11 from [ip]:port: EHLO x", "HANGUP after 16 from [ip]:port in tests after SMTP handshake",
      // "COMMAND TIME LIMIT from [ip]:port after CONNECT", "DNSBL rank 5 for [ip]:port", "PASS NEW [ip]:port"
      type: 'postfix_postscreen_verdict',
      grok: '^(?<verdict>PASS NEW|PASS OLD|WHITELISTED|BLACKLISTED|ALLOWLISTED|DENYLISTED|WHITELIST VETO|ALLOWLIST VETO|DISCONNECT|PREGREET|HANGUP|DNSBL|COMMAND PIPELINING|COMMAND TIME LIMIT|COMMAND COUNT LIMIT|COMMAND LENGTH LIMIT|NON-SMTP COMMAND|BARE NEWLINE)(?: %{INT:pregreet_bytes:int})?(?: rank %{INT:dnsbl_rank:int})?(?: after %{NUMBER:after:float})?(?: (?:from|for))? \\[%{IP:client_ip}\\]:%{INT:client_port:int}(?: (?:in tests )?(?:after|before) (?<stage>[^:]+?))?(?:: (?<detail>.*))?$',
    },
    { type: 'postfix_master_start', grok: '^daemon started -- version %{NOTSPACE:version}, configuration %{GREEDYDATA:config_dir}$' },
    { type: 'postfix_master_stop', grok: '^terminating on signal %{INT:signal:int}$' },
    { type: 'postfix_script', grok: '^(?<script_action>starting|stopping|refreshing) the Postfix mail system$' },
    { type: 'postfix_sasl_failed', grok: '^warning: %{PF_CLIENT}: SASL (?<sasl_method>\\S+) authentication failed:(?: (?<reason>.*?))?(?:, sasl_username=(?<sasl_username>.*))?$' },
    { type: 'postfix_non_smtp_command', grok: '^warning: non-SMTP command from %{PF_CLIENT}: (?<command>.*)$' },
    { type: 'postfix_dns_mismatch', grok: '^warning: hostname (?<client_name>\\S+) does not resolve to address %{IP:client_ip}(?:: (?<detail>.*))?$' },
    { type: 'postfix_rate_limit', grok: '^warning: (?<limit>.+? (?:rate|count|concurrency) limit) exceeded: %{INT:count:int} from %{PF_CLIENT} for service %{NOTSPACE:service}$' },
    { type: 'postfix_warning', grok: '^(?:%{PF_QID:queue_id}: )?(?<level>warning|fatal|panic|error): %{GREEDYDATA:text}$' },
    { type: 'postfix_other', grok: '^%{PF_QID:queue_id}: %{GREEDYDATA:text}$', other: true },
  ],
};

// pam_unix(sshd:auth): module, service and PAM type of a PAM message
const PAM_PREFIX = '(?<pam_module>pam_\\w+)\\((?<pam_service>[^:)]+):(?<pam_type>[^)]+)\\): ';

// dovecot logs a level ("Info: ") in its own log files and in some syslog setups; in syslog the process
// prefix ("imap-login: ") follows "dovecot: ", in its own files and under daemontools it is the tag
const DC_LEVEL = '(?:(?:Info|Warning|Error|Fatal|Panic|Debug): )?';
// after the key=value list of a login process: "TLS"/"secured" (dovecot's %c, with a TLS error or state
// after ": ") and the session id
const DC_TAIL = '(?:, (?<secured>TLS handshaking|TLS|secured)(?:: (?<tls_detail>.*?))?)?(?:, session=<(?<session>[^>]*)>)?';

const DOVECOT: Recipe = {
  name: 'dovecot',
  doc: 'dovecot: imap/pop3/submission/managesieve logins (user, method, rip, lip, session), login failures and aborted logins, disconnects with in/out byte counts, passdb results (pam, passwd-file, sql, ldap), PAM failures, master',
  // "dovecot" in syslog; the process name ("imap-login", "auth-worker(123)", "dovecot-auth") when it is the tag
  programs: /^(?:dovecot|dovecot-auth|auth|auth-worker|[\w-]+-login)(?:\([^)]*\))?$/,
  unbracket: ['user', 'session', 'orig_user', 'master_user'],
  ints: ['mpid', 'in', 'out', 'deleted', 'expunged', 'trashed', 'hdr_count', 'hdr_bytes', 'body_count', 'body_bytes', 'top', 'retr', 'del', 'size', 'uid', 'euid'],
  patterns: [
    { type: 'dovecot_login', grok: `^(?:(?<service>[\\w-]+)-login: )?${DC_LEVEL}Login: (?<kv>user=.*?)${DC_TAIL}$`, kv: { field: 'kv', sep: 'comma' } },
    {
      type: 'dovecot_logout',
      grok: `^(?<service>[\\w-]+)\\((?<user>[^)]*)\\)(?:<%{INT:session_pid:int}>)?(?:<(?<session>[^>]+)>)?: ${DC_LEVEL}(?<reason>Disconnected|Connection closed|Logged out)(?:: (?<detail>.*?))? (?<kv>in=.*)$`,
      kv: { field: 'kv', sep: 'space' },
    },
    // a login process that ended without a login: "Disconnected (auth failed, 1 attempts in 2 secs)",
    // "Aborted login (tried to use disabled plaintext auth)", "Login aborted: ... (auth_failed)", ...
    {
      type: 'dovecot_login_failed',
      grok: `^(?:(?<service>[\\w-]+)-login: )?${DC_LEVEL}(?<reason>.+?): (?<kv>(?:user|method|rip)=.*?)${DC_TAIL}$`,
      kv: { field: 'kv', sep: 'comma' },
    },
    // a passdb's verdict: "auth-worker(123): pam(user,rip[,<session>]): result" (1.x/2.x, the
    // worker's connection prefix optional) or "auth(user,rip,sasl:mech)<session>: sql: result" (2.3.21+)
    {
      type: 'dovecot_auth',
      grok: `^(?:dovecot: )?(?:auth\\((?<user>[^,)]*),(?<rip>[^,)]*)(?:,(?<auth_mech>[^)]*))?\\)(?:<(?<session>[^>]*)>)?: ${DC_LEVEL}(?<auth_db>[\\w-]+): %{GREEDYDATA:auth_result}|(?:auth(?:-worker)?(?:\\([^)]*\\))?: )?${DC_LEVEL}(?:conn unix:auth-worker \\((?<conn>[^)]*)\\): auth-worker<%{INT:request:int}>: )?(?<auth_db>[\\w-]+)\\((?<user>[^,)]*),(?<rip>[^,)]*)(?:,(?:<(?<session>[^>]*)>)?)?\\): %{GREEDYDATA:auth_result})$`,
    },
    { type: 'dovecot_pam_auth_failure', grok: `^(?:${PAM_PREFIX})?authentication failure; (?<kv>logname=.*?)\\s*$`, kv: { field: 'kv', sep: 'space' } },
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
  // the client as "host[ip]", "[ip]" or a bare address
  defs: [['GL_ADDR', '(?:(?<client_host>[^\\s\\[\\]()]*)\\[%{IP:client_ip}\\]|%{IP:client_ip})']],
  patterns: [
    { type: 'greylist_delayed', grok: '^(?<queue_id>\\S+): addr %{GL_ADDR} from <(?<from>[^>]*)> to <(?<to>[^>]*)> delayed for %{NOTSPACE:delay}(?: \\((?<acl>[^)]*)\\))?$' },
    { type: 'greylist_autowhitelisted', grok: '^(?<queue_id>\\S+): addr %{GL_ADDR} from <(?<from>[^>]*)> to <(?<to>[^>]*)> delayed for %{NOTSPACE:delay}, autowhitelisted for %{NOTSPACE:autowhite}(?: \\((?<acl>[^)]*)\\))?$' },
    { type: 'greylist_skipped', grok: '^(?<queue_id>\\S+): skipping greylist because (?<reason>.*?)(?:, \\(from=<(?<from>[^>]*)>, rcpt=<(?<to>[^>]*)>, addr=%{GL_ADDR}\\))?(?: (?<acl>ACL \\d+))?$' },
    { type: 'greylist_other', grok: '^(?<queue_id>[0-9A-Za-z]{8,20}): %{GREEDYDATA:text}$', other: true },
  ],
};

const MAILSCANNER: Recipe = {
  name: 'mailscanner',
  doc: 'MailScanner: spam scores and actions, black/whitelisted senders, virus and content reports, batch and delivery messages',
  programs: /^MailScanner$/,
  patterns: [
    // "is spam (blacklisted)", "is blacklisted", "is whitelisted"
    { type: 'mailscanner_blacklisted', grok: '^Message (?<queue_id>\\S+) from %{IP:client_ip} \\((?<from>[^)]*)\\)(?: to (?<to>\\S+))? is (?:(?:not )?spam \\()?(?<verdict>blacklisted|whitelisted)\\)?$' },
    // the SpamAssassin report ("SpamAssassin (not cached, score=7.181, required 4, BAYES_40 -0.20, ...)") may be cut short
    {
      type: 'mailscanner_spam',
      grok: '^Message (?<queue_id>\\S+) from %{IP:client_ip} \\((?<from>[^)]*)\\) to (?<to>\\S+) is (?<verdict>spam|not spam)(?:, (?=(?:[^(]*\\((?:[^)]*?, )?(?:score|Wertung)=%{NUMBER:score:float}(?:, required %{NUMBER:required:float})?)?)(?<spam_detail>.*))?$',
    },
    { type: 'mailscanner_spam_actions', grok: '^Spam Actions: message (?<queue_id>\\S+) actions are (?<actions>.*)$' },
    { type: 'mailscanner_virus', grok: '^(?:Virus Scanning|ClamAV): (?<report>Found .*)$' },
    { type: 'mailscanner_infected', grok: '^Saved infected "(?<filename>[^"]*)" to (?<quarantine>\\S+)$' },
    { type: 'mailscanner_content', grok: '^Content Checks: Detected and have disarmed (?<content>.*?) in (?<where>.*?) in message (?<queue_id>\\S+) from (?<from>\\S+)$' },
    { type: 'mailscanner_batch', grok: '^(?<batch>New Batch|Batch \\(\\d+ messages?\\) processed in .*|Batch completed at .*|Scanning \\d+ messages?, .*)$' },
    { type: 'mailscanner_delivered', grok: '^Requeue: (?<queue_id>\\S+) to (?<new_queue_id>\\S+)$' },
    { type: 'mailscanner_other', grok: '^%{GREEDYDATA:text}$', other: true },
  ],
};

const SSHD: Recipe = {
  name: 'sshd',
  doc: 'sshd (OpenSSH): accepted, failed and postponed logins (method, user, address, port), invalid and refused users, PAM failures and sessions, disconnects and resets, key exchange and banner failures, timeouts, reverse-mapping warnings',
  // "sshd-session" since OpenSSH 9.8; "sshd(pam_unix)" is PAM's own tag on older systems
  programs: /^sshd(?:-session)?(?:\(pam_unix\))?$/,
  ints: ['uid', 'euid'],
  defs: [
    // the client as sshd names it: its address, or its host name with UseDNS
    ['SSH_CLIENT', '(?:%{IP:client_ip}|(?<client_host>[^\\s\\[\\]()]+))'],
    // the pre-authentication child's messages end in " [preauth]"
    ['SSH_PREAUTH', '(?: \\[preauth\\])?'],
    ['SSH_USER', '(?:(?:(?<user_state>invalid|authenticating) )?user (?<user>.*?) )'],
  ],
  patterns: [
    { type: 'sshd_accepted', grok: '^Accepted (?<method>\\S+) for (?<user>.*?) from %{IP:client_ip} port %{INT:client_port:int}(?: (?<protocol>ssh[12]))?(?:: (?<key_type>\\S+) (?<key>\\S+))?$' },
    // user names are the client's: they may hold " from <ip> port <n>"; the address is the last one.
    // rsyslog folds repeats into "message repeated N times: [ <message>]"
    {
      type: 'sshd_failed',
      grok: '^(?:message repeated %{INT:repeated:int} times: \\[ )?Failed (?<method>\\S+) for (?:(?<invalid>invalid user) )?(?<user>.*?) from %{IP:client_ip}(?: port %{INT:client_port:int})?(?: (?<protocol>ssh[12]))?(?:: (?<detail>.*?))?\\]?$',
    },
    { type: 'sshd_postponed', grok: '^Postponed (?<method>\\S+) for (?:(?<invalid>invalid user) )?(?<user>.*?) from %{IP:client_ip} port %{INT:client_port:int}(?: (?<protocol>ssh[12]))?%{SSH_PREAUTH}$' },
    { type: 'sshd_invalid_user', grok: '^[Ii]nvalid user (?<user>.*?) from %{IP:client_ip}(?: port %{INT:client_port:int})?$' },
    { type: 'sshd_input_userauth_invalid', grok: '^input_userauth_request: invalid user (?<user>.*?)%{SSH_PREAUTH}$' },
    { type: 'sshd_user_not_allowed', grok: '^User (?<user>.*?)(?: from %{SSH_CLIENT})? not allowed because (?<reason>.*)$' },
    { type: 'sshd_root_refused', grok: '^ROOT LOGIN REFUSED FROM %{SSH_CLIENT}(?: port %{INT:client_port:int})?%{SSH_PREAUTH}$' },
    // tcp_wrappers: "refused connect from <user@host> (<address>)"
    { type: 'sshd_refused_connect', grok: '^refused connect from (?<client>\\S+) \\(%{SSH_CLIENT}\\)$' },
    { type: 'sshd_pam_error', grok: '^error: PAM: (?<pam_error>.+?) for (?:(?<invalid>illegal user|invalid user) )?(?<user>.*?) from %{SSH_CLIENT}(?: via %{IP:server_ip})?\\s*$' },
    { type: 'sshd_pam_auth_failure', grok: `^(?:${PAM_PREFIX})?authentication failure; (?<kv>logname=.*?)\\s*$`, kv: { field: 'kv', sep: 'space' } },
    { type: 'sshd_pam_more_failures', grok: '^PAM %{INT:more_failures:int} more authentication failures?; (?<kv>logname=.*?)\\s*$', kv: { field: 'kv', sep: 'space' } },
    { type: 'sshd_pam_max_retries', grok: '^PAM service\\((?<pam_service>[^)]+)\\) ignoring max retries; %{INT:retries:int} > %{INT:max_retries:int}$' },
    { type: 'sshd_pam_user_unknown', grok: `^(?:${PAM_PREFIX})?check pass; user unknown$` },
    { type: 'sshd_pam_session', grok: `^(?:${PAM_PREFIX})?session (?<session_action>opened|closed) for user (?<user>[^\\s(]+)(?:\\(uid=%{INT:uid:int}\\))?(?: by (?<by>.*))?$` },
    {
      type: 'sshd_too_many_auth',
      grok: '^(?:error: )?Disconnecting(?: %{SSH_USER}?%{IP:client_ip} port %{INT:client_port:int})?: Too many authentication failures(?: for (?:invalid user )?(?<user>.*?))?%{SSH_PREAUTH}$',
    },
    { type: 'sshd_max_auth', grok: '^(?:error: )?maximum authentication attempts exceeded for (?:(?<invalid>invalid user) )?(?<user>.*?) from %{IP:client_ip} port %{INT:client_port:int}(?: (?<protocol>ssh[12]))?%{SSH_PREAUTH}$' },
    // "Received disconnect from <ip> port <n>:11: Bye Bye [preauth]", "Connection closed by authenticating user root <ip> port <n> [preauth]", ...
    {
      type: 'sshd_disconnected',
      grok: '^(?:error: )?(?<event>Disconnected from|Connection closed by|Received disconnect from|Connection reset by|Disconnecting) %{SSH_USER}?%{IP:client_ip}(?: port %{INT:client_port:int})?(?::(?: ?%{INT:disconnect_code:int}:)? ?(?<detail>.*?))?%{SSH_PREAUTH}$',
    },
    { type: 'sshd_connection', grok: '^Connection from %{IP:client_ip}(?: port %{INT:client_port:int})?(?: on %{IP:server_ip} port %{INT:server_port:int})?(?: rdomain "(?<rdomain>[^"]*)")?$' },
    { type: 'sshd_no_ident', grok: '^Did not receive identification string from %{IP:client_ip}(?: port %{INT:client_port:int})?$' },
    { type: 'sshd_bad_protocol', grok: '^Bad protocol version identification \'(?<ident>.*)\' from %{IP:client_ip}(?: port %{INT:client_port:int})?$' },
    { type: 'sshd_kex_ident', grok: '^(?:error: )?kex_exchange_identification: (?<detail>.*)$' },
    { type: 'sshd_banner_exchange', grok: '^banner exchange: Connection from %{IP:client_ip} port %{INT:client_port:int}: (?<detail>.*?)%{SSH_PREAUTH}$' },
    { type: 'sshd_dispatch_fatal', grok: '^ssh_dispatch_run_fatal: Connection from %{SSH_USER}?%{IP:client_ip} port %{INT:client_port:int}: (?<detail>.*?)%{SSH_PREAUTH}$' },
    { type: 'sshd_auth_timeout', grok: '^(?:fatal: )?Timeout before authentication for (?:connection from )?%{IP:client_ip}(?: port %{INT:client_port:int})?(?: to %{IP:server_ip})?(?:, pid = %{INT:session_pid:int})?$' },
    {
      type: 'sshd_negotiation_failed',
      grok: '^(?:fatal: )?(?:Unable to negotiate with %{IP:client_ip} port %{INT:client_port:int}: no matching (?<algorithm>.+?) found\\. Their offer: (?<client_offer>.*?)|Unable to negotiate a (?<algorithm>key exchange method)|no matching (?<algorithm>.+?) found: client (?<client_offer>\\S+) server (?<server_offer>\\S+))%{SSH_PREAUTH}\\s*$',
    },
    {
      type: 'sshd_reverse_mapping',
      grok: '^(?:Address %{IP:client_ip} maps to (?<client_host>\\S+), but this does not map back to the address|reverse mapping checking getaddrinfo for (?<client_host>\\S+) \\[%{IP:client_ip}\\] failed)(?: - POSSIBLE BREAK-IN ATTEMPT!?)?$',
    },
    // obfuscated-handshake patch
    { type: 'sshd_magic_value_failed', grok: '^Magic value check failed \\(%{INT:magic:int}\\) on obfuscated handshake from %{IP:client_ip} port %{INT:client_port:int}$' },
    // a patched sshd's connection log: "SSH: Server;Ltype: Version;Remote: 127.0.0.1-1780;Protocol: 2.0;..."
    { type: 'sshd_ltype', grok: '^SSH: Server;Ltype: (?<ltype>\\w+);Remote: %{IP:client_ip}-%{INT:client_port:int};(?<detail>.*?)%{SSH_PREAUTH}$' },
    { type: 'sshd_listening', grok: '^Server listening on %{IP:server_ip} port %{INT:server_port:int}\\.?$' },
    { type: 'sshd_error', grok: '^(?<level>error|fatal): (?<detail>.*?)%{SSH_PREAUTH}$' },
    { type: 'sshd_other', grok: '^%{GREEDYDATA:text}$', other: true },
  ],
};

export const RECIPES: readonly Recipe[] = [SENDMAIL, POSTFIX, DOVECOT, OPENDKIM, MILTER_GREYLIST, MAILSCANNER, SSHD];

/** Splits a key=value list ("k=v, k=v" or "k=v k=v"): an item ends where the next "key=" begins. */
export function splitKv(s: string, sep: 'comma' | 'space'): [string, string][] {
  // (a blank run before the next key: "rhost=192.0.2.1  user=root")
  const boundary = sep === 'comma' ? /, (?=[\w-]+=)/ : / +(?=[\w-]+=)/;
  const out: [string, string][] = [];
  for (const item of s.split(boundary)) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    out.push([item.slice(0, eq), item.slice(eq + 1)]);
  }
  return out;
}
