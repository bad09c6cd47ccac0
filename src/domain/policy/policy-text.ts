/**
 * Policy documents laid out as AWS prints the ones it writes itself (GetKeyPolicy of an AWS
 * managed key): two spaces of indentation per object level, `"name" : value`, and arrays on
 * one line as `[ a, b ]`, an object inside an array opening on the array's line (`[ {`). This is
 * the layout of Jackson's default pretty printer, which AWS's policy service uses; matching it
 * makes GetKeyPolicy's text equal to AWS's, byte for byte, not only as JSON.
 */

export type PolicyValue =
  | string
  | number
  | boolean
  | null
  | readonly PolicyValue[]
  | { readonly [name: string]: PolicyValue };

function indent(level: number): string {
  return "  ".repeat(level);
}

function render(value: PolicyValue, level: number): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[ ]";
    // Arrays add no level: an object inside one is indented as a member of the array's owner.
    return `[ ${value.map((item: PolicyValue) => render(item, level)).join(", ")} ]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{ }";
    const members = entries.map(
      ([name, member]) =>
        `\n${indent(level + 1)}${JSON.stringify(name)} : ${render(member, level + 1)}`,
    );
    return `{${members.join(",")}\n${indent(level)}}`;
  }
  return JSON.stringify(value);
}

/** The document as AWS prints it, members in the order given. */
export function awsPolicyText(document: { readonly [name: string]: PolicyValue }): string {
  return render(document, 0);
}
