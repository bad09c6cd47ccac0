/**
 * The structured logger behind the Logger port (vocabulary/ports.ts): pino, writing one JSON
 * object per line to standard error, or pino-pretty's readable lines when standard error is a
 * terminal. Standard output stays free for the start-up line and, with TRENT_AUDIT_STDOUT,
 * audit records.
 *
 * Lines are written asynchronously and grouped: lines leave together at most `groupMs` after
 * the first of them (or as soon as they fill `groupBytes`), and lines arriving
 * while a write is in flight leave together after it, so a busy server pays one write for many
 * requests (one write per line was about 6% of an Encrypt's CPU, bench/README.md). pino writes
 * what is pending when the process exits normally; a `kill -9` can lose the last lines, which
 * is why the audit trail, not the log, is the durable record.
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

/**
 * How long a line may wait for others, and how many bytes make a write at once (below pino's
 * 16 KiB maxWrite). Per event-loop turn was not enough: under load most turns carry one request.
 */
const groupMs = 20;
const groupBytes = 8192;

interface Destination {
  readonly stream: pino.DestinationStream;
  /** Called after each line: makes sure the held lines are written within groupMs. */
  readonly lineWritten: () => void;
}

function destinationFor(options: StructuredLoggerOptions): Destination {
  const destination = options.destination ?? 2;
  const unbuffered = () => {};
  if (options.pretty ?? isTerminal(destination))
    return {
      stream:
        typeof destination === "number"
          ? pretty({ destination, sync: true, colorize: isTerminal(destination) })
          : pretty({ destination, colorize: false }),
      lineWritten: unbuffered,
    };
  if (typeof destination !== "number") return { stream: destination, lineWritten: unbuffered };
  const stream = pino.destination({ dest: destination, sync: false, minLength: groupBytes });
  let flushQueued = false;
  return {
    stream,
    lineWritten() {
      if (flushQueued) return;
      flushQueued = true;
      // Unreferenced: held lines never keep the process alive; at exit pino writes them.
      setTimeout(() => {
        flushQueued = false;
        try {
          stream.flush();
        } catch {
          // Destroyed (closed at exit, or standard error went away): nothing left to write to.
        }
      }, groupMs).unref();
    },
  };
}

export function createStructuredLogger(options: StructuredLoggerOptions): StructuredLogger {
  const { stream, lineWritten } = destinationFor(options);
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
      lineWritten();
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
