// TCP endpoint states and Zeek's conn_state codes derived from them (Zeek base/protocols/conn/main.zeek).

export const TCP_INACTIVE = 0;
export const TCP_SYN_SENT = 1;
export const TCP_SYN_ACK_SENT = 2;
export const TCP_PARTIAL = 3;
export const TCP_ESTABLISHED = 4;
export const TCP_CLOSED = 5;
export const TCP_RESET = 6;

export interface ConnStateInput {
  orig: number;
  resp: number;
  origBytes: number;
  respBytes: number;
  /** the originator sent a SYN and the responder never answered with SYN-ACK or data */
  origSynOnly: boolean;
}

export function tcpConnState(c: ConnStateInput): string {
  const os = c.orig;
  const rs = c.resp;
  const oInactive = os === TCP_INACTIVE || os === TCP_PARTIAL;
  const rInactive = rs === TCP_INACTIVE || rs === TCP_PARTIAL;
  if (rs === TCP_RESET) {
    if (os === TCP_SYN_SENT || os === TCP_SYN_ACK_SENT || (os === TCP_RESET && c.origBytes === 0 && c.respBytes === 0)) {
      return 'REJ';
    }
    return oInactive ? 'RSTRH' : 'RSTR';
  }
  if (os === TCP_RESET) {
    if (rInactive) return c.origSynOnly ? 'RSTOS0' : 'OTH';
    return 'RSTO';
  }
  if (rs === TCP_CLOSED && os === TCP_CLOSED) return 'SF';
  if (os === TCP_CLOSED) return rInactive ? 'SH' : 'S2';
  if (rs === TCP_CLOSED) return oInactive ? 'SHR' : 'S3';
  if (os === TCP_SYN_SENT && rs === TCP_INACTIVE) return 'S0';
  if (os === TCP_ESTABLISHED && rs === TCP_ESTABLISHED) return 'S1';
  return 'OTH';
}

/** UDP and other datagram protocols: SF when both sides spoke, S0 when only the originator did. */
export function datagramConnState(origPkts: number, respPkts: number): string {
  if (origPkts > 0) return respPkts > 0 ? 'SF' : 'S0';
  return respPkts > 0 ? 'SHR' : 'OTH';
}
