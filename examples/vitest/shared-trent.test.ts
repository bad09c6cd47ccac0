// Uses the Trent of the global setup. Files run in parallel against it, so each test makes
// its own keys and resets nothing.
import { CreateKeyCommand, KMSClient, SignCommand, VerifyCommand } from "@aws-sdk/client-kms";
import { afterAll, expect, inject, it } from "vitest";

const client = new KMSClient(inject("trent"));
afterAll(() => client.destroy());

it("signs and verifies with an ECC key", async () => {
  const { KeyMetadata } = await client.send(
    new CreateKeyCommand({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" }),
  );
  expect(KeyMetadata?.Arn).toMatch(/^arn:aws:kms:eu-west-1:111122223333:key\//);
  const message = Buffer.from("release v1.2.3");
  const { Signature } = await client.send(
    new SignCommand({
      KeyId: KeyMetadata?.KeyId,
      Message: message,
      SigningAlgorithm: "ECDSA_SHA_256",
    }),
  );
  const { SignatureValid } = await client.send(
    new VerifyCommand({
      KeyId: KeyMetadata?.KeyId,
      Message: message,
      Signature,
      SigningAlgorithm: "ECDSA_SHA_256",
    }),
  );
  expect(SignatureValid).toBe(true);
});
