// npm run bench:scan -- [folder] [--concurrency N] [--repeat N] [--baseline]
// Screens a folder with the embedded scan's code path and prints images/s.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import { createArticleBaselineScorer, createResidualScorer, loadDetectorModel } from '@advscreen/detection';
import { scanLocation } from '@advscreen/pipeline';
import { LocalFolderStore } from '@advscreen/storage';
import { describeMachine } from './machine.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    concurrency: { type: 'string', default: '4' },
    repeat: { type: 'string', default: '3' },
    baseline: { type: 'boolean', default: false },
  },
});
const devCorpus = path.resolve(import.meta.dirname, '../../shared/corpus/dev');
const folder =
  positionals[0] ?? (existsSync(devCorpus) ? devCorpus : path.resolve(import.meta.dirname, '../samples'));
const config = loadConfig();
const scorer = values.baseline ? createArticleBaselineScorer() : createResidualScorer(loadDetectorModel());
const concurrency = Number(values.concurrency);

console.log(`bench:scan  ${folder}`);
console.log(`machine     ${describeMachine()}`);
console.log(
  `detector    ${scorer.name}, concurrency ${concurrency}, analysis ${config.decode.analysisSize}px`,
);
for (let run = 1; run <= Number(values.repeat); run++) {
  const summary = await scanLocation({
    source: { store: new LocalFolderStore(folder), prefix: '' },
    scorer,
    limits: config.decode,
    concurrency,
    onRecord: () => {},
  });
  const rate = (summary.total * 1000) / summary.elapsedMs;
  console.log(
    `run ${run}: ${summary.total} files in ${(summary.elapsedMs / 1000).toFixed(2)} s = ${rate.toFixed(1)} images/s ` +
      `(clean ${summary.counts.clean}, adversarial ${summary.counts.adversarial}, rejected ${summary.counts.rejected})`,
  );
}
