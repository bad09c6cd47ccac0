/**
 * Prometheus's text format read by Prometheus's own parser: the official Python client's
 * (`prometheus_client.parser`, Debian's python3-prometheus-client, which `.ci/run` installs
 * where missing), run by the system python3. Tests of GET /metrics look samples up here.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: string;
  readonly documentation: string;
  readonly samples: readonly Sample[];
}

/** Debian's interpreter, which sees Debian's Python packages (a pyenv python3 may not). */
const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

const parser = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
def number(v):
    return None if math.isnan(v) else ("+Inf" if v == math.inf else v)
print(json.dumps([
    {"name": f.name, "type": f.type, "documentation": f.documentation,
     "samples": [{"name": s.name, "labels": s.labels, "value": number(s.value)} for s in f.samples]}
    for f in text_string_to_metric_families(sys.stdin.read())
]))
`;

export function parsePrometheusText(text: string): Promise<MetricFamily[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(python, ["-c", parser], (error, stdout, stderr) => {
      if (error) reject(new Error(`prometheus_client could not parse the text: ${stderr}`));
      else resolve(JSON.parse(stdout) as MetricFamily[]);
    });
    child.stdin?.end(text);
  });
}

function matches(sample: Sample, name: string, labels: Readonly<Record<string, string>>): boolean {
  return (
    sample.name === name &&
    Object.entries(labels).every(([label, value]) => sample.labels[label] === value)
  );
}

export class Scrape {
  constructor(readonly families: readonly MetricFamily[]) {}

  /** The family named `name` (counters are named without their `_total`). */
  family(name: string): MetricFamily | undefined {
    return this.families.find((family) => family.name === name);
  }

  /** The first sample named `name` whose labels include `labels`. */
  sample(name: string, labels: Readonly<Record<string, string>> = {}): Sample | undefined {
    for (const family of this.families)
      for (const sample of family.samples) if (matches(sample, name, labels)) return sample;
    return undefined;
  }

  /** A sample's value, 0 when the series does not exist (yet). */
  value(name: string, labels: Readonly<Record<string, string>> = {}): number {
    return this.sample(name, labels)?.value ?? 0;
  }
}

export async function scrape(url: string, token?: string): Promise<Scrape> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${url}/metrics`, { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}: ${text}`);
  assert(res.headers.get("content-type")?.startsWith("text/plain; version=0.0.4"), text);
  return new Scrape(await parsePrometheusText(text));
}

function assert(condition: boolean | undefined, detail: string): void {
  if (!condition) throw new Error(`GET /metrics is not Prometheus text: ${detail.slice(0, 200)}`);
}
