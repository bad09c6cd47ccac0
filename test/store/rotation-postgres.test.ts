/**
 * The rotation and material-history store contract on PostgreSQL, in a private throwaway
 * cluster. Skipped only where no PostgreSQL server binaries exist.
 */
import { after, before, describe } from "node:test";
import { openPostgresStore } from "../../src/store/postgres.js";
import { postgresSkipReason, startTestPostgres, type TestPostgres } from "../support/postgres.js";
import { rotationStoreContract } from "./rotation-contract.js";

describe("PostgreSQL store: key rotation and material history", {
  skip: postgresSkipReason(),
}, () => {
  let server: TestPostgres;
  before(async () => {
    server = await startTestPostgres();
  });
  after(() => server?.stop());

  rotationStoreContract(async () => openPostgresStore(await server.createDatabase()));
});
