/** The rotation and material-history store contract on SQLite. */
import { describe } from "node:test";
import { openSqliteStore } from "../../src/store/sqlite.js";
import { rotationStoreContract } from "./rotation-contract.js";

describe("SQLite store: key rotation and material history", () => {
  rotationStoreContract(() => openSqliteStore(":memory:"));
});
