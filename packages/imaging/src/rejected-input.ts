import type { RejectReason } from '@advscreen/contracts';

/** An input that can never be screened: final, never retried. */
export class RejectedInputError extends Error {
  override name = 'RejectedInputError';
  readonly reason: RejectReason;
  /** What a refused file's bytes are, when recognised (`SVG`, `PDF`): scriptable formats libvips would render. */
  readonly refusedFormat: string | null;
  constructor(reason: RejectReason, message: string, refusedFormat: string | null = null) {
    super(message);
    this.reason = reason;
    this.refusedFormat = refusedFormat;
  }
}
