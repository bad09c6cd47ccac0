// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are written ${...} in plain strings
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type ConditionContext,
  evaluateCondition,
  parseDate,
  parseIpRange,
} from "../../src/domain/policy/conditions.js";

function context(values: Record<string, string | string[]>): ConditionContext {
  const map = new Map(
    Object.entries(values).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v : [v]]),
  );
  return { get: (key) => map.get(key.toLowerCase()) };
}

const v2012 = { variables: true };
const v2008 = { variables: false };

function check(
  condition: unknown,
  values: Record<string, string | string[]>,
  options = v2012,
): boolean {
  return evaluateCondition(condition, context(values), options);
}

describe("string operators", () => {
  it("StringEquals is exact and case-sensitive; listed values are ORed", () => {
    assert.equal(
      check(
        { StringEquals: { "kms:CallerAccount": "111122223333" } },
        { "kms:CallerAccount": "111122223333" },
      ),
      true,
    );
    assert.equal(
      check({ StringEquals: { "kms:KeySpec": "rsa_2048" } }, { "kms:KeySpec": "RSA_2048" }),
      false,
    );
    assert.equal(
      check(
        { StringEquals: { "kms:KeySpec": ["ECC_NIST_P256", "RSA_2048"] } },
        { "kms:KeySpec": "RSA_2048" },
      ),
      true,
    );
  });

  it("condition key names are case-insensitive", () => {
    assert.equal(
      check({ StringEquals: { "KMS:CALLERACCOUNT": "1" } }, { "kms:CallerAccount": "1" }),
      true,
    );
  });

  it("keys under one operator and operators in one block are ANDed", () => {
    const values = { "kms:KeySpec": "RSA_2048", "kms:KeyUsage": "SIGN_VERIFY" };
    assert.equal(
      check({ StringEquals: { "kms:KeySpec": "RSA_2048", "kms:KeyUsage": "SIGN_VERIFY" } }, values),
      true,
    );
    assert.equal(
      check(
        { StringEquals: { "kms:KeySpec": "RSA_2048", "kms:KeyUsage": "ENCRYPT_DECRYPT" } },
        values,
      ),
      false,
    );
    assert.equal(
      check(
        { StringEquals: { "kms:KeySpec": "RSA_2048" }, StringLike: { "kms:KeyUsage": "ENC*" } },
        values,
      ),
      false,
    );
  });

  it("StringNotEquals is true when no value matches and when the key is absent", () => {
    assert.equal(
      check({ StringNotEquals: { "kms:KeySpec": ["A", "B"] } }, { "kms:KeySpec": "C" }),
      true,
    );
    assert.equal(
      check({ StringNotEquals: { "kms:KeySpec": ["A", "B"] } }, { "kms:KeySpec": "B" }),
      false,
    );
    assert.equal(check({ StringNotEquals: { "kms:KeySpec": "A" } }, {}), true);
  });

  it("positive operators are false for an absent key", () => {
    assert.equal(check({ StringEquals: { "kms:KeySpec": "A" } }, {}), false);
    assert.equal(check({ StringLike: { "kms:KeySpec": "*" } }, {}), false);
  });

  it("StringEqualsIgnoreCase and StringNotEqualsIgnoreCase fold case", () => {
    assert.equal(check({ StringEqualsIgnoreCase: { k: "ExampleApp" } }, { k: "exampleapp" }), true);
    assert.equal(
      check({ StringNotEqualsIgnoreCase: { k: "ExampleApp" } }, { k: "EXAMPLEAPP" }),
      false,
    );
    assert.equal(check({ StringNotEqualsIgnoreCase: { k: "ExampleApp" } }, { k: "Other" }), true);
    assert.equal(check({ StringNotEqualsIgnoreCase: { k: "x" } }, {}), true);
  });

  it("StringLike and StringNotLike use * and ? over the whole value", () => {
    assert.equal(
      check(
        { StringLike: { "kms:DataKeyPairSpec": "RSA*" } },
        { "kms:DataKeyPairSpec": "RSA_4096" },
      ),
      true,
    );
    assert.equal(
      check(
        { StringLike: { "kms:DataKeyPairSpec": "RSA*" } },
        { "kms:DataKeyPairSpec": "ECC_NIST_P256" },
      ),
      false,
    );
    assert.equal(check({ StringLike: { k: "RSA_?048" } }, { k: "RSA_2048" }), true);
    assert.equal(check({ StringLike: { k: "RSA_?048" } }, { k: "RSA_20048" }), false);
    assert.equal(
      check({ StringLike: { k: "a.c" } }, { k: "abc" }),
      false,
      "regex characters are literal",
    );
    assert.equal(check({ StringNotLike: { k: "RSA*" } }, { k: "ECC_NIST_P384" }), true);
    assert.equal(check({ StringNotLike: { k: "RSA*" } }, { k: "RSA_3072" }), false);
    assert.equal(check({ StringNotLike: { k: "RSA*" } }, {}), true);
  });

  it("StringEquals reads wildcards literally", () => {
    assert.equal(check({ StringEquals: { k: "a*" } }, { k: "abc" }), false);
    assert.equal(check({ StringEquals: { k: "a*" } }, { k: "a*" }), true);
  });
});

describe("...IfExists", () => {
  it("is true for an absent key and otherwise tests as the operator does", () => {
    assert.equal(check({ StringEqualsIfExists: { k: "a" } }, {}), true);
    assert.equal(check({ StringEqualsIfExists: { k: "a" } }, { k: "b" }), false);
    assert.equal(check({ StringEqualsIfExists: { k: "a" } }, { k: "a" }), true);
    assert.equal(check({ StringNotEqualsIfExists: { k: "a" } }, { k: "a" }), false);
    assert.equal(check({ NumericLessThanIfExists: { n: "5" } }, {}), true);
    assert.equal(check({ NumericLessThanIfExists: { n: "5" } }, { n: "7" }), false);
    assert.equal(check({ BoolIfExists: { b: "true" } }, {}), true);
    assert.equal(check({ IpAddressIfExists: { ip: "10.0.0.0/8" } }, { ip: "192.168.0.1" }), false);
    assert.equal(check({ ArnLikeIfExists: { a: "arn:aws:iam::*:root" } }, {}), true);
    assert.equal(check({ DateGreaterThanIfExists: { d: "2020-01-01T00:00:00Z" } }, {}), true);
  });
});

describe("Null", () => {
  it("true means the key is absent, false that it is present", () => {
    assert.equal(check({ Null: { "kms:EncryptionContextKeys": "true" } }, {}), true);
    assert.equal(
      check(
        { Null: { "kms:EncryptionContextKeys": true } },
        { "kms:EncryptionContextKeys": ["a"] },
      ),
      false,
    );
    assert.equal(
      check(
        { Null: { "kms:EncryptionContextKeys": false } },
        { "kms:EncryptionContextKeys": ["a"] },
      ),
      true,
    );
    assert.equal(check({ Null: { "kms:EncryptionContextKeys": "false" } }, {}), false);
  });

  it("an empty set is absent", () => {
    assert.equal(check({ Null: { k: "true" } }, { k: [] }), true);
  });
});

describe("set operators", () => {
  const keys = { "kms:EncryptionContextKeys": ["AppName", "Project"] };

  it("ForAnyValue: some request value matches some policy value", () => {
    assert.equal(
      check({ "ForAnyValue:StringEquals": { "kms:EncryptionContextKeys": "AppName" } }, keys),
      true,
    );
    assert.equal(
      check({ "ForAnyValue:StringEquals": { "kms:EncryptionContextKeys": "appname" } }, keys),
      false,
    );
    assert.equal(
      check({ "ForAnyValue:StringLike": { "kms:EncryptionContextKeys": "Proj*" } }, keys),
      true,
    );
  });

  it("ForAllValues: every request value matches some policy value", () => {
    assert.equal(
      check(
        {
          "ForAllValues:StringEquals": {
            "kms:EncryptionContextKeys": ["AppName", "Project", "Other"],
          },
        },
        keys,
      ),
      true,
    );
    assert.equal(
      check({ "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["AppName"] } }, keys),
      false,
    );
  });

  it("with an absent or empty set ForAnyValue is false and ForAllValues is true", () => {
    const sets: Record<string, string[]>[] = [{}, { "kms:EncryptionContextKeys": [] }];
    for (const values of sets) {
      assert.equal(
        check({ "ForAnyValue:StringEquals": { "kms:EncryptionContextKeys": "AppName" } }, values),
        false,
      );
      assert.equal(
        check({ "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": "AppName" } }, values),
        true,
      );
      assert.equal(
        check(
          { "ForAnyValue:StringNotEquals": { "kms:EncryptionContextKeys": "AppName" } },
          values,
        ),
        false,
      );
      assert.equal(
        check(
          { "ForAllValues:StringNotEquals": { "kms:EncryptionContextKeys": "AppName" } },
          values,
        ),
        true,
      );
    }
  });

  it("negated operators test each request value against all policy values", () => {
    // Some key is not AppName: true. Every key is not AppName: false.
    assert.equal(
      check({ "ForAnyValue:StringNotEquals": { "kms:EncryptionContextKeys": "AppName" } }, keys),
      true,
    );
    assert.equal(
      check({ "ForAllValues:StringNotEquals": { "kms:EncryptionContextKeys": "AppName" } }, keys),
      false,
    );
    assert.equal(
      check({ "ForAllValues:StringNotEquals": { "kms:EncryptionContextKeys": ["Other"] } }, keys),
      true,
    );
    assert.equal(
      check({ "ForAnyValue:StringNotLike": { "kms:EncryptionContextKeys": ["*"] } }, keys),
      false,
    );
  });

  it("ForAllValues with IfExists is true for an absent key; ForAnyValue with IfExists too", () => {
    assert.equal(check({ "ForAnyValue:StringEqualsIfExists": { k: "x" } }, {}), true);
    assert.equal(check({ "ForAllValues:StringEqualsIfExists": { k: "x" } }, { k: ["y"] }), false);
  });

  it("a multi-valued key without a set operator matches when any value does", () => {
    assert.equal(
      check(
        { StringEquals: { "kms:ResourceAliases": "alias/b" } },
        { "kms:ResourceAliases": ["alias/a", "alias/b"] },
      ),
      true,
    );
    assert.equal(
      check(
        { StringNotEquals: { "kms:ResourceAliases": "alias/b" } },
        { "kms:ResourceAliases": ["alias/a", "alias/b"] },
      ),
      false,
    );
  });
});

describe("numeric operators", () => {
  it("compare integers and decimals", () => {
    assert.equal(check({ NumericEquals: { n: "10" } }, { n: "10.0" }), true);
    assert.equal(check({ NumericNotEquals: { n: 10 } }, { n: "11" }), true);
    assert.equal(check({ NumericNotEquals: { n: 10 } }, { n: "10" }), false);
    assert.equal(check({ NumericLessThan: { n: "10" } }, { n: "9.5" }), true);
    assert.equal(check({ NumericLessThan: { n: "10" } }, { n: "10" }), false);
    assert.equal(check({ NumericLessThanEquals: { n: "10" } }, { n: "10" }), true);
    assert.equal(check({ NumericGreaterThan: { n: "10" } }, { n: "10" }), false);
    assert.equal(check({ NumericGreaterThan: { n: "10" } }, { n: "11" }), true);
    assert.equal(check({ NumericGreaterThanEquals: { n: "-1" } }, { n: "-1" }), true);
  });

  it("a value that is not a number never matches a positive operator", () => {
    assert.equal(check({ NumericEquals: { n: "10" } }, { n: "ten" }), false);
    assert.equal(check({ NumericLessThan: { n: "ten" } }, { n: "1" }), false);
    assert.equal(check({ NumericNotEquals: { n: "10" } }, { n: "ten" }), true);
    assert.equal(check({ NumericEquals: { n: "1" } }, {}), false);
    assert.equal(check({ NumericNotEquals: { n: "1" } }, {}), true);
  });
});

describe("date operators", () => {
  const now = { "aws:CurrentTime": "2024-05-01T12:00:00Z", "aws:EpochTime": "1714564800" };

  it("compare ISO 8601 dates and epoch seconds", () => {
    assert.equal(check({ DateEquals: { "aws:CurrentTime": "2024-05-01T12:00:00Z" } }, now), true);
    assert.equal(check({ DateEquals: { "aws:CurrentTime": "1714564800" } }, now), true);
    assert.equal(
      check({ DateNotEquals: { "aws:CurrentTime": "2024-05-01T12:00:01Z" } }, now),
      true,
    );
    assert.equal(check({ DateLessThan: { "aws:CurrentTime": "2024-05-01T12:00:01Z" } }, now), true);
    assert.equal(
      check({ DateLessThan: { "aws:CurrentTime": "2024-05-01T12:00:00Z" } }, now),
      false,
    );
    assert.equal(
      check({ DateLessThanEquals: { "aws:CurrentTime": "2024-05-01T12:00:00Z" } }, now),
      true,
    );
    assert.equal(
      check({ DateGreaterThan: { "aws:EpochTime": "2024-05-01T11:59:59Z" } }, now),
      true,
    );
    assert.equal(check({ DateGreaterThanEquals: { "aws:CurrentTime": "2024-05-02" } }, now), false);
    assert.equal(
      check({ DateGreaterThan: { "aws:CurrentTime": "2024-05-01T14:00:00+02:00" } }, now),
      false,
    );
  });

  it("reads dates without a zone as UTC", () => {
    assert.equal(parseDate("2024-05-01T12:00:00"), Date.UTC(2024, 4, 1, 12));
    assert.equal(parseDate("2024-05-01"), Date.UTC(2024, 4, 1));
    assert.equal(parseDate("not a date"), undefined);
  });
});

describe("Bool", () => {
  it("matches true and false, written as strings or JSON booleans, in any case", () => {
    assert.equal(
      check({ Bool: { "aws:SecureTransport": "false" } }, { "aws:SecureTransport": "false" }),
      true,
    );
    assert.equal(
      check({ Bool: { "aws:SecureTransport": false } }, { "aws:SecureTransport": "false" }),
      true,
    );
    assert.equal(
      check(
        { Bool: { "kms:BypassPolicyLockoutSafetyCheck": "TRUE" } },
        { "kms:BypassPolicyLockoutSafetyCheck": "true" },
      ),
      true,
    );
    assert.equal(check({ Bool: { b: true } }, { b: "false" }), false);
    assert.equal(check({ Bool: { b: true } }, {}), false);
  });
});

describe("BinaryEquals", () => {
  it("compares the bytes of base64 values", () => {
    const value = Buffer.from("binary value").toString("base64");
    assert.equal(check({ BinaryEquals: { k: value } }, { k: value }), true);
    assert.equal(
      check({ BinaryEquals: { k: value } }, { k: Buffer.from("other").toString("base64") }),
      false,
    );
    assert.equal(check({ BinaryEquals: { k: value } }, {}), false);
  });
});

describe("IP address operators", () => {
  it("match IPv4 addresses in CIDR ranges; a bare address is a /32", () => {
    assert.equal(
      check(
        { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } },
        { "aws:SourceIp": "203.0.113.77" },
      ),
      true,
    );
    assert.equal(
      check({ IpAddress: { "aws:SourceIp": "203.0.113.0/24" } }, { "aws:SourceIp": "203.0.114.1" }),
      false,
    );
    assert.equal(
      check({ IpAddress: { "aws:SourceIp": "127.0.0.1" } }, { "aws:SourceIp": "127.0.0.1" }),
      true,
    );
    assert.equal(
      check({ IpAddress: { "aws:SourceIp": "127.0.0.1" } }, { "aws:SourceIp": "127.0.0.2" }),
      false,
    );
    assert.equal(
      check({ IpAddress: { "aws:SourceIp": "0.0.0.0/0" } }, { "aws:SourceIp": "8.8.8.8" }),
      true,
    );
  });

  it("match IPv6 ranges, and never an address of the other family", () => {
    const ranges = ["203.0.113.0/24", "2001:DB8:1234:5678::/64"];
    assert.equal(
      check({ IpAddress: { "aws:SourceIp": ranges } }, { "aws:SourceIp": "2001:db8:1234:5678::1" }),
      true,
    );
    assert.equal(
      check({ IpAddress: { "aws:SourceIp": ranges } }, { "aws:SourceIp": "2001:db8:1234:5679::1" }),
      false,
    );
    assert.equal(check({ IpAddress: { "aws:SourceIp": "::1" } }, { "aws:SourceIp": "::1" }), true);
    assert.equal(
      check({ IpAddress: { "aws:SourceIp": "::/0" } }, { "aws:SourceIp": "10.0.0.1" }),
      false,
    );
  });

  it("NotIpAddress is the negation, and true for an absent key", () => {
    assert.equal(
      check({ NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } }, { "aws:SourceIp": "192.168.1.1" }),
      true,
    );
    assert.equal(
      check({ NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } }, { "aws:SourceIp": "10.1.2.3" }),
      false,
    );
    assert.equal(check({ NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } }, {}), true);
  });

  it("parses IPv4-mapped IPv6 addresses as IPv4 and rejects malformed ones", () => {
    assert.deepEqual(parseIpRange("::ffff:127.0.0.1"), parseIpRange("127.0.0.1"));
    assert.equal(parseIpRange("300.1.1.1"), undefined);
    assert.equal(parseIpRange("10.0.0.0/33"), undefined);
    assert.equal(parseIpRange("1::2::3"), undefined);
  });
});

describe("ARN operators", () => {
  const principal = { "aws:PrincipalArn": "arn:aws:iam::111122223333:role/Admin" };

  it("ArnEquals and ArnLike match each of the six parts with wildcards", () => {
    assert.equal(
      check(
        { ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::111122223333:role/Admin" } },
        principal,
      ),
      true,
    );
    assert.equal(
      check({ ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/Adm?n" } }, principal),
      true,
    );
    assert.equal(
      check({ ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::*:role/*" } }, principal),
      true,
    );
    assert.equal(
      check({ ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:user/*" } }, principal),
      false,
    );
  });

  it("a wildcard does not cross a colon, unlike StringLike", () => {
    const value = {
      a: "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
    };
    assert.equal(
      check({ StringLike: { a: "arn:aws:someservice:*:111122223333:finance/*" } }, value),
      true,
    );
    assert.equal(
      check({ ArnLike: { a: "arn:aws:someservice:*:111122223333:finance/*" } }, value),
      false,
    );
  });

  it("ArnNotEquals and ArnNotLike negate, and are true for an absent key", () => {
    assert.equal(
      check({ ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/Admin" } }, principal),
      false,
    );
    assert.equal(
      check({ ArnNotEquals: { "aws:PrincipalArn": "arn:aws:iam::*:role/Other" } }, principal),
      true,
    );
    assert.equal(
      check({ ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/Admin" } }, {}),
      true,
    );
    assert.equal(check({ ArnLike: { "aws:PrincipalArn": "not-an-arn" } }, principal), false);
  });
});

describe("policy variables", () => {
  it("resolve in String operators for Version 2012-10-17 only", () => {
    const values = { "kms:EncryptionContext:user": "bob", "aws:username": "bob" };
    const condition = { StringEquals: { "kms:EncryptionContext:user": "${aws:username}" } };
    assert.equal(check(condition, values, v2012), true);
    assert.equal(check(condition, values, v2008), false);
    assert.equal(check(condition, { ...values, "aws:username": "alice" }, v2012), false);
  });

  it("a variable with no value matches nothing unless it names a default", () => {
    const values = { k: "nobody" };
    assert.equal(check({ StringEquals: { k: "${aws:username}" } }, values), false);
    assert.equal(check({ StringEquals: { k: "${aws:username, 'nobody'}" } }, values), true);
  });

  it("substituted text is literal in StringLike; ${*} is a literal star", () => {
    assert.equal(check({ StringLike: { k: "${v}x" } }, { k: "abcx", v: "*" }), false);
    assert.equal(check({ StringLike: { k: "${v}x" } }, { k: "*x", v: "*" }), true);
    assert.equal(check({ StringEquals: { k: "a${*}" } }, { k: "a*" }), true);
    assert.equal(check({ StringLike: { k: "a${*}" } }, { k: "abc" }), false);
  });

  it("do not resolve in Numeric operators", () => {
    assert.equal(check({ NumericEquals: { n: "${m}" } }, { n: "1", m: "1" }), false);
  });
});

describe("malformed conditions", () => {
  it("an unknown operator or a non-scalar value is never satisfied", () => {
    assert.equal(check({ StringSortOf: { k: "a" } }, { k: "a" }), false);
    assert.equal(check({ StringEquals: { k: { a: 1 } } }, { k: "a" }), false);
    assert.equal(check("StringEquals", {}), false);
    assert.equal(check(undefined, {}), true);
  });
});
