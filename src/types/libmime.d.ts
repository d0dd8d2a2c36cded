// Types of the parts of libmime and libqp that Haystack uses (the packages ship no declarations).
declare module 'libmime' {
  interface HeaderValue {
    value: string;
    params: Record<string, string>;
  }
  const libmime: {
    /** RFC 2047 encoded words to text */
    decodeWords(s: string): string;
    /** a structured header value with its parameters (RFC 2231 continuations and charsets decoded) */
    parseHeaderValue(s: string): HeaderValue;
  };
  export default libmime;
}

declare module 'libqp' {
  const libqp: {
    /** quoted-printable to bytes (soft line breaks removed, hard ones kept as sent) */
    decode(s: string): Uint8Array;
  };
  export default libqp;
}
