/**
 * Talking to a chosen worker of a TRENT_WORKERS > 1 server: a one-socket keep-alive agent stays
 * on the worker its connection went to, and /_trent/status names that worker.
 */
import assert from "node:assert/strict";
import { Agent, get, request } from "node:http";
import { KMSClient } from "@aws-sdk/client-kms";

export interface Status {
  readonly keys: number;
  readonly worker?: { readonly id: number; readonly pid: number; readonly of: number };
}

export function call(
  url: string,
  method: "GET" | "POST",
  path: string,
  agent: Agent | false,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (method === "GET" ? get : request)(`${url}${path}`, { method, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

export async function status(url: string, agent: Agent | false): Promise<Status> {
  const answer = await call(url, "GET", "/_trent/status", agent);
  assert.equal(answer.status, 200, answer.body);
  return JSON.parse(answer.body) as Status;
}

/** A client whose requests all go over one connection, so to one worker. */
export interface Pinned {
  readonly pid: number;
  readonly agent: Agent;
  readonly client: KMSClient;
}

export function pinnedClient(url: string, agent: Agent): KMSClient {
  return new KMSClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDTRENTTEST", secretAccessKey: "trent-test-secret" },
    maxAttempts: 1,
    requestHandler: { httpAgent: agent },
  });
}

/** One pinned client per worker: new connections until both workers have answered one. */
export async function pinToEachWorker(url: string): Promise<Pinned[]> {
  const byPid = new Map<number, Pinned>();
  for (let tries = 0; byPid.size < 2 && tries < 20; tries += 1) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const { worker } = await status(url, agent);
    assert.ok(worker, "/_trent/status names the worker that answered");
    if (byPid.has(worker.pid)) agent.destroy();
    else byPid.set(worker.pid, { pid: worker.pid, agent, client: pinnedClient(url, agent) });
  }
  assert.equal(byPid.size, 2, "connections landed on one worker only");
  return [...byPid.values()];
}

export async function assertStillOn(url: string, pinned: Pinned): Promise<void> {
  assert.equal((await status(url, pinned.agent)).worker?.pid, pinned.pid, "the pin held");
}
