// The built-in secret detectors, in one list for the engine.
import type { Detector } from '../types.js';
import { awsKeys } from './aws-keys.js';
import { gcp } from './gcp.js';
import { githubToken } from './github-token.js';
import { jwt } from './jwt.js';
import { pemPrivateKey } from './pem-private-key.js';
import { slack } from './slack.js';
import { stripe } from './stripe.js';

/** pem_private_key, aws_access_key, github_token, jwt, slack_token, stripe_key, gcp_credential */
export const SECRET_DETECTORS: readonly Detector[] = [pemPrivateKey, awsKeys, githubToken, jwt, slack, stripe, gcp];
