/** Randomness and identifiers, handed to operations through the context so tests can pin them. */
import { randomBytes, randomUUID } from "node:crypto";

export interface Random {
  bytes(length: number): Uint8Array;
  uuid(): string;
}

export const systemRandom: Random = {
  bytes: (length) => new Uint8Array(randomBytes(length)),
  uuid: () => randomUUID(),
};

/** Hex string of `length` random bytes (key material ids are 64 hex characters in AWS). */
export function randomHex(random: Random, length: number): string {
  return Buffer.from(random.bytes(length)).toString("hex");
}
