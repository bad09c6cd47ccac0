/**
 * The structured logger behind the Logger port (vocabulary/ports.ts): pino, writing one JSON
 * object per line to standard error, or pino-pretty's readable lines when standard error is a
 * terminal. Standard output stays free for the start-up line and, with TRENT_AUDIT_STDOUT,
 * audit records.
 *
 * Lines are written asynchronously: a line waits only while the previous write is in flight,
 * and lines arriving meanwhile leave together, so a busy server pays one write for many
 * requests. pino writes what is pending when the process exits normally; a `kill -9` can lose
 * the last lines, which is why the audit trail, not the log, is the durable record.
 */
import { Writable } from "node:stream";
import pino from "pino";
import pretty from "pino-pretty";
import type { LogLevel } from "../../vocabulary/config.js";
import type { LogFields, Logger } from "../../vocabulary/ports.js";

export interface StructuredLogger extends Logger {
  /** Writes what is pending; resolves once it was handed to the operating system. */
  flush(): Promise<void>;
}

export interface StructuredLoggerOptions {
  readonly level: LogLevel;
  /** Where lines go: a stream (tests) or a file descriptor; standard error (2) unless given. */
  readonly destination?: Writable | number;
  /** Readable lines instead of JSON; by default when the destination is a terminal. */
  readonly pretty?: boolean;
}

function isTerminal(destination: Writable | number): boolean {
  if (destination === 2) return process.stderr.isTTY === true;
  if (destination === 1) return process.stdout.isTTY === true;
  return typeof destination !== "number" && (destination as { isTTY?: boolean }).isTTY === true;
}

function streamFor(options: StructuredLoggerOptions): pino.DestinationStream {
  const destination = options.destination ?? 2;
  if (options.pretty ?? isTerminal(destination))
    return typeof destination === "number"
      ? pretty({ destination, sync: true, colorize: isTerminal(destination) })
      : pretty({ destination, colorize: false });
  if (typeof destination === "number") return pino.destination({ dest: destination, sync: false });
  return destination;
}

export function createStructuredLogger(options: StructuredLoggerOptions): StructuredLogger {
  const stream = streamFor(options);
  const logger = pino(
    {
      level: options.level,
      // Level names rather than pino's numbers, and ISO times: read by people as often as by
      // log pipelines.
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
  const at =
    (level: "info" | "warn" | "error") =>
    (message: string, fields?: LogFields): void => {
      if (fields === undefined) logger[level](message);
      else logger[level](fields, message);
    };
  return {
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    flush: () =>
      new Promise<void>((resolve) => {
        // Streams given by a caller (tests) may not be pino destinations that can flush.
        if (typeof (stream as { flush?: unknown }).flush !== "function") resolve();
        else logger.flush(() => resolve());
      }),
  };
}

/** A Writable collecting what is written to it, for tests and in-memory use. */
export function memoryLogStream(): Writable & { text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return Object.assign(stream, { text: () => chunks.join("") });
}
