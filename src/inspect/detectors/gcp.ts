// Google Cloud credentials: API keys (AIza + 35 characters of [A-Za-z0-9_-], 39 in all) and service-account key
// files (JSON with "type": "service_account" and a "private_key" PEM).
//
// Confidence: an API key is medium on its shape; high when a context word (GCP_CONTEXT) is within
// GCP_CONTEXT_WINDOW characters. A service-account key is high when its private_key's PEM body decodes to a DER
// SEQUENCE, medium when the field is there but does not decode so. The note names the project when the file
// gives one (project ids are not secret).
import type { Detector, Hit } from '../types.js';
import { decodeBase64 } from './secret-codec.js';
import { around, maskSecret, termsIn } from './secret-mask.js';

export const GCP_CONTEXT_WINDOW = 200;
/** how far from "type": "service_account" the private_key of the same file is looked for */
export const GCP_SA_WINDOW = 16 * 1024;
const GCP_CONTEXT = ['key=', 'api_key', 'apikey', 'api-key', 'googleapis', 'google', 'firebase', 'gcp', 'maps'];

const API_KEY = /(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g;
const SA_TYPE = /"type"\s*:\s*"service_account"/g;
const PRIVATE_KEY = /"private_key"\s*:\s*"(-----BEGIN PRIVATE KEY-----(?:\\n|\\r|[A-Za-z0-9+/=\s])+-----END PRIVATE KEY-----(?:\\n)?)"/;
const PROJECT = /"project_id"\s*:\s*"([a-z][a-z0-9-]{4,28}[a-z0-9])"/;

function apiKeys(text: string, hits: Hit[]): void {
  API_KEY.lastIndex = 0;
  for (let m = API_KEY.exec(text); m !== null; m = API_KEY.exec(text)) {
    const contextTerms = termsIn(around(text, m.index, m.index + m[0].length, GCP_CONTEXT_WINDOW), GCP_CONTEXT);
    hits.push({
      detector: 'gcp_credential',
      category: 'secret',
      confidence: contextTerms.length > 0 ? 'high' : 'medium',
      offset: m.index,
      length: m[0].length,
      value: m[0],
      masked: maskSecret(m[0], 4),
      validations: ['shape'],
      contextTerms,
      testValue: false,
      note: 'API key',
    });
  }
}

function serviceAccounts(text: string, hits: Hit[]): void {
  SA_TYPE.lastIndex = 0;
  let after = 0;
  for (let m = SA_TYPE.exec(text); m !== null; m = SA_TYPE.exec(text)) {
    const from = Math.max(after, m.index - GCP_SA_WINDOW);
    const win = text.slice(from, Math.min(text.length, m.index + GCP_SA_WINDOW));
    const k = PRIVATE_KEY.exec(win);
    if (k === null) continue;
    const pem = k[1]!;
    const body = pem
      .replace(/^-----BEGIN PRIVATE KEY-----/, '')
      .replace(/-----END PRIVATE KEY-----(?:\\n)?$/, '')
      .replace(/\\[nr]|\s/g, '');
    const der = decodeBase64(body);
    const ok = der !== null && der.length >= 40 && der[0] === 0x30;
    const project = PROJECT.exec(win)?.[1];
    const offset = from + k.index + k[0].indexOf('"', 13) + 1;
    hits.push({
      detector: 'gcp_credential',
      category: 'secret',
      confidence: ok ? 'high' : 'medium',
      offset,
      length: pem.length,
      value: body,
      masked: `-----BEGIN PRIVATE KEY----- ${maskSecret(body)}`,
      validations: ok ? ['service-account-json', 'base64', 'der'] : ['service-account-json'],
      contextTerms: [],
      testValue: false,
      note: project === undefined ? 'service account key' : `service account key, project ${project}`,
    });
    after = offset + pem.length;
    SA_TYPE.lastIndex = Math.max(SA_TYPE.lastIndex, after);
  }
}

function detect(text: string): Hit[] {
  const hits: Hit[] = [];
  apiKeys(text, hits);
  serviceAccounts(text, hits);
  return hits.sort((a, b) => a.offset - b.offset);
}

/** Google Cloud API keys and service-account keys (see the header for the confidence rule). */
export const gcp: Detector = {
  name: 'gcp_credential',
  category: 'secret',
  keywords: ['AIza', 'service_account'],
  detect,
};
