import path from 'node:path';

/** A store's location (`s3://bucket`, or a folder's absolute path) and a key prefix in it. */
export interface KeyedLocation {
  location: string;
  prefix: string;
}

const isS3 = (location: string) => location.startsWith('s3://');

/** `child`'s keys as keys of `parent`'s store: the prefix they sit under, or null when apart. */
function prefixWithin(parent: KeyedLocation, child: KeyedLocation): string | null {
  if (parent.location === child.location) return child.prefix;
  if (isS3(parent.location) || isS3(child.location)) return null;
  const relative = path.relative(parent.location, child.location);
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return null;
  return [...relative.split(path.sep), child.prefix].filter((part) => part !== '').join('/');
}

/**
 * Which keys of a scanned location the scan writes itself: its verdicts file and its quarantine
 * (copies and sidecars), when they lie inside it. Screening them again, as a second scan of the
 * same folder did, flagged last run's quarantined copies anew, refused their sidecars as not
 * images, and read the verdicts file, emptied as it is reopened, as `empty`. A quarantine at the
 * scanned location's own root cannot be told from the images; only its sidecars are left out.
 */
export function ownOutputKeys(
  source: KeyedLocation,
  outputs: {
    verdictsFile?: string | undefined;
    quarantine?: KeyedLocation | undefined;
    sidecarSuffix: string;
  },
): (key: string) => boolean {
  const fileKey = outputs.verdictsFile
    ? prefixWithin(source, { location: path.resolve(outputs.verdictsFile), prefix: '' })
    : null;
  const quarantinePrefix = outputs.quarantine ? prefixWithin(source, outputs.quarantine) : null;
  const under = quarantinePrefix === null ? null : quarantinePrefix.replace(/\/+$/, '');
  return (key) =>
    key === fileKey ||
    (under !== null &&
      (under === '' ? key.endsWith(outputs.sidecarSuffix) : key === under || key.startsWith(`${under}/`)));
}
