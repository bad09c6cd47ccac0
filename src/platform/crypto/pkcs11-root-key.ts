/**
 * A root key inside a PKCS#11 token (an HSM; SoftHSM2 in tests). The key is generated in the
 * token as sensitive and not extractable, so it never exists outside it: every seal and every
 * first open of a secret is one AES-256-GCM call (CKM_AES_GCM) inside the token, with an IV that
 * Trent chooses, writing the same sealed format as a raw key (sealing.ts).
 *
 * Why each secret goes through the token instead of unwrapping one data-encryption key at start:
 * taking the token away (or revoking the PIN) stops every new unseal at once, no single key in
 * this process's memory opens the whole store, and rotation works the same for every source.
 * The cost is one token call (~35 µs on SoftHSM2) per seal and per first open of a material;
 * opened material is cached by material id (domain/key-material.ts), so Encrypt and Decrypt do
 * not reach the token.
 *
 * One logged-in session per token; calls are synchronous, so the event loop serialises them and
 * an EncryptInit is always followed by its own Encrypt. A lost session (token removed, session
 * closed, device error) is reopened once; if that fails the call fails with a clear message.
 */
import pkcs11js from "pkcs11js";
import { ConfigError } from "../../vocabulary/config.js";
import { type Logger, type LogTarget, toLogger } from "../../vocabulary/ports.js";
import { type RootKey, RootKeySourceError } from "./root-key.js";
import { type GcmCipher, openWith, sealTagLength, sealWith } from "./sealing.js";

export interface Pkcs11Settings {
  /** Path of the PKCS#11 module (.so). */
  readonly module: string;
  readonly tokenLabel: string;
  readonly pin: string;
  /** The variable the PIN came from, to name it when the token refuses it. */
  readonly pinOrigin: string;
}

/** The token cannot be used right now: a failure of the HSM, not of the data. */
export class Pkcs11UnavailableError extends RootKeySourceError {}

/** Result codes that mean the session is gone but a new one may work. */
const lostSession = new Set([
  pkcs11js.CKR_SESSION_HANDLE_INVALID,
  pkcs11js.CKR_SESSION_CLOSED,
  pkcs11js.CKR_DEVICE_REMOVED,
  pkcs11js.CKR_DEVICE_ERROR,
  pkcs11js.CKR_TOKEN_NOT_PRESENT,
  pkcs11js.CKR_USER_NOT_LOGGED_IN,
  pkcs11js.CKR_OBJECT_HANDLE_INVALID,
  pkcs11js.CKR_KEY_HANDLE_INVALID,
]);

function resultCode(error: unknown): number | undefined {
  return error instanceof pkcs11js.Pkcs11Error ? error.code : undefined;
}

function resultName(error: unknown): string {
  if (error instanceof pkcs11js.Pkcs11Error) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * A PKCS#11 module is process-wide state: C_Initialize once per process, C_Finalize closes every
 * session. Tests (and `trent root-key rotate` beside a server's code) may open one module
 * twice in one process, so each loaded module is counted and finalized by its last user.
 */
const loadedModules = new Map<string, { library: pkcs11js.PKCS11; users: number }>();

function acquireModule(path: string): pkcs11js.PKCS11 {
  const loaded = loadedModules.get(path);
  if (loaded) {
    loaded.users += 1;
    return loaded.library;
  }
  const library = new pkcs11js.PKCS11();
  try {
    library.load(path);
  } catch (error) {
    throw new ConfigError(
      `TRENT_PKCS11_MODULE names ${path}, which cannot be loaded as a PKCS#11 module: ${resultName(error).split("\n")[0]}`,
    );
  }
  try {
    library.C_Initialize();
  } catch (error) {
    if (resultCode(error) !== pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      library.close();
      throw new Pkcs11UnavailableError(
        `the PKCS#11 module ${path} failed to initialize (${resultName(error)})`,
      );
    }
  }
  loadedModules.set(path, { library, users: 1 });
  return library;
}

function releaseModule(path: string): void {
  const loaded = loadedModules.get(path);
  if (!loaded) return;
  loaded.users -= 1;
  if (loaded.users > 0) return;
  loadedModules.delete(path);
  try {
    loaded.library.C_Finalize();
  } finally {
    loaded.library.close();
  }
}

const secretKeyClass = { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY };

function findKeyHandles(lib: pkcs11js.PKCS11, session: Buffer, label: string): Buffer[] {
  lib.C_FindObjectsInit(session, [secretKeyClass, { type: pkcs11js.CKA_LABEL, value: label }]);
  try {
    return lib.C_FindObjects(session, 2);
  } finally {
    lib.C_FindObjectsFinal(session);
  }
}

/** What a key in the token allows, as its attributes say. */
export interface Pkcs11KeyAttributes {
  readonly sensitive: boolean;
  readonly extractable: boolean;
  readonly valueLength: number;
}

/** A logged-in session on the token with the configured label. */
export class Pkcs11Token {
  readonly #library: pkcs11js.PKCS11;
  readonly #settings: Pkcs11Settings;
  readonly #log: Logger;
  #session: Buffer | undefined;
  /** Bumped on every new session: key handles found under an older one are looked up again. */
  #generation = 0;

  private constructor(library: pkcs11js.PKCS11, settings: Pkcs11Settings, log: Logger) {
    this.#library = library;
    this.#settings = settings;
    this.#log = log;
  }

  /** Loads the module, finds the token by label and logs in; a clear error if any step fails. */
  static open(settings: Pkcs11Settings, log: LogTarget): Pkcs11Token {
    const library = acquireModule(settings.module);
    const token = new Pkcs11Token(library, settings, toLogger(log));
    try {
      token.#openSession();
    } catch (error) {
      releaseModule(settings.module);
      throw error;
    }
    return token;
  }

  get description(): string {
    return `PKCS#11 token '${this.#settings.tokenLabel}' (${this.#settings.module})`;
  }

  get generation(): number {
    return this.#generation;
  }

  #findSlot(): Buffer {
    const lib = this.#library;
    const labels: string[] = [];
    const matches: Buffer[] = [];
    for (const slot of lib.C_GetSlotList(true)) {
      const label = lib.C_GetTokenInfo(slot).label.trim();
      // An unlabelled slot is an uninitialised token (SoftHSM2 always offers one).
      if (label !== "") labels.push(`'${label}'`);
      if (label === this.#settings.tokenLabel) matches.push(slot);
    }
    if (matches.length === 1 && matches[0]) return matches[0];
    if (matches.length > 1)
      throw new ConfigError(
        `${matches.length} PKCS#11 tokens are labelled '${this.#settings.tokenLabel}' in ${this.#settings.module}: TRENT_PKCS11_TOKEN_LABEL must name exactly one`,
      );
    throw new ConfigError(
      `no PKCS#11 token labelled '${this.#settings.tokenLabel}' (TRENT_PKCS11_TOKEN_LABEL) in ${this.#settings.module}; tokens present: ${labels.length === 0 ? "none" : labels.sort().join(", ")}`,
    );
  }

  #openSession(): void {
    const lib = this.#library;
    const slot = this.#findSlot();
    const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    try {
      lib.C_Login(session, pkcs11js.CKU_USER, this.#settings.pin);
    } catch (error) {
      const code = resultCode(error);
      if (code !== pkcs11js.CKR_USER_ALREADY_LOGGED_IN) {
        lib.C_CloseSession(session);
        // The PIN itself is never part of the message.
        if (code === pkcs11js.CKR_PIN_INCORRECT || code === pkcs11js.CKR_PIN_LEN_RANGE)
          throw new ConfigError(
            `the PKCS#11 token '${this.#settings.tokenLabel}' refused the PIN from ${this.#settings.pinOrigin} (${resultName(error)})`,
          );
        throw new Pkcs11UnavailableError(
          `logging in to the PKCS#11 token '${this.#settings.tokenLabel}' failed (${resultName(error)})`,
        );
      }
    }
    this.#session = session;
    this.#generation += 1;
  }

  #reopen(cause: unknown): void {
    const old = this.#session;
    this.#session = undefined;
    if (old !== undefined) {
      try {
        this.#library.C_CloseSession(old);
      } catch {
        // Already gone: that is why it is being replaced.
      }
    }
    try {
      this.#openSession();
    } catch (error) {
      throw new Pkcs11UnavailableError(
        `the PKCS#11 session on token '${this.#settings.tokenLabel}' was lost (${resultName(cause)}) and could not be reopened: ${resultName(error)}`,
      );
    }
    this.#log.warn(
      `PKCS#11 session on token '${this.#settings.tokenLabel}' was lost (${resultName(cause)}); opened a new one`,
    );
  }

  /** Runs `work` on the session; a lost session is reopened once and `work` runs again. */
  run<T>(work: (library: pkcs11js.PKCS11, session: Buffer) => T): T {
    if (this.#session === undefined) this.#reopen(new Error("no session"));
    try {
      return work(this.#library, this.#session as Buffer);
    } catch (error) {
      if (!lostSession.has(resultCode(error) ?? -1)) throw error;
      this.#reopen(error);
      try {
        return work(this.#library, this.#session as Buffer);
      } catch (again) {
        if (lostSession.has(resultCode(again) ?? -1))
          throw new Pkcs11UnavailableError(
            `the PKCS#11 token '${this.#settings.tokenLabel}' is unavailable (${resultName(again)})`,
          );
        throw again;
      }
    }
  }

  /** Handles of the secret keys with this label (normally one). */
  findKeyHandles(label: string): Buffer[] {
    return this.run((lib, session) => findKeyHandles(lib, session, label));
  }

  /** The root key with this label, or undefined when the token has none. */
  findKey(label: string): Pkcs11RootKey | undefined {
    const handles = this.findKeyHandles(label);
    if (handles.length === 0) return undefined;
    if (handles.length > 1)
      throw new ConfigError(
        `the PKCS#11 token '${this.#settings.tokenLabel}' holds several secret keys labelled '${label}': keep one, or use another label`,
      );
    const attributes = this.keyAttributes(label);
    if (attributes.valueLength !== 32)
      throw new ConfigError(
        `the PKCS#11 key '${label}' on token '${this.#settings.tokenLabel}' is not a 256-bit AES key`,
      );
    if (attributes.extractable || !attributes.sensitive)
      this.#log.warn(
        `warning: the PKCS#11 key '${label}' on token '${this.#settings.tokenLabel}' can leave the token (CKA_EXTRACTABLE or not CKA_SENSITIVE); a root key generated by Trent cannot`,
      );
    return new Pkcs11RootKey(this, label);
  }

  /** Generates a new AES-256 root key inside the token; its value can never be read out. */
  generateKey(label: string): Pkcs11RootKey {
    this.run((lib, session) =>
      lib.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
        secretKeyClass,
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
        { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
        { type: pkcs11js.CKA_LABEL, value: label },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        { type: pkcs11js.CKA_ENCRYPT, value: true },
        { type: pkcs11js.CKA_DECRYPT, value: true },
        { type: pkcs11js.CKA_WRAP, value: false },
        { type: pkcs11js.CKA_UNWRAP, value: false },
        { type: pkcs11js.CKA_SIGN, value: false },
        { type: pkcs11js.CKA_VERIFY, value: false },
        { type: pkcs11js.CKA_DERIVE, value: false },
      ]),
    );
    this.#log.info(
      `generated root key '${label}' inside PKCS#11 token '${this.#settings.tokenLabel}' (not extractable)`,
    );
    return new Pkcs11RootKey(this, label);
  }

  keyAttributes(label: string): Pkcs11KeyAttributes {
    const handle = this.findKeyHandles(label)[0];
    if (handle === undefined) throw new Error(`no PKCS#11 key labelled '${label}'`);
    const values = this.run((lib, session) =>
      lib.C_GetAttributeValue(session, handle, [
        { type: pkcs11js.CKA_SENSITIVE },
        { type: pkcs11js.CKA_EXTRACTABLE },
        { type: pkcs11js.CKA_VALUE_LEN },
      ]),
    );
    const bytes = (i: number) => (values[i]?.value as Buffer | undefined) ?? Buffer.alloc(0);
    return {
      sensitive: bytes(0)[0] === 1,
      extractable: bytes(1)[0] === 1,
      valueLength: bytes(2).length >= 4 ? bytes(2).readUInt32LE(0) : (bytes(2)[0] ?? 0),
    };
  }

  close(): void {
    const session = this.#session;
    this.#session = undefined;
    try {
      if (session !== undefined) this.#library.C_CloseSession(session);
    } catch {
      // A session the token already dropped needs no closing.
    } finally {
      releaseModule(this.#settings.module);
    }
  }
}

/** A root key that lives in a PKCS#11 token, found by its label. */
export class Pkcs11RootKey implements RootKey {
  readonly #token: Pkcs11Token;
  readonly #label: string;
  #handle: Buffer | undefined;
  #handleGeneration = -1;
  readonly #cipher: GcmCipher;

  constructor(token: Pkcs11Token, label: string) {
    this.#token = token;
    this.#label = label;
    this.#cipher = {
      encrypt: (iv, plaintext, aad) =>
        this.#token.run((lib, session) => {
          lib.C_EncryptInit(session, gcm(iv, aad), this.#handleIn(lib, session));
          return new Uint8Array(
            lib.C_Encrypt(
              session,
              Buffer.from(plaintext),
              Buffer.alloc(plaintext.length + sealTagLength),
            ),
          );
        }),
      decrypt: (iv, ciphertextAndTag, aad) =>
        this.#token.run((lib, session) => {
          lib.C_DecryptInit(session, gcm(iv, aad), this.#handleIn(lib, session));
          try {
            return new Uint8Array(
              lib.C_Decrypt(
                session,
                Buffer.from(ciphertextAndTag),
                Buffer.alloc(ciphertextAndTag.length),
              ),
            );
          } catch (error) {
            if (lostSession.has(resultCode(error) ?? -1)) throw error;
            // Tokens differ in the code they give a tag that does not verify
            // (CKR_ENCRYPTED_DATA_INVALID, SoftHSM2's CKR_GENERAL_ERROR): all mean "not this key".
            throw new Error(
              `${this.description} does not open this sealed data (${resultName(error)})`,
            );
          }
        }),
    };
  }

  get description(): string {
    return `PKCS#11 key '${this.#label}' on ${this.#token.description}`;
  }

  get label(): string {
    return this.#label;
  }

  /** The key's handle in the current session, looked up again after a session was replaced. */
  #handleIn(lib: pkcs11js.PKCS11, session: Buffer): Buffer {
    if (this.#handle === undefined || this.#handleGeneration !== this.#token.generation) {
      const handle = findKeyHandles(lib, session, this.#label)[0];
      if (handle === undefined)
        throw new Pkcs11UnavailableError(`${this.description} is no longer in the token`);
      this.#handle = handle;
      this.#handleGeneration = this.#token.generation;
    }
    return this.#handle;
  }

  seal(plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    return sealWith(this.#cipher, plaintext, aad);
  }

  open(sealed: Uint8Array, aad: Uint8Array): Uint8Array {
    return openWith(this.#cipher, sealed, aad);
  }
}

function gcm(iv: Uint8Array, aad: Uint8Array): pkcs11js.Mechanism {
  const parameter: pkcs11js.GcmParams = {
    type: pkcs11js.CK_PARAMS_GCM,
    iv: Buffer.from(iv),
    aad: Buffer.from(aad),
    ivBits: iv.length * 8,
    tagBits: sealTagLength * 8,
  };
  return { mechanism: pkcs11js.CKM_AES_GCM, parameter };
}
