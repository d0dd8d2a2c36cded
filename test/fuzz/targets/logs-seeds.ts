// Seed text for the log targets: mail daemon lines of each built-in recipe (RFC 3164, RFC 5424 and ISO
// headers), grok patterns as analysts write them, and Logstash configurations in the shapes seen in the wild.

export const LOG_LINES = [
  'Nov 22 06:11:29 mx sm-mta[4579]: 6AM6BTsh004579: from=<alice@example.org>, size=1234, class=0, nrcpts=1, msgid=<m1@example.org>, proto=ESMTP, daemon=MTA, relay=mail.example.org [192.0.2.9]',
  'Nov 22 06:11:29 mx sm-mta[1]: STARTTLS=server, relay=mail.vendor.test [127.0.2.22], version=TLSv1.3, verify=NO, cipher=TLS_AES_256_GCM_SHA384, bits=256/256',
  'Nov 22 06:11:29 mx sendmail[1]: 6AM6BTsh004579: collect: premature EOM: unexpected close',
  'Nov 22 06:11:29 mx milter-greylist: 6AM6BTsh004579: addr mail.x.test[192.0.2.9] from <a@x.test> to <b@y.test> delayed for 00:30:00, autowhitelisted for 24:00:00',
  'Jan  5 10:00:01 mail postfix/smtpd[2211]: connect from unknown[203.0.113.7]',
  'Jan  5 10:00:02 mail postfix/smtpd[2211]: 4Bq1xY0abcz9: client=unknown[203.0.113.7], sasl_method=PLAIN, sasl_username=bob',
  'Jan  5 10:00:03 mail postfix/smtp[2300]: 4Bq1xY0abcz9: to=<carol@example.net>, relay=mx.example.net[198.51.100.2]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 99AA)',
  'Jan  5 10:00:04 mail postfix/smtpd[2211]: NOQUEUE: reject: RCPT from unknown[203.0.113.7]: 554 5.7.1 <x@y>: Relay access denied; from=<a@b> to=<x@y> proto=ESMTP helo=<h>',
  'Jan  5 10:00:05 mail postfix/postscreen[10]: PASS NEW [203.0.113.7]:51234',
  'Jan  5 10:00:06 mail dovecot: imap-login: Login: user=<bob>, method=PLAIN, rip=203.0.113.7, lip=192.0.2.1, mpid=1234, TLS, session=<abcDEF12>',
  'Jan  5 10:00:07 mail dovecot: imap(bob)<1234><abcDEF12>: Disconnected: Logged out in=10 out=200',
  'Jan  5 10:00:08 mail opendkim[55]: 4Bq1xY0abcz9: DKIM-Signature field added (s=default, d=example.org)',
  'Jan  5 10:00:09 mail MailScanner[777]: Message 4Bq1xY0abcz9.A1B2C from 203.0.113.7 (a@b) to example.org is spam, SpamAssassin (score=9.1, required 5)',
  'Jan  5 10:00:10 host sshd[31]: Failed password for invalid user admin from 203.0.113.7 port 4242 ssh2',
  'Jan  5 10:00:11 host sshd[31]: Accepted publickey for bob from 198.51.100.3 port 5050 ssh2: RSA SHA256:abcdef',
  '<34>1 2026-01-12T10:00:00.123456+01:00 mx.example.org postfix/qmgr 2300 - - 4Bq1xY0abcz9: removed',
  '2026-01-12T10:00:00Z mx sm-mta[9]: 6AM6BTsh004579: to=<b@y.test>, delay=00:00:01, mailer=esmtp, pri=1, relay=y.test. [198.51.100.2], dsn=2.0.0, stat=Sent (ok)',
  'Jan  5 10:00:12 mail postfix/smtpd[2211]: warning: hostname x.example does not resolve to address 203.0.113.7: Name or service not known',
  'not a syslog line at all',
  '',
];

export const GROK_PATTERNS = [
  '%{SYSLOGBASE} %{GREEDYDATA:syslog_message}',
  '%{IP:client} %{WORD:method} %{URIPATHPARAM:request} %{NUMBER:bytes:int} %{NUMBER:duration:float}',
  '^%{SYSLOGTIMESTAMP:ts} %{HOSTNAME:host} %{PROG:program}(?:\\[%{POSINT:pid:int}\\])?: %{GREEDYDATA:msg}$',
  '(?<queue_id>[0-9A-F]{10,11}): (?:from|to)=<%{EMAILADDRESS:addr}>',
  '%{COMBINEDAPACHELOG}',
  '(?i)status=(?<status>sent|bounced|deferred)(?: \\((?<why>.*?)\\))?',
  '%{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:level} \\[%{DATA:thread}\\] %{JAVACLASS:class} - %{GREEDYDATA:text}',
  '%{IPV6:v6}|%{IPV4:v4}',
  '(?<a>\\w+)(?<a>\\d+)?%{INT:n:int}',
  '\\Q[literal]\\E %{WORD:w}{2,3}',
];

export const GROK_VOCABULARY = [
  '%{', '}', '%{WORD:w}', '%{INT:n:int}', '%{NUMBER:f:float}', '%{NOPE}', '%{SYSLOGBASE', ':', '(', ')', '(?<x>', '(?:', '(?=', '(?!', '(?<=',
  '(?i)', '(?m)', '(?x)', '[', ']', '[^', '\\', '\\p{L}', '\\h', '\\R', '\\X', '\\k<x>', '\\1', '*', '+', '?', '{1,2}', '{99999}', '|', '^', '$',
  '.', '\\Q', '\\E', '(?#comment)', '[[:alpha:]]', '\\u{1F600}', '\\x{41}', '\\777',
];

export const LOGSTASH_CONFIGS = [
  `input { file { path => "/var/log/maillog" type => "maillog" start_position => "beginning" } }
# mail logs { with braces in a comment }
filter {
  if [type] == "maillog" and [message] !~ /^#/ {
    grok {
      match => { "message" => [ "qid=%{WORD:qid} size=%{INT:size:int}", 'relay=%{HOSTNAME:relay}' ] }
      add_tag => [ "mail", "kv" ]
      break_on_match => "false"
      patterns_dir => [ "./patterns" ]
    }
  }
  grok { type => "apache" pattern => [ "%{COMBINEDAPACHELOG}", "%{IP:client} \\"%{WORD:verb}" ] }
  grok { match => [ "message", "%{NUMBER:n:float}", "qid", "%{BASE16NUM:hex}" ] }
  kv { source => "message" field_split => ", " }
}
output { elasticsearch { hosts => ["127.0.0.1:9200"] } }`,
  `input { tcp { port => 5514 codec => multiline { pattern => "^\\s" what => "previous" } } }
filter {
  if [message] =~ /\\{json/ or [type] == "}" {
    grok { match => { "message" => "%{SYSLOGBASE} %{GREEDYDATA:syslog_message}" } }
    grok { match => { "syslog_message" => "%{WORD:qid}: %{GREEDYDATA:rest}" } break_on_match => "false" add_tag => ["a", "a", "b"] }
  } else if "x" in [tags] {
    drop { }
  } else {
    grok { match => { "message" => "%{GREEDYDATA:all}" } }
  }
}`,
  `filter {
  grok {
    match => { "message" => "%{SYSLOGTIMESTAMP:ts} %{SYSLOGHOST:host} postfix/%{DATA:component}\\[%{POSINT:pid}\\]: %{GREEDYDATA:msg}" }
    tag_on_failure => ["_grokparsefailure_postfix"]
  }
  date { match => [ "ts", "MMM  d HH:mm:ss", "MMM dd HH:mm:ss" ] }
}`,
];

export const LOGSTASH_VOCABULARY = [
  '{', '}', '[', ']', '=>', '"', "'", '#', '\n', 'if', 'else', '==', '=~', '/x/', 'and', 'or', 'not', 'in', 'grok', 'filter', 'match', 'pattern',
  '"message"', '%{WORD:w}', 'true', 'false', '1.5', '-3', ',', 'patterns_dir', 'add_tag', 'break_on_match', 'type', '\\',
];
