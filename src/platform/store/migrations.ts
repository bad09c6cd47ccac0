/**
 * Schema migrations, applied in order at start-up. Written with Kysely's schema builder so the
 * same migrations run on SQLite and PostgreSQL; `binary` is the dialect's blob column type.
 * A shipped migration never changes: add a new one.
 */
import {
  type ColumnDefinitionBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
  sql,
} from "kysely";

export interface MigrationDialect {
  readonly binary: "blob" | "bytea";
  /**
   * Collation of the text columns that listings sort and page by. A PostgreSQL database
   * usually collates by language rules ("alias/a" before "alias/B"); "C" orders by code point,
   * as SQLite does, so both backends list in the same order. Undefined keeps the default.
   */
  readonly sortCollation?: "C" | undefined;
}

/** A column that listings order by and page through with `>`. */
function sortKey(dialect: MigrationDialect, column: ColumnDefinitionBuilder) {
  const sorted =
    dialect.sortCollation === undefined
      ? column
      : column.modifyFront(sql`collate ${sql.id(dialect.sortCollation)}`);
  return sorted.notNull();
}

function initial(dialect: MigrationDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("keys")
        .addColumn("arn", "varchar(2048)", (c) => c.primaryKey())
        .addColumn("key_id", "varchar(256)", (c) => sortKey(dialect, c))
        .addColumn("account_id", "varchar(12)", (c) => c.notNull())
        .addColumn("region", "varchar(64)", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("description", "text", (c) => c.notNull())
        .addColumn("key_usage", "varchar(32)", (c) => c.notNull())
        .addColumn("key_spec", "varchar(32)", (c) => c.notNull())
        .addColumn("origin", "varchar(32)", (c) => c.notNull())
        .addColumn("key_manager", "varchar(16)", (c) => c.notNull())
        .addColumn("key_state", "varchar(32)", (c) => c.notNull())
        .addColumn("deletion_date", "bigint")
        .addColumn("pending_window_days", "integer")
        .addColumn("multi_region", "integer", (c) => c.notNull())
        .addColumn("multi_region_key_type", "varchar(16)")
        .addColumn("custom_key_store_id", "varchar(64)")
        .addColumn("policy", "text", (c) => c.notNull())
        .addColumn("current_material_id", "varchar(128)")
        .execute();
      await db.schema
        .createIndex("keys_by_account")
        .on("keys")
        .columns(["account_id", "region", "key_id"])
        .execute();
      await db.schema
        .createIndex("keys_by_deletion_date")
        .on("keys")
        .column("deletion_date")
        .execute();
      await db.schema
        .createTable("key_materials")
        .addColumn("key_arn", "varchar(2048)", (c) => c.notNull())
        .addColumn("material_id", "varchar(128)", (c) => c.notNull())
        .addColumn("sealed", dialect.binary, (c) => c.notNull())
        .addColumn("public_key", dialect.binary)
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("key_materials_pk", ["key_arn", "material_id"])
        .execute();
      await db.schema
        .createTable("aliases")
        .addColumn("account_id", "varchar(12)", (c) => c.notNull())
        .addColumn("region", "varchar(64)", (c) => c.notNull())
        .addColumn("alias_name", "varchar(256)", (c) => sortKey(dialect, c))
        .addColumn("target_key_id", "varchar(256)", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("aliases_pk", ["account_id", "region", "alias_name"])
        .execute();
      await db.schema
        .createIndex("aliases_by_key")
        .on("aliases")
        .columns(["account_id", "region", "target_key_id"])
        .execute();
      await db.schema
        .createTable("tags")
        .addColumn("key_arn", "varchar(2048)", (c) => c.notNull())
        .addColumn("tag_key", "varchar(128)", (c) => sortKey(dialect, c))
        .addColumn("tag_value", "varchar(256)", (c) => c.notNull())
        .addColumn("position", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("tags_pk", ["key_arn", "tag_key"])
        .execute();
    },
  };
}

/**
 * The last cryptographic use of each key, kept by the request pipeline for GetKeyLastUsage.
 * Keys that already exist were not tracked from their creation, so each gets a row saying
 * when tracking began; keys created later have no row until first used, and their tracking
 * starts at creation. The wall clock is right here: this runs once, outside any request.
 */
function keyLastUsage(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("key_last_usage")
        .addColumn("key_arn", "varchar(2048)", (c) => c.primaryKey())
        .addColumn("tracking_started_at", "bigint")
        .addColumn("operation", "varchar(64)")
        .addColumn("used_at", "bigint")
        .addColumn("event_id", "varchar(64)")
        .addColumn("request_id", "varchar(64)")
        .execute();
      await sql`insert into key_last_usage (key_arn, tracking_started_at) select arn, ${Date.now()} from keys`.execute(
        db,
      );
    },
  };
}

function grants(dialect: MigrationDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("grants")
        .addColumn("grant_id", "varchar(64)", (c) => c.primaryKey())
        .addColumn("key_arn", "varchar(2048)", (c) => c.notNull())
        .addColumn("region", "varchar(64)", (c) => c.notNull())
        .addColumn("name", "varchar(256)")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("grantee_principal", "varchar(256)", (c) => c.notNull())
        .addColumn("retiring_principal", "varchar(256)")
        .addColumn("issuing_account", "varchar(256)", (c) => c.notNull())
        .addColumn("operations", "text", (c) => c.notNull())
        .addColumn("constraints", "text")
        .addColumn("list_key", "varchar(96)", (c) => sortKey(dialect, c))
        .execute();
      await db.schema
        .createIndex("grants_by_key")
        .on("grants")
        .columns(["key_arn", "list_key"])
        .execute();
      await db.schema
        .createIndex("grants_by_grantee")
        .on("grants")
        .columns(["key_arn", "grantee_principal"])
        .execute();
      await db.schema
        .createIndex("grants_by_retiring_principal")
        .on("grants")
        .columns(["retiring_principal", "region", "list_key"])
        .execute();
    },
  };
}

/**
 * Key rotation and imported key material: each key's rotation settings, and the history of its
 * key materials (rotations, imports, expiry). Both are keyed by key ARN like key_materials.
 */
function keyRotationAndImport(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("key_rotations")
        .addColumn("key_arn", "varchar(2048)", (c) => c.primaryKey())
        .addColumn("automatic", "integer", (c) => c.notNull())
        .addColumn("period_days", "integer", (c) => c.notNull())
        .addColumn("next_rotation_at", "bigint")
        .addColumn("on_demand_rotations", "integer", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("key_rotations_by_next_rotation")
        .on("key_rotations")
        .column("next_rotation_at")
        .execute();
      await db.schema
        .createTable("key_material_history")
        .addColumn("key_arn", "varchar(2048)", (c) => c.notNull())
        .addColumn("material_id", "varchar(128)", (c) => c.notNull())
        .addColumn("position", "integer", (c) => c.notNull())
        .addColumn("rotated_at", "bigint")
        .addColumn("rotation_type", "varchar(16)")
        .addColumn("pending_rotation", "integer", (c) => c.notNull())
        .addColumn("import_state", "varchar(16)")
        .addColumn("expiration_model", "varchar(32)")
        .addColumn("valid_to", "bigint")
        .addColumn("description", "varchar(256)")
        .addPrimaryKeyConstraint("key_material_history_pk", ["key_arn", "material_id"])
        .execute();
      await db.schema
        .createIndex("key_material_history_by_valid_to")
        .on("key_material_history")
        .column("valid_to")
        .execute();
    },
  };
}

/** Multi-Region keys: a key and its replicas in other Regions are found by key id. */
function multiRegionKeys(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex("keys_by_key_id")
        .on("keys")
        .columns(["key_id", "account_id"])
        .execute();
    },
  };
}

/**
 * Custom key stores (CreateCustomKeyStore) and the external key behind each key in an external
 * key store. The XKS proxy's secret access key is not here: it is sealed under the root key in
 * key_materials, like key material; a store row names it by credential_material_id.
 */
function customKeyStores(dialect: MigrationDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("custom_key_stores")
        .addColumn("custom_key_store_id", "varchar(64)", (c) => sortKey(dialect, c))
        .addColumn("account_id", "varchar(12)", (c) => c.notNull())
        .addColumn("region", "varchar(64)", (c) => c.notNull())
        .addColumn("name", "varchar(256)", (c) => c.notNull())
        .addColumn("store_type", "varchar(32)", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("connection_state", "varchar(16)", (c) => c.notNull())
        .addColumn("connection_error_code", "varchar(64)")
        .addColumn("xks_connectivity", "varchar(32)")
        .addColumn("xks_uri_endpoint", "varchar(128)")
        .addColumn("xks_uri_path", "varchar(128)")
        .addColumn("xks_access_key_id", "varchar(30)")
        .addColumn("credential_material_id", "varchar(128)")
        .addPrimaryKeyConstraint("custom_key_stores_pk", [
          "account_id",
          "region",
          "custom_key_store_id",
        ])
        .execute();
      await db.schema
        .createTable("xks_keys")
        .addColumn("key_arn", "varchar(2048)", (c) => c.primaryKey())
        .addColumn("custom_key_store_id", "varchar(64)", (c) => c.notNull())
        .addColumn("xks_key_id", "varchar(128)", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("xks_keys_by_store")
        .on("xks_keys")
        .columns(["custom_key_store_id", "xks_key_id"])
        .execute();
      await db.schema
        .createIndex("keys_by_custom_key_store")
        .on("keys")
        .column("custom_key_store_id")
        .execute();
    },
  };
}

/**
 * Root key custody: the registry of root key versions, the version that sealed each sealed row,
 * and Trent's own sealed secrets. Rows already in key_materials keep a null version until
 * start-up finds which configured root key opens them and registers it as version 1. The
 * version index leads with the version so that "is anything still sealed under version N" and
 * the rotation's batches (in key order within a version) are index range reads.
 */
function rootKeys(dialect: MigrationDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("root_keys")
        .addColumn("version", "integer", (c) => c.primaryKey())
        .addColumn("check_value", dialect.binary, (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("retired_at", "bigint")
        .execute();
      await db.schema
        .alterTable("key_materials")
        .addColumn("root_key_version", "integer")
        .execute();
      await db.schema
        .createIndex("key_materials_by_root_key_version")
        .on("key_materials")
        .columns(["root_key_version", "key_arn", "material_id"])
        .execute();
      await db.schema
        .createTable("sealed_secrets")
        .addColumn("name", "varchar(64)", (c) => c.primaryKey())
        .addColumn("sealed", dialect.binary, (c) => c.notNull())
        .addColumn("root_key_version", "integer", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("sealed_secrets_by_root_key_version")
        .on("sealed_secrets")
        .columns(["root_key_version", "name"])
        .execute();
    },
  };
}

/**
 * The console's key list (keys.search): keys of one account and Region by state, spec, usage or
 * origin are index range reads in key id order, so such a filter that matches few of 100,000
 * keys does not walk them all; the tag index answers "is this key tagged so" for the walk.
 */
function keySearch(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex("keys_by_state")
        .on("keys")
        .columns(["account_id", "region", "key_state", "key_id"])
        .execute();
      await db.schema
        .createIndex("keys_by_spec")
        .on("keys")
        .columns(["account_id", "region", "key_spec", "key_id"])
        .execute();
      await db.schema
        .createIndex("keys_by_usage")
        .on("keys")
        .columns(["account_id", "region", "key_usage", "key_id"])
        .execute();
      await db.schema
        .createIndex("keys_by_origin")
        .on("keys")
        .columns(["account_id", "region", "origin", "key_id"])
        .execute();
      await db.schema
        .createIndex("tags_by_tag")
        .on("tags")
        .columns(["tag_key", "tag_value", "key_arn"])
        .execute();
    },
  };
}

/**
 * Every query the store sends reads an index, so no request, sweep or page costs more at a
 * million keys than at a thousand (test/store/query-plans.test.ts keeps it so). The one that
 * did not: finding an external key store by its proxy address.
 */
function scaleIndexes(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex("custom_key_stores_by_proxy_uri")
        .on("custom_key_stores")
        .columns(["region", "xks_uri_endpoint", "xks_uri_path"])
        .execute();
    },
  };
}

/**
 * The console's sessions, in the store so that every process serving the port and every node
 * sharing PostgreSQL knows them. The index serves the sweep of expired sessions.
 */
function consoleSessions(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("console_sessions")
        .addColumn("id_hash", "varchar(64)", (c) => c.primaryKey())
        .addColumn("csrf_token", "varchar(64)", (c) => c.notNull())
        .addColumn("caller", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("last_seen_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("console_sessions_by_last_seen")
        .on("console_sessions")
        .column("last_seen_at")
        .execute();
      await db.schema
        .createIndex("console_sessions_by_created")
        .on("console_sessions")
        .column("created_at")
        .execute();
    },
  };
}

export function migrationProvider(dialect: MigrationDialect): MigrationProvider {
  return {
    async getMigrations() {
      return {
        "0001_initial": initial(dialect),
        "0002_key_last_usage": keyLastUsage(),
        "0003_grants": grants(dialect),
        "0004_key_rotation_and_import": keyRotationAndImport(),
        "0005_custom_key_stores": customKeyStores(dialect),
        "0005_multi_region_keys": multiRegionKeys(),
        "0006_root_keys": rootKeys(dialect),
        "0007_key_search": keySearch(),
        "0008_scale_indexes": scaleIndexes(),
        "0009_console_sessions": consoleSessions(),
      };
    },
  };
}
