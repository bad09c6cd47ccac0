/**
 * Key rotation through the real AWS SDK: EnableKeyRotation, DisableKeyRotation,
 * GetKeyRotationStatus, RotateKeyOnDemand and ListKeyRotations, automatic rotation driven by
 * the injected clock and the sweep, what a rotation changes (CurrentKeyMaterialId, the material
 * new ciphertexts use) and what it keeps (old ciphertexts decrypt), persistence of the settings,
 * and AWS's errors with their status and wording.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CancelKeyDeletionCommand,
  CreateKeyCommand,
  type CreateKeyCommandInput,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyRotationStatusCommand,
  type KMSClient,
  ListKeyRotationsCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import { failure } from "../support/kms-errors.js";
import { rawKms, startTestTrent, type TestTrent } from "../support/trent.js";

const day = 24 * 60 * 60 * 1000;
const start = new Date("2025-03-01T12:00:00.000Z");

/** A clock the test moves by hand. */
function manualClock() {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
    get time() {
      return now;
    },
  };
}

async function createKey(client: KMSClient, input: CreateKeyCommandInput = {}) {
  const out = await client.send(new CreateKeyCommand(input));
  assert.ok(out.KeyMetadata?.KeyId && out.KeyMetadata.Arn);
  return { keyId: out.KeyMetadata.KeyId, arn: out.KeyMetadata.Arn };
}

async function currentMaterialId(client: KMSClient, keyId: string): Promise<string> {
  const out = await client.send(new DescribeKeyCommand({ KeyId: keyId }));
  const id = out.KeyMetadata?.CurrentKeyMaterialId;
  assert.match(id ?? "", /^[0-9a-f]{64}$/);
  return id as string;
}

async function status(client: KMSClient, keyId: string) {
  const { $metadata: _, ...rest } = await client.send(
    new GetKeyRotationStatusCommand({ KeyId: keyId }),
  );
  return rest;
}

async function rotations(client: KMSClient, keyId: string, all = false) {
  const out = await client.send(
    new ListKeyRotationsCommand({
      KeyId: keyId,
      IncludeKeyMaterial: all ? "ALL_KEY_MATERIAL" : undefined,
    }),
  );
  return out;
}

describe("key rotation", () => {
  const clock = manualClock();
  let trent: TestTrent;
  let kms: KMSClient;

  before(async () => {
    trent = await startTestTrent({}, { clock });
    kms = trent.client();
  });
  after(() => trent.close());

  describe("EnableKeyRotation and GetKeyRotationStatus", () => {
    it("is off on a new key", async () => {
      const { keyId } = await createKey(kms);
      assert.deepEqual(await status(kms, keyId), { KeyRotationEnabled: false, KeyId: keyId });
    });

    it("rotates every 365 days from the enable date by default", async () => {
      const { keyId, arn } = await createKey(kms);
      const out = await kms.send(new EnableKeyRotationCommand({ KeyId: arn }));
      assert.equal(out.$metadata.httpStatusCode, 200);
      assert.deepEqual(await status(kms, keyId), {
        KeyRotationEnabled: true,
        KeyId: keyId,
        RotationPeriodInDays: 365,
        NextRotationDate: new Date(clock.time + 365 * day),
      });
    });

    it("takes a custom period, and a new period keeps the schedule's anchor", async () => {
      const { keyId } = await createKey(kms);
      const enabledAt = clock.time;
      await kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 90 }));
      assert.deepEqual(await status(kms, keyId), {
        KeyRotationEnabled: true,
        KeyId: keyId,
        RotationPeriodInDays: 90,
        NextRotationDate: new Date(enabledAt + 90 * day),
      });
      clock.advance(10 * day);
      await kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 2560 }));
      const later = await status(kms, keyId);
      assert.equal(later.RotationPeriodInDays, 2560);
      assert.deepEqual(later.NextRotationDate, new Date(enabledAt + 2560 * day));
      // Enabling again without a period goes back to the default, same anchor.
      await kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
      assert.deepEqual(
        (await status(kms, keyId)).NextRotationDate,
        new Date(enabledAt + 365 * day),
      );
    });

    it("refuses periods outside 90–2560 days with the model's wording", async () => {
      const { keyId } = await createKey(kms);
      for (const [days, constraint] of [
        [89, "Member must have value greater than or equal to 90"],
        [2561, "Member must have value less than or equal to 2560"],
      ] as const) {
        const error = await failure(
          kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: days })),
        );
        assert.deepEqual(error, {
          name: "ValidationException",
          message: `1 validation error detected: Value '${days}' at 'rotationPeriodInDays' failed to satisfy constraint: ${constraint}`,
          status: 400,
        });
      }
      assert.equal((await status(kms, keyId)).KeyRotationEnabled, false);
    });

    it("DisableKeyRotation turns it off and drops the schedule", async () => {
      const { keyId } = await createKey(kms);
      await kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 180 }));
      await kms.send(new DisableKeyRotationCommand({ KeyId: keyId }));
      assert.deepEqual(await status(kms, keyId), { KeyRotationEnabled: false, KeyId: keyId });
      // Disabling again is not an error.
      await kms.send(new DisableKeyRotationCommand({ KeyId: keyId }));
    });

    it("reports false while the key is pending deletion, and true again after cancelling", async () => {
      const { keyId, arn } = await createKey(kms);
      await kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
      assert.deepEqual(await status(kms, keyId), { KeyRotationEnabled: false, KeyId: keyId });
      assert.deepEqual(await failure(kms.send(new EnableKeyRotationCommand({ KeyId: keyId }))), {
        name: "KMSInvalidStateException",
        message: `${arn} is pending deletion.`,
        status: 400,
      });
      assert.deepEqual(await failure(kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }))), {
        name: "KMSInvalidStateException",
        message: `${arn} is pending deletion.`,
        status: 400,
      });
      await kms.send(new CancelKeyDeletionCommand({ KeyId: keyId }));
      assert.equal((await status(kms, keyId)).KeyRotationEnabled, true);
    });

    it("answers DisabledException for a disabled key, whose status still reads", async () => {
      const { keyId, arn } = await createKey(kms);
      await kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
      await kms.send(new DisableKeyCommand({ KeyId: keyId }));
      const disabled = { name: "DisabledException", message: `${arn} is disabled.`, status: 400 };
      assert.deepEqual(
        await failure(kms.send(new EnableKeyRotationCommand({ KeyId: keyId }))),
        disabled,
      );
      assert.deepEqual(
        await failure(kms.send(new DisableKeyRotationCommand({ KeyId: keyId }))),
        disabled,
      );
      assert.deepEqual(
        await failure(kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }))),
        disabled,
      );
      assert.equal((await status(kms, keyId)).KeyRotationEnabled, true);
      await kms.send(new EnableKeyCommand({ KeyId: keyId }));
    });
  });

  describe("keys that do not rotate", () => {
    it("asymmetric and HMAC keys: UnsupportedOperationException without a message; status false", async () => {
      for (const input of [
        { KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" },
        { KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" },
        { KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" },
      ] as const) {
        const { keyId } = await createKey(kms, input);
        for (const operation of [
          "EnableKeyRotation",
          "DisableKeyRotation",
          "RotateKeyOnDemand",
          "ListKeyRotations",
        ]) {
          const res = await rawKms(trent.url, operation, JSON.stringify({ KeyId: keyId }));
          assert.equal(res.status, 400, `${input.KeySpec} ${operation}`);
          assert.equal(res.body.__type, "UnsupportedOperationException");
          assert.equal(res.body.message ?? "", "");
        }
        const error = await failure(kms.send(new EnableKeyRotationCommand({ KeyId: keyId })));
        assert.equal(error.name, "UnsupportedOperationException");
        assert.equal(error.status, 400);
        assert.deepEqual(await status(kms, keyId), { KeyRotationEnabled: false, KeyId: keyId });
      }
    });

    it("keys with imported key material: AWS's origin wording", async () => {
      const { keyId, arn } = await createKey(kms, { Origin: "EXTERNAL" });
      const origin = {
        name: "UnsupportedOperationException",
        message: `${arn} origin is EXTERNAL which is not valid for this operation.`,
        status: 400,
      };
      assert.deepEqual(
        await failure(kms.send(new EnableKeyRotationCommand({ KeyId: keyId }))),
        origin,
      );
      assert.deepEqual(
        await failure(kms.send(new DisableKeyRotationCommand({ KeyId: keyId }))),
        origin,
      );
      assert.deepEqual(
        await failure(kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))),
        origin,
      );
      // RotateKeyOnDemand on a key still waiting for its material: pending import (LocalStack
      // test_rotate_key_on_demand_on_external_key_with_no_key_material, recorded 2025-11-05;
      // the origin sentence recorded 2025-03-08 predates rotation of imported material).
      assert.deepEqual(await failure(kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }))), {
        name: "KMSInvalidStateException",
        message: `${arn} is pending import.`,
        status: 400,
      });
      // A symmetric key with imported material lists its (here: no) materials in any state.
      const listed = await rotations(kms, keyId, true);
      assert.deepEqual(listed.Rotations, []);
      assert.equal(listed.Truncated, false);
    });
  });

  describe("key references", () => {
    it("takes a key id or key ARN, not an alias; unknown keys are NotFoundException", async () => {
      const missing = "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000";
      for (const command of [
        new EnableKeyRotationCommand({ KeyId: "alias/rotating" }),
        new GetKeyRotationStatusCommand({ KeyId: "alias/rotating" }),
        new RotateKeyOnDemandCommand({ KeyId: "alias/rotating" }),
        new ListKeyRotationsCommand({ KeyId: "alias/rotating" }),
      ]) {
        assert.deepEqual(await failure(kms.send(command as never)), {
          name: "NotFoundException",
          message: "Invalid keyId 'alias/rotating'",
          status: 400,
        });
      }
      assert.deepEqual(
        await failure(kms.send(new GetKeyRotationStatusCommand({ KeyId: missing }))),
        { name: "NotFoundException", message: `Key '${missing}' does not exist`, status: 400 },
      );
    });
  });

  describe("RotateKeyOnDemand", () => {
    it("makes new material current; old ciphertexts still decrypt with their material", async () => {
      const { keyId, arn } = await createKey(kms);
      const first = await currentMaterialId(kms, keyId);
      const plaintext = new TextEncoder().encode("sealed before the rotation");
      const before = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext }));

      clock.advance(day);
      const rotatedAt = clock.time;
      const out = await kms.send(new RotateKeyOnDemandCommand({ KeyId: arn }));
      // The key ARN (LocalStack test_rotate_on_demand_returns_arn_for_key_id, recorded 2025-11-06).
      assert.equal(out.KeyId, arn);
      const second = await currentMaterialId(kms, keyId);
      assert.notEqual(second, first);

      const old = await kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob }));
      assert.deepEqual(old.Plaintext, plaintext);
      assert.equal(old.KeyMaterialId, first);

      const fresh = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext }));
      const opened = await kms.send(new DecryptCommand({ CiphertextBlob: fresh.CiphertextBlob }));
      assert.equal(opened.KeyMaterialId, second);
      const dataKey = await kms.send(
        new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: "AES_256" }),
      );
      assert.equal(dataKey.KeyMaterialId, second);

      const listed = await rotations(kms, keyId);
      assert.deepEqual(listed.Rotations, [
        {
          KeyId: keyId,
          KeyMaterialId: second,
          KeyMaterialState: "CURRENT",
          RotationDate: new Date(rotatedAt),
          RotationType: "ON_DEMAND",
        },
      ]);
      assert.equal(listed.Truncated, false);
      assert.equal(listed.NextMarker, undefined);
      const all = await rotations(kms, keyId, true);
      assert.deepEqual(all.Rotations, [
        { KeyId: keyId, KeyMaterialId: first, KeyMaterialState: "NON_CURRENT" },
        {
          KeyId: keyId,
          KeyMaterialId: second,
          KeyMaterialState: "CURRENT",
          RotationDate: new Date(rotatedAt),
          RotationType: "ON_DEMAND",
        },
      ]);
      // On-demand rotation leaves the automatic setting alone.
      assert.equal((await status(kms, keyId)).KeyRotationEnabled, false);
    });

    it("allows 25 on-demand rotations per key, then LimitExceededException", async () => {
      const { keyId, arn } = await createKey(kms);
      for (let i = 0; i < 25; i++) await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
      assert.deepEqual(await failure(kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }))), {
        name: "LimitExceededException",
        message: `The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${arn}`,
        status: 400,
      });
      assert.equal((await rotations(kms, keyId)).Rotations?.length, 25);
      // Automatic rotation is not limited by it.
      await kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 90 }));
      clock.advance(90 * day);
      await trent.sweepKeyMaterial();
      const listed = await rotations(kms, keyId);
      assert.equal(listed.Rotations?.length, 26);
      assert.equal(listed.Rotations?.at(-1)?.RotationType, "AUTOMATIC");
      await kms.send(new DisableKeyRotationCommand({ KeyId: keyId }));
    });
  });

  describe("ListKeyRotations paging", () => {
    it("pages with Limit and Marker; a marker of another key is InvalidMarkerException", async () => {
      const { keyId } = await createKey(kms);
      const other = await createKey(kms);
      for (let i = 0; i < 3; i++) await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
      await kms.send(new RotateKeyOnDemandCommand({ KeyId: other.keyId }));
      const seen: string[] = [];
      let marker: string | undefined;
      let pages = 0;
      do {
        const page = await kms.send(
          new ListKeyRotationsCommand({ KeyId: keyId, Limit: 2, Marker: marker }),
        );
        pages += 1;
        for (const r of page.Rotations ?? []) seen.push(r.KeyMaterialId as string);
        assert.equal(page.Truncated, page.NextMarker !== undefined);
        if (page.NextMarker) {
          const foreign = await failure(
            kms.send(new ListKeyRotationsCommand({ KeyId: other.keyId, Marker: page.NextMarker })),
          );
          assert.deepEqual(foreign, {
            name: "InvalidMarkerException",
            message: "The marker that specifies where pagination continues is not valid.",
            status: 400,
          });
        }
        marker = page.NextMarker;
      } while (marker);
      assert.equal(pages, 2);
      assert.equal(new Set(seen).size, 3);
      assert.equal(seen.at(-1), await currentMaterialId(kms, keyId));
      const error = await failure(
        kms.send(new ListKeyRotationsCommand({ KeyId: keyId, Limit: 0 })),
      );
      assert.deepEqual(error, {
        name: "ValidationException",
        message:
          "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
        status: 400,
      });
    });
  });

  describe("automatic rotation by the clock", () => {
    it("rotates when NextRotationDate passes, keeps the schedule, and old ciphertexts decrypt", async () => {
      const { keyId } = await createKey(kms);
      const enabledAt = clock.time;
      await kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 100 }));
      const first = await currentMaterialId(kms, keyId);
      const plaintext = new TextEncoder().encode("older than the rotation");
      const sealed = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext }));

      clock.advance(100 * day - 1);
      await trent.sweepKeyMaterial();
      assert.equal(await currentMaterialId(kms, keyId), first, "not due yet");

      clock.advance(1);
      const rotatedAt = clock.time;
      assert.ok((await trent.sweepKeyMaterial()) >= 1);
      const second = await currentMaterialId(kms, keyId);
      assert.notEqual(second, first);
      assert.deepEqual(await status(kms, keyId), {
        KeyRotationEnabled: true,
        KeyId: keyId,
        RotationPeriodInDays: 100,
        NextRotationDate: new Date(enabledAt + 200 * day),
      });
      assert.deepEqual((await rotations(kms, keyId)).Rotations, [
        {
          KeyId: keyId,
          KeyMaterialId: second,
          KeyMaterialState: "CURRENT",
          RotationDate: new Date(rotatedAt),
          RotationType: "AUTOMATIC",
        },
      ]);
      const old = await kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }));
      assert.deepEqual(old.Plaintext, plaintext);
      assert.equal(old.KeyMaterialId, first);

      // A second sweep at the same time rotates nothing more.
      await trent.sweepKeyMaterial();
      assert.equal(await currentMaterialId(kms, keyId), second);
      await kms.send(new DisableKeyRotationCommand({ KeyId: keyId }));
    });

    it("skips a disabled key, and rotates it once on re-enabling, then every period from then", async () => {
      const { keyId } = await createKey(kms);
      await kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 90 }));
      const first = await currentMaterialId(kms, keyId);
      await kms.send(new DisableKeyCommand({ KeyId: keyId }));
      clock.advance(200 * day);
      await trent.sweepKeyMaterial();
      assert.equal(await currentMaterialId(kms, keyId), first);

      await kms.send(new EnableKeyCommand({ KeyId: keyId }));
      const reenabledAt = clock.time;
      await trent.sweepKeyMaterial();
      assert.notEqual(await currentMaterialId(kms, keyId), first);
      assert.deepEqual(
        (await status(kms, keyId)).NextRotationDate,
        new Date(reenabledAt + 90 * day),
      );
      assert.equal((await rotations(kms, keyId)).Rotations?.length, 1);
      await kms.send(new DisableKeyRotationCommand({ KeyId: keyId }));
    });

    it("does not rotate a key whose automatic rotation was disabled", async () => {
      const { keyId } = await createKey(kms);
      await kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 90 }));
      await kms.send(new DisableKeyRotationCommand({ KeyId: keyId }));
      const first = await currentMaterialId(kms, keyId);
      clock.advance(91 * day);
      await trent.sweepKeyMaterial();
      assert.equal(await currentMaterialId(kms, keyId), first);
      assert.deepEqual((await rotations(kms, keyId)).Rotations, []);
    });
  });
});

describe("key rotation settings persist", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-rotation-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("survive a restart on the same data directory", async () => {
    const clock = manualClock();
    let trent = await startTestTrent({ dataDir: dir }, { clock });
    const { keyId } = await createKey(trent.client());
    await trent
      .client()
      .send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 200 }));
    for (let i = 0; i < 25; i++)
      await trent.client().send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    await trent.close();

    trent = await startTestTrent({ dataDir: dir }, { clock });
    try {
      const kms = trent.client();
      assert.deepEqual(await status(kms, keyId), {
        KeyRotationEnabled: true,
        KeyId: keyId,
        RotationPeriodInDays: 200,
        NextRotationDate: new Date(start.getTime() + 200 * day),
      });
      const error = await failure(kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId })));
      assert.equal(error.name, "LimitExceededException");
      assert.equal((await rotations(kms, keyId)).Rotations?.length, 25);
    } finally {
      await trent.close();
    }
  });
});
