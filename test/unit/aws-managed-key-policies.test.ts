/**
 * The AWS managed key table and the policies built from it: AWS's print layout, the account,
 * Region and partition in every statement, and agreement between each policy and the table of
 * what only AWS may do (key-managers.ts): no service's policy lets the account do any of it,
 * through the service or not, while every policy lets the account describe the key.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { awsManagedKeyServices } from "../../src/domain/aws-managed-key-services.js";
import {
  awsManagedKeyDescription,
  awsManagedKeyPolicy,
  predefinedAliasEntries,
} from "../../src/domain/aws-managed-keys.js";
import { awsManagedKeyPermissions, onlyAwsMay } from "../../src/domain/key-managers.js";
import type { ConditionContext } from "../../src/domain/policy/conditions.js";
import { evaluatePolicy } from "../../src/domain/policy/evaluate.js";
import { awsPolicyText } from "../../src/domain/policy/policy-text.js";
import { principalIdentity } from "../../src/domain/policy/principals.js";

const account = "111122223333";

function context(values: Record<string, string>): ConditionContext {
  const lower = new Map(Object.entries(values).map(([k, v]) => [k.toLowerCase(), [v]]));
  return { get: (key) => lower.get(key.toLowerCase()) };
}

describe("AWS's policy layout", () => {
  it("prints objects two spaces a level and arrays on one line", () => {
    assert.equal(
      awsPolicyText({ A: "x", B: [], C: {}, D: [{ E: ["f", "g"] }, 1], F: true }),
      [
        "{",
        '  "A" : "x",',
        '  "B" : [ ],',
        '  "C" : { },',
        '  "D" : [ {',
        '    "E" : [ "f", "g" ]',
        "  }, 1 ],",
        '  "F" : true',
        "}",
      ].join("\n"),
    );
  });
});

describe("AWS managed key services", () => {
  for (const region of ["us-east-1", "eu-west-1", "cn-north-1"]) {
    const partition = region.startsWith("cn-") ? "aws-cn" : "aws";
    const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
    for (const service of awsManagedKeyServices.values()) {
      it(`builds the ${service.name} key policy for ${region}`, () => {
        const text = awsManagedKeyPolicy(service, { accountId: account, region });
        const document = JSON.parse(text);
        // Printed as AWS prints it, members in AWS's order.
        assert.equal(awsPolicyText(document), text);
        assert.deepEqual(Object.keys(document), ["Version", "Id", "Statement"]);
        assert.equal(document.Id, service.policyId);
        const texts = JSON.stringify(document);
        for (const [, arn] of texts.matchAll(/"(arn:[^"]*:iam::[^"]*)"/g))
          assert.equal(arn, `arn:${partition}:iam::${account}:root`);
        for (const [, endpoint] of texts.matchAll(/"kms:ViaService":"([^"]*)"/g))
          assert.match(
            endpoint as string,
            new RegExp(`^[a-z0-9-]+\\.(${region}|\\*)\\.${suffix.replaceAll(".", "\\.")}$`),
          );
        for (const [, caller] of texts.matchAll(/"kms:CallerAccount":"([^"]*)"/g))
          assert.equal(caller, account);

        const root = principalIdentity(`arn:${partition}:iam::${account}:root`, account);
        const keyArn = `arn:${partition}:kms:${region}:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
        const through = context({
          "kms:CallerAccount": account,
          "kms:ViaService": `${service.endpoint}.${region}.${suffix}`,
        });
        const decide = (action: string, values: ConditionContext) =>
          evaluatePolicy(document, "resource", {
            principal: root,
            action: `kms:${action}`,
            resource: keyArn,
            context: values,
          }).decision;
        assert.equal(decide("DescribeKey", context({ "kms:CallerAccount": account })), "allow");
        for (const [action, rule] of Object.entries(awsManagedKeyPermissions))
          if (rule === "AWS only") {
            assert.notEqual(decide(action, through), "allow", `${action} through ${service.name}`);
            assert.notEqual(
              decide(action, context({ "kms:CallerAccount": account })),
              "allow",
              action,
            );
          }
      });
    }
  }

  it("describes each key as AWS does", () => {
    const s3 = awsManagedKeyServices.get("s3");
    assert.ok(s3);
    assert.equal(
      awsManagedKeyDescription(s3),
      "Default key that protects my S3 objects when no other key is defined",
    );
  });

  it("lists the predefined aliases of a fresh account, in name order", () => {
    const entries = predefinedAliasEntries({ accountId: account, region: "us-west-2" });
    assert.deepEqual(
      entries.map((entry) => entry.AliasName),
      [
        "alias/aws/acm",
        "alias/aws/dynamodb",
        "alias/aws/ebs",
        "alias/aws/elasticfilesystem",
        "alias/aws/es",
        "alias/aws/glue",
        "alias/aws/kinesisvideo",
        "alias/aws/lambda",
        "alias/aws/rds",
        "alias/aws/redshift",
        "alias/aws/s3",
        "alias/aws/secretsmanager",
        "alias/aws/ssm",
        "alias/aws/xray",
      ],
    );
    assert.deepEqual(entries[0], {
      AliasName: "alias/aws/acm",
      AliasArn: `arn:aws:kms:us-west-2:${account}:alias/aws/acm`,
    });
  });

  it("leaves customer managed keys to their policies", () => {
    for (const action of Object.keys(
      awsManagedKeyPermissions,
    ) as (keyof typeof awsManagedKeyPermissions)[])
      assert.equal(onlyAwsMay("CUSTOMER", action), false);
    assert.equal(onlyAwsMay("AWS", "DisableKey"), true);
    assert.equal(onlyAwsMay("AWS", "Encrypt"), false);
  });
});
