import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import type { DetectorReading } from '@advscreen/contracts';
import { calibrateThreshold } from '@advscreen/detection';
import { decodeImage } from '@advscreen/imaging';
import {
  BUNDLED_MODEL_SPEC,
  createOnnxModel,
  decisionMargin,
  fitConfidenceBound,
  fitMarginBound,
  inspectImages,
  type JointEvidence,
  jointThreshold,
  loadModelChecks,
  loadModelSpec,
  type ModelChecksFile,
  Squeezer,
  sanityShareOf,
  usesTranslatedCopy,
} from '@advscreen/inference';
import { detectorReading, inputRejectionOf } from '@advscreen/pipeline';
import { createS3Client } from '@advscreen/storage';
import { describeGroupSplit, parseGroupPattern } from '../group-pattern.ts';
import { sourceLocation } from '../locations.ts';
import { chooseScorer } from '../scorer-options.ts';
import { UsageError } from '../usage-error.ts';

/**
 * `advscreen calibrate-model <clean images> --out checks.json`: the consistency threshold at a
 * target false-positive rate (fitted on two thirds, measured on the rest), the confidence
 * bound (the tail of the clean sample's top-class probabilities at a target exceedance) and, for
 * classifiers, the decision-margin bound (the low tail of the top-two margins), for one model.
 */
export async function runCalibrateModelCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      model: { type: 'string' },
      'target-fpr': { type: 'string', default: '0.01' },
      squeezers: { type: 'string', default: 'jpeg50' },
      'confidence-exceedance': { type: 'string', default: '0.001' },
      'margin-exceedance': { type: 'string', default: '0.002' },
      // The detector in front of the model, as the scan runs it: the joint rule gets what it leaves of the budget.
      'detector-model': { type: 'string' },
      calibration: { type: 'string' },
      'group-pattern': { type: 'string' },
    },
  });
  if (positionals.length !== 1 || !values.out) {
    throw new UsageError(
      'calibrate-model takes one folder or s3://bucket/prefix of clean images and --out FILE',
    );
  }
  const targetFpr = Number(values['target-fpr']);
  const exceedance = Number(values['confidence-exceedance']);
  const marginExceedance = Number(values['margin-exceedance']);
  if (![targetFpr, exceedance, marginExceedance].every((x) => x > 0 && x < 1)) {
    throw new UsageError('--target-fpr, --confidence-exceedance and --margin-exceedance must be in (0, 1)');
  }
  const groupOf = parseGroupPattern(values['group-pattern']);
  const squeezers = values.squeezers.split(',').map((name) => {
    const parsed = Squeezer.safeParse(name);
    if (!parsed.success) throw new UsageError(`unknown squeezer ${name}: use ${Squeezer.options.join(', ')}`);
    return parsed.data;
  });
  const config = loadConfig();
  const spec = loadModelSpec(values.model ?? BUNDLED_MODEL_SPEC);
  // A joint rule needs attacks to fit (scripts/fit-joint-rule.ts); clean traffic can only move
  // its threshold, and only for the squeezers it was fitted with.
  const previous = spec.checksPath ? loadModelChecks(spec.checksPath) : undefined;
  const joint =
    previous?.joint && previous.consistency.squeezers.join() === squeezers.join() ? previous.joint : null;
  const detector = joint
    ? chooseScorer(
        { 'detector-model': values['detector-model'], calibration: values.calibration },
        config.fleet,
      ).scorer
    : null;
  const model = await createOnnxModel(spec, config.fleet.executionProvider);
  const s3 = { client: undefined as ReturnType<typeof createS3Client> | undefined };
  const source = await sourceLocation(positionals[0] as string, () => {
    s3.client ??= createS3Client(config.s3);
    return s3.client;
  });
  try {
    // Per clean image: what the consistency threshold, the two bounds and the joint rule see.
    const observed: (JointEvidence & { key: string; detectorFlagged: boolean; margin: number | null })[] = [];
    let rejected = 0;
    for await (const object of source.store.list(source.prefix)) {
      let analysis: Awaited<ReturnType<typeof decodeImage>>['analysis'];
      let detected: DetectorReading = { detector: '', score: 0, jpegInput: false };
      try {
        const bytes = await source.store.read(object.key, config.decode.maxBytes);
        const decoded = await decodeImage(bytes, { ...config.decode, analysisSize: spec.input.size });
        analysis = decoded.analysis;
        if (detector) {
          const forDetector =
            spec.input.size === config.decode.analysisSize
              ? decoded
              : await decodeImage(bytes, config.decode);
          detected = detectorReading(detector.name, detector.score(forDetector.analysis, forDetector));
        }
      } catch (error) {
        if (inputRejectionOf(error) === null) throw error;
        rejected++;
        continue;
      }
      const [inspection] = await inspectImages(model, [analysis], {
        consistency: { squeezers, threshold: Number.POSITIVE_INFINITY },
        confidenceBound: null,
        translatedCopy: usesTranslatedCopy(joint),
      });
      if (!inspection) continue;
      observed.push({
        key: object.key,
        detectorScore: detected.score,
        jpegInput: detected.jpegInput,
        consistency: inspection.consistency ?? 0,
        topProbability: inspection.prediction?.probability ?? 0,
        marginDrop: inspection.marginDrop ?? 0,
        translated: inspection.translated,
        margin: decisionMargin(inspection.output),
        detectorFlagged: detector !== null && detected.score > detector.threshold,
      });
    }
    const samples = observed.map((o) => ({ key: o.key, score: o.consistency, group: groupOf(o.key) }));
    const topProbabilities = observed.map((o) => o.topProbability);
    const fit = calibrateThreshold(samples, targetFpr);
    const confidence = fitConfidenceBound(topProbabilities, exceedance);
    const margins = observed.flatMap((o) => (o.margin === null ? [] : [o.margin]));
    const margin = margins.length > 0 ? fitMarginBound(margins, marginExceedance) : null;
    const confidenceFit = { method: confidence.method, exceedance, images: confidence.images };
    const decisionMarginFit =
      margin?.bound != null
        ? { bound: margin.bound, exceedance: marginExceedance, images: margin.images }
        : undefined;
    // The joint rule leaves the sanity checks the share their bounds are set for.
    const sanityShare = sanityShareOf({ confidenceFit, decisionMargin: decisionMarginFit });
    const movedJoint = joint && detector ? { ...joint, sanityShare, detector: detector.name } : null;
    const checks: ModelChecksFile = {
      format: 'advscreen-model-checks',
      model: `${spec.id}@${spec.version}`,
      consistency: { squeezers, threshold: fit.threshold, targetFpr, expectedFpr: fit.expectedFpr },
      confidenceBound: confidence.bound,
      confidenceFit,
      ...(decisionMarginFit ? { decisionMargin: decisionMarginFit } : {}),
      ...(movedJoint ? { joint: { ...movedJoint, threshold: jointThreshold(movedJoint, observed) } } : {}),
      sample: { location: source.uri, images: samples.length },
      createdAt: new Date().toISOString(),
    };
    await writeFile(values.out, `${JSON.stringify(checks, null, 2)}\n`);
    const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
    process.stdout.write(
      `Calibrated the checks of ${checks.model} on ${samples.length} clean images from ${source.uri}${rejected > 0 ? ` (${rejected} rejected, not used)` : ''}.\n` +
        `Consistency (${squeezers.join(', ')}): threshold ${fit.threshold.toFixed(4)}; expected FPR on ${fit.expectedFpr.heldOut} held-out images${describeGroupSplit(samples)} ` +
        `${pct(fit.expectedFpr.estimate)} (95% interval ${pct(fit.expectedFpr.low)} to ${pct(fit.expectedFpr.high)}).\n` +
        `Confidence bound: ${confidence.bound} (${
          confidence.method === 'tail'
            ? `where the tail of the clean top-class probabilities (or detection scores) puts ${exceedance * 100}% of clean images above it`
            : 'the highest clean top-class probability or detection score: too few images for a tail fit, or it was higher'
        }; highest seen ${Math.max(...topProbabilities)}).\n` +
        (margin
          ? margin.bound !== null
            ? `Decision-margin bound: ${margin.bound.toFixed(4)} (log p1 - log p2; the low tail of the clean margins puts ${marginExceedance * 100}% of clean images below it; lowest seen ${Math.min(...margins).toFixed(4)}).\n`
            : `No decision-margin bound: ${margin.images} images are too few for its tail fit (10 at least).\n`
          : '') +
        (checks.joint
          ? checks.joint.threshold === Number.MAX_VALUE
            ? `Joint rule (fitted on labelled corpora, from ${spec.checksPath}): off, it never fires: the detector already flags ${observed.filter((o) => o.detectorFlagged).length} of these ${observed.length} images, the whole ${checks.joint.targetFpr * 100}% budget with the sanity checks (${(sanityShare * 100).toFixed(1)}%). Are they all clean? If so, run advscreen calibrate on them first and pass its file with --calibration.\n`
            : `Joint rule (fitted on labelled corpora, from ${spec.checksPath}): its threshold moved to ${checks.joint.threshold.toFixed(4)} so that it, the detector and the sanity checks (${(sanityShare * 100).toFixed(1)}%) flag ${checks.joint.targetFpr * 100}% of these images; the consistency threshold above applies only without it.\n`
          : previous?.joint
            ? `The model's joint rule was fitted with other squeezers (${previous.consistency.squeezers.join(', ')}) and is dropped: the consistency threshold above decides.\n`
            : '') +
        (fit.warning ? `Warning: ${fit.warning}.\n` : '') +
        `Written to ${values.out}.\n`,
    );
    return 0;
  } finally {
    await model.close();
    s3.client?.destroy();
  }
}
