// What a command may touch of the outside world: output sinks and terminal facts (tests pass their own).

export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  stdoutIsTty: boolean;
  stderrIsTty: boolean;
}

export const processIo: CliIo = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  stdoutIsTty: process.stdout.isTTY === true,
  stderrIsTty: process.stderr.isTTY === true,
};

/** Exit statuses (documented in the README). */
export const EXIT_OK = 0;
/** an operational failure: unreadable file, not a capture, I/O error */
export const EXIT_FAILURE = 1;
/** bad command line */
export const EXIT_USAGE = 2;
/** some input was truncated or corrupt: everything before the damage was processed and output */
export const EXIT_PARTIAL = 3;
