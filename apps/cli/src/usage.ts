// What the CLI prints for --help, and for a mistake in one command's line.
export const USAGE = `advscreen: screen images for adversarial perturbations

Usage:
  advscreen scan <folder | s3://bucket/prefix> [--out verdicts.jsonl] [--quarantine <folder | s3://bucket/prefix>]
                 [--calibration calibration.json] [--detector-model model.json] [--baseline]
                 [--model spec.json | --model default] [--model-checks checks.json] [--no-consistency]
                 [--threshold N] [--concurrency N] [--json]
  advscreen calibrate <folder | s3://bucket/prefix of clean images> --out calibration.json [--target-fpr 0.01]
                 [--group-pattern REGEX] [--detector-model model.json]
  advscreen calibrate-model <folder | s3://bucket/prefix of clean images> --out checks.json [--model spec.json]
                 [--target-fpr 0.01] [--squeezers jpeg50,median2x2] [--confidence-exceedance 0.001]
                 [--margin-exceedance 0.002] [--calibration calibration.json] [--detector-model model.json]
                 [--group-pattern REGEX]
  advscreen train-detector --manifest manifest.jsonl --out model.json [--l2 0.01] [--folds 5] [--target-fpr 0.01]
                 [--jpeg-reencode 70,75,80,85,90,95,96,98,100 | none] [--jpeg-chroma 4:2:0,4:4:4,4:2:2]
                 [--webp-reencode 70,80,90,95 | none] [--avif-reencode 40,55,70,85 | none] [--avif-effort 2]
                 [--train-only attacks.jsonl] [--balance-attacks] [--stripes-share 0.5]
  advscreen worker ingest|detector|inference|monitor
  advscreen enqueue s3://bucket/prefix
  advscreen report [--days 7] [--json]
  advscreen retry-failed [--queue ingest|detect|infer|events|alerts ...]
  advscreen attack square --manifest manifest.jsonl --out DIR [--eps 4/255,8/255] [--queries 1000] [--seed 1] [--start stripes|clean]
                 [--model spec.json] [--jpeg-quality 90] [--limit N]
  advscreen attack deepfool --manifest manifest.jsonl --out DIR [--overshoot 0.02,0.5] [--steps 50]
                 [--on logits|probabilities] [--rounded] [--model spec.json] [--jpeg-quality 90] [--limit N]
  advscreen attack fgsm|pgd --manifest manifest.jsonl --out DIR [--eps 4/255,8/255] [--steps 10] [--seed 1]
                 [--on logits|probabilities] [--grey-axis] [--keep-flat] [--through-jpeg 50] [--through-shift 2]
                 [--model spec.json] [--jpeg-quality 90] [--limit N]
  advscreen attack cw --manifest manifest.jsonl --out DIR [--c 1] [--steps 100] [--model spec.json] [--limit N]

Environment: see README.md (ADVSCREEN_* variables, AWS credentials).`;

/**
 * The usage lines of one command (its first line and the continuation lines under it), or the
 * whole text for no command or one it does not name.
 */
export function usageOf(command: string | undefined): string {
  const lines = USAGE.split('\n');
  const own: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (/^ {2}advscreen /.test(line)) inside = line.startsWith(`  advscreen ${command} `);
    else if (!/^ {3,}/.test(line)) inside = false;
    if (inside) own.push(line);
  }
  if (own.length === 0) return USAGE;
  return `Usage:\n${own.join('\n')}\n\nadvscreen --help lists every command.`;
}
