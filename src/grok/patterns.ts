// Haystack's grok pattern library: the names analysts know (Logstash's grok-patterns and linux-syslog sets),
// each meaning what they mean there, in definitions of our own. Oniguruma syntax (atomic groups, \A ...) is
// fine here: the compiler translates it. test/corpus-grok checks these against the upstream files on the
// postfix-grok-patterns cases and on sample values.

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const H16 = '[0-9A-Fa-f]{1,4}';
const V4 = `${OCTET}(?:\\.${OCTET}){3}`;
/** IPv6 in every RFC 4291 text form: full, compressed (::), with an embedded IPv4 tail, and a %zone */
const V6 = [
  `(?:${H16}:){7}(?:${H16}|:)`,
  `(?:${H16}:){6}(?::${H16}|${V4}|:)`,
  `(?:${H16}:){5}(?:(?::${H16}){1,2}|:${V4}|:)`,
  `(?:${H16}:){4}(?:(?::${H16}){1,3}|(?::${H16})?:${V4}|:)`,
  `(?:${H16}:){3}(?:(?::${H16}){1,4}|(?::${H16}){0,2}:${V4}|:)`,
  `(?:${H16}:){2}(?:(?::${H16}){1,5}|(?::${H16}){0,3}:${V4}|:)`,
  `(?:${H16}:){1}(?:(?::${H16}){1,6}|(?::${H16}){0,4}:${V4}|:)`,
  `:(?:(?::${H16}){1,7}|(?::${H16}){0,5}:${V4}|:)`,
].map((a) => `(?:${a})`).join('|');

export const BASE_PATTERNS: readonly [string, string][] = [
  // words and numbers
  ['USERNAME', '[a-zA-Z0-9._-]+'],
  ['USER', '%{USERNAME}'],
  // a letter, then letters, digits and _ . + , - / : ; < = (the upstream class's range from + to = included)
  ['EMAILLOCALPART', '[a-zA-Z][\\w.+,\\-/:;<=]+'],
  ['EMAILADDRESS', '%{EMAILLOCALPART}@%{HOSTNAME}'],
  ['INT', '(?:[+-]?(?:[0-9]+))'],
  // a decimal number not glued to a digit, dot or sign before it; atomic: no shorter match is tried
  ['BASE10NUM', '(?<![\\d.+-])(?>[+-]?(?:\\d+(?:\\.\\d+)?|\\.\\d+))'],
  ['NUMBER', '(?:%{BASE10NUM})'],
  ['BASE16NUM', '(?<![0-9A-Fa-f])(?:[+-]?(?:0x)?[0-9A-Fa-f]+)'],
  ['BASE16FLOAT', '\\b(?<![0-9A-Fa-f.])(?:[+-]?(?:0x)?(?:[0-9A-Fa-f]+(?:\\.[0-9A-Fa-f]*)?|\\.[0-9A-Fa-f]+))\\b'],
  ['POSINT', '\\b(?:[1-9][0-9]*)\\b'],
  ['NONNEGINT', '\\b(?:[0-9]+)\\b'],
  ['WORD', '\\b\\w+\\b'],
  ['NOTSPACE', '\\S+'],
  ['SPACE', '\\s*'],
  ['DATA', '.*?'],
  ['GREEDYDATA', '.*'],
  // "...", '...' or `...` with backslash escapes, not opened by an escaped quote
  ['QUOTEDSTRING', '(?<!\\\\)(?>"(?:[^"\\\\]|\\\\.)*"|\'(?:[^\'\\\\]|\\\\.)*\'|`(?:[^`\\\\]|\\\\.)*`)'],
  ['QS', '%{QUOTEDSTRING}'],
  ['UUID', '[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}'],
  ['URN', 'urn:[0-9A-Za-z][0-9A-Za-z-]{0,31}:(?:%[0-9a-fA-F]{2}|[0-9A-Za-z()+,.:=@;$_!*\'/?#-])+'],
  // network
  ['CISCOMAC', '(?:[A-Fa-f0-9]{4}\\.){2}[A-Fa-f0-9]{4}'],
  ['WINDOWSMAC', '(?:[A-Fa-f0-9]{2}-){5}[A-Fa-f0-9]{2}'],
  ['COMMONMAC', '(?:[A-Fa-f0-9]{2}:){5}[A-Fa-f0-9]{2}'],
  ['MAC', '(?:%{CISCOMAC}|%{WINDOWSMAC}|%{COMMONMAC})'],
  ['IPV6', `(?:${V6})(?:%.+)?`],
  ['IPV4', `(?<![0-9])(?:${V4})(?![0-9])`],
  ['IP', '(?:%{IPV6}|%{IPV4})'],
  ['HOSTNAME', '\\b(?:[0-9A-Za-z][0-9A-Za-z-]{0,62})(?:\\.(?:[0-9A-Za-z][0-9A-Za-z-]{0,62}))*(?:\\.?|\\b)'],
  ['IPORHOST', '(?:%{IP}|%{HOSTNAME})'],
  ['HOSTPORT', '%{IPORHOST}:%{POSINT}'],
  // paths and URIs
  ['UNIXPATH', '(?:/[\\w_%!$@:.,+~-]*)+'],
  ['TTY', '(?:/dev/(?:pts|tty(?:[pq])?)(?:\\w+)?/?(?:[0-9]+))'],
  ['WINPATH', '(?>[A-Za-z]+:|\\\\)(?:\\\\[^\\\\?*]*)+'],
  ['PATH', '(?:%{UNIXPATH}|%{WINPATH})'],
  // the same words as upstream's [A-Za-z]([A-Za-z0-9+\-.]+)+ without its nested quantifier (exponential on a long word)
  ['URIPROTO', '[A-Za-z][A-Za-z0-9+\\-.]+'],
  ['URIHOST', '%{IPORHOST}(?::%{POSINT})?'],
  ['URIPATH', '(?:/[A-Za-z0-9$.+!*\'(){},~:;=@#%&_\\-]*)+'],
  ['URIQUERY', '[A-Za-z0-9$.+!*\'|(){},~@#%&/=:;_?\\-\\[\\]<>]*'],
  ['URIPARAM', '\\?%{URIQUERY}'],
  ['URIPATHPARAM', '%{URIPATH}(?:\\?%{URIQUERY})?'],
  ['URI', '%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST})?(?:%{URIPATH}(?:\\?%{URIQUERY})?)?'],
  // dates and times
  // English and German month names and their usual abbreviations
  ['MONTH', '\\b(?:[Jj]an(?:uary|uar)?|[Ff]eb(?:ruary|ruar)?|[Mm]ar(?:ch)?|[Mm]är(?:z)?|[Mm]arz|[Mm]r|[Mm]ärch|[Aa]pr(?:il)?|[Mm]ay|[Mm]ai|[Mm]a|[Jj]un[ei]?|[Jj]ul[yi]?|[Aa]ug(?:ust)?|[Ss]ep(?:tember)?|[Oo][ck]?t(?:ober)?|[Nn]ov(?:ember)?|[Dd]e[cz](?:ember)?)\\b'],
  ['MONTHNUM', '(?:0?[1-9]|1[0-2])'],
  ['MONTHNUM2', '(?:0[1-9]|1[0-2])'],
  ['MONTHDAY', '(?:(?:0[1-9])|(?:[12][0-9])|(?:3[01])|[1-9])'],
  ['DAY', '(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)'],
  ['YEAR', '(?>\\d\\d){1,2}'],
  ['HOUR', '(?:2[0123]|[01]?[0-9])'],
  ['MINUTE', '(?:[0-5][0-9])'],
  ['SECOND', '(?:(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?)'],
  ['TIME', '(?!<[0-9])%{HOUR}:%{MINUTE}(?::%{SECOND})(?![0-9])'],
  ['DATE_US', '%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}'],
  ['DATE_EU', '%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}'],
  ['ISO8601_TIMEZONE', '(?:Z|[+-]%{HOUR}(?::?%{MINUTE}))'],
  ['ISO8601_SECOND', '%{SECOND}'],
  ['TIMESTAMP_ISO8601', '%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?'],
  ['DATE', '%{DATE_US}|%{DATE_EU}'],
  ['DATESTAMP', '%{DATE}[- ]%{TIME}'],
  ['TZ', '(?:[APMCE][SD]T|UTC)'],
  ['DATESTAMP_RFC822', '%{DAY} %{MONTH} %{MONTHDAY} %{YEAR} %{TIME} %{TZ}'],
  ['DATESTAMP_RFC2822', '%{DAY}, %{MONTHDAY} %{MONTH} %{YEAR} %{TIME} %{ISO8601_TIMEZONE}'],
  ['DATESTAMP_OTHER', '%{DAY} %{MONTH} %{MONTHDAY} %{TIME} %{TZ} %{YEAR}'],
  ['DATESTAMP_EVENTLOG', '%{YEAR}%{MONTHNUM2}%{MONTHDAY}%{HOUR}%{MINUTE}%{SECOND}'],
  ['HTTPDATE', '%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}'],
  // syslog
  ['SYSLOGTIMESTAMP', '%{MONTH} +%{MONTHDAY} %{TIME}'],
  ['PROG', '[\\x21-\\x5a\\x5c\\x5e-\\x7e]+'],
  ['SYSLOGPROG', '%{PROG:program}(?:\\[%{POSINT:pid}\\])?'],
  ['SYSLOGHOST', '%{IPORHOST}'],
  ['SYSLOGFACILITY', '<%{NONNEGINT:facility}.%{NONNEGINT:priority}>'],
  ['SYSLOGBASE', '%{SYSLOGTIMESTAMP:timestamp} (?:%{SYSLOGFACILITY} )?%{SYSLOGHOST:logsource} %{SYSLOGPROG}:'],
  ['SYSLOGBASE2', '(?:%{SYSLOGTIMESTAMP:timestamp}|%{TIMESTAMP_ISO8601:timestamp8601}) (?:%{SYSLOGFACILITY} )?%{SYSLOGHOST:logsource}+(?: %{SYSLOGPROG}:|)'],
  ['SYSLOGLINE', '%{SYSLOGBASE2} %{GREEDYDATA:message}'],
  ['SYSLOG5424PRINTASCII', '[!-~]+'],
  ['SYSLOG5424PRI', '<%{NONNEGINT:syslog5424_pri}>'],
  ['SYSLOG5424SD', '\\[%{DATA}\\]+'],
  ['SYSLOG5424BASE', '%{SYSLOG5424PRI}%{NONNEGINT:syslog5424_ver} +(?:%{TIMESTAMP_ISO8601:syslog5424_ts}|-) +(?:%{IPORHOST:syslog5424_host}|-) +(-|%{SYSLOG5424PRINTASCII:syslog5424_app}) +(-|%{SYSLOG5424PRINTASCII:syslog5424_proc}) +(-|%{SYSLOG5424PRINTASCII:syslog5424_msgid}) +(?:%{SYSLOG5424SD:syslog5424_sd}|-|)'],
  ['SYSLOG5424LINE', '%{SYSLOG5424BASE} +%{GREEDYDATA:syslog5424_msg}'],
  ['LOGLEVEL', '(?:' + ['alert', 'trace', 'debug', 'notice', 'info', 'inf', 'information', 'warn', 'warning', 'war', 'err', 'error', 'er', 'crit', 'critical', 'cri', 'fatal', 'severe', 'emerg', 'emergency'].flatMap((w) => [w[0]!.toUpperCase() + w.slice(1), w, w.toUpperCase()]).filter((w, i, a) => a.indexOf(w) === i).sort((a, b) => b.length - a.length).join('|') + ')'],
  // web servers
  ['HTTPDUSER', '%{EMAILADDRESS}|%{USER}'],
  ['HTTPDERROR_DATE', '%{DAY} %{MONTH} %{MONTHDAY} %{TIME} %{YEAR}'],
  ['COMMONAPACHELOG', '%{IPORHOST:clientip} %{HTTPDUSER:ident} %{HTTPDUSER:auth} \\[%{HTTPDATE:timestamp}\\] "(?:%{WORD:verb} %{NOTSPACE:request}(?: HTTP/%{NUMBER:httpversion})?|%{DATA:rawrequest})" %{NUMBER:response} (?:%{NUMBER:bytes}|-)'],
  ['COMBINEDAPACHELOG', '%{COMMONAPACHELOG} %{QS:referrer} %{QS:agent}'],
];
