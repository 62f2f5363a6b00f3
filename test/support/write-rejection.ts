import { expect } from '@jest/globals';
import { WriteRejectedError } from '../../datasources/model.js';

/** The WriteRejectedError a write fails with (the test fails if it succeeds or fails otherwise). */
export async function rejectionOf(write: Promise<unknown>): Promise<WriteRejectedError> {
  const error = await write.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WriteRejectedError);
  return error as WriteRejectedError;
}
