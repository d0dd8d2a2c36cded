// Recipe patterns on lines written as the daemons document them (sendmail's op.me and LogLevel notes,
// milter-greylist's and MailScanner's log formats): the type and typed fields each line must give.
import { describe, expect, it } from 'vitest';
import { LogParser } from './parse-log.js';

const p = new LogParser({ year: 2026 });
const parse = (line: string): [string | null, Record<string, unknown> | null] => {
  const r = p.parse(line);
  return [r.type, r.fields as Record<string, unknown> | null];
};

describe('recipes', () => {
  it('sendmail: connections, null connections, collect errors, refused connections, STARTTLS, milter', () => {
    expect(parse('Nov 22 06:11:29 mx sm-mta[1]: NOQUEUE: connect from ws-alice.acme.test [127.0.1.11]')).toEqual(['sendmail_connect', { queue_id: 'NOQUEUE', relay_host: 'ws-alice.acme.test', relay_ip: '127.0.1.11' }]);
    expect(parse('Nov 22 06:11:29 mx sm-mta[1]: 6AM6BTsh004579: Null connection from [192.0.2.9]')).toEqual(['sendmail_null_connection', { queue_id: '6AM6BTsh004579', relay_ip: '192.0.2.9' }]);
    expect(parse('Nov 22 06:11:29 mx sendmail[1]: 6AM6BTsh004579: collect: premature EOM: unexpected close')).toEqual(['sendmail_collect', { queue_id: '6AM6BTsh004579', collect_error: 'premature EOM', detail: 'unexpected close' }]);
    expect(parse('Nov 22 06:11:29 mx sendmail[1]: rejecting connections on daemon MTA: load average: 40')).toEqual(['sendmail_rejecting_connections', { daemon: 'MTA', reason: 'load average: 40' }]);
    expect(parse('Nov 22 06:11:29 mx sm-mta[1]: STARTTLS=server, relay=mail.vendor.test [127.0.2.22], version=TLSv1.3, verify=NO, cipher=TLS_AES_256_GCM_SHA384, bits=256/256'))
      .toEqual(['sendmail_starttls', { tls_role: 'server', relay: 'mail.vendor.test [127.0.2.22]', version: 'TLSv1.3', verify: 'NO', cipher: 'TLS_AES_256_GCM_SHA384', bits: '256/256', relay_host: 'mail.vendor.test', relay_ip: '127.0.2.22' }]);
    expect(parse('Nov 22 06:11:29 mx sm-mta[1]: 6AM6BaTd004618: Milter: data, reject=550 5.7.0 bad DKIM signature data')[0]).toBe('sendmail_milter');
  });

  it('milter-greylist: delayed, autowhitelisted, skipped', () => {
    expect(parse('Nov 22 06:11:29 mx milter-greylist: 6AM6BTsh004579: addr [192.0.2.9] from <a@x.test> to <b@y.test> delayed for 00:30:00 (ACL 145)'))
      .toEqual(['greylist_delayed', { queue_id: '6AM6BTsh004579', client_ip: '192.0.2.9', from: 'a@x.test', to: 'b@y.test', delay: '00:30:00', acl: 'ACL 145' }]);
    expect(parse('Nov 22 06:11:29 mx milter-greylist: 6AM6BTsh004579: addr mail.x.test[192.0.2.9] from <a@x.test> to <b@y.test> delayed for 00:30:00, autowhitelisted for 24:00:00'))
      .toEqual(['greylist_autowhitelisted', { queue_id: '6AM6BTsh004579', client_host: 'mail.x.test', client_ip: '192.0.2.9', from: 'a@x.test', to: 'b@y.test', delay: '00:30:00', autowhite: '24:00:00' }]);
    expect(parse('Nov 22 06:11:29 mx milter-greylist: 6AM6BTsh004579: addr 192.0.2.9 from <a@x.test> to <b@y.test> delayed for 00:05:00')[1]).toMatchObject({ client_ip: '192.0.2.9', delay: '00:05:00' });
    expect(parse('Nov 22 06:11:29 mx milter-greylist: 6AM6BTsh004579: skipping greylist because sender is authenticated, (from=<a@x.test>, rcpt=<b@y.test>, addr=mail.x.test[192.0.2.9]) ACL 98'))
      .toEqual(['greylist_skipped', { queue_id: '6AM6BTsh004579', reason: 'sender is authenticated', from: 'a@x.test', to: 'b@y.test', client_host: 'mail.x.test', client_ip: '192.0.2.9', acl: 'ACL 98' }]);
  });

  it('a line of a known daemon that no specific pattern knows is its catch-all; a line without a program never is', () => {
    expect(parse('Nov 22 06:11:29 mx sm-mta[1]: 6AM6BTsh004579: something sendmail never wrote')).toEqual(['sendmail_other', { queue_id: '6AM6BTsh004579', text: 'something sendmail never wrote' }]);
    const r = p.parse('free text without any header');
    expect([r.parse_ok, r.type]).toEqual([false, null]);
    expect(p.parse('').parse_ok).toBe(false);
  });
});
