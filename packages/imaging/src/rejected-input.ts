import type { RejectReason } from '@advscreen/contracts';

/** An input that can never be screened: final, never retried. */
export class RejectedInputError extends Error {
  override name = 'RejectedInputError';
  readonly reason: RejectReason;
  constructor(reason: RejectReason, message: string) {
    super(message);
    this.reason = reason;
  }
}
