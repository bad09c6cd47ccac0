/**
 * Every error Trent can put on the wire, with the HTTP status AWS KMS uses for it. Errors are
 * data: code throws `new KmsError("NotFoundException", message)` where the rule lives, and the
 * protocol layer serializes it in exactly one place. A type missing from this table does not
 * compile. Statuses follow the AWS KMS API reference ("Errors" of each operation) and the
 * common errors page; where a recorded AWS answer shows another status for one operation, the
 * rule that knows it passes the status (dry-run.ts).
 *
 * Some AWS errors carry no message at all: the body is {"__type": ...} with no message member.
 * Such an error has `message: undefined` here; messageless-errors.ts is the one table of where
 * AWS answers that way and builds them.
 */
export const kmsErrors = {
  // Errors of the KMS service model.
  AlreadyExistsException: 400,
  CloudHsmClusterInUseException: 400,
  CloudHsmClusterInvalidConfigurationException: 400,
  CloudHsmClusterNotActiveException: 400,
  CloudHsmClusterNotFoundException: 400,
  CloudHsmClusterNotRelatedException: 400,
  ConflictException: 400,
  CustomKeyStoreHasCMKsException: 400,
  CustomKeyStoreInvalidStateException: 400,
  CustomKeyStoreNameInUseException: 400,
  CustomKeyStoreNotFoundException: 400,
  DependencyTimeoutException: 500,
  DisabledException: 400,
  DryRunOperationException: 412,
  ExpiredImportTokenException: 400,
  IncorrectKeyException: 400,
  IncorrectKeyMaterialException: 400,
  IncorrectTrustAnchorException: 400,
  InvalidAliasNameException: 400,
  InvalidArnException: 400,
  InvalidCiphertextException: 400,
  InvalidGrantIdException: 400,
  InvalidGrantTokenException: 400,
  InvalidImportTokenException: 400,
  InvalidKeyUsageException: 400,
  InvalidMarkerException: 400,
  KMSInternalException: 500,
  KMSInvalidMacException: 400,
  KMSInvalidSignatureException: 400,
  KMSInvalidStateException: 400,
  KeyUnavailableException: 500,
  LimitExceededException: 400,
  MalformedPolicyDocumentException: 400,
  NotFoundException: 400,
  TagException: 400,
  UnsupportedOperationException: 400,
  XksKeyAlreadyInUseException: 400,
  XksKeyInvalidConfigurationException: 400,
  XksKeyNotFoundException: 400,
  XksProxyIncorrectAuthenticationCredentialException: 400,
  XksProxyInvalidConfigurationException: 400,
  XksProxyInvalidResponseException: 400,
  XksProxyUriEndpointInUseException: 400,
  XksProxyUriInUseException: 400,
  XksProxyUriUnreachableException: 400,
  XksProxyVpcEndpointServiceInUseException: 400,
  XksProxyVpcEndpointServiceInvalidConfigurationException: 400,
  XksProxyVpcEndpointServiceNotFoundException: 400,
  // Not in the model, but what KMS answers (400, no message) to CreateAlias, UpdateAlias and
  // DeleteAlias on the alias/aws/ names it reserves for AWS managed keys.
  NotAuthorizedException: 400,
  // Common errors shared by all AWS JSON services.
  AccessDeniedException: 400,
  IncompleteSignatureException: 400,
  InvalidSignatureException: 400,
  // 400 on AWS's JSON front end (the 403 of the common-errors page is the query APIs').
  MissingAuthenticationTokenException: 400,
  UnrecognizedClientException: 400,
  SerializationException: 400,
  ThrottlingException: 400,
  UnknownOperationException: 400,
  ValidationException: 400,
  // Not AWS errors: Trent's answers where its HTTP front end refuses a request before any
  // operation sees it (AWS's front end closes such requests with the same statuses).
  RequestEntityTooLargeException: 413,
  RequestHeaderFieldsTooLargeException: 431,
  RequestTimeoutException: 408,
  BadRequestException: 400,
  // Trent's operational routes: GET /metrics without its bearer token, GET /ready while a
  // check fails.
  UnauthorizedException: 401,
  ServiceUnavailableException: 503,
} as const satisfies Record<string, number>;

export type KmsErrorType = keyof typeof kmsErrors;

export interface KmsErrorOptions {
  /** The HTTP status, where AWS's answer for this situation differs from the table's. */
  readonly status?: number;
}

export class KmsError extends Error {
  readonly type: KmsErrorType;
  readonly status: number;
  /** False when the answer has no message member (`message` is then ""; never send it). */
  readonly hasMessage: boolean;

  /** `message` undefined: AWS sends no message member; only messageless-errors.ts does this. */
  constructor(type: KmsErrorType, message: string | undefined, options: KmsErrorOptions = {}) {
    super(message ?? "");
    this.name = type;
    this.type = type;
    this.status = options.status ?? kmsErrors[type];
    this.hasMessage = message !== undefined;
  }

  /** What the wire and the audit record show as the message: nothing for a messageless error. */
  get wireMessage(): string | undefined {
    return this.hasMessage ? this.message : undefined;
  }
}

export function isKmsError(value: unknown): value is KmsError {
  return value instanceof KmsError;
}
