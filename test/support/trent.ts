/**
 * Starts Trent in-process on an ephemeral port for a test file, with an in-memory store (or a
 * given data directory), and hands out real AWS SDK v3 KMS clients pointed at it.
 */
import { KMSClient } from "@aws-sdk/client-kms";
import { startTrent, type Trent, type TrentOptions } from "../../src/app.js";
import { type TrentConfig, withDefaults } from "../../src/vocabulary/config.js";

export interface TestTrent extends Trent {
  client(region?: string): KMSClient;
}

export async function startTestTrent(
  config: Partial<TrentConfig> = {},
  options: TrentOptions = {},
): Promise<TestTrent> {
  const trent = await startTrent(withDefaults({ port: 0, dataDir: ":memory:", ...config }), {
    log: () => {},
    ...options,
  });
  const clients: KMSClient[] = [];
  return {
    ...trent,
    client(region = trent.services.config.region) {
      const client = new KMSClient({
        endpoint: trent.url,
        region,
        credentials: { accessKeyId: "AKIDTRENTTEST", secretAccessKey: "trent-test-secret" },
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) c.destroy();
      await trent.close();
    },
  };
}

/** POSTs a raw KMS request, for tests of what SDKs would never send. */
export async function rawKms(
  url: string,
  target: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `TrentService.${target}`,
      ...headers,
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
}
