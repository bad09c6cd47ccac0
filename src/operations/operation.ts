/** The contract each operation module fulfils: a name from the KMS model and a handler. */

import type { RequestContext } from "../domain/request-context.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { OperationName } from "../vocabulary/model.generated.js";

export interface Operation<I = unknown, O = unknown> {
  readonly name: OperationName;
  handle(input: I, ctx: RequestContext): Promise<O>;
}

export function defineOperation<I, O>(
  name: OperationName,
  handle: (input: I, ctx: RequestContext) => Promise<O>,
): Operation<I, O> {
  return { name, handle };
}

/**
 * An operation of the KMS API that Trent does not implement yet. It answers a documented error
 * instead of a silent success, so a client never believes something happened that did not.
 */
export function notImplemented(name: OperationName): Operation {
  return defineOperation(name, async () => {
    throw new KmsError(
      "UnsupportedOperationException",
      `${name} is not supported by Trent yet. See the README for the operations Trent implements.`,
    );
  });
}
