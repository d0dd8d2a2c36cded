// Authentication success guessed from the sizes of encrypted messages, the way Zeek's SSH analyzer guesses it
// (its packet-size heuristic, described in Zeek's SSH docs and ssh.log's auth_success/auth_attempts fields).
import { ORIG, type Dir } from '../../reassembly/stream-analyzer.js';

/**
 * Server answers judged at most: a login takes a handful (SERVICE_ACCEPT, one USERAUTH answer per attempt;
 * OpenSSH allows 6 attempts by default); after this many without a success the rest is the session itself.
 */
export const SSH_MAX_AUTH_FLIGHTS = 256;
/**
 * USERAUTH_SUCCESS is one byte of payload, SERVICE_ACCEPT ("ssh-userauth") seventeen: padded to the cipher
 * block, the success message is 16 bytes shorter on the wire (Zeek's rule).
 */
const SUCCESS_SHORTER_BY = 16;
/** A first answer this much longer than SERVICE_ACCEPT is a pre-login banner (USERAUTH_BANNER): passed over once. */
const BANNER_LONGER_BY = 256;

/**
 * The guess works on the server's answers as TCP delivers them: each in-order delivery of encrypted server bytes
 * (a segment, or the encrypted rest of the segment that carried NEWKEYS) is one answer, as in Zeek. The sizes of
 * SSH packets are not in the byte stream (the length field is encrypted for most ciphers), so the segment
 * boundaries are the heuristic's input: re-cutting the encrypted bytes changes the guess, as it changes Zeek's.
 * Server bytes before the client's first encrypted bytes are not answers.
 * Rules (Zeek's): the first answer is SERVICE_ACCEPT; one 16 bytes shorter is a success; the first other
 * answer (a banner passed over) is the size of a USERAUTH_FAILURE, not counted; each later answer of that
 * size is a failed attempt.
 */
export class AuthGuess {
  /** answers judged */
  flights = 0;
  /** the client sent encrypted bytes */
  sawClient = false;
  /** a success was seen: nothing more to learn */
  decided = false;
  private serviceAccept = 0;
  private failure = 0;
  private skippedBanner = false;
  private attempts = 0;
  private success: boolean | null = null;

  /** One delivery of n encrypted bytes from one side, in stream order across both. */
  bytes(dir: Dir, n: number): void {
    if (this.decided) return;
    if (dir === ORIG) {
      this.sawClient = true;
      return;
    }
    if (!this.sawClient) return;
    this.flights++;
    this.judge(n);
  }

  private judge(len: number): void {
    if (this.serviceAccept === 0) {
      this.serviceAccept = len;
      return;
    }
    if (this.failure === 0 && len + SUCCESS_SHORTER_BY === this.serviceAccept) {
      this.attempt(true);
      return;
    }
    if (this.failure === 0) {
      if (!this.skippedBanner && len - this.serviceAccept > BANNER_LONGER_BY) this.skippedBanner = true;
      else this.failure = len;
      return;
    }
    if (len === this.failure) this.attempt(false);
    else if (len + SUCCESS_SHORTER_BY === this.serviceAccept) this.attempt(true);
  }

  private attempt(ok: boolean): void {
    if (this.success === true) return;
    this.success = ok;
    this.attempts++;
    if (ok) this.decided = true;
  }

  /** The guess: null when no attempt was seen. */
  result(): { success: boolean; attempts: number } | null {
    return this.success === null ? null : { success: this.success, attempts: this.attempts };
  }
}
