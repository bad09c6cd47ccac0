/**
 * AWS KMS's request quotas, applied under TRENT_QUOTAS=aws so that clients can exercise their
 * retry and back-off paths against Trent: a request beyond a quota is refused with
 * ThrottlingException and AWS's message, before it does any work. The numbers are in
 * request-quota-table.ts; this module counts.
 *
 * Counting follows AWS's page: each quota is counted per second, per calling account (a
 * cross-account request counts against the caller's account, not the key's) and Region, and
 * each quota on its own. A quota is a token bucket holding one second's worth of requests
 * (at least one, so "0.1 per second" admits one request in each 10 seconds), refilled
 * continuously by the clock the request carries; a refused request takes nothing.
 *
 * Where it is charged: the core's entry (core/kms.ts) charges what the request alone decides,
 * once its input is valid: an operation's own quota, GenerateDataKeyPair's quota for its key
 * pair spec, GenerateRandom's symmetric quota. Cryptographic operations share a quota by the
 * type of the key they use, which only loading the key tells: key access (key-access.ts)
 * charges it, once per quota per request, so ReEncrypt between two symmetric keys counts once.
 *
 * The buckets live in this process: with several processes or nodes, each applies the quotas
 * to what it serves.
 */
import type { KeyRecord } from "../vocabulary/key-records.js";
import type { OperationName } from "../vocabulary/model.generated.js";
import type { Caller } from "../vocabulary/request.js";
import { throttlingException } from "../vocabulary/throttling.js";
import type { DataKeyPairSpec } from "../vocabulary/types.generated.js";
import {
  customKeyStoreQuotaName,
  customKeyStoreQuotaPerSecond,
  dataKeyPairQuotaName,
  dataKeyPairQuotaPerSecond,
  keyTypeQuota,
  keyTypeQuotaName,
  keyTypeQuotaPerSecond,
  operationQuotaName,
  operationQuotas,
} from "./request-quota-table.js";

/** One request's use of one quota. */
export interface QuotaCharge {
  /** AWS's quota name. */
  readonly quota: string;
  /** Whose quota: "account/region", or the custom key store's id. */
  readonly scope: string;
  readonly perSecond: number;
  /** Requests this counts as (ReplicateKey is two CreateKey requests in the replica's Region). */
  readonly cost: number;
}

class TokenBucket {
  private readonly capacity: number;
  private tokens: number;

  constructor(
    private readonly perSecond: number,
    private lastMs: number,
  ) {
    this.capacity = Math.max(1, perSecond);
    this.tokens = this.capacity;
  }

  /** Tokens now, refilled for the time since the last look (a clock going back adds none). */
  available(nowMs: number): number {
    const elapsed = Math.max(0, nowMs - this.lastMs);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.perSecond) / 1000);
    this.lastMs = Math.max(this.lastMs, nowMs);
    return this.tokens;
  }

  take(cost: number): void {
    this.tokens -= cost;
  }
}

/** What key access hands over: the request it works for and when it arrived. */
export interface QuotaRequest {
  readonly operation: OperationName;
  readonly caller: Caller;
  readonly now: Date;
}

export class RequestQuotas {
  private readonly buckets = new Map<string, TokenBucket>();
  /** Key-type quotas already charged, per request, so a second key of one type is free. */
  private readonly chargedKeyQuotas = new WeakMap<QuotaRequest, Set<string>>();

  /**
   * Charges what the request alone decides (its operation's own quota, a data key pair spec's
   * quota, GenerateRandom's); throws ThrottlingException, charging nothing, if one is spent.
   */
  admitRequest(operation: OperationName, input: unknown, caller: Caller, now: Date): void {
    const charges = requestCharges(operation, (input ?? {}) as Record<string, unknown>, caller);
    if (charges.length > 0) this.admit(charges, now.getTime());
  }

  /**
   * Charges a cryptographic operation's shared quota for the type of `key`, and its custom key
   * store's quota; other operations were charged at the entry.
   */
  admitKeyUse(request: QuotaRequest, key: KeyRecord): void {
    if (operationQuotas[request.operation].kind !== "cryptographic") return;
    const quota = keyTypeQuota(key.keySpec);
    const { accountId, region } = request.caller;
    const uses = [
      charge(
        keyTypeQuotaName(quota),
        `${accountId}/${region}`,
        keyTypeQuotaPerSecond(quota, region),
      ),
    ];
    if (key.customKeyStoreId !== undefined)
      uses.push(
        charge(customKeyStoreQuotaName, key.customKeyStoreId, customKeyStoreQuotaPerSecond),
      );
    let charged = this.chargedKeyQuotas.get(request);
    if (charged === undefined) {
      charged = new Set();
      this.chargedKeyQuotas.set(request, charged);
    }
    const seen = charged;
    const charges = uses.filter((c) => !seen.has(bucketId(c)));
    if (charges.length === 0) return;
    this.admit(charges, request.now.getTime());
    for (const c of charges) seen.add(bucketId(c));
  }

  /** All or nothing: every charge fits, and is taken, or ThrottlingException. */
  private admit(charges: readonly QuotaCharge[], nowMs: number): void {
    const buckets = charges.map((c) => this.bucket(c, nowMs));
    for (const [i, bucket] of buckets.entries())
      if (bucket.available(nowMs) < (charges[i] as QuotaCharge).cost) throw throttlingException();
    for (const [i, bucket] of buckets.entries()) bucket.take((charges[i] as QuotaCharge).cost);
  }

  private bucket(c: QuotaCharge, nowMs: number): TokenBucket {
    const id = bucketId(c);
    let bucket = this.buckets.get(id);
    if (bucket === undefined) {
      bucket = new TokenBucket(c.perSecond, nowMs);
      this.buckets.set(id, bucket);
    }
    return bucket;
  }
}

function bucketId(c: QuotaCharge): string {
  return `${c.quota}\u0000${c.scope}`;
}

function charge(quota: string, scope: string, perSecond: number, cost = 1): QuotaCharge {
  return { quota, scope, perSecond, cost };
}

/** The quotas a request uses before any key is loaded. */
export function requestCharges(
  operation: OperationName,
  input: Readonly<Record<string, unknown>>,
  caller: Caller,
): QuotaCharge[] {
  const row = operationQuotas[operation];
  const { accountId, region } = caller;
  const here = `${accountId}/${region}`;
  switch (row.kind) {
    case "own": {
      const name = operationQuotaName(operation);
      const charges = [charge(name, here, row.perSecond)];
      const other = (member: string) => {
        const value = input[member];
        return typeof value === "string" && value !== region ? value : undefined;
      };
      const replicaRegion = operation === "ReplicateKey" ? other("ReplicaRegion") : undefined;
      if (replicaRegion !== undefined) {
        const createKey = operationQuotas.CreateKey as { readonly perSecond: number };
        charges.push(
          charge(
            operationQuotaName("CreateKey"),
            `${accountId}/${replicaRegion}`,
            createKey.perSecond,
            2,
          ),
        );
      }
      const primaryRegion =
        operation === "UpdatePrimaryRegion" ? other("PrimaryRegion") : undefined;
      if (primaryRegion !== undefined)
        charges.push(charge(name, `${accountId}/${primaryRegion}`, row.perSecond));
      return charges;
    }
    case "data key pair": {
      const spec = input.KeyPairSpec as DataKeyPairSpec;
      return [charge(dataKeyPairQuotaName(spec), here, dataKeyPairQuotaPerSecond(spec, region))];
    }
    case "cryptographic": {
      if (operation !== "GenerateRandom") return [];
      const charges = [
        charge(keyTypeQuotaName("symmetric"), here, keyTypeQuotaPerSecond("symmetric", region)),
      ];
      const store = input.CustomKeyStoreId;
      if (typeof store === "string")
        charges.push(charge(customKeyStoreQuotaName, store, customKeyStoreQuotaPerSecond));
      return charges;
    }
  }
}
