export {
  type ProbabilitiesOf,
  type SquareAttackOptions,
  type SquareAttackResult,
  seededRandom,
  squareAttack,
} from './square-attack.ts';
