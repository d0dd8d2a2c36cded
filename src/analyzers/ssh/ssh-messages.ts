// SSH transport messages before encryption (RFC 4253): KEXINIT name-lists, the host key of a key exchange
// reply, algorithm negotiation (§7.1) and the HASSH fingerprints.
import { latin1, latin1Bytes } from '../../core/latin1.js';
import { md5 } from '../../core/md5.js';
import { base64, hex } from '../../core/sha1.js';
import { sha256 } from '../../core/sha256.js';

/** RFC 4253 §12 message numbers. */
export const SSH_MSG_KEXINIT = 20;
export const SSH_MSG_NEWKEYS = 21;
/** KEXDH_REPLY (RFC 4253 §8), KEX_ECDH_REPLY (RFC 5656 §7.1), the hybrid/post-quantum replies; GEX: GROUP. */
export const SSH_MSG_KEX_31 = 31;
/** KEX_DH_GEX_REPLY (RFC 4419 §5). */
export const SSH_MSG_KEX_DH_GEX_REPLY = 33;

/** The ten name-lists of a KEXINIT (RFC 4253 §7.1), each as sent (comma-separated). */
export interface Kexinit {
  kex: string;
  hostKey: string;
  cipherC2s: string;
  cipherS2c: string;
  macC2s: string;
  macS2c: string;
  compressionC2s: string;
  compressionS2c: string;
}

/**
 * A KEXINIT payload (message number first): null when it is cut short. Reads the 16-byte cookie and the eight
 * name-lists HASSH and negotiation need; the language lists and first_kex_packet_follows are not used.
 * @param p the whole payload; the strings returned are copies
 */
export function parseKexinit(p: Uint8Array): Kexinit | null {
  if (p.length < 17 || p[0] !== SSH_MSG_KEXINIT) return null;
  const lists: string[] = [];
  let off = 17;
  for (let i = 0; i < 8; i++) {
    const s = readString(p, off);
    if (s === null) return null;
    lists.push(latin1(p, s.start, s.end));
    off = s.end;
  }
  return {
    kex: lists[0]!, hostKey: lists[1]!, cipherC2s: lists[2]!, cipherS2c: lists[3]!,
    macC2s: lists[4]!, macS2c: lists[5]!, compressionC2s: lists[6]!, compressionS2c: lists[7]!,
  };
}

/** An SSH `string` (uint32 length, bytes) at `off`: its byte range, or null when it runs past the end. */
export function readString(p: Uint8Array, off: number): { start: number; end: number } | null {
  if (off + 4 > p.length) return null;
  const len = ((p[off]! << 24) | (p[off + 1]! << 16) | (p[off + 2]! << 8) | p[off + 3]!) >>> 0;
  const start = off + 4;
  if (len > p.length - start) return null;
  return { start, end: start + len };
}

/**
 * The algorithm chosen from two name-lists (RFC 4253 §7.1): the first on the client's list that the server's
 * list also has; null when they share none (the negotiation fails). Empty names are not algorithms.
 */
export function chooseAlgorithm(client: string, server: string): string | null {
  const offered = new Set(server.split(','));
  for (const name of client.split(',')) if (name !== '' && offered.has(name)) return name;
  return null;
}

/** Key exchanges whose server reply is KEX_DH_GEX_REPLY (33); message 31 is then the group (RFC 4419). */
export function isGroupExchange(kex: string): boolean {
  return kex.startsWith('diffie-hellman-group-exchange-');
}

/**
 * The message that carries the server's host key K_S as its first field, for a negotiated key exchange: 31 for
 * DH (RFC 4253 §8), ECDH and curve25519 (RFC 5656, RFC 8731) and OpenSSH's hybrid sntrup761/mlkem768
 * exchanges; 33 for group exchange; null for others (GSS-API, RSA key exchange), which are not read.
 */
export function hostKeyMessage(kex: string): number | null {
  if (isGroupExchange(kex)) return SSH_MSG_KEX_DH_GEX_REPLY;
  if (kex.startsWith('diffie-hellman-group') || kex.startsWith('ecdh-sha2-') || kex.startsWith('curve25519-') ||
    kex.startsWith('curve448-') || kex.startsWith('sntrup') || kex.startsWith('mlkem')) return SSH_MSG_KEX_31;
  return null;
}

/**
 * The host key fingerprint in OpenSSH's form (`ssh-keygen -l`): "SHA256:" and the base64 of the key blob's
 * SHA-256 without its padding; null when the reply is cut before the end of its first field.
 */
export function hostKeyFingerprint(p: Uint8Array): string | null {
  const s = readString(p, 1);
  if (s === null) return null;
  return `SHA256:${base64(sha256(p.subarray(s.start, s.end))).replace(/=+$/, '')}`;
}

/** HASSH (client) or HASSHServer input: kex;ciphers;MACs;compression of one direction, and its MD5 hex. */
export function hassh(k: Kexinit, side: 'client' | 'server'): { algorithms: string; hash: string } {
  const algorithms = side === 'client'
    ? `${k.kex};${k.cipherC2s};${k.macC2s};${k.compressionC2s}`
    : `${k.kex};${k.cipherS2c};${k.macS2c};${k.compressionS2c}`;
  return { algorithms, hash: hex(md5(latin1Bytes(algorithms))) };
}
