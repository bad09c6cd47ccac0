/**
 * Serializes operation output for the wire: Uint8Array → base64, Date → epoch seconds (AWS
 * JSON 1.1 timestamps are fractional seconds), undefined members dropped.
 */
function toWire(value: unknown): unknown {
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = toWire(v);
    }
    return out;
  }
  return value;
}

export function encodeOutput(output: unknown): string {
  return JSON.stringify(toWire(output ?? {}));
}
