/**
 * Environment for the AWS CLI and boto3 in end-to-end tests: dummy credentials matching the
 * SDK clients of test/support/trent.ts, and no config or credential files or instance metadata
 * from the machine, so a developer's own AWS setup can never leak into (or out of) a test.
 */
export const isolatedAwsConfig = {
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_CONFIG_FILE: "/dev/null",
  AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
} as const;

export const testCredentials = {
  AWS_ACCESS_KEY_ID: "AKIDTRENTTEST",
  AWS_SECRET_ACCESS_KEY: "trent-test-secret",
  AWS_DEFAULT_REGION: "us-east-1",
  ...isolatedAwsConfig,
} as const;

/** The process environment with the test credentials, for spawning `aws` or `python3`. */
export const awsClientEnv: NodeJS.ProcessEnv = { ...process.env, ...testCredentials };
