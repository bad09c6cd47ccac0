/**
 * A throwaway certificate authority for TLS tests, made at test time with the openssl command:
 * an EC P-256 CA and server certificates for 127.0.0.1 and localhost that it signs. Nothing is
 * committed; each test makes its own in a temp directory.
 */
import { execFile as execFileCallback } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const execFile = promisify(execFileCallback);

export interface TestCa {
  /** PEM file of the CA certificate, for --ca-bundle, verify= and https agents. */
  readonly certFile: string;
  readonly keyFile: string;
  readonly dir: string;
}

export interface ServerCertificate {
  readonly certFile: string;
  readonly keyFile: string;
}

const openssl = (args: string[], cwd: string) => execFile("openssl", args, { cwd });

export async function createTestCa(dir: string): Promise<TestCa> {
  const certFile = join(dir, "ca.pem");
  const keyFile = join(dir, "ca.key");
  await openssl(
    [
      "req",
      "-x509",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "2",
      "-subj",
      "/CN=Trent Test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  return { certFile, keyFile, dir };
}

/** A new key and a certificate for 127.0.0.1 and localhost signed by `ca`, named `name`. */
export async function issueServerCertificate(ca: TestCa, name: string): Promise<ServerCertificate> {
  const keyFile = join(ca.dir, `${name}.key`);
  const certFile = join(ca.dir, `${name}.pem`);
  const request = join(ca.dir, `${name}.csr`);
  const extensions = join(ca.dir, `${name}.ext`);
  await writeFile(
    extensions,
    [
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=serverAuth",
      "subjectKeyIdentifier=hash",
      "authorityKeyIdentifier=keyid",
      "",
    ].join("\n"),
  );
  await openssl(
    [
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      request,
      "-subj",
      `/CN=${name}`,
    ],
    ca.dir,
  );
  await openssl(
    [
      "x509",
      "-req",
      "-in",
      request,
      "-CA",
      ca.certFile,
      "-CAkey",
      ca.keyFile,
      "-set_serial",
      `0x${Buffer.from(name).toString("hex")}`,
      "-out",
      certFile,
      "-days",
      "2",
      "-extfile",
      extensions,
    ],
    ca.dir,
  );
  return { certFile, keyFile };
}
