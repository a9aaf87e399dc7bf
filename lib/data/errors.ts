/** Errors raised for data that cannot be read as what it claims to be. */
export class DataError extends Error {
  constructor(
    message: string,
    /** The file the problem was found in, when there is one. */
    readonly file?: string,
  ) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'DataError';
  }
}
