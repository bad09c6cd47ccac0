/**
 * Two Trent nodes on one PostgreSQL database under concurrent writes to a few shared keys:
 * eight SDK clients, four on each node, run a fixed-time mix of alias, tag, grant, key state,
 * rotation and encryption calls. Every answer must be one a single node could give (no
 * KMSInternalException, no 5xx, only the 4xx errors the mix can legitimately provoke), and the
 * end state must be what the successful calls said: aliases, tags, grants and key states.
 *
 * Writes to one shared register (a key's state, one tag of a key, one alias's target) overlap
 * in time, so "the last write" is judged as a linearizable store would be: the final value was
 * written by a successful call that no other successful call started after it had ended.
 * Skipped only where no PostgreSQL server binaries exist.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  ListAliasesCommand,
  ListGrantsCommand,
  ListResourceTagsCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  RotateKeyOnDemandCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
} from "@aws-sdk/client-kms";
import { postgresSkipReason, startTestPostgres, type TestPostgres } from "../support/postgres.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const runMs = 8000;
const workers = 8;
const sharedKeys = 4;
const sharedAliases = ["alias/shared-0", "alias/shared-1", "alias/shared-2"];
const tagKeys = ["t0", "t1", "t2"];
const account = "111122223333";

/**
 * The errors a single node answers for this mix too: cryptographic calls and CreateGrant on a
 * key another client disabled, the 50-aliases-per-key quota, the 25 on-demand rotations.
 */
const allowedErrors: Record<string, readonly string[]> = {
  Encrypt: ["DisabledException"],
  Decrypt: ["DisabledException"],
  CreateGrant: ["DisabledException"],
  CreateAlias: ["LimitExceededException"],
  UpdateAlias: ["LimitExceededException"],
  RotateKeyOnDemand: ["DisabledException", "LimitExceededException"],
};

/** A deterministic generator per worker (mulberry32), so every run asks the same mix. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Write<T> {
  readonly start: number;
  readonly end: number;
  readonly value: T;
}

/** One value many clients overwrite: the successful writes, and the value before them. */
class Register<T> {
  private readonly writes: Write<T>[] = [];
  constructor(private readonly initial: T) {}
  record(write: Write<T>): void {
    this.writes.push(write);
  }
  /** The values a linearizable store may hold after all these writes. */
  admissible(): T[] {
    if (this.writes.length === 0) return [this.initial];
    return this.writes.filter((w) => !this.writes.some((v) => v.start > w.end)).map((w) => w.value);
  }
}

interface Failure {
  readonly operation: string;
  readonly name: string;
  readonly status: number | undefined;
  readonly message: string;
}

describe("two Trent nodes on one PostgreSQL database under contention", {
  skip: postgresSkipReason(),
}, () => {
  let database: TestPostgres;
  let nodes: TestTrent[];
  /** What the nodes logged: a KMSInternalException is logged once, with its cause. */
  const serverLog: string[] = [];

  before(async () => {
    database = await startTestPostgres();
    const databaseUrl = await database.createDatabase();
    const rootKey = new Uint8Array(32).fill(0x3c);
    const log = (message: string) => serverLog.push(message);
    nodes = await Promise.all([
      startTestTrent({ databaseUrl, rootKey }, { log }),
      startTestTrent({ databaseUrl, rootKey }, { log }),
    ]);
  });
  after(async () => {
    for (const node of nodes ?? []) await node.close();
    await database?.stop();
  });

  it("answers every call as one node would and ends in the state the calls said", async (t) => {
    const setup = nodes[0]!.client();
    const keys: { id: string; arn: string }[] = [];
    for (let i = 0; i < sharedKeys; i += 1) {
      const { KeyMetadata } = await setup.send(new CreateKeyCommand({ Description: `k${i}` }));
      keys.push({ id: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn! });
    }
    for (const [i, name] of sharedAliases.entries())
      await setup.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: keys[i]!.id }));

    const keyStates = keys.map(() => new Register<string>("Enabled"));
    const aliasTargets = sharedAliases.map((_, i) => new Register<string>(keys[i]!.id));
    const tags = keys.map(() => tagKeys.map(() => new Register<string | undefined>(undefined)));
    /** Aliases created by the workers (and not deleted since), by name: their target key id. */
    const created = new Map<string, string>();
    /** Grants created and not retired or revoked, by key. */
    const grants = keys.map(() => new Set<string>());
    const failures: Failure[] = [];
    const calls = new Map<string, number>();
    const sameNameMismatches: string[] = [];
    const wrongPlaintexts: string[] = [];

    async function call<T>(operation: string, send: () => Promise<T>) {
      calls.set(operation, (calls.get(operation) ?? 0) + 1);
      const start = performance.now();
      try {
        const output = await send();
        return { ok: true as const, output, start, end: performance.now() };
      } catch (error) {
        const e = error as {
          name: string;
          message: string;
          $metadata?: { httpStatusCode?: number };
        };
        failures.push({
          operation,
          name: e.name,
          status: e.$metadata?.httpStatusCode,
          message: e.message,
        });
        return { ok: false as const, name: e.name };
      }
    }

    const deadline = performance.now() + runMs;
    async function worker(index: number): Promise<void> {
      const own = nodes[index % 2]!.client();
      const peer = nodes[(index + 1) % 2]!.client();
      const random = generator(index + 1);
      const ownAliases: string[] = [];
      const ownGrants: { key: number; grantId: string }[] = [];
      let n = 0;
      while (performance.now() < deadline) {
        n += 1;
        const k = Math.floor(random() * keys.length);
        const key = keys[k]!;
        const roll = random() * 25;
        if (roll < 3) {
          const name = `alias/w${index}-${n}`;
          const r = await call("CreateAlias", () =>
            own.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: key.id })),
          );
          if (r.ok) {
            created.set(name, key.id);
            ownAliases.push(name);
          }
        } else if (roll < 4) {
          const name = ownAliases.shift();
          if (name === undefined) continue;
          const r = await call("DeleteAlias", () =>
            own.send(new DeleteAliasCommand({ AliasName: name })),
          );
          if (r.ok) created.delete(name);
        } else if (roll < 6) {
          const a = Math.floor(random() * sharedAliases.length);
          const r = await call("UpdateAlias", () =>
            own.send(new UpdateAliasCommand({ AliasName: sharedAliases[a]!, TargetKeyId: key.id })),
          );
          if (r.ok) aliasTargets[a]!.record({ start: r.start, end: r.end, value: key.id });
        } else if (roll < 8) {
          const tag = Math.floor(random() * tagKeys.length);
          const value = `w${index}-${n}`;
          const r = await call("TagResource", () =>
            own.send(
              new TagResourceCommand({
                KeyId: key.id,
                Tags: [{ TagKey: tagKeys[tag]!, TagValue: value }],
              }),
            ),
          );
          if (r.ok) tags[k]![tag]!.record({ start: r.start, end: r.end, value });
        } else if (roll < 9) {
          const tag = Math.floor(random() * tagKeys.length);
          const r = await call("UntagResource", () =>
            own.send(new UntagResourceCommand({ KeyId: key.id, TagKeys: [tagKeys[tag]!] })),
          );
          if (r.ok) tags[k]![tag]!.record({ start: r.start, end: r.end, value: undefined });
        } else if (roll < 11) {
          const grant = {
            KeyId: key.id,
            GranteePrincipal: `arn:aws:iam::${account}:role/worker-${index}`,
            Operations: ["Encrypt", "Decrypt"] as ("Encrypt" | "Decrypt")[],
          };
          if (random() < 0.5) {
            const r = await call("CreateGrant", () => own.send(new CreateGrantCommand(grant)));
            if (r.ok) {
              grants[k]!.add(r.output.GrantId!);
              ownGrants.push({ key: k, grantId: r.output.GrantId! });
            }
          } else {
            // The same named grant asked for on both nodes at once is one grant.
            const named = { ...grant, Name: `g-${index}-${n}` };
            const [first, second] = await Promise.all([
              call("CreateGrant", () => own.send(new CreateGrantCommand(named))),
              call("CreateGrant", () => peer.send(new CreateGrantCommand(named))),
            ]);
            for (const r of [first, second])
              if (r.ok) {
                if (!grants[k]!.has(r.output.GrantId!))
                  ownGrants.push({ key: k, grantId: r.output.GrantId! });
                grants[k]!.add(r.output.GrantId!);
              }
            if (first.ok && second.ok && first.output.GrantId !== second.output.GrantId)
              sameNameMismatches.push(named.Name);
          }
        } else if (roll < 13) {
          const grant = ownGrants.shift();
          if (grant === undefined) continue;
          const revoke = random() < 0.5;
          const grantKey = keys[grant.key]!;
          const r = revoke
            ? await call("RevokeGrant", () =>
                own.send(new RevokeGrantCommand({ KeyId: grantKey.id, GrantId: grant.grantId })),
              )
            : await call("RetireGrant", () =>
                own.send(new RetireGrantCommand({ KeyId: grantKey.arn, GrantId: grant.grantId })),
              );
          if (r.ok) grants[grant.key]!.delete(grant.grantId);
        } else if (roll < 16) {
          const enable = random() < 0.7;
          const r = enable
            ? await call("EnableKey", () => own.send(new EnableKeyCommand({ KeyId: key.id })))
            : await call("DisableKey", () => own.send(new DisableKeyCommand({ KeyId: key.id })));
          if (r.ok)
            keyStates[k]!.record({
              start: r.start,
              end: r.end,
              value: enable ? "Enabled" : "Disabled",
            });
        } else if (roll < 16.5) {
          await call("RotateKeyOnDemand", () =>
            own.send(new RotateKeyOnDemandCommand({ KeyId: key.id })),
          );
        } else {
          const plaintext = new TextEncoder().encode(`w${index}-${n}`);
          const encrypted = await call("Encrypt", () =>
            own.send(new EncryptCommand({ KeyId: key.id, Plaintext: plaintext })),
          );
          if (!encrypted.ok) continue;
          const decrypted = await call("Decrypt", () =>
            peer.send(new DecryptCommand({ CiphertextBlob: encrypted.output.CiphertextBlob })),
          );
          if (decrypted.ok && !Buffer.from(decrypted.output.Plaintext!).equals(plaintext))
            wrongPlaintexts.push(`w${index}-${n}`);
        }
      }
    }
    await Promise.all(Array.from({ length: workers }, (_, i) => worker(i)));

    const total = [...calls.values()].reduce((a, b) => a + b, 0);
    const byError = new Map<string, number>();
    for (const f of failures) {
      const label = `${f.operation} ${f.name} ${f.status}`;
      byError.set(label, (byError.get(label) ?? 0) + 1);
    }
    t.diagnostic(`${total} calls in ${runMs} ms: ${JSON.stringify(Object.fromEntries(calls))}`);
    t.diagnostic(`errors: ${JSON.stringify(Object.fromEntries(byError))}`);

    // Every check runs and is reported together, so one failing run shows all that went wrong.
    const problems: string[] = [];
    for (const f of failures)
      if (f.name === "KMSInternalException" || (f.status ?? 0) >= 500)
        problems.push(`server error: ${f.operation} ${f.name} ${f.status} ${f.message}`);
      else if (!(allowedErrors[f.operation] ?? []).includes(f.name))
        problems.push(`unexpected error: ${f.operation} ${f.name} ${f.status} ${f.message}`);
    for (const name of sameNameMismatches) problems.push(`grant ${name} made twice`);
    for (const plaintext of wrongPlaintexts) problems.push(`${plaintext} decrypted wrongly`);

    const reader = nodes[1]!.client();
    const aliases = new Map<string, string>();
    let marker: string | undefined;
    do {
      const page = await reader.send(new ListAliasesCommand({ Limit: 100, Marker: marker }));
      for (const alias of page.Aliases ?? []) aliases.set(alias.AliasName!, alias.TargetKeyId!);
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker !== undefined);
    for (const [name, target] of aliases)
      if (name.startsWith("alias/w") && created.get(name) !== target)
        problems.push(`${name} points at ${target}, but was never created so or was deleted`);
    for (const [name, target] of created)
      if (aliases.get(name) !== target)
        problems.push(`${name} points at ${aliases.get(name)}, not ${target}`);
    for (const [i, name] of sharedAliases.entries())
      if (!aliasTargets[i]!.admissible().includes(aliases.get(name)!))
        problems.push(
          `${name} points at ${aliases.get(name)}, not one of ${aliasTargets[i]!.admissible()}`,
        );
    for (const key of keys) {
      const count = [...aliases.values()].filter((target) => target === key.id).length;
      if (count > 50) problems.push(`${key.id} has ${count} aliases`);
    }

    for (const [k, key] of keys.entries()) {
      const { KeyMetadata } = await reader.send(new DescribeKeyCommand({ KeyId: key.id }));
      if (!keyStates[k]!.admissible().includes(KeyMetadata!.KeyState!))
        problems.push(
          `${key.id} is ${KeyMetadata!.KeyState}, not one of ${keyStates[k]!.admissible()}`,
        );
      const { Tags } = await reader.send(new ListResourceTagsCommand({ KeyId: key.id }));
      for (const [tag, tagKey] of tagKeys.entries()) {
        const value = Tags?.find((entry) => entry.TagKey === tagKey)?.TagValue;
        if (!tags[k]![tag]!.admissible().includes(value))
          problems.push(
            `${key.id} tag ${tagKey} is ${value}, not one of ${tags[k]![tag]!.admissible()}`,
          );
      }
      const listed = new Set<string>();
      let grantMarker: string | undefined;
      do {
        const page = await reader.send(
          new ListGrantsCommand({ KeyId: key.id, Limit: 100, Marker: grantMarker }),
        );
        for (const grant of page.Grants ?? []) listed.add(grant.GrantId!);
        grantMarker = page.Truncated ? page.NextMarker : undefined;
      } while (grantMarker !== undefined);
      for (const grantId of listed)
        if (!grants[k]!.has(grantId)) problems.push(`grant ${grantId} of ${key.id} should be gone`);
      for (const grantId of grants[k]!)
        if (!listed.has(grantId)) problems.push(`grant ${grantId} of ${key.id} is missing`);
    }
    for (const line of serverLog.slice(0, 5)) t.diagnostic(`server log: ${line}`);
    assert.deepEqual(problems, []);
  });
});
