/**
 * Trent as a user installs it: `npm pack` here, the tarball installed into an empty project
 * (from the npm cache where it can), then everything through the installed package only: the
 * `trent` binary (--version, and serve answering the real AWS SDK), an ESM import of the
 * library, tsc checking TypeScript against the shipped .d.ts files, and the example projects
 * under examples/ (node:test and Vitest) run as their READMEs say. One pack, one install: the
 * install compiles better-sqlite3 and pkcs11js, which takes minutes.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CreateKeyCommand, EncryptCommand, KMSClient } from "@aws-sdk/client-kms";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../..", import.meta.url));
const examples = join(repo, "examples");

interface Manifest {
  version: string;
  devDependencies: Record<string, string>;
}
const manifest = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as Manifest;

/**
 * What the children see: this machine's environment without the npm_* variables of the
 * `npm test` around this file, which would steer the nested npm commands, and without the
 * variable through which node:test talks to this file's runner, which would make the example's
 * own `node --test` report to that runner instead of its standard output.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NO_COLOR: "1" };
  for (const [name, value] of Object.entries(process.env))
    if (!name.toLowerCase().startsWith("npm_") && name !== "NODE_TEST_CONTEXT") env[name] = value;
  return env;
}

async function sh(
  command: string,
  args: readonly string[],
  cwd: string,
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(command, [...args], {
      cwd,
      env: cleanEnv(),
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(" ")} failed in ${cwd}\n${stdout ?? ""}\n${stderr ?? ""}`,
    );
  }
}

function waitForListening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`no listening line:\n${output}`)), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Trent listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", read);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`trent serve exited with ${code}:\n${output}`));
    });
  });
}

const work = mkdtempSync(join(tmpdir(), "trent-package-"));
const project = join(work, "project");
let tarball = "";
let packedFiles: string[] = [];

after(() => rmSync(work, { recursive: true, force: true }));

describe("the npm package, packed and installed", () => {
  before(async () => {
    const packDir = join(work, "pack");
    mkdirSync(packDir);
    const { stdout } = await sh(
      "npm",
      ["pack", "--json", "--pack-destination", packDir, "--loglevel", "error"],
      repo,
    );
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf("["))) as {
      filename: string;
      files: { path: string }[];
    }[];
    assert.ok(packed);
    tarball = join(packDir, packed.filename);
    packedFiles = packed.files.map((file) => file.path);

    // The project: the Vitest example as it is, with the node:test example beside it, both
    // depending on the packed tarball instead of this checkout.
    cpSync(join(examples, "vitest"), project, {
      recursive: true,
      filter: (source) => !source.includes("node_modules"),
    });
    mkdirSync(join(project, "node-test"));
    cpSync(join(examples, "node-test", "kms.test.mjs"), join(project, "node-test", "kms.test.mjs"));
    const vitestManifest = JSON.parse(
      readFileSync(join(project, "package.json"), "utf8"),
    ) as Manifest;
    const nodeTestManifest = JSON.parse(
      readFileSync(join(examples, "node-test", "package.json"), "utf8"),
    ) as Manifest;
    const devDependencies = {
      ...nodeTestManifest.devDependencies,
      ...vitestManifest.devDependencies,
      "trent-kms": `file:${tarball}`,
    };
    writeFileSync(
      join(project, "package.json"),
      `${JSON.stringify({ ...vitestManifest, devDependencies }, null, 2)}\n`,
    );
    await sh(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel", "error"],
      project,
    );
  });

  it("ships compiled JavaScript and types, and no sources or tests", () => {
    for (const file of ["dist/src/index.js", "dist/src/index.d.ts", "dist/src/trent.js"])
      assert.ok(packedFiles.includes(file), file);
    const stray = packedFiles.filter(
      (file) =>
        !(
          file === "package.json" ||
          file === "README.md" ||
          (file.startsWith("dist/src/") && (file.endsWith(".js") || file.endsWith(".d.ts")))
        ),
    );
    assert.deepEqual(stray, []);
  });

  it("keeps the examples' pinned versions in step with this repository's", () => {
    for (const name of ["vitest", "node-test"]) {
      const pinned = (
        JSON.parse(readFileSync(join(examples, name, "package.json"), "utf8")) as Manifest
      ).devDependencies;
      for (const [dependency, version] of Object.entries(pinned))
        if (dependency in manifest.devDependencies)
          assert.equal(version, manifest.devDependencies[dependency], `${name}: ${dependency}`);
    }
  });

  it("installs a trent command that prints the package's version", async () => {
    const { stdout } = await sh("npx", ["trent", "--version"], project);
    assert.equal(stdout, `${manifest.version}\n`);
  });

  it("serves the real AWS SDK with npx trent serve", async () => {
    const child = spawn("npx", ["trent", "serve", "--port", "0", "--data-dir", ":memory:"], {
      cwd: project,
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    // "close": npx and the trent it started have both let go of the output pipes.
    const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
    try {
      const endpoint = await waitForListening(child);
      const client = new KMSClient({
        endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "AKIDPACKAGETEST", secretAccessKey: "package-test" },
        maxAttempts: 1,
      });
      try {
        const { KeyMetadata } = await client.send(new CreateKeyCommand({}));
        const { CiphertextBlob } = await client.send(
          new EncryptCommand({ KeyId: KeyMetadata?.KeyId, Plaintext: Buffer.from("x") }),
        );
        assert.ok(CiphertextBlob && CiphertextBlob.length > 0);
      } finally {
        client.destroy();
      }
      // npx runs trent in a child of its own and does not pass signals on: stop the group.
      if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
      await closed;
      await assert.rejects(fetch(`${endpoint}/health`), "trent serve stopped on SIGTERM");
    } finally {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
        process.kill(-child.pid, "SIGKILL");
    }
  });

  it("imports startTrent from trent-kms in an ES module", async () => {
    writeFileSync(
      join(project, "esm-check.mjs"),
      `import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { startTrent } from "trent-kms";

const kms = await startTrent({ accountId: "123456789012" });
const client = new KMSClient(kms.clientConfig);
const { KeyMetadata } = await client.send(new CreateKeyCommand({}));
client.destroy();
await kms.close();
console.log(JSON.stringify({ endpoint: kms.endpoint, arn: KeyMetadata.Arn }));
`,
    );
    const { stdout } = await sh(process.execPath, ["esm-check.mjs"], project);
    const { endpoint, arn } = JSON.parse(stdout) as { endpoint: string; arn: string };
    assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(arn, /^arn:aws:kms:us-east-1:123456789012:key\/[0-9a-f-]{36}$/);
  });

  it("type-checks TypeScript against the shipped declarations", async () => {
    writeFileSync(
      join(project, "check-types.ts"),
      `import { KMSClient } from "@aws-sdk/client-kms";
import { ConfigError, type EmbeddedTrent, type StartTrentOptions, startTrent } from "trent-kms";

const options: StartTrentOptions = { region: "eu-west-1", port: 0, auditFsync: false };
const kms: EmbeddedTrent = await startTrent(options);
const client = new KMSClient(kms.clientConfig);
const endpoint: string = kms.endpoint;
const reset: Promise<void> = kms.reset();
export { client, endpoint, reset };
export const isConfigError = (error: unknown): boolean => error instanceof ConfigError;
// @ts-expect-error: a port is a number
export const badPort = startTrent({ port: "8080" });
// @ts-expect-error: no such option
export const badOption = startTrent({ dataDirectory: "/tmp" });
// @ts-expect-error: clientConfig is not writable
kms.clientConfig = kms.clientConfig;
`,
    );
    // The example's own check, as its users run it (with skipLibCheck, as Vitest's types need).
    await sh("npx", ["tsc", "-p", "tsconfig.json"], project);
    // And the shipped declarations checked themselves, not skipped as libraries.
    writeFileSync(
      join(project, "tsconfig.strict.json"),
      JSON.stringify({
        extends: "./tsconfig.json",
        compilerOptions: { skipLibCheck: false },
        include: [],
        files: ["check-types.ts"],
      }),
    );
    await sh("npx", ["tsc", "-p", "tsconfig.strict.json"], project);
  });

  it("runs the node:test example", async () => {
    const { stdout } = await sh(process.execPath, ["--test", "node-test/kms.test.mjs"], project);
    assert.match(stdout, /^# pass 2$/m);
    assert.match(stdout, /^# fail 0$/m);
  });

  it("runs the Vitest example, global setup and a Trent per file", async () => {
    const { stdout } = await sh("npx", ["vitest", "run"], project);
    assert.match(stdout, /Test Files {2}2 passed \(2\)/);
    assert.match(stdout, /Tests {2}3 passed \(3\)/);
  });
});
