/**
 * A key's page: its metadata, aliases, tags, key policy, grants, rotations and material history,
 * multi-Region relations, last use and recent audit records, each section with the forms that
 * change it. Every part was read through a KMS call as the signed-in caller; a part the caller
 * may not read shows the KMS error instead. A failed action re-renders the page with the error
 * next to its form and the values as typed.
 */
import type { AuditRecord } from "../../platform/audit/cloudtrail-record.js";
import { enumValues } from "../../vocabulary/model.js";
import type { Caller } from "../../vocabulary/request.js";
import type {
  AliasListEntry,
  GetKeyLastUsageResponse,
  GetKeyRotationStatusResponse,
  GrantListEntry,
  KeyMetadata,
  RotationsListEntry,
  Tag,
} from "../../vocabulary/types.generated.js";
import { auditHeader, auditRow } from "./audit-rows.js";
import { type Html, type HtmlValue, html } from "./html.js";
import { consoleBase, csrfField, errorBox, formatDate, noticeBox, page } from "./layout.js";

/** A section's data, or the KMS error message that refused reading it. */
export type Read<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

export interface KeyPageData {
  readonly metadata: KeyMetadata;
  readonly aliases: Read<readonly AliasListEntry[]>;
  readonly tags: Read<readonly Tag[]>;
  readonly policy: Read<string>;
  readonly grants: Read<readonly GrantListEntry[]>;
  readonly rotationStatus: Read<GetKeyRotationStatusResponse>;
  readonly rotations: Read<readonly RotationsListEntry[]>;
  readonly lastUsage: Read<GetKeyLastUsageResponse>;
  readonly recentActivity: Read<readonly AuditRecord[]>;
}

/** The action whose form failed, its KMS error message and the values typed into it. */
export interface FailedAction {
  readonly action: string;
  readonly message: string;
  readonly values: Readonly<Record<string, string>>;
}

export interface KeyPageView {
  readonly caller: Caller;
  readonly csrfToken: string;
  readonly data: KeyPageData;
  readonly failed?: FailedAction;
  readonly notice?: string;
}

/** Pretty-printed policy text; text that is not JSON is shown as stored. */
export function prettyPolicy(policy: string): string {
  try {
    return JSON.stringify(JSON.parse(policy), null, 2);
  } catch {
    return policy;
  }
}

function readOr<T>(read: Read<T>, show: (value: T) => HtmlValue): HtmlValue {
  return read.ok
    ? show(read.value)
    : html`<p class="alert" role="note">Not shown: ${read.error}</p>`;
}

function fact(term: string, value: HtmlValue): Html {
  return html`<dt>${term}</dt><dd>${value === undefined || value === "" ? html`<span class="muted">—</span>` : value}</dd>`;
}

export function keyPage(view: KeyPageView): string {
  const { data, csrfToken, failed } = view;
  const meta = data.metadata;
  const keyId = meta.KeyId;
  const action = (name: string) => `${consoleBase}/keys/${encodeURIComponent(keyId)}/${name}`;
  const failure = (name: string) => (failed?.action === name ? failed : undefined);
  const typed = (name: string, field: string, fallback = "") =>
    failure(name)?.values[field] ?? fallback;
  const form = (name: string, body: HtmlValue, klass = "row") =>
    html`${errorBox(failure(name)?.message)}<form class="${klass}" method="post" action="${action(name)}">${csrfField(csrfToken)}${body}</form>`;
  const button = (name: string, label: string, style = "") =>
    html`${errorBox(failure(name)?.message)}<form class="inline" method="post" action="${action(name)}">${csrfField(csrfToken)}<button type="submit" class="${style}">${label}</button></form> `;
  const state = meta.KeyState ?? "";
  const multiRegion = meta.MultiRegionConfiguration;
  const customerKey = meta.KeyManager === "CUSTOMER";
  const algorithms = [
    ...(meta.EncryptionAlgorithms ?? []),
    ...(meta.SigningAlgorithms ?? []),
    ...(meta.MacAlgorithms ?? []),
    ...(meta.KeyAgreementAlgorithms ?? []),
  ];
  const policyText =
    failure("policy")?.values.policy ?? (data.policy.ok ? prettyPolicy(data.policy.value) : "");

  return page({
    title: `Key ${keyId}`,
    section: "keys",
    signedIn: { caller: view.caller, csrfToken },
    body: html`<p><a href="${consoleBase}/keys">← Keys</a></p>
<h1>Key <span class="mono">${keyId}</span></h1>
${noticeBox(view.notice)}
<div class="grid2">
<section class="panel" aria-labelledby="general-title">
  <h2 id="general-title">General</h2>
  <dl class="facts">
    ${fact("ARN", html`<span class="mono">${meta.Arn}</span>`)}
    ${fact("State", html`<span class="state state-${state}">${state}</span>`)}
    ${fact("Description", meta.Description)}
    ${fact("Key spec", meta.KeySpec)}
    ${fact("Key usage", meta.KeyUsage)}
    ${fact("Origin", meta.Origin)}
    ${fact("Key manager", meta.KeyManager)}
    ${fact("Created", formatDate(meta.CreationDate))}
    ${meta.DeletionDate && fact("Deletion date", formatDate(meta.DeletionDate))}
    ${meta.ValidTo && fact("Material valid to", formatDate(meta.ValidTo))}
    ${fact("Algorithms", algorithms.join(", "))}
    ${meta.CustomKeyStoreId && fact("Custom key store", meta.CustomKeyStoreId)}
    ${fact("Multi-Region", meta.MultiRegion ? (multiRegion?.MultiRegionKeyType ?? "yes") : "no")}
  </dl>
</section>
<section class="panel" aria-labelledby="state-title">
  <h2 id="state-title">State and description</h2>
  ${
    customerKey &&
    html`<p>
    ${state === "Enabled" && button("disable", "Disable key", "secondary")}
    ${state === "Disabled" && button("enable", "Enable key")}
    ${state === "PendingDeletion" && button("cancel-deletion", "Cancel key deletion")}
  </p>
  ${
    state !== "PendingDeletion" &&
    state !== "PendingReplicaDeletion" &&
    form(
      "schedule-deletion",
      html`<label for="pending-days">Waiting period (7–30 days)<input id="pending-days" name="pendingWindowInDays" type="number" min="7" max="30" value="${typed("schedule-deletion", "pendingWindowInDays", "30")}"></label>
    <button type="submit" class="danger">Schedule key deletion</button>`,
    )
  }
  ${form(
    "description",
    html`<label for="description" class="grow">Description<textarea id="description" name="description" rows="2">${typed("description", "description", meta.Description ?? "")}</textarea></label>
    <button type="submit">Save description</button>`,
  )}`
  }
  ${!customerKey && html`<p class="muted">AWS managed keys cannot be changed.</p>`}
</section>
</div>

<section class="panel" aria-labelledby="aliases-title">
  <h2 id="aliases-title">Aliases</h2>
  ${readOr(
    data.aliases,
    (aliases) => html`${aliases.length === 0 && html`<p class="muted">No aliases.</p>`}
  <ul>${aliases.map(
    (alias) =>
      html`<li><span class="mono">${alias.AliasName}</span> ${
        customerKey &&
        html`<form class="inline" method="post" action="${action("delete-alias")}">${csrfField(csrfToken)}<input type="hidden" name="aliasName" value="${alias.AliasName}"><button type="submit" class="danger">Delete<span class="visually-hidden"> ${alias.AliasName}</span></button></form>`
      }</li>`,
  )}</ul>`,
  )}
  ${errorBox(failure("delete-alias")?.message)}
  ${
    customerKey &&
    html`${form(
      "create-alias",
      html`<label for="new-alias">New alias<input id="new-alias" name="aliasName" placeholder="alias/my-key" spellcheck="false" value="${typed("create-alias", "aliasName", "alias/")}"></label>
    <button type="submit">Create alias</button>`,
    )}
  ${form(
    "update-alias",
    html`<label for="moved-alias">Existing alias to point at this key<input id="moved-alias" name="aliasName" placeholder="alias/other" spellcheck="false" value="${typed("update-alias", "aliasName")}"></label>
    <button type="submit" class="secondary">Move alias here</button>`,
  )}`
  }
</section>

<section class="panel" aria-labelledby="tags-title">
  <h2 id="tags-title">Tags</h2>
  ${readOr(
    data.tags,
    (tags) =>
      html`${
        tags.length === 0
          ? html`<p class="muted">No tags.</p>`
          : html`<table><thead><tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead><tbody>
    ${tags.map(
      (tag) =>
        html`<tr><td class="mono">${tag.TagKey}</td><td class="mono">${tag.TagValue}</td><td>${
          customerKey &&
          html`<form class="inline" method="post" action="${action("untag")}">${csrfField(csrfToken)}<input type="hidden" name="tagKey" value="${tag.TagKey}"><button type="submit" class="danger">Remove<span class="visually-hidden"> tag ${tag.TagKey}</span></button></form>`
        }</td></tr>`,
    )}</tbody></table>`
      }`,
  )}
  ${errorBox(failure("untag")?.message)}
  ${
    customerKey &&
    form(
      "tag",
      html`<label for="tag-key">Tag key<input id="tag-key" name="tagKey" value="${typed("tag", "tagKey")}"></label>
    <label for="tag-value">Tag value<input id="tag-value" name="tagValue" value="${typed("tag", "tagValue")}"></label>
    <button type="submit">Add or replace tag</button>`,
    )
  }
</section>

<section class="panel" aria-labelledby="policy-title">
  <h2 id="policy-title">Key policy</h2>
  ${
    !data.policy.ok
      ? html`<p class="alert" role="note">Not shown: ${data.policy.error}</p>`
      : customerKey
        ? form(
            "policy",
            html`<label for="policy" class="wide">Policy document (JSON); KMS checks it when saved
      <textarea id="policy" name="policy" rows="18" spellcheck="false">${policyText}</textarea></label>
    <button type="submit">Save key policy</button>`,
          )
        : html`<pre>${policyText}</pre>`
  }
</section>

<section class="panel" aria-labelledby="grants-title">
  <h2 id="grants-title">Grants</h2>
  ${readOr(
    data.grants,
    (grants) =>
      html`${
        grants.length === 0
          ? html`<p class="muted">No grants.</p>`
          : html`<table><thead><tr><th scope="col">Grant ID</th><th scope="col">Name</th><th scope="col">Grantee</th><th scope="col">Operations</th><th scope="col">Retiring principal</th><th scope="col">Created</th><th scope="col"><span class="visually-hidden">Revoke</span></th></tr></thead><tbody>
    ${grants.map(
      (
        grant,
      ) => html`<tr><td class="mono">${grant.GrantId}</td><td>${grant.Name}</td><td class="mono">${grant.GranteePrincipal}</td>
      <td>${(grant.Operations ?? []).join(", ")}${grant.Constraints && html`<br><span class="muted mono">${JSON.stringify(grant.Constraints)}</span>`}</td>
      <td class="mono">${grant.RetiringPrincipal}</td><td>${formatDate(grant.CreationDate)}</td>
      <td><form class="inline" method="post" action="${action("revoke-grant")}">${csrfField(csrfToken)}<input type="hidden" name="grantId" value="${grant.GrantId}"><button type="submit" class="danger">Revoke<span class="visually-hidden"> grant ${grant.GrantId}</span></button></form></td></tr>`,
    )}</tbody></table>`
      }`,
  )}
  ${errorBox(failure("revoke-grant")?.message)}
  ${
    customerKey &&
    html`<details${failure("create-grant") ? html` open` : ""}><summary>Create grant</summary>
  ${form(
    "create-grant",
    html`<label for="grantee">Grantee principal (ARN)<input id="grantee" name="granteePrincipal" size="50" spellcheck="false" value="${typed("create-grant", "granteePrincipal")}"></label>
    <label for="retiring">Retiring principal (optional)<input id="retiring" name="retiringPrincipal" size="40" spellcheck="false" value="${typed("create-grant", "retiringPrincipal")}"></label>
    <label for="grant-name">Name (optional)<input id="grant-name" name="name" value="${typed("create-grant", "name")}"></label>
    <fieldset class="ops"><legend>Operations</legend>
      ${enumValues("GrantOperation").map(
        (operation) =>
          html`<label><input type="checkbox" name="operations" value="${operation}"${
            (failure("create-grant")?.values.operations ?? "").split(",").includes(operation)
              ? html` checked`
              : ""
          }> ${operation}</label>`,
      )}
    </fieldset>
    <button type="submit">Create grant</button>`,
  )}</details>`
  }
</section>

<div class="grid2">
<section class="panel" aria-labelledby="rotation-title">
  <h2 id="rotation-title">Rotation and key material</h2>
  ${readOr(
    data.rotationStatus,
    (status) => html`<dl class="facts">
    ${fact("Automatic rotation", status.KeyRotationEnabled ? `every ${status.RotationPeriodInDays ?? 365} days` : "off")}
    ${status.NextRotationDate && fact("Next rotation", formatDate(status.NextRotationDate))}
    ${status.OnDemandRotationStartDate && fact("On-demand rotation started", formatDate(status.OnDemandRotationStartDate))}
  </dl>
  ${
    customerKey &&
    html`<p>${
      status.KeyRotationEnabled
        ? button("disable-rotation", "Turn off automatic rotation", "secondary")
        : form(
            "enable-rotation",
            html`<label for="rotation-days">Rotation period (days)<input id="rotation-days" name="rotationPeriodInDays" type="number" min="90" max="2560" value="${typed("enable-rotation", "rotationPeriodInDays", "365")}"></label><button type="submit" class="secondary">Turn on automatic rotation</button>`,
          )
    } ${button("rotate-now", "Rotate now", "secondary")}</p>`
  }`,
  )}
  <h3>Rotations and material history</h3>
  ${readOr(data.rotations, (rotations) =>
    rotations.length === 0
      ? html`<p class="muted">No rotations.</p>`
      : html`<table><thead><tr><th scope="col">Material ID</th><th scope="col">Rotated</th><th scope="col">Type</th><th scope="col">State</th></tr></thead><tbody>
    ${rotations.map(
      (rotation) =>
        html`<tr><td class="mono">${rotation.KeyMaterialId}</td><td>${formatDate(rotation.RotationDate)}</td><td>${rotation.RotationType}</td><td>${rotation.KeyMaterialState ?? rotation.ImportState}</td></tr>`,
    )}</tbody></table>`,
  )}
</section>
<section class="panel" aria-labelledby="regions-title">
  <h2 id="regions-title">Multi-Region</h2>
  ${
    multiRegion
      ? html`<dl class="facts">
    ${fact("This key", multiRegion.MultiRegionKeyType)}
    ${fact("Primary", html`<span class="mono">${multiRegion.PrimaryKey?.Arn}</span>`)}
    ${fact(
      "Replicas",
      (multiRegion.ReplicaKeys ?? []).map(
        (replica, i) => html`${i > 0 && html`<br>`}<span class="mono">${replica.Arn}</span>`,
      ),
    )}
  </dl>`
      : html`<p class="muted">A single-Region key.</p>`
  }
  <h3>Last use</h3>
  ${readOr(data.lastUsage, (usage) =>
    usage.KeyLastUsage?.Timestamp
      ? html`<dl class="facts">${fact("Operation", usage.KeyLastUsage.Operation)}${fact("When", formatDate(usage.KeyLastUsage.Timestamp))}${fact("Request", html`<span class="mono">${usage.KeyLastUsage.KmsRequestId}</span>`)}</dl>`
      : html`<p class="muted">Not used${usage.TrackingStartDate ? ` since tracking began ${formatDate(usage.TrackingStartDate)}` : " since it was created"}.</p>`,
  )}
</section>
</div>

<section class="panel" aria-labelledby="activity-title">
  <h2 id="activity-title">Recent changes and uses</h2>
  <p class="muted">Requests that changed or used this key, newest first; the reads this page makes are in the audit view.</p>
  ${readOr(
    data.recentActivity,
    (records) =>
      html`${
        records.length === 0
          ? html`<p class="muted">No audit records yet (the audit index follows the trail within moments).</p>`
          : html`<table>${auditHeader}<tbody>${records.map(auditRow)}</tbody></table>`
      }`,
  )}
  <p><a href="${consoleBase}/audit?key=${encodeURIComponent(meta.Arn ?? keyId)}">All audit records of this key</a></p>
</section>`,
  });
}
