/**
 * AWS KMS's answer to a request beyond what it will take now: ThrottlingException (HTTP 400),
 * with the message AWS documents on "Throttling AWS KMS requests" and "Request quotas"
 * (https://docs.aws.amazon.com/kms/latest/developerguide/throttling.html). The AWS SDKs retry
 * it with back-off, so every refusal Trent makes for load (a full RSA key pair queue, a request
 * quota under TRENT_QUOTAS=aws) uses this one answer.
 */
import { KmsError } from "./kms-errors.js";

export const throttlingMessage =
  "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.";

export function throttlingException(): KmsError {
  return new KmsError("ThrottlingException", throttlingMessage);
}
