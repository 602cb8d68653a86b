import type { VerdictRecord } from '@advscreen/contracts';
import { hashedKey, type ObjectStore, storableKey } from '@advscreen/storage';

export const SIDECAR_SUFFIX = '.advscreen.json';

export interface QuarantineTarget {
  store: ObjectStore;
  prefix: string;
}

export interface QuarantineProvenance {
  /** Where the original lives, e.g. `s3://uploads` or `/data/in`. */
  sourceLocation: string;
  /** Who sent it, when attributed (fleet: object metadata or key pattern). */
  sender?: string;
}

/**
 * S3 user metadata: small scalar fields only (S3 caps all metadata at 2 KB); the full record
 * goes in the sidecar.
 */
export function quarantineMetadata(
  record: VerdictRecord,
  provenance: QuarantineProvenance,
): Record<string, string> {
  return {
    'advscreen-verdict': record.verdict,
    'advscreen-score': String(record.score),
    'advscreen-threshold': String(record.threshold),
    'advscreen-detector': record.detector,
    'advscreen-source': `${provenance.sourceLocation}/${record.key}`,
    ...(provenance.sender ? { 'advscreen-sender': provenance.sender } : {}),
  };
}

/**
 * Copies a suspicious image into quarantine with its verdict: user metadata on the copy, and
 * a JSON sidecar `<key>.advscreen.json` with score, signals, threshold and provenance (under
 * `~<sha256 of key>` where the key cannot be filed as it is, storableKey, or ends like a sidecar). The original is
 * never touched.
 */
export async function quarantineImage(
  target: QuarantineTarget,
  bytes: Buffer,
  record: VerdictRecord,
  provenance: QuarantineProvenance,
): Promise<string> {
  // An upload named like a sidecar (`a.png.advscreen.json`) would be copied over a.png's sidecar.
  const fileAs = record.key.endsWith(SIDECAR_SUFFIX) ? hashedKey : storableKey;
  const key = fileAs(target.prefix, record.key);
  await target.store.put(key, bytes, { metadata: quarantineMetadata(record, provenance) });
  const sidecar = {
    ...record,
    source: {
      location: provenance.sourceLocation,
      key: record.key,
      ...(provenance.sender ? { sender: provenance.sender } : {}),
    },
  };
  const sidecarKey = fileAs(target.prefix, record.key, SIDECAR_SUFFIX);
  await target.store.put(sidecarKey, Buffer.from(`${JSON.stringify(sidecar, null, 2)}\n`), {
    contentType: 'application/json',
  });
  return key;
}
