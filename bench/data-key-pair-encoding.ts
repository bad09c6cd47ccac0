/**
 * Measures how data key pairs are made, per spec: OpenSSL's generator + SPKI/PKCS#8 encoder
 * against Trent's path (ECDH generation + hand-built DER, see src/platform/crypto/data-key-pairs.ts), and
 * the cost of OpenSSL's encoder alone. Run: npx tsx bench/data-key-pair-encoding.ts
 */
import { generateKeyPairSync } from "node:crypto";
import { generateFastKeyPair } from "../src/platform/crypto/data-key-pairs.js";
import { keyPairParameters } from "../src/platform/crypto/key-parameters.js";
import type { DataKeyPairSpec } from "../src/vocabulary/types.generated.js";

function microsecondsPerCall(iterations: number, work: () => void): number {
  for (let i = 0; i < Math.min(200, iterations); i++) work();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) work();
  return Number(process.hrtime.bigint() - start) / 1000 / iterations;
}

const iterations = Number(process.argv[2] ?? 2000);
const specs: DataKeyPairSpec[] = [
  "ECC_NIST_P256",
  "ECC_NIST_P384",
  "ECC_NIST_P521",
  "ECC_SECG_P256K1",
  "SM2",
  "ECC_NIST_EDWARDS25519",
];
console.log(
  `node ${process.version}, OpenSSL ${process.versions.openssl}, ${iterations} pairs each`,
);
console.log("spec                    openssl gen+export  gen only  export only  trent  speed-up");
for (const spec of specs) {
  const algorithm = keyPairParameters(spec);
  const keyType = algorithm.kind === "ec" ? "ec" : "ed25519";
  const options = algorithm.kind === "ec" ? { namedCurve: algorithm.opensslName } : {};
  const generate = () => generateKeyPairSync(keyType as "ec", options as { namedCurve: string });
  const opensslFull = microsecondsPerCall(iterations, () => {
    const { publicKey, privateKey } = generate();
    publicKey.export({ type: "spki", format: "der" });
    privateKey.export({ type: "pkcs8", format: "der" });
  });
  const genOnly = microsecondsPerCall(iterations, generate);
  const pair = generate();
  const exportOnly = microsecondsPerCall(iterations, () => {
    pair.publicKey.export({ type: "spki", format: "der" });
    pair.privateKey.export({ type: "pkcs8", format: "der" });
  });
  const trent = microsecondsPerCall(iterations, () => generateFastKeyPair(spec));
  console.log(
    `${spec.padEnd(24)}${opensslFull.toFixed(1).padStart(18)}${genOnly.toFixed(1).padStart(10)}` +
      `${exportOnly.toFixed(1).padStart(13)}${trent.toFixed(1).padStart(7)}` +
      `${(opensslFull / trent).toFixed(2).padStart(9)}x`,
  );
}
