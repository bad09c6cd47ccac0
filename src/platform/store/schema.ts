/** Table types for Kysely. Timestamps are epoch milliseconds, booleans 0/1: portable SQL. */

export interface KeysTable {
  arn: string;
  key_id: string;
  account_id: string;
  region: string;
  created_at: number;
  description: string;
  key_usage: string;
  key_spec: string;
  origin: string;
  key_manager: string;
  key_state: string;
  deletion_date: number | null;
  pending_window_days: number | null;
  multi_region: number;
  multi_region_key_type: string | null;
  custom_key_store_id: string | null;
  policy: string;
  current_material_id: string | null;
}

export interface KeyMaterialsTable {
  key_arn: string;
  material_id: string;
  sealed: Uint8Array;
  public_key: Uint8Array | null;
  created_at: number;
  /** Null only for rows sealed before migration 0006 (adopted as version 1 at start-up). */
  root_key_version: number | null;
}

/**
 * The root key registry: one row per root key that ever sealed anything here. The check value
 * is a fixed text sealed under that key (AAD naming the version), so start-up can tell which
 * configured key is which version without the key ever being stored.
 */
export interface RootKeysTable {
  version: number;
  check_value: Uint8Array;
  created_at: number;
  retired_at: number | null;
}

/** Secrets Trent keeps for itself (the grant-token MAC key, the import key), sealed. */
export interface SealedSecretsTable {
  name: string;
  sealed: Uint8Array;
  root_key_version: number;
  created_at: number;
}

/** The console's sessions (kysely-console-sessions.ts); `caller` is the signed-in Caller as JSON. */
export interface ConsoleSessionsTable {
  id_hash: string;
  csrf_token: string;
  caller: string;
  created_at: number;
  last_seen_at: number;
}

export interface AliasesTable {
  account_id: string;
  region: string;
  alias_name: string;
  target_key_id: string;
  created_at: number;
  updated_at: number;
}

export interface TagsTable {
  key_arn: string;
  tag_key: string;
  tag_value: string;
  position: number;
}

/** Grants on keys (CreateGrant). Operations and constraints are JSON text. */
export interface GrantsTable {
  grant_id: string;
  key_arn: string;
  region: string;
  name: string | null;
  created_at: number;
  grantee_principal: string;
  retiring_principal: string | null;
  issuing_account: string;
  operations: string;
  constraints: string | null;
  /** Creation time and grant id, so listings run oldest first and pages resume exactly. */
  list_key: string;
}

/** The last successful cryptographic use of each key (GetKeyLastUsage). */
export interface KeyLastUsageTable {
  key_arn: string;
  /** Set only for keys that existed before usage tracking began (migration 0002). */
  tracking_started_at: number | null;
  operation: string | null;
  used_at: number | null;
  event_id: string | null;
  request_id: string | null;
}

/** Rotation settings of keys that have any (automatic rotation, on-demand rotation count). */
export interface KeyRotationsTable {
  key_arn: string;
  automatic: number;
  period_days: number;
  next_rotation_at: number | null;
  on_demand_rotations: number;
}

/**
 * The history of each key's key materials beyond the first one CreateKey made: rotations and
 * imported material (ListKeyRotations). Rows outlive deleted imported material (the sealed
 * bytes in key_materials go; the row stays, PENDING_IMPORT).
 */
export interface KeyMaterialHistoryTable {
  key_arn: string;
  material_id: string;
  position: number;
  rotated_at: number | null;
  rotation_type: string | null;
  pending_rotation: number;
  import_state: string | null;
  expiration_model: string | null;
  valid_to: number | null;
  description: string | null;
}

/** Custom key stores; xks_* columns only for EXTERNAL_KEY_STORE ones. */
export interface CustomKeyStoresTable {
  custom_key_store_id: string;
  account_id: string;
  region: string;
  name: string;
  store_type: string;
  created_at: number;
  connection_state: string;
  connection_error_code: string | null;
  xks_connectivity: string | null;
  xks_uri_endpoint: string | null;
  xks_uri_path: string | null;
  xks_access_key_id: string | null;
  /** Names the sealed XKS proxy secret in key_materials (never the secret itself). */
  credential_material_id: string | null;
}

/** The external key (XksKeyId) behind each key in an external key store. */
export interface XksKeysTable {
  key_arn: string;
  custom_key_store_id: string;
  xks_key_id: string;
}

export interface Database {
  keys: KeysTable;
  key_materials: KeyMaterialsTable;
  aliases: AliasesTable;
  tags: TagsTable;
  grants: GrantsTable;
  key_last_usage: KeyLastUsageTable;
  key_rotations: KeyRotationsTable;
  key_material_history: KeyMaterialHistoryTable;
  custom_key_stores: CustomKeyStoresTable;
  xks_keys: XksKeysTable;
  root_keys: RootKeysTable;
  sealed_secrets: SealedSecretsTable;
  console_sessions: ConsoleSessionsTable;
}
