/**
 * The HTTP floor: a bare node:http server that reads each request body and answers with a
 * canned KMS-shaped response, doing no parsing, lookup, crypto or audit. Whatever it costs per
 * request, Trent (also node:http, one event loop) pays too, so its throughput bounds Trent's
 * from above on this machine and load. Started by run.ts as a child process; prints
 * "listening on <url>" once ready.
 *
 * Usage: node --import tsx bench/http-floor-server.ts <response body bytes>
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const size = Number(process.argv[2] ?? 512);
// A JSON object of the requested size, like a GenerateDataKeyPair answer (base64 fields).
const body = JSON.stringify({ PublicKey: "A".repeat(Math.max(0, size - 17)) });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    res.writeHead(200, {
      "content-type": "application/x-amz-json-1.1",
      "content-length": Buffer.byteLength(body),
      "x-amzn-requestid": randomUUID(),
    });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
