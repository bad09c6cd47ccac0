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
