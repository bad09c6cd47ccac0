/** The compact form of botocore's KMS model that scripts/generate-model.ts emits. */
export interface ModelOperation {
  input: string | null;
  output: string | null;
  errors: string[];
}

export type ModelShape =
  | {
      type: "structure";
      required: string[];
      members: Record<string, string>;
      exception?: boolean;
    }
  | {
      type: "string";
      min?: number;
      max?: number;
      pattern?: string;
      enum?: string[];
      sensitive?: boolean;
    }
  | { type: "blob"; min?: number; max?: number; sensitive?: boolean }
  | { type: "integer" | "long"; min?: number; max?: number }
  | { type: "boolean" }
  | { type: "timestamp" }
  | { type: "list"; member: string; min?: number; max?: number }
  | { type: "map"; key: string; value: string; min?: number; max?: number };
