/**
 * HTTPS for the listener: the certificate chain and private key from TRENT_TLS_CERT_FILE and
 * TRENT_TLS_KEY_FILE (PEM), read at start-up and again on SIGHUP. A reload swaps the secure
 * context for new connections only (server.setSecureContext); connections already open keep
 * theirs, so renewing a certificate drops nobody. A reload that fails (a missing file, a key
 * that does not match the certificate, a half-written file) keeps the certificate in use and
 * logs why.
 */
import { readFileSync } from "node:fs";
import type { Server as HttpsServer } from "node:https";
import { createSecureContext } from "node:tls";
import type { Logger } from "../../vocabulary/ports.js";

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TlsCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/**
 * Reads both files and checks that they make a usable context (the key matches the
 * certificate), throwing an error that names the file or the problem otherwise.
 */
export function readTlsCredentials(files: TlsFiles): TlsCredentials {
  const read = (path: string, variable: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(
        `cannot read ${variable} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
  };
  const credentials = {
    cert: read(files.certFile, "TRENT_TLS_CERT_FILE"),
    key: read(files.keyFile, "TRENT_TLS_KEY_FILE"),
  };
  try {
    createSecureContext(credentials);
  } catch (error) {
    throw new Error(
      `TRENT_TLS_CERT_FILE ${files.certFile} and TRENT_TLS_KEY_FILE ${files.keyFile} do not make a TLS certificate and its key: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return credentials;
}

/** Reads the files again and serves new connections with them; false (logged) if that fails. */
export function reloadTlsCredentials(server: HttpsServer, files: TlsFiles, log: Logger): boolean {
  try {
    server.setSecureContext(readTlsCredentials(files));
  } catch (error) {
    log.error(
      `TLS certificate not reloaded, the one in use stays: ${error instanceof Error ? error.message : String(error)}`,
    );
    return false;
  }
  log.info(`TLS certificate reloaded from ${files.certFile}`);
  return true;
}
