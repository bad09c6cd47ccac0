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

/**
 * Facts carried by a log line besides its message: ids, names, counts, durations, and `err`
 * for an unexpected error (its stack is logged). Never request bodies, key material, tokens or
 * secrets.
 */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * Lines for the operator, at three levels: `info` for what happened as expected (a request, a
 * key generated in an HSM), `warn` for what an operator should look at (a lost connection, a
 * risky setting), `error` for what failed (an unexpected error, an audit write). The
 * composition root gives a structured logger (JSON lines, platform/log/); whatever logs here
 * never learns where lines go or how they are formatted.
 */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/**
 * The simplest logger to hand in: a function given one text line per message, at every level.
 * It gets the message only (messages say what happened on their own), plus the stack of an
 * `err` field; other fields need a Logger. Tests pass `() => {}` to silence a component or
 * `(line) => lines.push(line)` to read what it said.
 */
export type LineLogger = (line: string) => void;

/** Where a component may be told to log: a Logger, or a function taking text lines. */
export type LogTarget = Logger | LineLogger;

/** The Logger behind a LogTarget: itself, or lines handed to the function. */
export function toLogger(target: LogTarget): Logger {
  if (typeof target !== "function") return target;
  const write = (message: string, fields?: LogFields) => {
    const err = fields?.err;
    target(err instanceof Error && err.stack ? `${message}\n${err.stack}` : message);
  };
  return { info: write, warn: write, error: write };
}

/** A logger that drops everything. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
