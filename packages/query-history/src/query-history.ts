import { createHash } from 'node:crypto';
import type { RgbImage, VerdictRecord } from '@advscreen/contracts';
import { fingerprintDistance, isPlain, queryFingerprint } from './fingerprint.ts';

export interface QueryHistoryRule {
  /** Fingerprints at most this far apart (mean absolute grey difference) are near-duplicates. */
  radius: number;
  /** An upload is a repeated query when at least this many earlier uploads are near it. */
  neighbours: number;
  /** Uploads remembered per source (the most recent ones). */
  size: number;
  /** Uploads older than this are forgotten. */
  windowMs: number;
}

/** One remembered upload: what it looked like, which content it was, and when. */
export interface QueryEntry {
  /** Which bytes it was (8 bytes of a hash, hex), so a retry or a resent copy is not its own neighbour. */
  contentId: string;
  atMs: number;
  fingerprint: Uint8Array;
}

/** Where a source's recent uploads live: Redis in the fleet, memory in a single process. */
export interface QueryHistoryStore {
  /** Adds the entry to the source's history and returns the history as it was before. */
  recordAndRecall(source: string, entry: QueryEntry): Promise<QueryEntry[]>;
}

export interface QueryFinding {
  /** Distinct earlier uploads from the same source, inside the window, near this one. */
  neighbours: number;
  /** At least `rule.neighbours` of them: the pattern of a query-based attack. */
  repeated: boolean;
}

/**
 * The pure rule: how many distinct earlier uploads (other content, inside the window) lie
 * within the radius. A query attack searches around one image, so its uploads pile up there;
 * ordinary senders upload a few near-identical copies at most (re-encodes, a retry).
 */
export function findNeighbours(
  entry: QueryEntry,
  history: readonly QueryEntry[],
  rule: QueryHistoryRule,
): QueryFinding {
  const near = new Set<string>();
  for (const earlier of history) {
    if (earlier.contentId === entry.contentId || entry.atMs - earlier.atMs > rule.windowMs) continue;
    if (fingerprintDistance(entry.fingerprint, earlier.fingerprint) <= rule.radius)
      near.add(earlier.contentId);
  }
  return { neighbours: near.size, repeated: near.size >= rule.neighbours };
}

export const CONTENT_ID_BYTES = 8;

/** A short fixed-size id for the bytes behind an ETag or any other content identifier. */
function hashedContentId(identifier: string): string {
  return createHash('sha256')
    .update(identifier)
    .digest('hex')
    .slice(0, CONTENT_ID_BYTES * 2);
}

/** Records one upload of a source and says whether it repeats that source's recent queries. */
export interface QueryHistory {
  readonly rule: QueryHistoryRule;
  /** `content` identifies the bytes (an ETag, a hash): uploads of the same bytes are one upload. */
  inspect(source: string, upload: { content: string; atMs: number; image: RgbImage }): Promise<QueryFinding>;
}

export function createQueryHistory(store: QueryHistoryStore, rule: QueryHistoryRule): QueryHistory {
  return {
    rule,
    async inspect(source, upload) {
      const fingerprint = queryFingerprint(upload.image);
      // Neither remembered nor judged: a blind spot, written up in docs/query-history.md.
      if (isPlain(fingerprint)) return { neighbours: 0, repeated: false };
      const entry = { contentId: hashedContentId(upload.content), atMs: upload.atMs, fingerprint };
      return findNeighbours(entry, await store.recordAndRecall(source, entry), rule);
    },
  };
}

/**
 * A history kept in this process: for the embedded scan and benchmarks, not shared across
 * workers. Senders silent for a whole window are dropped once a window, as Redis expires them,
 * so a long scan of many senders holds about one window's uploads.
 */
export function createMemoryQueryHistoryStore(
  rule: Pick<QueryHistoryRule, 'size' | 'windowMs'>,
): QueryHistoryStore & { senders(): number } {
  const bySource = new Map<string, QueryEntry[]>();
  let sweptAtMs = Number.NEGATIVE_INFINITY;
  return {
    async recordAndRecall(source, entry) {
      if (entry.atMs - sweptAtMs > rule.windowMs) {
        for (const [sender, entries] of bySource)
          if (entry.atMs - (entries[0]?.atMs ?? Number.NEGATIVE_INFINITY) > rule.windowMs)
            bySource.delete(sender);
        sweptAtMs = entry.atMs;
      }
      const before = bySource.get(source) ?? [];
      bySource.set(source, [entry, ...before].slice(0, rule.size));
      return before;
    },
    senders: () => bySource.size,
  };
}

/**
 * A detector verdict with the query history's finding: the neighbour count always; a clean
 * verdict becomes `adversarial` (layer `query-history`) when the upload repeats recent queries.
 * Verdicts the detector already decided keep their layer.
 */
export function applyQueryFinding(
  record: VerdictRecord,
  finding: QueryFinding,
  rule: QueryHistoryRule,
): VerdictRecord {
  const counted = { ...record, nearDuplicates: finding.neighbours };
  if (!finding.repeated || record.verdict !== 'clean') return counted;
  return {
    ...counted,
    verdict: 'adversarial',
    layer: 'query-history',
    detail:
      `${finding.neighbours} earlier uploads from this sender in the last ${rule.windowMs / 60_000} min are ` +
      `near-duplicates of this one (within ${rule.radius} grey levels): a query attack searching around one image`,
  };
}

/** One upload of a sender through its query history: the verdict with the history's finding. */
export async function reviewUpload(
  history: QueryHistory,
  source: string,
  record: VerdictRecord,
  upload: { content: string; atMs: number; image: RgbImage },
): Promise<VerdictRecord> {
  return applyQueryFinding(record, await history.inspect(source, upload), history.rule);
}
