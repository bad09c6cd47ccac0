/**
 * ARNs and partitions. A region decides its partition (cn-* → aws-cn, us-gov-* → aws-us-gov),
 * and with it the ARN of every key and alias made there.
 */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-iso-")) return "aws-iso";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  return "aws";
}

/** A region name as AWS writes them: us-east-1, cn-north-1, us-gov-west-1, ap-southeast-2... */
export function isRegionName(text: string): boolean {
  return /^[a-z]{2}(-[a-z]+)+-\d+$/.test(text);
}

export function isChinaRegion(region: string): boolean {
  return partitionOf(region) === "aws-cn";
}

export function keyArn(region: string, accountId: string, keyId: string): string {
  return `arn:${partitionOf(region)}:kms:${region}:${accountId}:key/${keyId}`;
}

export function aliasArn(region: string, accountId: string, aliasName: string): string {
  return `arn:${partitionOf(region)}:kms:${region}:${accountId}:${aliasName}`;
}

export function accountRootArn(region: string, accountId: string): string {
  return `arn:${partitionOf(region)}:iam::${accountId}:root`;
}

export interface ParsedKmsArn {
  partition: string;
  region: string;
  accountId: string;
  /** "key" or "alias" */
  resourceType: "key" | "alias";
  /** The key id, or the full alias name including its "alias/" prefix. */
  resource: string;
}

const kmsArnPattern = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(key\/.+|alias\/.+)$/;

export function parseKmsArn(arn: string): ParsedKmsArn | undefined {
  const m = kmsArnPattern.exec(arn);
  if (!m) return undefined;
  const [, partition, region, accountId, rest] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (rest.startsWith("key/"))
    return { partition, region, accountId, resourceType: "key", resource: rest.slice(4) };
  return { partition, region, accountId, resourceType: "alias", resource: rest };
}
