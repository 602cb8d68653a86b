export {
  type DeepFoolOptions,
  type DeepFoolResult,
  deepFool,
  type JacobianOf,
  type LogitJacobian,
} from './deepfool.ts';
export {
  type CwOptions,
  crossEntropySeed,
  cwL2,
  fgsm,
  flatPixels,
  type GradientVictim,
  type ImageTransform,
  type LossOptions,
  pgd,
} from './gradient-attacks.ts';
export { argmax } from './pixels.ts';
export {
  type ProbabilitiesOf,
  type SquareAttackOptions,
  type SquareAttackResult,
  seededRandom,
  squareAttack,
} from './square-attack.ts';
