/**
 * What a failed SDK call put on the wire, for asserting AWS's exact error: the __type (the SDK's
 * error name), the message and the HTTP status.
 */
import assert from "node:assert/strict";

export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly status: number | undefined;
}

export async function failure(call: Promise<unknown>): Promise<WireError> {
  try {
    await call;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  assert.fail("the call succeeded but an error was expected");
}

/** Asserts that `call` fails with AWS's error `name`, `message` (exact or a pattern) and status. */
export async function rejectsWith(
  call: Promise<unknown>,
  name: string,
  message: string | RegExp,
  status = 400,
): Promise<void> {
  const error = await failure(call);
  assert.equal(error.name, name);
  if (typeof message === "string") assert.equal(error.message, message);
  else assert.match(error.message, message);
  assert.equal(error.status, status);
}
