// The findings screen's choices as filter text: each part a term of the filter language over `findings`, values
// matched literally, confidence as "at least".
import { describe, expect, it } from 'vitest';
import { FINDINGS } from '../schema/findings.js';
import { compileFilter, parseFilter } from './filter.js';
import { andFilters, findingsFilterText } from './findings-filter.js';

const row = (o: Record<string, unknown>): Record<string, unknown> => ({ detector: 'payment_card', category: 'financial', confidence: 'high', test_value: false, src_ip: '10.0.0.1', dst_ip: null, ...o });
const keeps = (text: string, r: Record<string, unknown>): boolean => compileFilter(parseFilter(text, FINDINGS))(row(r));

describe('findings filter text', () => {
  it('leaves test values out unless asked, and nothing else by default', () => {
    expect(findingsFilterText({})).toBe('test_value = false');
    expect(findingsFilterText({ tests: true })).toBe('');
    expect(keeps(findingsFilterText({}), { test_value: true })).toBe(false);
    expect(keeps(findingsFilterText({}), {})).toBe(true);
  });

  it('keeps the least confidence and every one above it', () => {
    const at = (min: 'high' | 'medium' | 'low'): string[] => ['high', 'medium', 'low'].filter((c) => { const t = findingsFilterText({ minConfidence: min, tests: true }); return t === '' || keeps(t, { confidence: c }); });
    expect(at('high')).toEqual(['high']);
    expect(at('medium')).toEqual(['high', 'medium']);
    expect(at('low')).toEqual(['high', 'medium', 'low']);
  });

  it('matches names with quotes and backslashes literally, and a missing host as null', () => {
    const name = `gitleaks:o'brien"x\\`;
    const t = findingsFilterText({ detector: name, category: 'secret', host: { field: 'dst_ip', value: null } });
    expect(keeps(t, { detector: name, category: 'secret' })).toBe(true);
    expect(keeps(t, { detector: 'gitleaks:o\'brien"x', category: 'secret' })).toBe(false);
    expect(keeps(t, { detector: name, category: 'secret', dst_ip: '10.0.0.2' })).toBe(false);
  });

  it('ANDs two filters, keeping an "or" whole', () => {
    expect(andFilters('', 'a')).toBe('a');
    expect(andFilters('a', ' ')).toBe('a');
    expect(andFilters('uid = "x" or uid = "y"', 'test_value = false')).toBe('(uid = "x" or uid = "y") and test_value = false');
    const t = andFilters('app_proto = "http" or app_proto = "dns"', findingsFilterText({}));
    expect(keeps(t, { app_proto: 'dns', test_value: true })).toBe(false);
    expect(keeps(t, { app_proto: 'dns' })).toBe(true);
  });
});
