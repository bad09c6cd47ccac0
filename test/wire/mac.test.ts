/**
 * GenerateMac and VerifyMac through the real SDK: every HMAC key spec with its MAC algorithm,
 * the response members, and every error with AWS's __type, status and message. (That the MAC is
 * RFC 2104 HMAC is pinned by test/unit/macs.test.ts with RFC 4231's vectors; the material
 * itself never leaves Trent.)
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateKeyCommand,
  type CreateKeyCommandInput,
  DisableKeyCommand,
  GenerateMacCommand,
  type KeySpec,
  type KMSClient,
  type MacAlgorithmSpec,
  ScheduleKeyDeletionCommand,
  VerifyMacCommand,
} from "@aws-sdk/client-kms";
import { failure } from "../support/kms-errors.js";
import { rawKms, startTestTrent, type TestTrent } from "../support/trent.js";

const text = (s: string) => new TextEncoder().encode(s);
const message = text("a message worth authenticating");

const specs: [KeySpec, MacAlgorithmSpec, number][] = [
  ["HMAC_224", "HMAC_SHA_224", 28],
  ["HMAC_256", "HMAC_SHA_256", 32],
  ["HMAC_384", "HMAC_SHA_384", 48],
  ["HMAC_512", "HMAC_SHA_512", 64],
];

describe("GenerateMac and VerifyMac", () => {
  let trent: TestTrent;
  let kms: KMSClient;
  const keys = new Map<KeySpec, Promise<{ id: string; arn: string }>>();

  async function createKey(input: CreateKeyCommandInput) {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand(input));
    return { id: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn!, usage: KeyMetadata!.KeyUsage! };
  }

  function hmacKey(spec: KeySpec) {
    let key = keys.get(spec);
    if (!key) {
      key = createKey({ KeySpec: spec, KeyUsage: "GENERATE_VERIFY_MAC" });
      keys.set(spec, key);
    }
    return key;
  }

  before(async () => {
    trent = await startTestTrent();
    kms = trent.client();
  });
  after(() => trent.close());

  for (const [spec, algorithm, length] of specs)
    it(`${spec} computes ${algorithm} and verifies it`, async () => {
      const key = await hmacKey(spec);
      const out = await kms.send(
        new GenerateMacCommand({ KeyId: key.id, Message: message, MacAlgorithm: algorithm }),
      );
      assert.equal(out.KeyId, key.arn);
      assert.equal(out.MacAlgorithm, algorithm);
      assert.equal(out.Mac?.length, length);
      const again = await kms.send(
        new GenerateMacCommand({ KeyId: key.arn, Message: message, MacAlgorithm: algorithm }),
      );
      assert.deepEqual(again.Mac, out.Mac, "HMAC is deterministic");
      const other = await kms.send(
        new GenerateMacCommand({ KeyId: key.id, Message: text("other"), MacAlgorithm: algorithm }),
      );
      assert.notDeepEqual(other.Mac, out.Mac);

      const verified = await kms.send(
        new VerifyMacCommand({
          KeyId: key.id,
          Message: message,
          MacAlgorithm: algorithm,
          Mac: out.Mac,
        }),
      );
      assert.equal(verified.MacValid, true);
      assert.equal(verified.KeyId, key.arn);
      assert.equal(verified.MacAlgorithm, algorithm);
    });

  it("uses each key's own material: two keys of a spec give different MACs", async () => {
    const a = await hmacKey("HMAC_256");
    const b = await createKey({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" });
    const macOf = async (id: string) =>
      (
        await kms.send(
          new GenerateMacCommand({ KeyId: id, Message: message, MacAlgorithm: "HMAC_SHA_256" }),
        )
      ).Mac!;
    const macA = await macOf(a.id);
    assert.notDeepEqual(macA, await macOf(b.id));
    const error = await failure(
      kms.send(
        new VerifyMacCommand({
          KeyId: b.id,
          Message: message,
          MacAlgorithm: "HMAC_SHA_256",
          Mac: macA,
        }),
      ),
    );
    assert.equal(error.name, "KMSInvalidMacException");
  });

  it("takes messages of 1 to 4096 bytes", async () => {
    const key = await hmacKey("HMAC_512");
    const out = await kms.send(
      new GenerateMacCommand({
        KeyId: key.id,
        Message: new Uint8Array(4096).fill(7),
        MacAlgorithm: "HMAC_SHA_512",
      }),
    );
    assert.equal(out.Mac?.length, 64);
    assert.deepEqual(
      await failure(
        kms.send(
          new GenerateMacCommand({
            KeyId: key.id,
            Message: new Uint8Array(4097),
            MacAlgorithm: "HMAC_SHA_512",
          }),
        ),
      ),
      {
        name: "ValidationException",
        message:
          "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096",
        status: 400,
      },
    );
  });

  describe("VerifyMac failures", () => {
    it("answers KMSInvalidMacException (400, no message) for a changed message", async () => {
      const key = await hmacKey("HMAC_384");
      const { Mac } = await kms.send(
        new GenerateMacCommand({ KeyId: key.id, Message: message, MacAlgorithm: "HMAC_SHA_384" }),
      );
      const res = await rawKms(
        trent.url,
        "VerifyMac",
        JSON.stringify({
          KeyId: key.id,
          Message: Buffer.from("changed").toString("base64"),
          MacAlgorithm: "HMAC_SHA_384",
          Mac: Buffer.from(Mac!).toString("base64"),
        }),
      );
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, { __type: "KMSInvalidMacException" });
    });

    for (const [what, change] of [
      ["a changed MAC", (mac: Uint8Array) => Uint8Array.from(mac, (b, i) => (i === 3 ? b ^ 1 : b))],
      ["a truncated MAC", (mac: Uint8Array) => mac.subarray(0, 16)],
      ["a MAC with a byte more", (mac: Uint8Array) => Uint8Array.from([...mac, 0])],
    ] as const)
      it(`answers KMSInvalidMacException for ${what}`, async () => {
        const key = await hmacKey("HMAC_256");
        const { Mac } = await kms.send(
          new GenerateMacCommand({
            KeyId: key.id,
            Message: message,
            MacAlgorithm: "HMAC_SHA_256",
          }),
        );
        const error = await failure(
          kms.send(
            new VerifyMacCommand({
              KeyId: key.id,
              Message: message,
              MacAlgorithm: "HMAC_SHA_256",
              Mac: change(Mac!),
            }),
          ),
        );
        assert.equal(error.name, "KMSInvalidMacException");
        assert.equal(error.status, 400);
      });
  });

  describe("errors", () => {
    it("refuses a MAC algorithm of another HMAC key spec", async () => {
      for (const [spec, own] of specs)
        for (const [, algorithm] of specs) {
          if (algorithm === own) continue;
          const key = await hmacKey(spec);
          const expected = {
            name: "InvalidKeyUsageException",
            message: `Algorithm ${algorithm} is incompatible with key spec ${spec}.`,
            status: 400,
          };
          assert.deepEqual(
            await failure(
              kms.send(
                new GenerateMacCommand({
                  KeyId: key.id,
                  Message: message,
                  MacAlgorithm: algorithm,
                }),
              ),
            ),
            expected,
          );
          assert.deepEqual(
            await failure(
              kms.send(
                new VerifyMacCommand({
                  KeyId: key.id,
                  Message: message,
                  MacAlgorithm: algorithm,
                  Mac: new Uint8Array(32),
                }),
              ),
            ),
            expected,
          );
        }
    });

    it("refuses keys whose usage is not GENERATE_VERIFY_MAC", async () => {
      for (const input of [
        {},
        { KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" },
        { KeySpec: "ECC_NIST_P384", KeyUsage: "KEY_AGREEMENT" },
      ] as CreateKeyCommandInput[]) {
        const key = await createKey(input);
        for (const operation of ["GenerateMac", "VerifyMac"] as const) {
          const call =
            operation === "GenerateMac"
              ? kms.send(
                  new GenerateMacCommand({
                    KeyId: key.id,
                    Message: message,
                    MacAlgorithm: "HMAC_SHA_256",
                  }),
                )
              : kms.send(
                  new VerifyMacCommand({
                    KeyId: key.id,
                    Message: message,
                    MacAlgorithm: "HMAC_SHA_256",
                    Mac: new Uint8Array(32),
                  }),
                );
          assert.deepEqual(await failure(call), {
            name: "InvalidKeyUsageException",
            message: `${key.arn} key usage is ${key.usage} which is not valid for ${operation}.`,
            status: 400,
          });
        }
      }
    });

    it("answers for the key first: unknown, disabled, pending deletion", async () => {
      const missing = "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000";
      assert.deepEqual(
        await failure(
          kms.send(
            new GenerateMacCommand({
              KeyId: missing,
              Message: message,
              MacAlgorithm: "HMAC_SHA_256",
            }),
          ),
        ),
        { name: "NotFoundException", message: `Key '${missing}' does not exist`, status: 400 },
      );
      const key = await createKey({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" });
      await kms.send(new DisableKeyCommand({ KeyId: key.id }));
      for (const call of [
        kms.send(
          new GenerateMacCommand({ KeyId: key.id, Message: message, MacAlgorithm: "HMAC_SHA_512" }),
        ),
        kms.send(
          new VerifyMacCommand({
            KeyId: key.id,
            Message: message,
            MacAlgorithm: "HMAC_SHA_256",
            Mac: new Uint8Array(32),
          }),
        ),
      ])
        assert.deepEqual(await failure(call), {
          name: "DisabledException",
          message: `${key.arn} is disabled.`,
          status: 400,
        });
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.id, PendingWindowInDays: 7 }));
      assert.deepEqual(
        await failure(
          kms.send(
            new GenerateMacCommand({
              KeyId: key.id,
              Message: message,
              MacAlgorithm: "HMAC_SHA_256",
            }),
          ),
        ),
        {
          name: "KMSInvalidStateException",
          message: `${key.arn} is pending deletion.`,
          status: 400,
        },
      );
    });

    it("answers DryRunOperationException after every check, without computing a MAC", async () => {
      const key = await hmacKey("HMAC_224");
      const expected = {
        name: "DryRunOperationException",
        message: "The request would have succeeded, but the DryRun option is set.",
        status: 412,
      };
      assert.deepEqual(
        await failure(
          kms.send(
            new GenerateMacCommand({
              KeyId: key.id,
              Message: message,
              MacAlgorithm: "HMAC_SHA_224",
              DryRun: true,
            }),
          ),
        ),
        expected,
      );
      assert.deepEqual(
        await failure(
          kms.send(
            new VerifyMacCommand({
              KeyId: key.id,
              Message: message,
              MacAlgorithm: "HMAC_SHA_224",
              Mac: new Uint8Array(28),
              DryRun: true,
            }),
          ),
        ),
        expected,
      );
      assert.equal(
        (
          await failure(
            kms.send(
              new GenerateMacCommand({
                KeyId: key.id,
                Message: message,
                MacAlgorithm: "HMAC_SHA_256",
                DryRun: true,
              }),
            ),
          )
        ).name,
        "InvalidKeyUsageException",
      );
    });

    it("refuses grant tokens Trent did not issue", async () => {
      const key = await hmacKey("HMAC_256");
      assert.deepEqual(
        await failure(
          kms.send(
            new VerifyMacCommand({
              KeyId: key.id,
              Message: message,
              MacAlgorithm: "HMAC_SHA_256",
              Mac: new Uint8Array(32),
              GrantTokens: ["forged"],
            }),
          ),
        ),
        { name: "InvalidGrantTokenException", message: "Invalid grant token.", status: 400 },
      );
    });
  });
});
