// Vitest global setup: starts Trent once and hands its client config to every test file.
// Test files run in other processes, so they get plain data (inject), not the Trent object.
import { type KmsClientConfig, startTrent } from "trent-kms";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    trent: KmsClientConfig;
  }
}

export default async function setup(project: TestProject) {
  const kms = await startTrent({ region: "eu-west-1" });
  project.provide("trent", kms.clientConfig);
  return () => kms.close();
}
