/**
 * The body of a key pair pool worker thread (see key-pair-pool.ts). It generates one RSA pair
 * per request, synchronously: the worker has its own thread, so the search for primes blocks
 * neither the event loop nor libuv's shared threadpool, where node's async crypto runs.
 *
 * RSA generation is background work: the worker lowers its own thread's scheduling priority
 * (Linux: nice 10 for this thread only), so that when the cores are busy the event loop's
 * requests (ECC pairs, Encrypt, Decrypt...) run first and RSA pairs take what is left; the pool's
 * queue limit turns the resulting wait into ThrottlingException rather than seconds of latency.
 *
 * Messages in:  { id, spec }                       spec is an RSA DataKeyPairSpec
 * Messages out: { id, publicKey, privateKey }      both DER, buffers transferred, not copied
 *               { id, error }                      the message of what went wrong
 */
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort } from "node:worker_threads";
import { generateRsaKeyPairBlocking, isRsaKeyPairSpec } from "./data-key-pairs.js";
import type { PoolRequest, PoolResponse } from "./key-pair-pool.js";

const port = parentPort;
if (!port) throw new Error("key-pair-worker runs only as a worker thread");

/** Nice value of the worker's thread: lower priority than the event loop's default 0. */
const backgroundNice = 10;

function lowerOwnPriority(): void {
  try {
    // "<pid>/task/<tid>": on Linux, setpriority on a thread id applies to that thread alone.
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, backgroundNice);
  } catch {
    // Not Linux: generation runs at the process's priority, as before.
  }
}

lowerOwnPriority();

port.on("message", (request: PoolRequest) => {
  let response: PoolResponse;
  let transfer: ArrayBuffer[] = [];
  try {
    if (!isRsaKeyPairSpec(request.spec)) throw new Error(`${request.spec} is not an RSA spec`);
    const pair = generateRsaKeyPairBlocking(request.spec);
    response = { id: request.id, publicKey: pair.publicKey, privateKey: pair.privateKey };
    transfer = [pair.publicKey.buffer as ArrayBuffer, pair.privateKey.buffer as ArrayBuffer];
  } catch (error) {
    response = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(response, transfer);
});
