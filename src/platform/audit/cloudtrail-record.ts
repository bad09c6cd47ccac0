/**
 * One CloudTrail-shaped record per KMS request, allowed or denied, with the fields and field
 * order CloudTrail writes for KMS:
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
 * Nothing secret reaches a record: parameters go through the allow-list in audit-rules.ts, and
 * the error message is the one the client saw, which never holds key material.
 *
 * Also the records of what KMS does by itself when the clock says so, which CloudTrail shows as
 * service events (eventType AwsServiceEvent, invoked by "AWS Internal", no request id): the
 * deletion of a key whose waiting period ended, an automatic rotation, and the deletion of
 * imported key material that expired. Their shapes follow AWS's examples:
 * https://docs.aws.amazon.com/kms/latest/developerguide/ct-delete-key.html
 * https://docs.aws.amazon.com/kms/latest/developerguide/ct-rotatekey.html
 * https://docs.aws.amazon.com/kms/latest/developerguide/ct-deleteexpiredkeymaterial.html
 * Seeding (front-doors/seed/) leaves service events of the same shape, one per key, alias and
 * grant it creates, invoked by "Trent seed" and named after the operation that would have made
 * the item (CreateKey, CreateAlias, CreateGrant), with the seed file in serviceEventDetails. AWS
 * has no seeding, so these records are Trent's own, in CloudTrail's form.
 */
import { parseKmsArn } from "../../vocabulary/arns.js";
import type { OperationName } from "../../vocabulary/model.generated.js";
import type { AuditNotes, Caller } from "../../vocabulary/request.js";
import type { OriginType, RotationType } from "../../vocabulary/types.generated.js";
import { auditRules } from "./audit-rules.js";
import { type AuditValue, requestParameters, responseElements } from "./parameters.js";

/** The CloudTrail event record format version these records follow. */
export const eventVersion = "1.11";

export interface UserIdentity {
  readonly type: "Root" | "IAMUser" | "AssumedRole" | "Unknown";
  readonly principalId?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
  readonly sessionContext?: {
    readonly sessionIssuer: {
      readonly type: "Role";
      readonly principalId: string;
      readonly arn: string;
      readonly accountId: string;
      readonly userName: string;
    };
  };
}

export interface AuditResource {
  readonly accountId: string;
  readonly type: "AWS::KMS::Key" | "AWS::KMS::Alias";
  readonly ARN: string;
}

export interface CloudTrailRecord {
  readonly eventVersion: string;
  readonly userIdentity: UserIdentity;
  readonly eventTime: string;
  readonly eventSource: "kms.amazonaws.com";
  readonly eventName: OperationName;
  readonly awsRegion: string;
  readonly sourceIPAddress: string;
  readonly userAgent: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly requestParameters: Record<string, AuditValue> | null;
  readonly responseElements: Record<string, AuditValue> | null;
  readonly additionalEventData?: AdditionalEventData;
  readonly requestID: string;
  readonly eventID: string;
  readonly readOnly: boolean;
  readonly resources: readonly AuditResource[];
  readonly eventType: "AwsApiCall";
  readonly managementEvent: true;
  readonly recipientAccountId: string;
  readonly eventCategory: "Management";
}

/**
 * What CloudTrail adds for KMS: the key material a request used, and for a request answered to a
 * Nitro enclave, its attestation document's module id and measurements (never a secret).
 * https://docs.aws.amazon.com/kms/latest/developerguide/ct-nitro-enclave.html
 */
export interface AdditionalEventData {
  readonly keyMaterialId?: string;
  readonly recipient?: Readonly<Record<string, string>>;
}

function additionalEventData(notes: AuditNotes): AdditionalEventData | undefined {
  if (notes.keyMaterialId === undefined && notes.recipient === undefined) return undefined;
  return {
    ...(notes.keyMaterialId === undefined ? {} : { keyMaterialId: notes.keyMaterialId }),
    ...(notes.recipient === undefined ? {} : { recipient: notes.recipient }),
  };
}

/** What KMS does by itself, named as CloudTrail names these events (no API has the names). */
export type ServiceEventName =
  | "DeleteKey"
  | "RotateKey"
  | "DeleteExpiredKeyMaterial"
  | SeedEventName;

/** What seeding creates, named after the operation that would have created it. */
export type SeedEventName = "CreateKey" | "CreateAlias" | "CreateGrant";

/** What a service event's serviceEventDetails holds, per event. */
export interface ServiceEventDetails {
  readonly keyId?: string;
  readonly keyMaterialId?: string;
  readonly rotationType?: RotationType;
  readonly keyOrigin?: OriginType;
  readonly previousKeyMaterialId?: string;
  readonly currentKeyMaterialId?: string;
  /** Seed events: the seed file (or the name the embedder gave the seed). */
  readonly seedSource?: string;
  readonly aliasName?: string;
  readonly grantId?: string;
}

/** Who acts in a service event: KMS itself, or Trent applying a seed file. */
export type ServiceActor = typeof awsInternal | typeof trentSeed;

export interface ServiceEventRecord {
  readonly eventVersion: string;
  readonly userIdentity: { readonly accountId: string; readonly invokedBy: ServiceActor };
  readonly eventTime: string;
  readonly eventSource: "kms.amazonaws.com";
  readonly eventName: ServiceEventName;
  readonly awsRegion: string;
  readonly sourceIPAddress: ServiceActor;
  readonly userAgent: ServiceActor;
  readonly requestParameters: null;
  readonly responseElements: { readonly keyId: string } | null;
  readonly eventID: string;
  readonly readOnly: false;
  readonly resources: readonly AuditResource[];
  readonly eventType: "AwsServiceEvent";
  readonly managementEvent: true;
  readonly recipientAccountId: string;
  readonly serviceEventDetails?: ServiceEventDetails;
  readonly eventCategory: "Management";
}

/** Every line of the audit trail is one of these. */
export type AuditRecord = CloudTrailRecord | ServiceEventRecord;

/** Who CloudTrail says acted, from where, with what, when KMS acts by itself. */
export const awsInternal = "AWS Internal";

/** The same for what a seed file created. */
export const trentSeed = "Trent seed";

/** One change the clock made to one key, after it committed. */
export type ServiceEvent = {
  readonly eventId: string;
  readonly time: Date;
  readonly keyArn: string;
} & (
  | { readonly eventName: "DeleteKey" }
  | {
      readonly eventName: "RotateKey";
      readonly rotationType: RotationType;
      readonly keyOrigin: OriginType;
      readonly previousKeyMaterialId: string | undefined;
      readonly currentKeyMaterialId: string | undefined;
    }
  | { readonly eventName: "DeleteExpiredKeyMaterial"; readonly keyMaterialId: string }
  | {
      readonly eventName: "CreateKey";
      readonly seedSource: string;
      readonly keyMaterialId: string | undefined;
    }
  | { readonly eventName: "CreateAlias"; readonly seedSource: string; readonly aliasArn: string }
  | { readonly eventName: "CreateGrant"; readonly seedSource: string; readonly grantId: string }
);

/** Everything the pipeline knows about one finished request. */
export interface RequestOutcome {
  readonly operation: OperationName;
  readonly requestId: string;
  readonly eventId: string;
  /** The request's clock reading. */
  readonly time: Date;
  /** Undefined when the request failed before its caller was established. */
  readonly caller: Caller | undefined;
  readonly sourceIp: string;
  readonly userAgent: string;
  /** The decoded input; undefined when the body could not be decoded. */
  readonly input: Readonly<Record<string, unknown>> | undefined;
  /** The operation's output; undefined on failure. */
  readonly output: unknown;
  /** message undefined: the client saw no message, and CloudTrail shows no errorMessage. */
  readonly error: { readonly type: string; readonly message: string | undefined } | undefined;
  readonly notes: AuditNotes;
}

/** Where a record goes when the request never established its caller. */
export interface AuditDefaults {
  readonly accountId: string;
  readonly region: string;
}

const principalPattern = /^arn:[a-z-]+:(iam|sts)::(\d{12}):(.+)$/;

/**
 * The identity block CloudTrail derives from the caller's principal. CloudTrail's principalId
 * is IAM's unique id (AIDA…, AROA…:session); Trent's principals have none, so for users and
 * roles the name stands in for it, and the account id for the root user, as CloudTrail does.
 */
export function userIdentity(caller: Caller | undefined): UserIdentity {
  if (!caller) return { type: "Unknown" };
  const accessKey = caller.accessKeyId === undefined ? {} : { accessKeyId: caller.accessKeyId };
  const match = principalPattern.exec(caller.principalArn);
  const [, service, accountId, resource] = match ?? [];
  if (service === "iam" && accountId !== undefined && resource === "root")
    return {
      type: "Root",
      principalId: accountId,
      arn: caller.principalArn,
      accountId,
      ...accessKey,
    };
  if (service === "iam" && accountId !== undefined && resource?.startsWith("user/")) {
    const userName = resource.slice(resource.lastIndexOf("/") + 1);
    return {
      type: "IAMUser",
      principalId: userName,
      arn: caller.principalArn,
      accountId,
      ...accessKey,
      userName,
    };
  }
  if (service === "sts" && accountId !== undefined && resource?.startsWith("assumed-role/")) {
    const [roleName = "", sessionName = ""] = resource.slice("assumed-role/".length).split("/");
    const partition = caller.principalArn.split(":")[1];
    return {
      type: "AssumedRole",
      principalId: `${roleName}:${sessionName}`,
      arn: caller.principalArn,
      accountId,
      ...accessKey,
      sessionContext: {
        sessionIssuer: {
          type: "Role",
          principalId: roleName,
          arn: `arn:${partition}:iam::${accountId}:role/${roleName}`,
          accountId,
          userName: roleName,
        },
      },
    };
  }
  return { type: "Unknown", arn: caller.principalArn, accountId: caller.accountId, ...accessKey };
}

/** ISO 8601 to the second, as CloudTrail writes eventTime. */
export function eventTime(time: Date): string {
  return `${time.toISOString().slice(0, 19)}Z`;
}

function resources(arns: readonly string[]): AuditResource[] {
  const out: AuditResource[] = [];
  for (const arn of new Set(arns)) {
    const parsed = parseKmsArn(arn);
    if (!parsed) continue;
    out.push({
      accountId: parsed.accountId,
      type: parsed.resourceType === "key" ? "AWS::KMS::Key" : "AWS::KMS::Alias",
      ARN: arn,
    });
  }
  return out;
}

/** Node reports IPv4 peers of a dual-stack socket as "::ffff:a.b.c.d"; CloudTrail shows a.b.c.d. */
function plainAddress(address: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}

export function cloudTrailRecord(
  outcome: RequestOutcome,
  defaults: AuditDefaults,
): CloudTrailRecord {
  const { operation, error, notes } = outcome;
  const accountId = outcome.caller?.accountId ?? defaults.accountId;
  const additional = additionalEventData(notes);
  return {
    eventVersion,
    userIdentity: userIdentity(outcome.caller),
    eventTime: eventTime(outcome.time),
    eventSource: "kms.amazonaws.com",
    eventName: operation,
    awsRegion: outcome.caller?.region ?? defaults.region,
    sourceIPAddress: plainAddress(outcome.sourceIp),
    userAgent: outcome.userAgent,
    ...(error ? { errorCode: error.type } : {}),
    ...(error?.message === undefined ? {} : { errorMessage: error.message }),
    requestParameters: requestParameters(operation, outcome.input),
    responseElements: error ? null : responseElements(operation, outcome.output),
    ...(additional === undefined ? {} : { additionalEventData: additional }),
    requestID: outcome.requestId,
    eventID: outcome.eventId,
    readOnly: auditRules[operation].readOnly,
    resources: resources(notes.resources),
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: accountId,
    eventCategory: "Management",
  };
}

function serviceEventDetails(event: ServiceEvent, keyId: string): ServiceEventDetails | undefined {
  switch (event.eventName) {
    // Since December 2022 CloudTrail names the deleted key in responseElements instead.
    case "DeleteKey":
      return undefined;
    case "RotateKey":
      return {
        rotationType: event.rotationType,
        keyOrigin: event.keyOrigin,
        previousKeyMaterialId: event.previousKeyMaterialId,
        currentKeyMaterialId: event.currentKeyMaterialId,
        keyId,
      };
    case "DeleteExpiredKeyMaterial":
      return { keyId, keyMaterialId: event.keyMaterialId };
    case "CreateKey":
      return { seedSource: event.seedSource, keyId, keyMaterialId: event.keyMaterialId };
    case "CreateAlias":
      return {
        seedSource: event.seedSource,
        aliasName: parseKmsArn(event.aliasArn)?.resource,
        keyId,
      };
    case "CreateGrant":
      return { seedSource: event.seedSource, grantId: event.grantId, keyId };
  }
}

function isSeedEvent(event: ServiceEvent): boolean {
  return "seedSource" in event;
}

export function serviceEventRecord(event: ServiceEvent): ServiceEventRecord {
  const arn = parseKmsArn(event.keyArn);
  if (arn?.resourceType !== "key") throw new Error(`not a key ARN: ${event.keyArn}`);
  const details = serviceEventDetails(event, arn.resource);
  const actor = isSeedEvent(event) ? trentSeed : awsInternal;
  return {
    eventVersion,
    userIdentity: { accountId: arn.accountId, invokedBy: actor },
    eventTime: eventTime(event.time),
    eventSource: "kms.amazonaws.com",
    eventName: event.eventName,
    awsRegion: arn.region,
    sourceIPAddress: actor,
    userAgent: actor,
    requestParameters: null,
    responseElements: event.eventName === "DeleteKey" ? { keyId: event.keyArn } : null,
    eventID: event.eventId,
    readOnly: false,
    resources: resources(
      event.eventName === "CreateAlias" ? [event.keyArn, event.aliasArn] : [event.keyArn],
    ),
    eventType: "AwsServiceEvent",
    managementEvent: true,
    recipientAccountId: arn.accountId,
    ...(details === undefined ? {} : { serviceEventDetails: details }),
    eventCategory: "Management",
  };
}
