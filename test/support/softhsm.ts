/**
 * A throwaway SoftHSM2 token for tests of the PKCS#11 root key: its own token directory and
 * SOFTHSM2_CONF in a temp directory, initialised with softhsm2-util (Debian's softhsm2, which
 * .ci/run installs where a machine lacks it). SoftHSM2 reads SOFTHSM2_CONF when the module
 * initialises, so a test file sets it in process.env (for Trent in-process) and child processes
 * inherit it.
 */
import { execFile as execFileCallback } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const execFile = promisify(execFileCallback);

export const softhsmModule = "/usr/lib/softhsm/libsofthsm2.so";

/** Why SoftHSM2 tests cannot run here, or undefined when they can. */
export function softhsmSkipReason(): string | undefined {
  if (!existsSync(softhsmModule))
    return `SoftHSM2 not installed (${softhsmModule} missing): apt-get install softhsm2`;
  return undefined;
}

export interface TestToken {
  readonly label: string;
  readonly pin: string;
  /** The SOFTHSM2_CONF file naming this token directory. */
  readonly conf: string;
  /** Adds another token to the same directory. */
  addToken(label: string): Promise<void>;
  remove(): void;
}

export async function createTestToken(label: string, pin: string): Promise<TestToken> {
  const dir = mkdtempSync(join(tmpdir(), "trent-softhsm-"));
  const tokens = join(dir, "tokens");
  mkdirSync(tokens, { mode: 0o700 });
  const conf = join(dir, "softhsm2.conf");
  writeFileSync(
    conf,
    `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
  );
  const init = (tokenLabel: string) =>
    execFile(
      "softhsm2-util",
      ["--init-token", "--free", "--label", tokenLabel, "--pin", pin, "--so-pin", `${pin}-so`],
      { env: { ...process.env, SOFTHSM2_CONF: conf } },
    );
  await init(label);
  return {
    label,
    pin,
    conf,
    async addToken(other) {
      await init(other);
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TokenKey {
  readonly label: string;
  readonly sensitive: boolean;
  readonly extractable: boolean;
  /** What reading CKA_VALUE answered: a PKCS#11 error name, or "readable". */
  readonly readValue: string;
}

/**
 * The secret keys in the token as PKCS#11 itself reports them, read by a separate process
 * through pkcs11js (not through Trent's code), so a running Trent is not disturbed.
 */
export async function tokenKeys(token: TestToken): Promise<TokenKey[]> {
  const script = `
    const p11 = require("pkcs11js");
    const lib = new p11.PKCS11();
    lib.load(${JSON.stringify(softhsmModule)});
    lib.C_Initialize();
    const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === ${JSON.stringify(token.label)});
    const session = lib.C_OpenSession(slot, p11.CKF_SERIAL_SESSION);
    lib.C_Login(session, p11.CKU_USER, ${JSON.stringify(token.pin)});
    lib.C_FindObjectsInit(session, [{ type: p11.CKA_CLASS, value: p11.CKO_SECRET_KEY }]);
    const handles = lib.C_FindObjects(session, 100);
    lib.C_FindObjectsFinal(session);
    const keys = handles.map((h) => {
      const [label, sensitive, extractable] = lib.C_GetAttributeValue(session, h, [
        { type: p11.CKA_LABEL }, { type: p11.CKA_SENSITIVE }, { type: p11.CKA_EXTRACTABLE },
      ]).map((a) => a.value);
      let readValue = "readable";
      try { lib.C_GetAttributeValue(session, h, [{ type: p11.CKA_VALUE }]); } catch (e) { readValue = e.message; }
      return { label: label.toString(), sensitive: sensitive[0] === 1, extractable: extractable[0] === 1, readValue };
    });
    lib.C_Finalize();
    process.stdout.write(JSON.stringify(keys.sort((a, b) => a.label.localeCompare(b.label))));
  `;
  const { stdout } = await execFile(process.execPath, ["-e", script], {
    env: { ...process.env, SOFTHSM2_CONF: token.conf },
    cwd: new URL("../..", import.meta.url).pathname,
  });
  return JSON.parse(stdout) as TokenKey[];
}
