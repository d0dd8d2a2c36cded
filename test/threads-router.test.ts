// ShardRouter's memory of address pairs is bounded, and forgetting one never routes a tunnel silently wrong.
import { describe, expect, it } from 'vitest';
import { ShardRouter } from '../src/pipeline/threaded.js';

describe('threads: the router remembers a bounded number of address pairs', () => {
  it('keeps at most `kept` pairs however many it sees', () => {
    const r = new ShardRouter(2, 8);
    let most = 0;
    for (let h = 1; h <= 1000; h++) {
      expect(r.direct(h)).toBe(h % 2);
      most = Math.max(most, r.remembered);
    }
    expect(most).toBeLessThanOrEqual(8);
    expect(r.remembered).toBeGreaterThan(0);
  });

  it('routes a tunnel to the shard of a pair it saw before, and pins the new pair there', () => {
    const r = new ShardRouter(2, 64);
    r.direct(11); // shard 1
    // outer pair 20 (shard 0 by its hash) carries the inner pair 11: the packet goes where 11's sessions are
    expect(r.tunnelled([20, 11], false)).toBe(1);
    expect(r.split).toBe(0);
    // and the outer pair follows it from now on
    expect(r.direct(20)).toBe(1);
  });

  it('keeps a pair that keeps coming while others are forgotten', () => {
    const r = new ShardRouter(2, 4);
    for (let h = 100; h < 140; h += 2) {
      r.direct(7);
      r.direct(h + 1);
    }
    r.direct(9);
    // 9 and 7 are both remembered (and both on shard 1): no pair is unknown, nothing split
    expect(r.tunnelled([9, 7], false)).toBe(1);
    expect(r.split).toBe(0);
  });

  it('once pairs were forgotten, a tunnel with a pair it does not remember counts as split (the run goes on in one thread)', () => {
    const r = new ShardRouter(2, 4);
    for (let h = 1; h <= 10; h++) r.direct(h);
    // 1 was seen on shard 1 and forgotten since: a tunnel carrying it may belong there, or not
    r.tunnelled([2000, 1], false);
    expect(r.split).toBeGreaterThan(0);
  });

  it('never forgets before `kept` pairs were seen: a new tunnel pair is simply pinned', () => {
    const r = new ShardRouter(2, 64);
    for (let h = 1; h <= 10; h++) r.direct(h);
    expect(r.tunnelled([3, 1000], false)).toBe(1);
    expect(r.split).toBe(0);
    expect(r.direct(1000)).toBe(1);
  });

  it('the first swap of its two halves forgets nothing: a new tunnel pair after it is simply pinned', () => {
    const r = new ShardRouter(2, 8);
    // 4 pairs fill the recent half (kept / 2): it becomes the older half, nothing is dropped yet
    for (let h = 1; h <= 4; h++) r.direct(h);
    expect(r.remembered).toBe(4);
    expect(r.tunnelled([3, 1001], false)).toBe(1);
    expect(r.split).toBe(0);
  });
});
