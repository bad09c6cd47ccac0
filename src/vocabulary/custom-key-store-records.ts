/** The records Trent keeps about custom key stores, in domain words (no SQL, no wire names). */
import type {
  ConnectionErrorCodeType,
  ConnectionStateType,
  CustomKeyStoreType,
  XksProxyConnectivityType,
} from "./types.generated.js";

/** How Trent reaches an external key store proxy. The secret access key is not here. */
export interface XksProxySettings {
  readonly connectivity: XksProxyConnectivityType;
  readonly uriEndpoint: string;
  readonly uriPath: string;
  readonly accessKeyId: string;
  /** Names the secret access key, sealed under the root key with the key material. */
  readonly credentialMaterialId: string;
}

export interface CustomKeyStoreRecord {
  readonly id: string;
  readonly accountId: string;
  readonly region: string;
  readonly name: string;
  readonly type: CustomKeyStoreType;
  readonly creationDate: Date;
  readonly connectionState: ConnectionStateType;
  readonly connectionErrorCode: ConnectionErrorCodeType | undefined;
  /** Present for EXTERNAL_KEY_STORE stores (the only kind Trent can create). */
  readonly xks: XksProxySettings | undefined;
}

/** The external key (XksKeyId) behind a key in an external key store. */
export interface XksKeyRecord {
  readonly keyArn: string;
  readonly customKeyStoreId: string;
  readonly xksKeyId: string;
}
