// What a command may touch of the outside world: output sinks and terminal facts (tests pass their own), and
// the one path a failed write takes.
import { writeSync } from 'node:fs';
import { cannotWrite } from '../core/errors.js';
import { escapeControls, escapeText } from './format/escape.js';

/** The process's output streams as main() is given them (tests pass their own). */
export interface CliStreams {
  stdout(s: string): void;
  /** the same stream as bytes (UTF-8 already), for bulk data; the caller never touches a buffer after handing it over */
  stdoutBytes?(b: Uint8Array): void;
  stderr(s: string): void;
  stdoutIsTty: boolean;
  stderrIsTty: boolean;
  /** reads a password (terminal without echo, or a line of stdin); tests pass their own */
  readSecret?(prompt: string): Promise<string>;
}

/**
 * What a command writes through. Data (JSON lines, CSV, JSON documents) goes to stdout exactly as given;
 * everything meant to be read by a person goes through the one escaper (format/escape.ts).
 */
export interface CliIo extends CliStreams {
  /** data on stdout, exactly as given */
  stdout(s: string): void;
  /** human-readable text on stdout: control characters escaped, line feeds kept */
  text(s: string): void;
  /** diagnostics on stderr: control characters escaped, line feeds kept */
  stderr(s: string): void;
  /** redraws the one progress line on stderr (escaped); '' clears it */
  progress(line: string): void;
}

export const processIo: CliStreams = {
  stdout: (s) => void process.stdout.write(s),
  stdoutBytes: (b) => void process.stdout.write(b),
  stderr: (s) => void process.stderr.write(s),
  stdoutIsTty: process.stdout.isTTY === true,
  stderrIsTty: process.stderr.isTTY === true,
  readSecret: async (prompt) => (await import('./secret.js')).readSecretFromProcess(prompt),
};

/** The writers a command gets over the streams. */
export function commandIo(s: CliStreams): CliIo {
  return {
    stdout: (x) => s.stdout(x),
    ...(s.stdoutBytes !== undefined ? { stdoutBytes: (b: Uint8Array) => s.stdoutBytes!(b) } : {}),
    text: (x) => s.stdout(escapeText(x)),
    stderr: (x) => s.stderr(escapeText(x)),
    progress: (line) => s.stderr(line === '' ? '\r\x1b[K' : `\r${escapeControls(line)}\x1b[K`),
    stdoutIsTty: s.stdoutIsTty,
    stderrIsTty: s.stderrIsTty,
    ...(s.readSecret !== undefined ? { readSecret: s.readSecret } : {}),
  };
}

/** A writer of text to a file a verb opened (export -o FILE); a failed write throws cannotWrite (core/errors.ts). */
export function fileWriter(fd: number, name: string): (s: string) => void {
  return (s) => {
    try {
      writeSync(fd, s);
    } catch (e) {
      throw cannotWrite(name, e);
    }
  };
}

/** Exit statuses (documented in the README). */
export const EXIT_OK = 0;
/** an operational failure: unreadable file, not a capture, I/O error */
export const EXIT_FAILURE = 1;
/** bad command line */
export const EXIT_USAGE = 2;
/** some input was truncated or corrupt: everything before the damage was processed and output */
export const EXIT_PARTIAL = 3;
/** a bug (EX_SOFTWARE): never for bad input */
export const EXIT_INTERNAL = 70;
