/**
 * One thread of the raw limit (see raw-limit.ts): for as long as it is told, makes data key
 * pairs of one spec the way the server must at minimum per GenerateDataKeyPair request, and
 * counts them. Per pair: generate, both DER encodings (SPKI and PKCS#8), and the private key
 * sealed with AES-256-GCM into a ciphertext blob bound to an (empty) encryption context.
 *
 * It runs Trent's compiled crypto modules from dist/ (the very code the server runs), by the
 * fastest method they offer: for EC curves ECDH generation with hand-built DER, for Ed25519
 * the generator's JWK with hand-built DER, for RSA OpenSSL's generator with its DER encoder.
 * Before timing, one pair is checked: both keys parse, the public key is the private key's,
 * and the blob opens again to the private key.
 */
import { createPrivateKey, createPublicKey, randomBytes } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import type { DataKeyPair } from "../src/platform/crypto/data-key-pairs.js";
import type { DataKeyPairSpec } from "../src/vocabulary/types.generated.js";
import { threadCpuSeconds } from "./cpu.js";

export interface RawLimitJob {
  /** file: URL of dist/src/platform/crypto/ (with the trailing slash). */
  readonly cryptoDir: string;
  readonly spec: DataKeyPairSpec;
  readonly warmupSeconds: number;
  readonly seconds: number;
  /** The blob header of a real key, so the sealed blob has the server's size. */
  readonly keyArn: string;
  readonly materialId: string;
}

export interface RawLimitCount {
  readonly pairs: number;
  readonly seconds: number;
  /** CPU seconds this thread used while counting (undefined without /proc). */
  readonly cpuSeconds: number | undefined;
}

type KeyPairsModule = typeof import("../src/platform/crypto/data-key-pairs.js");
type BlobModule = typeof import("../src/platform/crypto/ciphertext-blob.js");
type ContextModule = typeof import("../src/platform/crypto/encryption-context.js");
type RandomModule = typeof import("../src/platform/crypto/random.js");

const job = workerData as RawLimitJob;
const port = parentPort;
if (!port) throw new Error("raw-limit-worker runs only as a worker thread");

// Computed specifiers: TypeScript must not resolve these to dist/ (which has no types).
const keyPairs: KeyPairsModule = await import(`${job.cryptoDir}data-key-pairs.js`);
const blobs: BlobModule = await import(`${job.cryptoDir}ciphertext-blob.js`);
const contexts: ContextModule = await import(`${job.cryptoDir}encryption-context.js`);
const randoms: RandomModule = await import(`${job.cryptoDir}random.js`);
// IVs from the same pooled CSPRNG source the server uses.
const random = randoms.createSystemRandom();

const spec = job.spec;
const generate: () => DataKeyPair = keyPairs.isRsaKeyPairSpec(spec)
  ? () => keyPairs.generateRsaKeyPairBlocking(spec)
  : () => keyPairs.generateFastKeyPair(spec);
const material = new Uint8Array(randomBytes(32));
const header = { keyArn: job.keyArn, materialId: job.materialId };

function makeSealedPair(): Uint8Array {
  const pair = generate();
  return blobs.encryptBlob(
    material,
    header,
    pair.privateKey,
    contexts.canonicalEncryptionContext(undefined),
    random.bytes(blobs.ivLength),
  );
}

function check(): void {
  const pair = generate();
  const privateKey = createPrivateKey({
    key: Buffer.from(pair.privateKey),
    format: "der",
    type: "pkcs8",
  });
  const derived = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  if (!derived.equals(Buffer.from(pair.publicKey)))
    throw new Error(`${spec}: the public key is not the private key's`);
  const blob = blobs.encryptBlob(
    material,
    header,
    pair.privateKey,
    contexts.canonicalEncryptionContext(undefined),
    random.bytes(blobs.ivLength),
  );
  const opened = blobs.decryptBlob(
    material,
    blobs.parseBlob(blob),
    contexts.canonicalEncryptionContext(undefined),
  );
  if (!opened || !Buffer.from(opened).equals(Buffer.from(pair.privateKey)))
    throw new Error(`${spec}: the sealed private key does not open`);
}

/** Pairs made until `seconds` have passed; the last pair may end after the deadline. */
function loop(seconds: number): RawLimitCount {
  const cpuBefore = threadCpuSeconds();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let pairs = 0;
  let now = start;
  while (now < deadline) {
    makeSealedPair();
    pairs++;
    now = performance.now();
  }
  const cpuAfter = threadCpuSeconds();
  return {
    pairs,
    seconds: (now - start) / 1000,
    cpuSeconds:
      cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
  };
}

check();
if (job.warmupSeconds > 0) loop(job.warmupSeconds);
port.postMessage(loop(job.seconds) satisfies RawLimitCount);
