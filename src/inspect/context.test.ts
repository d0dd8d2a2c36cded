// Context terms: whole words in any case within the window on either side of the value, not inside it.
import { describe, expect, it } from 'vitest';
import { ContextTerms, MAX_CONTEXT_CHARS } from './context.js';

describe('context terms', () => {
  const terms = new ContextTerms(['card', 'cc', 'credit card', 'exp'], 20);
  const find = (text: string, value: string): string[] => {
    const at = text.indexOf(value);
    return terms.find(text, at, at + value.length);
  };

  it('finds whole words in any case, on both sides, sorted and distinct', () => {
    expect(find('My Credit Card: 4111 and CC', '4111')).toEqual(['cc', 'credit card']);
    expect(find('4111 exp 12/25 exp', '4111')).toEqual(['exp']);
  });

  it('not inside a longer word', () => {
    expect(find('account 4111 cards', '4111')).toEqual([]);
    expect(find('expiry 4111', '4111')).toEqual([]);
  });

  it('only within the window: at most 20 characters between term and value', () => {
    expect(find(`card${' '.repeat(20)}4111`, '4111')).toEqual(['card']);
    expect(find(`card${' '.repeat(21)}4111`, '4111')).toEqual([]);
    expect(find(`4111${' '.repeat(20)}card`, '4111')).toEqual(['card']);
    expect(find(`4111${' '.repeat(21)}card`, '4111')).toEqual([]);
  });

  it('the value itself is not context', () => {
    const t = new ContextTerms(['bank'], 10);
    expect(t.find('x GB29BANK0000 y', 2, 14)).toEqual([]);
  });

  it('windows are bounded by MAX_CONTEXT_CHARS (the stream scanner keeps that much around a value)', () => {
    expect(() => new ContextTerms(['card'], MAX_CONTEXT_CHARS)).toThrow(RangeError);
    expect(() => new ContextTerms(['card'], -1)).toThrow(RangeError);
  });
});
