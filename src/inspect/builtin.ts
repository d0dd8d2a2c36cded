// The content detectors every inspection runs: financial and personal data (pii.ts) and secrets
// (detectors/secrets.ts). Rule files (gitleaks) add theirs beside these.
import { SECRET_DETECTORS } from './detectors/secrets.js';
import { allPiiDetectors } from './pii.js';
import type { Detector } from './types.js';

export function builtinDetectors(): Detector[] {
  return [...allPiiDetectors(), ...SECRET_DETECTORS];
}
