/** A file the user named (a model, a calibration, a spec, a manifest) that cannot be read or is not what it should be. */
export class InvalidInputFileError extends Error {
  override name = 'InvalidInputFileError';
}
