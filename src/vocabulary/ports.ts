/**
 * What the core needs from the world, as interfaces: the clock, randomness and a log. They come
 * in through the composition root (app.ts), so tests can give a fixed clock or failing
 * randomness, and nothing below reads the wall clock or the CSPRNG behind a test's back.
 */

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface Random {
  bytes(length: number): Uint8Array;
  uuid(): string;
}

/** One line for the operator; never request bodies, key material or secrets. */
export type Logger = (message: string) => void;
