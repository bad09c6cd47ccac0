/**
 * A stand-in for AWS's Nitro PKI and an enclave, for tests of the Recipient parameter: a test
 * root CA → intermediate → leaf chain of P-384 certificates made with the openssl command (as
 * the Nitro hypervisor's chain is), attestation documents signed by the leaf as COSE_Sign1
 * (ES384), an enclave RSA key pair, and the opening of CiphertextForRecipient with
 * `openssl cms -decrypt`, an implementation independent of Trent's.
 */
import { execFileSync } from "node:child_process";
import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode } from "cborg";

export interface TestNitroPki {
  readonly dir: string;
  /** PEM file of the root: what TRENT_NITRO_ROOT_CERT_FILE names in tests. */
  readonly rootFile: string;
  readonly rootDer: Uint8Array;
  readonly intermediateDer: Uint8Array;
  readonly leafDer: Uint8Array;
  readonly leafKey: KeyObject;
  dispose(): void;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function derOf(pemFile: string, cwd: string): Uint8Array {
  return new Uint8Array(
    execFileSync("openssl", ["x509", "-in", pemFile, "-outform", "DER"], { cwd }),
  );
}

const opensslConfig = [
  "[req]",
  "distinguished_name = dn",
  "[dn]",
  "[ca]",
  "basicConstraints = critical, CA:TRUE",
  "keyUsage = critical, keyCertSign, cRLSign",
  "subjectKeyIdentifier = hash",
  "[leaf]",
  "basicConstraints = critical, CA:FALSE",
  "keyUsage = critical, digitalSignature",
  "",
].join("\n");

/**
 * A fresh three-level P-384 chain, like the NSM's (root, one intermediate, leaf); `leafDays` is
 * how long the leaf is valid from now.
 */
export function createTestNitroPki(name = "trent-test", leafDays = 1): TestNitroPki {
  const dir = mkdtempSync(join(tmpdir(), "trent-nitro-"));
  try {
    return issueChain(dir, name, leafDays);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function issueChain(dir: string, name: string, leafDays: number): TestNitroPki {
  writeFileSync(join(dir, "ext.cnf"), opensslConfig);
  for (const part of ["root", "intermediate", "leaf"])
    openssl(
      ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", `${part}.key`],
      dir,
    );
  openssl(
    [
      ...["req", "-x509", "-new", "-key", "root.key", "-sha384", "-days", "3650"],
      ...["-subj", `/CN=${name}.nitro-root`, "-config", "ext.cnf", "-extensions", "ca"],
      ...["-out", "root.pem"],
    ],
    dir,
  );
  const issue = (part: string, issuer: string, days: number, extensions: string) => {
    openssl(
      [
        ...["req", "-new", "-key", `${part}.key`, "-subj", `/CN=${name}.${part}`],
        ...["-config", "ext.cnf", "-out", `${part}.csr`],
      ],
      dir,
    );
    openssl(
      [
        ...["x509", "-req", "-in", `${part}.csr`, "-CA", `${issuer}.pem`],
        ...["-CAkey", `${issuer}.key`, "-CAcreateserial", "-sha384", "-days", String(days)],
        ...["-out", `${part}.pem`, "-extfile", "ext.cnf", "-extensions", extensions],
      ],
      dir,
    );
  };
  issue("intermediate", "root", 30, "ca");
  issue("leaf", "intermediate", leafDays, "leaf");
  const leafKeyPem = readFileSync(join(dir, "leaf.key"), "utf8");
  return {
    dir,
    rootFile: join(dir, "root.pem"),
    rootDer: derOf("root.pem", dir),
    intermediateDer: derOf("intermediate.pem", dir),
    leafDer: derOf("leaf.pem", dir),
    leafKey: createPrivateKey(leafKeyPem),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface EnclaveKey {
  /** DER SubjectPublicKeyInfo: the attestation document's public_key. */
  readonly publicKeySpki: Uint8Array;
  /** PEM file of the private key, for `openssl cms -decrypt -inkey`. */
  readonly privateKeyFile: string;
}

/** An enclave's RSA key pair, its private key written into `dir`. */
export function createEnclaveKey(dir: string, bits = 2048): EnclaveKey {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  const privateKeyFile = join(dir, `enclave-${bits}-${Date.now()}-${Math.random()}.pem`);
  writeFileSync(privateKeyFile, privateKey.export({ type: "pkcs8", format: "pem" }), {
    mode: 0o600,
  });
  return {
    publicKeySpki: new Uint8Array(publicKey.export({ type: "spki", format: "der" })),
    privateKeyFile,
  };
}

export interface DocumentFields {
  readonly publicKey?: Uint8Array | null;
  /** PCR index → value; 48 zero bytes for PCRs 0 to 4 and 8 unless given. */
  readonly pcrs?: ReadonlyMap<number, Uint8Array>;
  readonly timestamp?: number;
  readonly moduleId?: string;
  readonly userData?: Uint8Array;
  readonly nonce?: Uint8Array;
}

export const testModuleId = "i-0123456789abcdef0-enc0123456789abcdef";

/** PCRs 0–4 and 8 of a test enclave: 48 bytes each, every byte the index + 1. */
export function testPcrs(): Map<number, Uint8Array> {
  return new Map([0, 1, 2, 3, 4, 8].map((i) => [i, new Uint8Array(48).fill(i + 1)]));
}

/** An attestation document as the NSM writes it, signed by `pki`'s leaf. */
export function attestationDocument(pki: TestNitroPki, fields: DocumentFields = {}): Uint8Array {
  const payload = new Map<string, unknown>([
    ["module_id", fields.moduleId ?? testModuleId],
    ["digest", "SHA384"],
    ["timestamp", fields.timestamp ?? Date.now()],
    ["pcrs", fields.pcrs ?? testPcrs()],
    ["certificate", pki.leafDer],
    ["cabundle", [pki.rootDer, pki.intermediateDer]],
    ["public_key", fields.publicKey === undefined ? null : fields.publicKey],
    ["user_data", fields.userData ?? null],
    ["nonce", fields.nonce ?? null],
  ]);
  const protectedHeader = encode(new Map([[1, -35]]));
  const payloadBytes = encode(payload);
  const toBeSigned = encode(["Signature1", protectedHeader, new Uint8Array(0), payloadBytes]);
  const signature = sign("sha384", toBeSigned, { key: pki.leafKey, dsaEncoding: "ieee-p1363" });
  return encode([protectedHeader, new Map(), payloadBytes, new Uint8Array(signature)]);
}

/** Opens CiphertextForRecipient with OpenSSL's CMS implementation and the enclave's key. */
export function openEnvelope(envelope: Uint8Array, key: EnclaveKey, dir: string): Uint8Array {
  const file = join(dir, `envelope-${Date.now()}-${Math.random()}.der`);
  writeFileSync(file, envelope);
  try {
    return new Uint8Array(
      execFileSync(
        "openssl",
        ["cms", "-decrypt", "-inform", "DER", "-in", file, "-inkey", key.privateKeyFile, "-binary"],
        { stdio: ["ignore", "pipe", "pipe"] },
      ),
    );
  } finally {
    rmSync(file, { force: true });
  }
}
