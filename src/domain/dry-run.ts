/**
 * DryRun: the operation runs every check it would run for real (key, state, usage, algorithm,
 * input), then answers DryRunOperationException (HTTP 412) instead of doing the work.
 * https://docs.aws.amazon.com/kms/latest/developerguide/testing-permissions.html
 */
import { KmsError } from "../vocabulary/kms-errors.js";

export function dryRunSucceeded(): KmsError {
  return new KmsError(
    "DryRunOperationException",
    "The request would have succeeded, but the DryRun option is set.",
  );
}
