/**
 * A write load through real SDK clients that remembers exactly what Trent acknowledged: each
 * worker loops CreateKey → TagResource → CreateAlias → Encrypt on its own client, and every
 * call answered 200 is noted with its request id (`$metadata.requestId`, Trent's
 * x-amzn-RequestId) and what it wrote. Calls that fail (the server was killed, or refused)
 * acknowledged nothing and are only counted. `checkAcknowledged` then asks a server, e.g. one
 * restarted on the same data, whether every acknowledged write is there.
 */
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  type KMSClient,
  ListResourceTagsCommand,
  TagResourceCommand,
} from "@aws-sdk/client-kms";

export interface AcknowledgedKey {
  readonly keyId: string;
  readonly arn: string;
  readonly tags: { TagKey: string; TagValue: string }[];
  readonly aliases: string[];
  readonly ciphertexts: { blob: Uint8Array; plaintext: Uint8Array }[];
}

export interface AcknowledgedWrites {
  /** The request id of every call answered 200, in the order the answers arrived. */
  readonly requestIds: string[];
  readonly keys: AcknowledgedKey[];
  /** Calls that failed while the load was still meant to run (not after stop()). */
  readonly failures: {
    readonly worker: number;
    readonly status: number | undefined;
    readonly error: string;
  }[];
}

export interface WriteLoad {
  /** Ends the loops: calls failing from now on are expected (the server is going away). */
  stop(): void;
  /** Resolves once every worker has seen its last call settle. */
  readonly done: Promise<AcknowledgedWrites>;
}

function requestId(output: { $metadata: { requestId?: string } }): string {
  const id = output.$metadata.requestId;
  if (id === undefined) throw new Error("an answer without x-amzn-RequestId");
  return id;
}

export interface WriteLoadOptions {
  /** Prefix of descriptions, tag values and alias names. */
  readonly label?: string;
  /** Called synchronously with each answer's request id as soon as it is noted. */
  readonly onAnswer?: (requestId: string) => void;
}

export function startWriteLoad(
  clients: readonly KMSClient[],
  options: WriteLoadOptions = {},
): WriteLoad {
  const label = options.label ?? "load";
  let stopped = false;
  const writes: AcknowledgedWrites = { requestIds: [], keys: [], failures: [] };
  const answered = (output: { $metadata: { requestId?: string } }) => {
    const id = requestId(output);
    writes.requestIds.push(id);
    options.onAnswer?.(id);
  };

  async function worker(client: KMSClient, worker: number): Promise<void> {
    for (let round = 0; !stopped; round += 1) {
      try {
        const created = await client.send(
          new CreateKeyCommand({ Description: `${label} ${worker}/${round}` }),
        );
        answered(created);
        const key: AcknowledgedKey = {
          keyId: created.KeyMetadata!.KeyId!,
          arn: created.KeyMetadata!.Arn!,
          tags: [],
          aliases: [],
          ciphertexts: [],
        };
        writes.keys.push(key);
        const tag = { TagKey: "round", TagValue: `${worker}/${round}` };
        const tagged = await client.send(new TagResourceCommand({ KeyId: key.keyId, Tags: [tag] }));
        answered(tagged);
        key.tags.push(tag);
        const aliasName = `alias/${label}-${worker}-${round}`;
        const aliased = await client.send(
          new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: key.keyId }),
        );
        answered(aliased);
        key.aliases.push(aliasName);
        const plaintext = new TextEncoder().encode(`${label} secret ${worker}/${round}`);
        const encrypted = await client.send(
          new EncryptCommand({ KeyId: key.keyId, Plaintext: plaintext }),
        );
        answered(encrypted);
        key.ciphertexts.push({ blob: encrypted.CiphertextBlob!, plaintext });
      } catch (error) {
        if (stopped) return;
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
          ?.httpStatusCode;
        writes.failures.push({ worker, status, error: String(error) });
      }
    }
  }

  const done = Promise.all(clients.map((client, i) => worker(client, i))).then(() => writes);
  return {
    stop() {
      stopped = true;
    },
    done,
  };
}

/** Runs `check` over `items`, `parallel` at a time; returns the problems found. */
async function eachLimited<T>(
  items: readonly T[],
  parallel: number,
  check: (item: T) => Promise<string[]>,
): Promise<string[]> {
  const problems: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      problems.push(...(await check(item)));
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return problems;
}

function equalBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a).equals(Buffer.from(b));
}

/**
 * Every acknowledged write, asked of the server behind `client`: keys describe as Enabled,
 * their tags list, their aliases resolve to them, their ciphertexts decrypt to the plaintext.
 * Returns one line per missing write (empty when all are there).
 */
export async function checkAcknowledged(
  client: KMSClient,
  writes: AcknowledgedWrites,
): Promise<string[]> {
  return eachLimited(writes.keys, 8, async (key) => {
    const problems: string[] = [];
    try {
      const described = await client.send(new DescribeKeyCommand({ KeyId: key.keyId }));
      if (described.KeyMetadata?.KeyState !== "Enabled")
        problems.push(`${key.keyId} is ${described.KeyMetadata?.KeyState}`);
      if (key.tags.length > 0) {
        const listed = await client.send(new ListResourceTagsCommand({ KeyId: key.keyId }));
        for (const tag of key.tags)
          if (!listed.Tags?.some((t) => t.TagKey === tag.TagKey && t.TagValue === tag.TagValue))
            problems.push(`${key.keyId} lost tag ${tag.TagKey}=${tag.TagValue}`);
      }
      for (const alias of key.aliases) {
        const byAlias = await client.send(new DescribeKeyCommand({ KeyId: alias }));
        if (byAlias.KeyMetadata?.KeyId !== key.keyId) problems.push(`${alias} does not resolve`);
      }
      for (const { blob, plaintext } of key.ciphertexts) {
        const decrypted = await client.send(new DecryptCommand({ CiphertextBlob: blob }));
        if (decrypted.KeyId !== key.arn || !equalBytes(decrypted.Plaintext, plaintext))
          problems.push(`a ciphertext of ${key.keyId} does not decrypt`);
      }
    } catch (error) {
      problems.push(`${key.keyId}: ${String(error)}`);
    }
    return problems;
  });
}
