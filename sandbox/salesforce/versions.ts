import { SalesforceError } from './errors.js';

/** The newest API version (Winter '27); FACTS §4 sees v65–v68 documented in 2026. */
export const LATEST_VERSION = 68;
/** Versions 21.0–30.0 were retired in Summer '25; 31.0 is the oldest still served. */
export const OLDEST_VERSION = 31;

const SEASONS = ['Winter', 'Spring', 'Summer'] as const;

/** "Winter '26" for 65.0: three releases a year, Winter named for the next year. */
function labelOf(major: number): string {
  // 62.0 was Winter '25; each step is the next release in Spring, Summer, Winter order.
  const steps = major - 62;
  const season = SEASONS[((steps % 3) + 3) % 3] as (typeof SEASONS)[number];
  const year = 25 + Math.floor(steps / 3);
  return `${season} '${String(year).padStart(2, '0')}`;
}

/** `GET /services/data/`: every served version, oldest first. */
export function versionList(): { label: string; url: string; version: string }[] {
  const list = [];
  for (let major = OLDEST_VERSION; major <= LATEST_VERSION; major++) {
    list.push({ label: labelOf(major), url: `/services/data/v${major}.0`, version: `${major}.0` });
  }
  return list;
}

/** The `vXX.X` path segment as a version string, or Salesforce's 404 for one it does not serve. */
export function apiVersion(segment: string): string {
  const match = /^v(\d+)\.0$/.exec(segment);
  const major = match ? Number(match[1]) : NaN;
  if (!(major >= OLDEST_VERSION && major <= LATEST_VERSION)) {
    throw new SalesforceError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }
  return `${major}.0`;
}
