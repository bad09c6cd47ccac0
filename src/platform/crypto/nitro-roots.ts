/**
 * The root certificates Nitro Enclaves attestation documents must chain to: AWS's Nitro
 * Enclaves root (G1) unless TRENT_NITRO_ROOT_CERT_FILE names others (tests use their own CA).
 *
 * Where the built-in root comes from: AWS publishes it as AWS_NitroEnclaves_Root-G1.zip on
 * aws-nitro-enclaves.amazonaws.com (Nitro Enclaves User Guide, "Verifying the root of trust";
 * the zip's SHA-256 is 8cf60e2b2efca96c6a9e71e851d00c1b6991cc09eadbe64a6a1d1b1eb9faff7c per
 * aws-nitro-enclaves-nsm-api's docs/attestation_process.md). The certificate is public data:
 * subject CN=aws.nitro-enclaves, O=Amazon, OU=AWS, C=US, a P-384 key, valid 2019-10-28 to
 * 2049-10-28, SHA-256 fingerprint of its DER awsNitroRootFingerprint below. The PEM was taken
 * from public copies that agree byte for byte, and it is byte-identical to cabundle[0] of a real
 * attestation document an enclave produced in us-east-1 in 2024 (test/fixtures/nitro/), whose
 * chain and signature verify against it. The fingerprint is checked when the root is loaded.
 */
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError } from "../../vocabulary/config.js";

const awsNitroRootPem = `-----BEGIN CERTIFICATE-----
MIICETCCAZagAwIBAgIRAPkxdWgbkK/hHUbMtOTn+FYwCgYIKoZIzj0EAwMwSTEL
MAkGA1UEBhMCVVMxDzANBgNVBAoMBkFtYXpvbjEMMAoGA1UECwwDQVdTMRswGQYD
VQQDDBJhd3Mubml0cm8tZW5jbGF2ZXMwHhcNMTkxMDI4MTMyODA1WhcNNDkxMDI4
MTQyODA1WjBJMQswCQYDVQQGEwJVUzEPMA0GA1UECgwGQW1hem9uMQwwCgYDVQQL
DANBV1MxGzAZBgNVBAMMEmF3cy5uaXRyby1lbmNsYXZlczB2MBAGByqGSM49AgEG
BSuBBAAiA2IABPwCVOumCMHzaHDimtqQvkY4MpJzbolL//Zy2YlES1BR5TSksfbb
48C8WBoyt7F2Bw7eEtaaP+ohG2bnUs990d0JX28TcPQXCEPZ3BABIeTPYwEoCWZE
h8l5YoQwTcU/9KNCMEAwDwYDVR0TAQH/BAUwAwEB/zAdBgNVHQ4EFgQUkCW1DdkF
R+eWw5b6cp3PmanfS5YwDgYDVR0PAQH/BAQDAgGGMAoGCCqGSM49BAMDA2kAMGYC
MQCjfy+Rocm9Xue4YnwWmNJVA44fA0P5W2OpYow9OYCVRaEevL8uO1XYru5xtMPW
rfMCMQCi85sWBbJwKKXdS6BptQFuZbT73o/gBh1qUxl/nNr12UO8Yfwr6wPLb+6N
IwLz3/Y=
-----END CERTIFICATE-----
`;

/** SHA-256 of the DER of AWS's Nitro Enclaves root G1, lower-case hex. */
export const awsNitroRootFingerprint =
  "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b";

const pemBlock = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g;

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Trusted roots for attestation documents; immutable once built. */
export class NitroRoots {
  readonly #roots: readonly X509Certificate[];

  private constructor(roots: readonly X509Certificate[]) {
    this.#roots = roots;
  }

  /** One or more PEM certificates; `source` names where they came from in errors. */
  static fromPem(text: string, source: string): NitroRoots {
    const blocks = text.match(pemBlock) ?? [];
    if (blocks.length === 0) throw new ConfigError(`${source} holds no PEM certificate`);
    const roots = blocks.map((block, i) => {
      try {
        return new X509Certificate(block);
      } catch {
        throw new ConfigError(`${source}: certificate ${i + 1} is not a valid X.509 certificate`);
      }
    });
    return new NitroRoots(roots);
  }

  /** AWS's Nitro Enclaves root G1, checked against its published fingerprint. */
  static aws(): NitroRoots {
    const roots = NitroRoots.fromPem(awsNitroRootPem, "the built-in AWS Nitro Enclaves root");
    const [root] = roots.#roots;
    if (!root || sha256Hex(root.raw) !== awsNitroRootFingerprint)
      throw new Error("the built-in AWS Nitro Enclaves root does not match its fingerprint");
    return roots;
  }

  /** The roots TRENT_NITRO_ROOT_CERT_FILE names, or AWS's when it is unset. */
  static load(file: string | undefined): NitroRoots {
    if (file === undefined) return NitroRoots.aws();
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new ConfigError(
        `TRENT_NITRO_ROOT_CERT_FILE: cannot read ${file}: ${(error as Error).message}`,
      );
    }
    return NitroRoots.fromPem(text, `TRENT_NITRO_ROOT_CERT_FILE (${file})`);
  }

  /** The trusted root whose DER is exactly `der`, if any. */
  find(der: Uint8Array): X509Certificate | undefined {
    const wanted = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
    return this.#roots.find((root) => root.raw.equals(wanted));
  }

  /** SHA-256 fingerprints of the roots, for the start-up line and tests. */
  fingerprints(): string[] {
    return this.#roots.map((root) => sha256Hex(root.raw));
  }
}
