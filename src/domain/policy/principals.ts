/**
 * Who a caller is, in the terms policies use: the identities a request carries (the account,
 * and the user, or the role and its session) and how a Principal or NotPrincipal value names
 * them. A role session is matched by its role, as AWS does: a policy naming
 * arn:aws:iam::111122223333:role/Admin applies to arn:aws:sts::111122223333:assumed-role/Admin/x.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
 */

export type PrincipalType = "Account" | "User" | "AssumedRole" | "FederatedUser" | "Service";

export interface PrincipalIdentity {
  /** The ARN the caller presents (a session ARN for an assumed role). */
  readonly arn: string;
  readonly accountId: string;
  readonly partition: string;
  readonly type: PrincipalType;
  /** IAM user name, role name or federated user name; absent for an account root. */
  readonly name?: string;
  /** For an assumed role: the role's ARN without its path, as aws:PrincipalArn reports it. */
  readonly roleArn?: string;
}

const principalArnPattern = /^arn:(aws[a-z-]*):(iam|sts)::(\d{12}):(.+)$/;

/** Reads a caller's principal ARN; anything unrecognised is treated as a service principal. */
export function principalIdentity(arn: string, accountId: string): PrincipalIdentity {
  const m = principalArnPattern.exec(arn);
  if (!m) return { arn, accountId, partition: "aws", type: "Service" };
  const [, partition = "aws", service, account = accountId, resource = ""] = m;
  const base = { arn, accountId: account, partition };
  if (service === "iam" && resource === "root") return { ...base, type: "Account" };
  if (service === "iam" && resource.startsWith("user/"))
    return { ...base, type: "User", name: resource.slice(resource.lastIndexOf("/") + 1) };
  if (service === "sts" && resource.startsWith("assumed-role/")) {
    const [, role = "", session = ""] = resource.split("/");
    return {
      ...base,
      type: "AssumedRole",
      name: session,
      roleArn: `arn:${partition}:iam::${account}:role/${role}`,
    };
  }
  if (service === "sts" && resource.startsWith("federated-user/"))
    return { ...base, type: "FederatedUser", name: resource.slice("federated-user/".length) };
  return { ...base, type: "User", name: resource.slice(resource.lastIndexOf("/") + 1) };
}

/** The ARN of the principal itself, as aws:PrincipalArn gives it (a role, not its session). */
export function principalArnOf(who: PrincipalIdentity): string {
  return who.roleArn ?? who.arn;
}

/** One identity a request carries; a user request carries its user and its account. */
interface ChainLink {
  readonly level: "account" | "principal";
  readonly covers: (value: string) => boolean;
}

const arnPattern = /^arn:(aws[a-z-]*):(iam|sts)::(\d{12}):(.+)$/;

function namesAccount(value: string, who: PrincipalIdentity): boolean {
  if (/^\d{12}$/.test(value)) return value === who.accountId;
  const m = arnPattern.exec(value);
  return (
    !!m && m[1] === who.partition && m[2] === "iam" && m[3] === who.accountId && m[4] === "root"
  );
}

function namesRole(value: string, who: PrincipalIdentity): boolean {
  const m = arnPattern.exec(value);
  if (!m || !who.roleArn || m[2] !== "iam" || !m[4]?.startsWith("role/")) return false;
  // A role ARN may carry a path (role/team/Admin); a session ARN never does.
  const roleName = m[4].slice(m[4].lastIndexOf("/") + 1);
  return (
    m[1] === who.partition &&
    m[3] === who.accountId &&
    who.roleArn === `arn:${who.partition}:iam::${who.accountId}:role/${roleName}`
  );
}

function chain(who: PrincipalIdentity): ChainLink[] {
  const links: ChainLink[] = [];
  if (who.type === "Service") return [{ level: "principal", covers: (v) => v === who.arn }];
  // The account root's own requests are the account's: naming the account names the caller.
  links.push({
    level: who.type === "Account" ? "principal" : "account",
    covers: (v) => namesAccount(v, who),
  });
  if (who.roleArn) links.push({ level: "principal", covers: (v) => namesRole(v, who) });
  if (who.type !== "Account") links.push({ level: "principal", covers: (v) => v === who.arn });
  return links;
}

function principalValues(element: unknown, who: PrincipalIdentity): string[] | "everyone" {
  if (element === "*") return "everyone";
  if (element === null || typeof element !== "object" || Array.isArray(element)) return [];
  const values: string[] = [];
  for (const [type, names] of Object.entries(element)) {
    const list = (Array.isArray(names) ? names : [names]).filter(
      (n): n is string => typeof n === "string",
    );
    // Only AWS principals and service principals can call Trent; other types name nobody here.
    if (type === "AWS") {
      if (list.includes("*")) return "everyone";
      values.push(...list);
    } else if (type === "Service" && who.type === "Service") values.push(...list);
  }
  return values;
}

/**
 * How a Principal element names the caller: "principal" when it names the caller itself (or
 * everyone), "account" when it names only the caller's account (which leaves the decision to
 * the account's identity policies), undefined when it does not name the caller.
 */
export function principalMatch(
  element: unknown,
  who: PrincipalIdentity,
): "principal" | "account" | undefined {
  const values = principalValues(element, who);
  if (values === "everyone") return "principal";
  let best: "principal" | "account" | undefined;
  for (const link of chain(who)) {
    if (values.some(link.covers)) {
      if (link.level === "principal") return "principal";
      best = "account";
    }
  }
  return best;
}

/**
 * Whether a NotPrincipal element leaves the caller in scope: a caller is excluded only when
 * every identity it carries is listed (excluding a role does not exclude its account's root).
 */
export function notPrincipalApplies(element: unknown, who: PrincipalIdentity): boolean {
  const values = principalValues(element, who);
  if (values === "everyone") return false;
  return !chain(who).every((link) => values.some(link.covers));
}
