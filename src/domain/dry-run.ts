/**
 * DryRun: the operation runs every check it would run for real (key, state, usage, algorithm,
 * input), then answers DryRunOperationException instead of doing the work.
 * https://docs.aws.amazon.com/kms/latest/developerguide/testing-permissions.html
 *
 * The HTTP status is a per-operation fact. The model and every API reference page say 412, but
 * AWS answered GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext dry runs with 400
 * (recorded 2025-04-06 and 2025-04-07). No recording exists for the other operations, so their
 * documented 412 stands; the recordings hint that AWS's front end may answer 400 for all of them
 * (test/fixtures/aws-recordings/ANALYSIS.md, "Results").
 */
import { KmsError } from "../vocabulary/kms-errors.js";

interface DryRunAnswer {
  readonly status: number;
  readonly source: string;
}

const documented: DryRunAnswer = {
  status: 412,
  source: "the operation's API reference page (Errors) and the model",
};

/** Every operation with a DryRun member (checked against the model by a unit test). */
export const dryRunAnswers = {
  CreateGrant: documented,
  Decrypt: documented,
  DeriveSharedSecret: documented,
  Encrypt: documented,
  GenerateDataKey: documented,
  GenerateDataKeyPair: {
    status: 400,
    source: "LocalStack test_generate_data_key_pair_dry_run, recorded 2025-04-06",
  },
  GenerateDataKeyPairWithoutPlaintext: {
    status: 400,
    source: "LocalStack test_generate_data_key_pair_without_plaintext_dry_run, recorded 2025-04-07",
  },
  GenerateDataKeyWithoutPlaintext: documented,
  GenerateMac: documented,
  ReEncrypt: documented,
  RetireGrant: documented,
  RevokeGrant: documented,
  Sign: documented,
  Verify: documented,
  VerifyMac: documented,
} as const satisfies Record<string, DryRunAnswer>;

export type DryRunOperation = keyof typeof dryRunAnswers;

export function dryRunSucceeded(operation: DryRunOperation): KmsError {
  return new KmsError(
    "DryRunOperationException",
    "The request would have succeeded, but the DryRun option is set.",
    { status: dryRunAnswers[operation].status },
  );
}
