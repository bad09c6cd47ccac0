/**
 * The console's server sessions: a random id (the cookie's value) → the signed-in caller and
 * the session's CSRF token. A session ends at the first of: sign-out, its idle timeout since the
 * last request, or its absolute lifetime since sign-in. Sessions live in this process only, so
 * a restart signs everyone out; ids are 256 random bits from the system's entropy, and the map
 * is swept of expired sessions as new ones are made, so abandoned sessions do not pile up.
 */
import type { Random } from "../../vocabulary/ports.js";
import type { Caller } from "../../vocabulary/request.js";

export interface ConsoleSession {
  readonly id: string;
  readonly csrfToken: string;
  readonly caller: Caller;
  readonly createdAt: number;
  lastSeenAt: number;
}

export interface SessionLimits {
  readonly idleTimeoutMs: number;
  readonly lifetimeMs: number;
}

function token(random: Random): string {
  return Buffer.from(random.bytes(32)).toString("base64url");
}

export class SessionStore {
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(
    private readonly limits: SessionLimits,
    /** Must be the system's entropy: whoever guesses an id is signed in. */
    private readonly random: Random,
  ) {}

  create(caller: Caller, now: number): ConsoleSession {
    this.sweep(now);
    const session: ConsoleSession = {
      id: token(this.random),
      csrfToken: token(this.random),
      caller,
      createdAt: now,
      lastSeenAt: now,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, its idle clock restarted; undefined when none or expired. */
  use(id: string | undefined, now: number): ConsoleSession | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (this.expired(session, now)) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeenAt = now;
    return session;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }

  private expired(session: ConsoleSession, now: number): boolean {
    return (
      now - session.lastSeenAt > this.limits.idleTimeoutMs ||
      now - session.createdAt > this.limits.lifetimeMs
    );
  }

  private sweep(now: number): void {
    for (const [id, session] of this.sessions)
      if (this.expired(session, now)) this.sessions.delete(id);
  }
}
