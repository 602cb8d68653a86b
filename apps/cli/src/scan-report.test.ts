import type { ScanSummary } from '@advscreen/pipeline';
import { describe, expect, it } from 'vitest';
import { formatScanSummaryText, toScanReport } from './scan-report.ts';

const summary = (
  adversarialByLayer: ScanSummary['adversarialByLayer'],
  adversarial: number,
): ScanSummary => ({
  total: 10,
  counts: { clean: 10 - adversarial - 1, adversarial, rejected: 1 },
  adversarialByLayer,
  rejectedReasons: { not_an_image: 1 },
  quarantined: 0,
  quarantineFailures: 0,
  elapsedMs: 2000,
  slowest: [],
  aborted: false,
});
const context = {
  source: 'photos',
  out: 'v.jsonl',
  detector: 'residual-cooccurrence@13',
  threshold: 0,
  thresholdSource: 'the bundled default',
  model: null,
  quarantine: null,
  queryHistory: false,
};

describe('formatScanSummaryText', () => {
  it('says which checks quarantined the adversarial images, in cascade order', () => {
    const text = formatScanSummaryText(
      toScanReport(summary({ sanity: 1, detector: 2, 'query-history': 1 }, 4), context),
    );
    expect(text).toContain('  adversarial  4 ');
    expect(text).toContain('by detector 2, query-history 1, sanity 1\n');
    expect(text).toContain('rejected     1   (not_an_image 1)');
  });

  it("writes out the control characters of a file's name (a hostile folder's), not to the terminal", () => {
    const text = formatScanSummaryText(
      toScanReport(
        { ...summary({ detector: 1 }, 1), slowest: [{ key: 'a\u001b[31mb.png', ms: 5 }] },
        context,
      ),
    );
    expect(text).toContain('Slowest: a\\u001b[31mb.png (5 ms)');
    expect(text).not.toContain('\u001b');
  });

  it('leaves the line out when the detector decided every one', () => {
    const text = formatScanSummaryText(toScanReport(summary({ detector: 3 }, 3), context));
    expect(text).not.toContain(' by ');
    expect(toScanReport(summary({ detector: 3 }, 3), context).adversarialByLayer).toEqual({ detector: 3 });
  });
});
