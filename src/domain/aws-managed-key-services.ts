/**
 * The AWS services whose AWS managed keys Trent makes, as data: the alias under alias/aws/, the
 * key's description, the key policy AWS writes for it, the endpoint that kms:ViaService names,
 * and whether ListAliases shows the alias before its key exists. The rules built on this table
 * (creation on first use, listing, access) live in aws-managed-keys.ts.
 * https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key
 *
 * Sources, since AWS publishes no list:
 *   - predefined aliases: the alias/aws/ names ListAliases returns without a TargetKeyId in an
 *     account where no service has used them yet (acm, dynamodb, ebs, elasticfilesystem, es,
 *     glue, kinesisvideo, lambda, rds, redshift, s3, secretsmanager, ssm, xray), as recorded in
 *     public ListAliases output and as moto and LocalStack list them;
 *   - key policies: GetKeyPolicy of each AWS managed key in a reference account (us-east-1),
 *     as published by FogSecurity's aws-managed-kms-keys tracker and seen in exports of real
 *     accounts; the account id and Region are the caller's;
 *   - descriptions: DescribeKey of real AWS managed keys ("Default key that protects my S3
 *     objects when no other key is defined"; keys made before 2021 said "Default master key").
 *     Where no current description was found (kinesis, redshift) the noun follows the pattern.
 * sns, sqs and kinesis are not predefined: their keys exist once their service first needs one,
 * which in Trent is when a caller names the alias.
 */
import { accountRootArn, partitionOf } from "../vocabulary/arns.js";
import type { PolicyValue } from "./policy/policy-text.js";

type Statement = { readonly [name: string]: PolicyValue };

/** Where a key lives, for the account and endpoints its policy names. */
export interface KeyPlace {
  readonly accountId: string;
  readonly region: string;
}

export interface AwsManagedKeyService {
  /** The part after alias/aws/. */
  readonly name: string;
  /** What the key protects: "Default key that protects my <protects> when no other key is defined". */
  readonly protects: string;
  /** Listed by ListAliases (without TargetKeyId) before the key exists. */
  readonly predefined: boolean;
  /** The endpoint prefix kms:ViaService names for this service: ec2 for EBS volumes. */
  readonly endpoint: string;
  /** The Id of the key policy. */
  readonly policyId: string;
  /** The key policy's statements, in AWS's order. */
  readonly statements: (place: KeyPlace) => readonly Statement[];
}

/** The DNS suffix of a Region's service endpoints. */
function dnsSuffix(region: string): string {
  return partitionOf(region) === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
}

/** The kms:ViaService value of requests that `endpoint` makes in `region`. */
export function serviceEndpoint(endpoint: string, region: string): string {
  return `${endpoint}.${region}.${dnsSuffix(region)}`;
}

const use = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"];
const useAndGrant = [...use, "kms:CreateGrant", "kms:DescribeKey"];
const readOnly = ["kms:Describe*", "kms:Get*", "kms:List*"];

/**
 * "Allow access through <service> for all principals in the account that are authorized to use
 * <service>": everyone in the account, as long as the request comes through the service.
 */
function throughService(
  sid: string,
  actions: readonly string[] | string,
  endpoint: string,
  { accountId, region }: KeyPlace,
): Statement {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: { AWS: "*" },
    Action: actions,
    Resource: "*",
    Condition: {
      StringEquals: {
        "kms:CallerAccount": accountId,
        "kms:ViaService": serviceEndpoint(endpoint, region),
      },
    },
  };
}

/** The same, through the service in any Region (StringLike on the endpoint). */
function throughServiceAnywhere(
  sid: string,
  actions: readonly string[] | string,
  endpoint: string,
  { accountId, region }: KeyPlace,
): Statement {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: { AWS: "*" },
    Action: actions,
    Resource: "*",
    Condition: {
      StringEquals: { "kms:CallerAccount": accountId },
      StringLike: { "kms:ViaService": `${endpoint}.*.${dnsSuffix(region)}` },
    },
  };
}

/** The account may read the key (and, for most services, revoke grants) directly. */
function metadataForAccount({ accountId, region }: KeyPlace, revokeGrant: boolean): Statement {
  return {
    Sid: "Allow direct access to key metadata to the account",
    Effect: "Allow",
    Principal: { AWS: accountRootArn(region, accountId) },
    Action: revokeGrant ? [...readOnly, "kms:RevokeGrant"] : readOnly,
    Resource: "*",
  };
}

/** The service's own principal may read the key. */
function serviceReads(sid: string, principal: string): Statement {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: { Service: principal },
    Action: readOnly,
    Resource: "*",
  };
}

/**
 * The common shape: use through the service (`actions`), and reading by the account (with
 * kms:RevokeGrant when `revokeGrant`).
 */
function usualPolicy(
  sid: string,
  actions: readonly string[],
  endpoint: string,
  revokeGrant: boolean,
): (place: KeyPlace) => readonly Statement[] {
  return (place) => [
    throughService(sid, actions, endpoint, place),
    metadataForAccount(place, revokeGrant),
  ];
}

function allowThrough(name: string): string {
  return `Allow access through ${name} for all principals in the account that are authorized to use ${name}`;
}

/** ACM only decrypts through the service and creates grants for its own resources. */
function acmStatements(place: KeyPlace): readonly Statement[] {
  const { accountId, region } = place;
  const viaAcm = {
    "kms:CallerAccount": accountId,
    "kms:ViaService": serviceEndpoint("acm", region),
  };
  const grantFor = (sid: string, operations: PolicyValue): Statement => ({
    Sid: sid,
    Effect: "Allow",
    Principal: { AWS: "*" },
    Action: "kms:CreateGrant",
    Resource: "*",
    Condition: {
      StringEquals: viaAcm,
      "ForAllValues:StringEquals": { "kms:GrantOperations": operations },
      Bool: { "kms:GrantIsForAWSResource": "true" },
    },
  });
  return [
    grantFor("Allow creation of decryption grants", "Decrypt"),
    grantFor("Allow creation of encryption grant", ["Encrypt", "ReEncryptFrom", "ReEncryptTo"]),
    {
      Sid: "Allowed operations for the key owner",
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: ["kms:DescribeKey", "kms:ListGrants", "kms:RevokeGrant", "kms:GetKeyPolicy"],
      Resource: "*",
      Condition: { StringEquals: { "kms:CallerAccount": accountId } },
    },
    {
      Sid: "Deny re-encryption to any other key",
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: "kms:ReEncrypt*",
      Resource: "*",
      Condition: { Bool: { "kms:ReEncryptOnSameKey": "false" } },
    },
    {
      Sid: "Allow decrypt",
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: { StringEquals: viaAcm },
    },
  ];
}

const awsManagedKeyServiceList: readonly AwsManagedKeyService[] = [
  {
    name: "acm",
    protects: "ACM private keys",
    predefined: true,
    endpoint: "acm",
    policyId: "auto-acm-4",
    statements: acmStatements,
  },
  {
    name: "dynamodb",
    protects: "DynamoDB data",
    predefined: true,
    endpoint: "dynamodb",
    policyId: "auto-dynamodb-3",
    statements: (place) => [
      throughServiceAnywhere(allowThrough("Amazon DynamoDB"), useAndGrant, "dynamodb", place),
      metadataForAccount(place, true),
      serviceReads("Allow DynamoDB to directly describe the key", "dynamodb.amazonaws.com"),
    ],
  },
  {
    name: "ebs",
    protects: "EBS volumes",
    predefined: true,
    endpoint: "ec2",
    policyId: "auto-ebs-2",
    statements: usualPolicy(allowThrough("EBS"), useAndGrant, "ec2", true),
  },
  {
    name: "elasticfilesystem",
    protects: "EFS filesystems",
    predefined: true,
    endpoint: "elasticfilesystem",
    policyId: "auto-elasticfilesystem-1",
    statements: usualPolicy(
      "Allow access to EFS for all principals in the account that are authorized to use EFS",
      useAndGrant,
      "elasticfilesystem",
      true,
    ),
  },
  {
    name: "es",
    protects: "Amazon OpenSearch Service (successor to Amazon Elasticsearch Service) data",
    predefined: true,
    endpoint: "es",
    policyId: "auto-es-2",
    statements: (place) => [
      throughService(allowThrough("OpenSearch Service"), useAndGrant, "es", place),
      metadataForAccount(place, true),
      serviceReads(
        "Allow OpenSearch service principals to describe the key directly",
        "es.amazonaws.com",
      ),
    ],
  },
  {
    name: "glue",
    protects: "Glue data",
    predefined: true,
    endpoint: "glue",
    policyId: "auto-glue-1",
    statements: usualPolicy(allowThrough("Glue"), useAndGrant, "glue", true),
  },
  {
    name: "kinesis",
    protects: "Kinesis data",
    predefined: false,
    endpoint: "kinesis",
    policyId: "auto-kinesis-1",
    statements: usualPolicy(
      allowThrough("Amazon Kinesis"),
      [...use, "kms:DescribeKey"],
      "kinesis",
      false,
    ),
  },
  {
    name: "kinesisvideo",
    protects: "kinesis video data",
    predefined: true,
    endpoint: "kinesisvideo",
    policyId: "auto-kinesisvideo-1",
    statements: usualPolicy(
      allowThrough("Kinesis Video Streams"),
      useAndGrant,
      "kinesisvideo",
      true,
    ),
  },
  {
    name: "lambda",
    protects: "Lambda functions",
    predefined: true,
    endpoint: "lambda",
    policyId: "auto-awslambda",
    statements: usualPolicy(allowThrough("AWS Lambda"), useAndGrant, "lambda", true),
  },
  {
    name: "rds",
    protects: "RDS database volumes",
    predefined: true,
    endpoint: "rds",
    policyId: "auto-rds-2",
    statements: usualPolicy(
      allowThrough("RDS"),
      [...use, "kms:CreateGrant", "kms:ListGrants", "kms:DescribeKey"],
      "rds",
      true,
    ),
  },
  {
    name: "redshift",
    protects: "Redshift data",
    predefined: true,
    endpoint: "redshift",
    policyId: "auto-redshift-3",
    statements: (place) => [
      throughService(allowThrough("RedShift"), useAndGrant, "redshift", place),
      throughService(
        allowThrough("RedShift-Serverless"),
        useAndGrant,
        "redshift-serverless",
        place,
      ),
      metadataForAccount(place, true),
    ],
  },
  {
    name: "s3",
    protects: "S3 objects",
    predefined: true,
    endpoint: "s3",
    policyId: "auto-s3-2",
    statements: usualPolicy(allowThrough("S3"), [...use, "kms:DescribeKey"], "s3", false),
  },
  {
    name: "secretsmanager",
    protects: "Secrets Manager data",
    predefined: true,
    endpoint: "secretsmanager",
    policyId: "auto-secretsmanager-2",
    statements: (place) => [
      throughService(
        allowThrough("AWS Secrets Manager"),
        ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:CreateGrant", "kms:DescribeKey"],
        "secretsmanager",
        place,
      ),
      throughServiceAnywhere(
        allowThrough("AWS Secrets Manager"),
        "kms:GenerateDataKey*",
        "secretsmanager",
        place,
      ),
      metadataForAccount(place, true),
    ],
  },
  {
    name: "sns",
    protects: "SNS data",
    predefined: false,
    endpoint: "sns",
    policyId: "auto-sns-2",
    statements: (place) => [
      throughService(
        allowThrough("SNS"),
        [
          "kms:Decrypt",
          "kms:GenerateDataKey*",
          "kms:CreateGrant",
          "kms:ListGrants",
          "kms:DescribeKey",
        ],
        "sns",
        place,
      ),
      metadataForAccount(place, true),
      {
        Sid: "Allow SNS to decrypt archived messages",
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: {
          StringEquals: { "aws:SourceAccount": place.accountId },
          ArnLike: { "aws:SourceArn": `arn:*:sns:${place.region}:${place.accountId}:*` },
        },
      },
    ],
  },
  {
    name: "sqs",
    protects: "SQS messages",
    predefined: false,
    endpoint: "sqs",
    policyId: "auto-sqs-1",
    statements: usualPolicy(
      "Allow access through Simple Queue Service (SQS) for all principals in the account that are authorized to use SQS",
      useAndGrant,
      "sqs",
      true,
    ),
  },
  {
    name: "ssm",
    protects: "SSM parameters",
    predefined: true,
    endpoint: "ssm",
    policyId: "auto-ssm-1",
    statements: usualPolicy(allowThrough("SSM"), [...use, "kms:DescribeKey"], "ssm", false),
  },
  {
    name: "xray",
    protects: "X-Ray data",
    predefined: true,
    endpoint: "xray",
    policyId: "auto-xray-1",
    statements: (place) => [
      throughService(allowThrough("X-Ray"), useAndGrant, "xray", place),
      metadataForAccount(place, true),
      serviceReads(
        "Allow X-Ray Service with service principal name xray.amazonaws.com to describe the key directly",
        "xray.amazonaws.com",
      ),
    ],
  },
];

/** Every service with an AWS managed key, by its alias/aws/ name. */
export const awsManagedKeyServices: ReadonlyMap<string, AwsManagedKeyService> = new Map(
  awsManagedKeyServiceList.map((service) => [service.name, service]),
);
