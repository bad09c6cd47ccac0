/**
 * Custom key stores through the real AWS SDK: external key stores backed by a real XKS proxy
 * (test/support/xks-proxy.ts: HTTPS, SigV4 checked against @smithy/signature-v4, AES-256-GCM
 * keys), CloudHSM stores answered as cluster not found, and keys in an external key store from
 * CreateKey through double-encrypted Encrypt/Decrypt, Unavailable while disconnected, to the
 * UnsupportedOperationException GenerateDataKeyPair answers for them.
 */
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  type CreateCustomKeyStoreCommandInput,
  CreateKeyCommand,
  DecryptCommand,
  DeleteCustomKeyStoreCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  DisconnectCustomKeyStoreCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateRandomCommand,
  type KMSClient,
  ScheduleKeyDeletionCommand,
  UpdateCustomKeyStoreCommand,
} from "@aws-sdk/client-kms";
import { failure } from "../support/kms-errors.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";
import { aes256Key, startXksProxy, type TestXksProxy } from "../support/xks-proxy.js";

const accessKeyId = "AKIAXKSPROXYTEST2345";
const secret = "xksProxySecretAccessKeyForTrentTests0123456789";
const rotatedAccessKeyId = "AKIAXKSPROXYROTATED7";
const rotatedSecret = "rotatedXksProxySecretAccessKeyForTrentTests98765";

let proxy: TestXksProxy;
let trent: TestTrent;
let kms: KMSClient;
let storeCount = 0;

function xksInput(
  overrides: Partial<CreateCustomKeyStoreCommandInput> = {},
): CreateCustomKeyStoreCommandInput {
  storeCount += 1;
  return {
    CustomKeyStoreName: `xks-store-${storeCount}`,
    CustomKeyStoreType: "EXTERNAL_KEY_STORE",
    XksProxyConnectivity: "PUBLIC_ENDPOINT",
    XksProxyUriEndpoint: `https://${proxy.host}`,
    XksProxyUriPath: `/tenant${storeCount}/kms/xks/v1`,
    XksProxyAuthenticationCredential: { AccessKeyId: accessKeyId, RawSecretAccessKey: secret },
    ...overrides,
  };
}

/** The proxy serves one path; each test store gets its own, served by a prefix-less proxy. */
async function createStore(overrides: Partial<CreateCustomKeyStoreCommandInput> = {}) {
  const input = xksInput({ XksProxyUriPath: proxy.uriPath, ...overrides });
  proxy.paths.add(input.XksProxyUriPath ?? "");
  const out = await kms.send(new CreateCustomKeyStoreCommand(input));
  return { id: out.CustomKeyStoreId ?? "", name: input.CustomKeyStoreName ?? "" };
}

async function describeStore(id: string) {
  const out = await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }));
  const entry = out.CustomKeyStores?.[0];
  assert.ok(entry);
  return entry;
}

async function keyState(keyId: string) {
  return (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState;
}

before(async () => {
  proxy = await startXksProxy({ credentials: { [accessKeyId]: secret } });
  trent = await startTestTrent({}, { xksTransport: proxy.transport() });
  kms = trent.client();
});

after(async () => {
  await trent.close();
  await proxy.close();
});

beforeEach(async () => {
  await trent.services.store.reset();
  proxy.failWith = undefined;
  proxy.healthStatus = "ACTIVE";
  proxy.requests.length = 0;
  proxy.credentials.clear();
  proxy.credentials.set(accessKeyId, secret);
  proxy.keys.clear();
});

describe("CreateCustomKeyStore and DescribeCustomKeyStores", () => {
  it("creates a DISCONNECTED external key store after checking the proxy's health", async () => {
    const { id, name } = await createStore();
    assert.match(id, /^cks-[0-9a-f]{17}$/);
    const health = proxy.requests.at(-1);
    assert.equal(health?.path, "health");
    assert.equal(health?.requestMetadata.kmsOperation, "CreateCustomKeyStore");
    assert.equal(typeof health?.requestMetadata.kmsRequestId, "string");

    const entry = await describeStore(id);
    assert.equal(entry.CustomKeyStoreId, id);
    assert.equal(entry.CustomKeyStoreName, name);
    assert.equal(entry.CustomKeyStoreType, "EXTERNAL_KEY_STORE");
    assert.equal(entry.ConnectionState, "DISCONNECTED");
    assert.equal(entry.ConnectionErrorCode, undefined);
    assert.ok(entry.CreationDate instanceof Date);
    assert.deepEqual(entry.XksProxyConfiguration, {
      Connectivity: "PUBLIC_ENDPOINT",
      AccessKeyId: accessKeyId,
      UriEndpoint: `https://${proxy.host}`,
      UriPath: proxy.uriPath,
    });
    const byName = await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: name }));
    assert.equal(byName.CustomKeyStores?.[0]?.CustomKeyStoreId, id);
    assert.ok(!JSON.stringify(byName).includes(secret));
  });

  it("keeps the proxy's secret sealed, never in the store in plaintext", async () => {
    const { id } = await createStore();
    const { store } = trent.services;
    const record = await store.customKeyStores.get("111122223333", "us-east-1", id);
    const materialId = record?.xks?.credentialMaterialId ?? "";
    const sealed = await store.materials.get(
      `arn:aws:kms:us-east-1:111122223333:custom-key-store/${id}`,
      materialId,
    );
    assert.ok(sealed);
    assert.ok(!Buffer.from(sealed.sealed).toString("latin1").includes(secret));
    assert.ok(!JSON.stringify(record).includes(secret));
  });

  it("pages through the account's stores in id order", async () => {
    const ids = [
      (await createStore()).id,
      (await createStore({ XksProxyUriPath: "/b/kms/xks/v1" })).id,
    ];
    ids.push((await createStore({ XksProxyUriPath: "/c/kms/xks/v1" })).id);
    ids.sort();
    const first = await kms.send(new DescribeCustomKeyStoresCommand({ Limit: 2 }));
    assert.equal(first.Truncated, true);
    assert.deepEqual(
      first.CustomKeyStores?.map((s) => s.CustomKeyStoreId),
      ids.slice(0, 2),
    );
    const rest = await kms.send(
      new DescribeCustomKeyStoresCommand({ Limit: 2, Marker: first.NextMarker }),
    );
    assert.equal(rest.Truncated, false);
    assert.deepEqual(
      rest.CustomKeyStores?.map((s) => s.CustomKeyStoreId),
      ids.slice(2),
    );
    const bad = await failure(
      kms.send(new DescribeCustomKeyStoresCommand({ Marker: "not-a-marker" })),
    );
    assert.equal(bad.name, "InvalidMarkerException");
  });

  it("answers unknown ids and names with CustomKeyStoreNotFoundException", async () => {
    const byId = await failure(
      kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: "cks-1234567890abcdef0" })),
    );
    assert.deepEqual(byId, {
      name: "CustomKeyStoreNotFoundException",
      message: "Custom key store 'cks-1234567890abcdef0' does not exist",
      status: 400,
    });
    const byName = await failure(
      kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: "nothing" })),
    );
    assert.equal(byName.name, "CustomKeyStoreNotFoundException");
    const both = await failure(
      kms.send(
        new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: "cks-1", CustomKeyStoreName: "x" }),
      ),
    );
    assert.equal(both.name, "ValidationException");
  });

  it("refuses a name or a proxy address already in use", async () => {
    const { name } = await createStore();
    const sameName = await failure(
      kms.send(new CreateCustomKeyStoreCommand(xksInput({ CustomKeyStoreName: name }))),
    );
    assert.deepEqual(sameName, {
      name: "CustomKeyStoreNameInUseException",
      message: `Custom key store name '${name}' is already in use in this account and Region.`,
      status: 400,
    });
    const sameUri = await failure(
      kms.send(new CreateCustomKeyStoreCommand(xksInput({ XksProxyUriPath: proxy.uriPath }))),
    );
    assert.equal(sameUri.name, "XksProxyUriInUseException");
  });

  it("answers every CloudHSM cluster id with CloudHsmClusterNotFoundException", async () => {
    const error = await failure(
      kms.send(
        new CreateCustomKeyStoreCommand({
          CustomKeyStoreName: "hsm",
          CloudHsmClusterId: "cluster-234abcdefgh",
          TrustAnchorCertificate: "-----BEGIN CERTIFICATE-----",
          KeyStorePassword: "kmsPswd1",
        }),
      ),
    );
    assert.deepEqual(error, {
      name: "CloudHsmClusterNotFoundException",
      message:
        "The request was rejected because AWS KMS cannot find the AWS CloudHSM cluster with the specified cluster ID. Retry the request with a different cluster ID.",
      status: 400,
    });
    const missing = await failure(
      kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: "hsm" })),
    );
    assert.equal(missing.name, "ValidationException");
    assert.match(missing.message, /'cloudHsmClusterId' failed to satisfy constraint/);
  });

  it("refuses VPC endpoint service connectivity, which Trent cannot reach", async () => {
    const error = await failure(
      kms.send(
        new CreateCustomKeyStoreCommand(
          xksInput({
            XksProxyConnectivity: "VPC_ENDPOINT_SERVICE",
            XksProxyVpcEndpointServiceName:
              "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
          }),
        ),
      ),
    );
    assert.equal(error.name, "XksProxyVpcEndpointServiceNotFoundException");
    assert.match(error.message, /Trent cannot reach Amazon VPC endpoint services/);
  });

  it("refuses a store missing an XKS member, or with CloudHSM members", async () => {
    const missing = await failure(
      kms.send(
        new CreateCustomKeyStoreCommand(xksInput({ XksProxyAuthenticationCredential: undefined })),
      ),
    );
    assert.equal(missing.name, "ValidationException");
    assert.match(missing.message, /'xksProxyAuthenticationCredential'/);
    const extra = await failure(
      kms.send(
        new CreateCustomKeyStoreCommand(xksInput({ CloudHsmClusterId: "cluster-234abcdefgh" })),
      ),
    );
    assert.equal(extra.name, "ValidationException");
  });

  it("reports the proxy's answers with AWS's exceptions", async () => {
    const wrongSecret = await failure(
      kms.send(
        new CreateCustomKeyStoreCommand(
          xksInput({
            XksProxyUriPath: proxy.uriPath,
            XksProxyAuthenticationCredential: {
              AccessKeyId: accessKeyId,
              RawSecretAccessKey: rotatedSecret,
            },
          }),
        ),
      ),
    );
    assert.deepEqual(wrongSecret, {
      name: "XksProxyIncorrectAuthenticationCredentialException",
      message:
        "The external key store proxy rejected the request because it could not authenticate AWS KMS. Verify the XKS proxy authentication credentials for your external key store and update if necessary.",
      status: 400,
    });
    assert.ok(!wrongSecret.message.includes(rotatedSecret));
    const wrongPath = await failure(kms.send(new CreateCustomKeyStoreCommand(xksInput())));
    assert.equal(wrongPath.name, "XksProxyInvalidConfigurationException");
    const unreachable = await failure(
      kms.send(
        new CreateCustomKeyStoreCommand(
          xksInput({ XksProxyUriEndpoint: "https://nowhere.trent.test" }),
        ),
      ),
    );
    assert.equal(unreachable.name, "XksProxyUriUnreachableException");
    proxy.failWith = { status: 500, errorName: "InternalException" };
    const internal = await failure(
      kms.send(new CreateCustomKeyStoreCommand(xksInput({ XksProxyUriPath: proxy.uriPath }))),
    );
    assert.equal(internal.name, "XksProxyInvalidResponseException");
    const listed = await kms.send(new DescribeCustomKeyStoresCommand({}));
    assert.deepEqual(listed.CustomKeyStores, []);
  });
});

describe("ConnectCustomKeyStore, DisconnectCustomKeyStore and keys in the store", () => {
  it("creates keys only in a connected store, backed by an external AES-256 key", async () => {
    proxy.keys.set("ext-key-1", aes256Key());
    const { id } = await createStore();
    const disconnected = await failure(
      kms.send(
        new CreateKeyCommand({
          Origin: "EXTERNAL_KEY_STORE",
          CustomKeyStoreId: id,
          XksKeyId: "ext-key-1",
        }),
      ),
    );
    assert.deepEqual(disconnected, {
      name: "CustomKeyStoreInvalidStateException",
      message:
        "This KMS key is in a custom key store that is not connected to its external key store proxy. Connect the external key store and try the request again.",
      status: 400,
    });

    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    assert.equal((await describeStore(id)).ConnectionState, "CONNECTED");
    assert.equal(proxy.requests.at(-1)?.requestMetadata.kmsOperation, "ConnectCustomKeyStore");
    // Connecting a connected store is not an error.
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));

    const created = await kms.send(
      new CreateKeyCommand({
        Origin: "EXTERNAL_KEY_STORE",
        CustomKeyStoreId: id,
        XksKeyId: "ext-key-1",
      }),
    );
    const metadata = created.KeyMetadata;
    assert.equal(metadata?.Origin, "EXTERNAL_KEY_STORE");
    assert.equal(metadata?.CustomKeyStoreId, id);
    assert.equal(metadata?.KeyState, "Enabled");
    assert.equal(metadata?.KeySpec, "SYMMETRIC_DEFAULT");
    assert.deepEqual(metadata?.XksKeyConfiguration, { Id: "ext-key-1" });
    const lookup = proxy.requests.at(-1);
    assert.equal(lookup?.path, "keys/ext-key-1/metadata");
    assert.equal(lookup?.requestMetadata.kmsOperation, "CreateKey");
    assert.equal(lookup?.requestMetadata.awsPrincipalArn, "arn:aws:iam::111122223333:root");

    const described = await kms.send(new DescribeKeyCommand({ KeyId: metadata?.KeyId }));
    assert.equal(described.KeyMetadata?.CustomKeyStoreId, id);
    assert.deepEqual(described.KeyMetadata?.XksKeyConfiguration, { Id: "ext-key-1" });

    // Random bytes come from a CloudHSM cluster only; an external key store has none.
    assert.deepEqual(
      await failure(
        kms.send(new GenerateRandomCommand({ NumberOfBytes: 8, CustomKeyStoreId: id })),
      ),
      {
        name: "UnsupportedOperationException",
        message: `GenerateRandom with CustomKeyStoreId is supported only for AWS CloudHSM key stores; ${id} is an external key store.`,
        status: 400,
      },
    );
    assert.equal(
      (
        await failure(
          kms.send(
            new GenerateRandomCommand({
              NumberOfBytes: 8,
              CustomKeyStoreId: "cks-1234567890abcdef0",
            }),
          ),
        )
      ).name,
      "CustomKeyStoreNotFoundException",
    );
  });

  it("refuses external keys that cannot back a KMS key", async () => {
    proxy.keys.set("aes128", aes256Key({ keySpec: "AES_128" }));
    proxy.keys.set("encrypt-only", aes256Key({ keyUsage: ["ENCRYPT"] }));
    proxy.keys.set("disabled", aes256Key({ keyStatus: "DISABLED" }));
    proxy.keys.set("good", aes256Key());
    const { id } = await createStore();
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    const create = (XksKeyId: string, extra: Record<string, unknown> = {}) =>
      failure(
        kms.send(
          new CreateKeyCommand({
            Origin: "EXTERNAL_KEY_STORE",
            CustomKeyStoreId: id,
            XksKeyId,
            ...extra,
          }),
        ),
      );
    assert.equal((await create("aes128")).name, "XksKeyInvalidConfigurationException");
    assert.equal((await create("encrypt-only")).name, "XksKeyInvalidConfigurationException");
    assert.deepEqual(await create("disabled"), {
      name: "XksKeyInvalidConfigurationException",
      message:
        "The external key associated with this KMS key in an external key store is not enabled in the external key manager. Enable the external key in the external key manager and retry the request.",
      status: 400,
    });
    assert.equal((await create("missing")).name, "XksKeyNotFoundException");
    assert.equal(
      (await create("good", { KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" })).name,
      "UnsupportedOperationException",
    );
    await kms.send(
      new CreateKeyCommand({
        Origin: "EXTERNAL_KEY_STORE",
        CustomKeyStoreId: id,
        XksKeyId: "good",
      }),
    );
    assert.equal((await create("good")).name, "XksKeyAlreadyInUseException");
    const unknownStore = await failure(
      kms.send(
        new CreateKeyCommand({
          Origin: "EXTERNAL_KEY_STORE",
          CustomKeyStoreId: "cks-1234567890abcdef0",
          XksKeyId: "good",
        }),
      ),
    );
    assert.equal(unknownStore.name, "CustomKeyStoreNotFoundException");
    const wrongOrigin = await failure(kms.send(new CreateKeyCommand({ CustomKeyStoreId: id })));
    assert.equal(wrongOrigin.name, "ValidationException");
  });

  it("double-encrypts through the proxy, and GenerateDataKeyPair is refused as AWS does", async () => {
    proxy.keys.set("ext-key-1", aes256Key());
    const { id } = await createStore();
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    const created = await kms.send(
      new CreateKeyCommand({
        Origin: "EXTERNAL_KEY_STORE",
        CustomKeyStoreId: id,
        XksKeyId: "ext-key-1",
      }),
    );
    const keyId = created.KeyMetadata?.KeyId ?? "";
    const keyArn = created.KeyMetadata?.Arn ?? "";

    const pair = await failure(
      kms.send(new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: "ECC_NIST_P256" })),
    );
    assert.deepEqual(pair, {
      name: "UnsupportedOperationException",
      message: `${keyArn} origin is EXTERNAL_KEY_STORE which is not valid for this operation.`,
      status: 400,
    });

    const context = { purpose: "xks-test" };
    const plaintext = new TextEncoder().encode("sealed twice");
    const encrypted = await kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: context }),
    );
    const sent = proxy.requests.at(-1);
    assert.equal(sent?.path, "keys/ext-key-1/encrypt");
    assert.equal(sent?.hasAad, true);
    assert.deepEqual(
      { ...sent?.requestMetadata, kmsRequestId: undefined },
      {
        awsPrincipalArn: "arn:aws:iam::111122223333:root",
        kmsKeyArn: keyArn,
        kmsOperation: "Encrypt",
        kmsRequestId: undefined,
      },
    );
    const decrypted = await kms.send(
      new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: context }),
    );
    assert.equal(new TextDecoder().decode(decrypted.Plaintext), "sealed twice");
    assert.equal(decrypted.KeyId, keyArn);
    assert.equal(proxy.requests.at(-1)?.requestMetadata.kmsOperation, "Decrypt");

    const wrongContext = await failure(
      kms.send(
        new DecryptCommand({
          CiphertextBlob: encrypted.CiphertextBlob,
          EncryptionContext: { purpose: "other" },
        }),
      ),
    );
    assert.deepEqual(wrongContext, {
      name: "KMSInvalidStateException",
      message:
        "The external key store proxy rejected the request because the specified ciphertext or encryption context is corrupted, missing, or otherwise invalid.",
      status: 400,
    });

    const dataKey = await kms.send(
      new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: "AES_256" }),
    );
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }));
    assert.deepEqual(opened.Plaintext, dataKey.Plaintext);

    // The external key alone decides: without it (deleted in the key manager) nothing opens.
    proxy.keys.delete("ext-key-1");
    const gone = await failure(
      kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob })),
    );
    assert.equal(gone.name, "KMSInvalidStateException");
    assert.match(gone.message, /was not found in its external key manager/);
  });

  it("makes the store's keys Unavailable while disconnected, and Enabled again on reconnect", async () => {
    proxy.keys.set("ext-key-1", aes256Key());
    const { id } = await createStore();
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    const created = await kms.send(
      new CreateKeyCommand({
        Origin: "EXTERNAL_KEY_STORE",
        CustomKeyStoreId: id,
        XksKeyId: "ext-key-1",
      }),
    );
    const keyId = created.KeyMetadata?.KeyId ?? "";
    const keyArn = created.KeyMetadata?.Arn ?? "";
    const blob = (
      await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Uint8Array.of(1, 2, 3) }))
    ).CiphertextBlob;

    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    assert.equal((await describeStore(id)).ConnectionState, "DISCONNECTED");
    assert.equal(await keyState(keyId), "Unavailable");
    const encrypt = await failure(
      kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Uint8Array.of(1) })),
    );
    assert.deepEqual(encrypt, {
      name: "KMSInvalidStateException",
      message: `${keyArn} is unavailable.`,
      status: 400,
    });
    const pair = await failure(
      kms.send(new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: "ECC_NIST_P256" })),
    );
    assert.equal(pair.name, "KMSInvalidStateException");
    const again = await failure(
      kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id })),
    );
    assert.equal(again.name, "CustomKeyStoreInvalidStateException");

    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    assert.equal(await keyState(keyId), "Enabled");
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob: blob }));
    assert.deepEqual(opened.Plaintext, Uint8Array.of(1, 2, 3));
  });

  it("records a failed connection as FAILED with its ConnectionErrorCode", async () => {
    const { id } = await createStore();
    proxy.credentials.clear();
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    const entry = await describeStore(id);
    assert.equal(entry.ConnectionState, "FAILED");
    assert.equal(entry.ConnectionErrorCode, "INVALID_CREDENTIALS");
    const retry = await failure(
      kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id })),
    );
    assert.equal(retry.name, "CustomKeyStoreInvalidStateException");

    proxy.credentials.set(accessKeyId, secret);
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    assert.equal((await describeStore(id)).ConnectionErrorCode, undefined);
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    assert.equal((await describeStore(id)).ConnectionState, "CONNECTED");

    const unknown = await failure(
      kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: "cks-1234567890abcdef0" })),
    );
    assert.equal(unknown.name, "CustomKeyStoreNotFoundException");
  });
});

describe("UpdateCustomKeyStore and DeleteCustomKeyStore", () => {
  it("renames and rotates the proxy credential while connected; moves the proxy only when disconnected", async () => {
    const { id } = await createStore();
    const other = await createStore({ XksProxyUriPath: "/other/kms/xks/v1" });
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    await kms.send(
      new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, NewCustomKeyStoreName: "renamed" }),
    );
    assert.equal((await describeStore(id)).CustomKeyStoreName, "renamed");
    const taken = await failure(
      kms.send(
        new UpdateCustomKeyStoreCommand({
          CustomKeyStoreId: id,
          NewCustomKeyStoreName: other.name,
        }),
      ),
    );
    assert.equal(taken.name, "CustomKeyStoreNameInUseException");

    // A credential the proxy does not know yet is refused, and the old one stays in use.
    const refused = await failure(
      kms.send(
        new UpdateCustomKeyStoreCommand({
          CustomKeyStoreId: id,
          XksProxyAuthenticationCredential: {
            AccessKeyId: rotatedAccessKeyId,
            RawSecretAccessKey: rotatedSecret,
          },
        }),
      ),
    );
    assert.equal(refused.name, "XksProxyIncorrectAuthenticationCredentialException");
    proxy.credentials.set(rotatedAccessKeyId, rotatedSecret);
    await kms.send(
      new UpdateCustomKeyStoreCommand({
        CustomKeyStoreId: id,
        XksProxyAuthenticationCredential: {
          AccessKeyId: rotatedAccessKeyId,
          RawSecretAccessKey: rotatedSecret,
        },
      }),
    );
    proxy.credentials.delete(accessKeyId);
    assert.equal((await describeStore(id)).XksProxyConfiguration?.AccessKeyId, rotatedAccessKeyId);
    proxy.keys.set("ext-key-1", aes256Key());
    await kms.send(
      new CreateKeyCommand({
        Origin: "EXTERNAL_KEY_STORE",
        CustomKeyStoreId: id,
        XksKeyId: "ext-key-1",
      }),
    );

    const connected = await failure(
      kms.send(
        new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, XksProxyUriPath: "/x/kms/xks/v1" }),
      ),
    );
    assert.equal(connected.name, "CustomKeyStoreInvalidStateException");
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    const clash = await failure(
      kms.send(
        new UpdateCustomKeyStoreCommand({
          CustomKeyStoreId: id,
          XksProxyUriPath: "/other/kms/xks/v1",
        }),
      ),
    );
    assert.equal(clash.name, "XksProxyUriInUseException");
    const badPath = await failure(
      kms.send(
        new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, XksProxyUriPath: "/x/kms/xks/v1" }),
      ),
    );
    assert.equal(badPath.name, "XksProxyInvalidConfigurationException");
    assert.equal((await describeStore(id)).XksProxyConfiguration?.UriPath, proxy.uriPath);
  });

  it("deletes only a disconnected store without keys", async () => {
    proxy.keys.set("ext-key-1", aes256Key());
    const { id } = await createStore();
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    const connected = await failure(
      kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id })),
    );
    assert.equal(connected.name, "CustomKeyStoreInvalidStateException");
    const created = await kms.send(
      new CreateKeyCommand({
        Origin: "EXTERNAL_KEY_STORE",
        CustomKeyStoreId: id,
        XksKeyId: "ext-key-1",
      }),
    );
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    await kms.send(
      new ScheduleKeyDeletionCommand({ KeyId: created.KeyMetadata?.KeyId, PendingWindowInDays: 7 }),
    );
    const hasKeys = await failure(
      kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id })),
    );
    assert.equal(hasKeys.name, "CustomKeyStoreHasCMKsException");
    assert.equal(hasKeys.status, 400);

    const empty = await createStore({ XksProxyUriPath: "/empty/kms/xks/v1" });
    await kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: empty.id }));
    const gone = await failure(
      kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: empty.id })),
    );
    assert.equal(gone.name, "CustomKeyStoreNotFoundException");
    const twice = await failure(
      kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: empty.id })),
    );
    assert.equal(twice.name, "CustomKeyStoreNotFoundException");
  });
});

describe("the XKS proxy secret at rest", () => {
  it("never appears in the database, its WAL or the audit trail", async () => {
    const dir = await mkdtemp(join(tmpdir(), "trent-xks-secret-"));
    const node = await startTestTrent({ dataDir: dir }, { xksTransport: proxy.transport() });
    try {
      const client = node.client();
      const created = await client.send(
        new CreateCustomKeyStoreCommand(xksInput({ XksProxyUriPath: proxy.uriPath })),
      );
      proxy.credentials.set(rotatedAccessKeyId, rotatedSecret);
      await client.send(
        new UpdateCustomKeyStoreCommand({
          CustomKeyStoreId: created.CustomKeyStoreId,
          XksProxyAuthenticationCredential: {
            AccessKeyId: rotatedAccessKeyId,
            RawSecretAccessKey: rotatedSecret,
          },
        }),
      );
      await client.send(
        new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: created.CustomKeyStoreId }),
      );
    } finally {
      await node.close();
    }
    try {
      const names = (await readdir(dir)).filter((name) => name !== "root.key");
      assert.ok(names.includes("audit.jsonl"));
      for (const name of names) {
        const bytes = (await readFile(join(dir, name))).toString("latin1");
        assert.ok(!bytes.includes(secret), `${name} holds the first secret`);
        assert.ok(!bytes.includes(rotatedSecret), `${name} holds the rotated secret`);
      }
      const audit = await readFile(join(dir, "audit.jsonl"), "utf8");
      assert.match(audit, /"eventName":"CreateCustomKeyStore"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
