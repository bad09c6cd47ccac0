/**
 * The console's sessions: a random id (the cookie's value) → the signed-in caller and the
 * session's CSRF token. A session ends at the first of: sign-out, its idle timeout since the
 * last request, or its absolute lifetime since sign-in. Sessions are kept in the store
 * (ConsoleSessionRepository), so every process serving the port (TRENT_WORKERS) and every node
 * sharing PostgreSQL knows them, and a restart signs no one out. The store holds the SHA-256 of
 * each id, never the id; ids are 256 random bits from the system's entropy, and expired
 * sessions are deleted as new ones are made, so abandoned sessions do not pile up.
 */
import { sha256Hex } from "../../platform/crypto/audit-hashes.js";
import type { ConsoleSessionRepository } from "../../platform/store/store.js";
import type { Random } from "../../vocabulary/ports.js";
import type { Caller } from "../../vocabulary/request.js";

export interface ConsoleSession {
  readonly id: string;
  readonly csrfToken: string;
  readonly caller: Caller;
  readonly createdAt: number;
  readonly lastSeenAt: number;
}

export interface SessionLimits {
  readonly idleTimeoutMs: number;
  readonly lifetimeMs: number;
}

function token(random: Random): string {
  return Buffer.from(random.bytes(32)).toString("base64url");
}

function hashOf(id: string): string {
  return sha256Hex(id);
}

export class SessionStore {
  constructor(
    private readonly limits: SessionLimits,
    /** Must be the system's entropy: whoever guesses an id is signed in. */
    private readonly random: Random,
    private readonly stored: ConsoleSessionRepository,
  ) {}

  async create(caller: Caller, now: number): Promise<ConsoleSession> {
    await this.stored.deleteExpired(now - this.limits.idleTimeoutMs, now - this.limits.lifetimeMs);
    const session: ConsoleSession = {
      id: token(this.random),
      csrfToken: token(this.random),
      caller,
      createdAt: now,
      lastSeenAt: now,
    };
    await this.stored.insert({
      idHash: hashOf(session.id),
      csrfToken: session.csrfToken,
      caller: JSON.stringify(caller),
      createdAt: now,
      lastSeenAt: now,
    });
    return session;
  }

  /** The live session with this id, its idle clock restarted; undefined when none or expired. */
  async use(id: string | undefined, now: number): Promise<ConsoleSession | undefined> {
    if (id === undefined || id.length === 0 || id.length > 128) return undefined;
    const idHash = hashOf(id);
    const stored = await this.stored.get(idHash);
    if (!stored) return undefined;
    if (
      now - stored.lastSeenAt > this.limits.idleTimeoutMs ||
      now - stored.createdAt > this.limits.lifetimeMs
    ) {
      await this.stored.delete(idHash);
      return undefined;
    }
    await this.stored.touch(idHash, now);
    return {
      id,
      csrfToken: stored.csrfToken,
      caller: JSON.parse(stored.caller) as Caller,
      createdAt: stored.createdAt,
      lastSeenAt: now,
    };
  }

  async end(id: string): Promise<void> {
    await this.stored.delete(hashOf(id));
  }
}
