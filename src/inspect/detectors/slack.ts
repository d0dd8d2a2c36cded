// Slack tokens (xoxb- bot, xoxp- user, xoxa- app, xoxr- refresh, xoxs- session) and incoming-webhook URLs.
//
// Confidence: high for a token of a documented layout (xoxb-<8-14 digits>-<8-14 digits>-<24 base62>;
// xoxp-<digits>-<digits>-<digits>-<32 hex>) and for a hooks.slack.com/services/T…/B…/<24 base62> webhook;
// medium for other tokens of the xox?- family with at least 2 dash-separated parts and 24+ characters after the
// prefix, and for /workflows/ and /triggers/ webhook URLs. Shorter ones are not reported.
import type { Detector, Hit } from '../types.js';
import { maskSecret } from './secret-mask.js';

const TOKEN = /(?<![A-Za-z0-9_-])xox([bpars])-([A-Za-z0-9-]{24,250})(?![A-Za-z0-9_-])/g;
const HOOK = /https?:\/\/hooks\.slack\.com\/(services|workflows|triggers)\/([A-Za-z0-9_/-]{20,200})/g;

const BOT = /^\d{8,14}-\d{8,14}-[A-Za-z0-9]{24}$/;
const USER = /^\d{8,14}-\d{8,14}-\d{8,14}-[a-f0-9]{32}$/;
const SERVICES = /^T[A-Z0-9]{8,12}\/B[A-Z0-9]{8,12}\/[A-Za-z0-9]{24}$/;

const KINDS: Readonly<Record<string, string>> = {
  b: 'bot token',
  p: 'user token',
  a: 'app token',
  r: 'refresh token',
  s: 'session token',
};

function detect(text: string): Hit[] {
  const hits: Hit[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    const kind = m[1]!;
    const rest = m[2]!;
    const documented = (kind === 'b' && BOT.test(rest)) || (kind === 'p' && USER.test(rest));
    if (!documented && rest.split('-').filter((x) => x !== '').length < 2) continue;
    hits.push({
      detector: 'slack_token',
      category: 'secret',
      confidence: documented ? 'high' : 'medium',
      offset: m.index,
      length: m[0].length,
      value: m[0],
      masked: maskSecret(m[0], 5),
      validations: documented ? ['layout'] : ['shape'],
      contextTerms: [],
      testValue: false,
      note: KINDS[kind]!,
    });
  }
  HOOK.lastIndex = 0;
  for (let m = HOOK.exec(text); m !== null; m = HOOK.exec(text)) {
    const path = m[2]!.replace(/\/+$/, '');
    const documented = m[1] === 'services' && SERVICES.test(path);
    if (m[1] === 'services' && !documented) continue;
    const url = m[0].slice(0, m[0].length - (m[2]!.length - path.length));
    const prefix = url.length - path.length;
    hits.push({
      detector: 'slack_token',
      category: 'secret',
      confidence: documented ? 'high' : 'medium',
      offset: m.index,
      length: url.length,
      value: url,
      masked: url.slice(0, prefix) + maskSecret(path),
      validations: documented ? ['layout'] : ['shape'],
      contextTerms: [],
      testValue: false,
      note: `webhook (${m[1]!})`,
    });
  }
  return hits.sort((a, b) => a.offset - b.offset);
}

/** Slack tokens and webhook URLs (see the header for the confidence rule). */
export const slack: Detector = {
  name: 'slack_token',
  category: 'secret',
  keywords: ['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-', 'hooks.slack.com'],
  detect,
};
