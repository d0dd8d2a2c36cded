// Which catalogue patterns name a tool's own infrastructure and which name infrastructure many parties share
// (clouds, CDNs, code hosts, download portals, vendors with many products): the downgrade list of the
// remote-access detector, as data. Pure.
//
// Confidence of a pattern (remote-access.ts uses it as the hit's confidence):
// - high ("tool"): a name under a domain registered to the tool's vendor (`*.anydesk.com`, `router15.teamviewer.com`);
// - medium ("tenant"): a tenant's name on a shared platform (a bucket `x.s3.amazonaws.com`, an app
//   `x.azurewebsites.net`, `remotedesktop.google.com`): the name is the tool's, but the platform's addresses and
//   certificates serve everybody, and other software (a downloader, a browser) reaches such names too;
// - low ("shared"): a name everybody uses (`github.com`, `raw.githubusercontent.com`, a public STUN server, a
//   download portal's page), or a wildcard over a whole provider or multi-product vendor (`*.amazonaws.com`,
//   `*.zoho.com`, `*.sophos.com`): a match says little about the tool.
import { parse } from 'tldts';
import type { Confidence } from '../types.js';
import type { HostPattern } from './host-pattern.js';

/** Sites whose every name is shared by all their users: a match on any of them is low. */
export const SHARED_SITES: readonly string[] = [
  'github.com', 'githubusercontent.com', 'ghcr.io', // code hosting: releases and raw files of every project
  'stunprotocol.org', // a public STUN server (HelpWire lists stunserver.stunprotocol.org)
  'softonic.com', 'informer.com', // download portals: a tool's page there is not the tool
  'apache.org', // the Apache Software Foundation's project sites
];

/**
 * Providers whose names belong to many tenants (clouds, CDNs, realtime services, big platforms) and that the
 * Public Suffix List does not split (the PSL's private section splits s3.amazonaws.com, azurewebsites.net,
 * firebaseapp.com, github.io, pages.dev, ...: those are recognised from it). A tenant's name below one of them
 * is medium; the provider itself or a wildcard over it is low.
 */
export const SHARED_PROVIDERS: readonly string[] = [
  'amazonaws.com', 'cloudfront.net', 'awsglobalaccelerator.com',
  'azure.com', 'azurewebsites.net', 'windows.net', 'azureedge.net', 'cloudapp.net', 'trafficmanager.net', 'msedge.net',
  'cloudflare.net', 'cloudflare.com', 'cloudflarestorage.com', 'r2.dev', 'workers.dev',
  'akamai.net', 'akamaiedge.net', 'akamaized.net', 'akamaihd.net', 'edgekey.net', 'edgesuite.net', 'fastly.net', 'fastlylb.net',
  'googleapis.com', 'googleusercontent.com', 'gstatic.com', 'appspot.com', 'google.com', 'microsoft.com', 'live.com',
  'pubnubapi.com', 'herokuapp.com', 'digitaloceanspaces.com',
];

/** Vendors with many unrelated products: a wildcard over their whole domain matches all of them (low). */
export const BROAD_VENDORS: readonly string[] = [
  'zoho.com', 'zoho.eu', 'zoho.in', 'zoho.com.au', 'zoho.com.cn', // Zoho Assist's `*.zoho.com` is also Zoho Mail, CRM, ...
  'sophos.com', 'sophosupd.com', 'sophosupd.net', // endpoint protection updates
  'ivanti.com', 'manageengine.com', 'parallels.com', 'qq.com',
  'freshworks.com', 'myfreshworks.com', 'freshchat.com', 'freshworksapi.com', // Freshservice: a help-desk SaaS family
];

export type Infra = 'tool' | 'tenant' | 'shared';

const SITES = new Set(SHARED_SITES);
const PROVIDERS = new Set(SHARED_PROVIDERS);
const VENDORS = new Set(BROAD_VENDORS);
const PSL_ALL = { extractHostname: false, validateHostname: false, detectIp: false, allowPrivateDomains: true } as const;

/** The domain itself or the first of its parents in `set`, else null. */
function within(host: string, set: ReadonlySet<string>): string | null {
  for (let d = host; ; ) {
    if (set.has(d)) return d;
    const dot = d.indexOf('.');
    if (dot < 0) return null;
    d = d.slice(dot + 1);
  }
}

/** Whose infrastructure a pattern names (the rule is in the file header). */
export function patternInfra(p: HostPattern): Infra {
  const fixed = p.fixed;
  const wild = p.kind !== 'exact';
  if (within(fixed, SITES) !== null) return 'shared';
  const psl = parse(fixed, PSL_ALL);
  // nothing registrable, or a wildcard over a suffix of the PSL's private section (`*.s3.amazonaws.com`)
  if (psl.domain === null || (wild && psl.publicSuffix === fixed)) return 'shared';
  const provider = within(fixed, PROVIDERS);
  if (provider !== null) return provider === fixed ? 'shared' : 'tenant';
  if (wild && VENDORS.has(fixed)) return 'shared';
  if (psl.isPrivate === true) return 'tenant';
  return 'tool';
}

export const INFRA_CONFIDENCE: Readonly<Record<Infra, Confidence>> = { tool: 'high', tenant: 'medium', shared: 'low' };
