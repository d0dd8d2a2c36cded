// Reads a password: from the terminal with echo off when stdin is a TTY, else the first line of stdin. Never
// from argv (it would show in ps and the shell history).
import { HaystackError } from '../core/errors.js';

/** The longest secret line read from a pipe (a password file with no newline is read whole up to this). */
const MAX_SECRET_BYTES = 4096;

export async function readSecretFromProcess(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY === true) return readFromTty(prompt);
  let buf = '';
  stdin.setEncoding('utf8');
  for await (const chunk of stdin as AsyncIterable<string>) {
    buf += chunk;
    const nl = buf.indexOf('\n');
    if (nl >= 0) {
      stdin.pause();
      return buf.slice(0, nl).replace(/\r$/, '');
    }
    if (buf.length > MAX_SECRET_BYTES) break;
  }
  if (buf.length > MAX_SECRET_BYTES) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `the password on stdin is longer than ${MAX_SECRET_BYTES} bytes`);
  if (buf === '') throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'no password: type it at the prompt, or give it as the first line of stdin');
  return buf;
}

function readFromTty(prompt: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    process.stderr.write(prompt);
    let s = '';
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    const done = (err: Error | null): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err !== null) reject(err);
      else resolve(s);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003') return done(new HaystackError('HAYSTACK_BAD_ARGUMENT', 'interrupted'));
        if (ch === '\u007f' || ch === '\b') s = s.slice(0, -1);
        else if (ch >= ' ') s += ch;
        if (s.length > MAX_SECRET_BYTES) return done(new HaystackError('HAYSTACK_BAD_ARGUMENT', 'password too long'));
      }
    };
    stdin.on('data', onData);
  });
}
