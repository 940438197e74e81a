import { parsePolicyDocument } from "../iam/document";
import { replaceOnChanges } from "./replaceOnChanges";
import { SECRET_PLACEHOLDER, type Plan, type PlanResource } from "./types";

// The resource diff of two offline plans: what `pulumi up` would create, delete, replace or update in place to go
// from one to the other. Resources are matched by URN (a changed name, type or parent is a new URN: deleted and
// created). Policy documents are compared statement by statement (by Sid), every other input by value. A change is a
// replacement when an input the provider cannot update in place changes (plan/replaceOnChanges.ts), or when such an
// input takes the id or ARN of a resource that is itself replaced (a subnet of a replaced VPC). It knows nothing of
// Pulumi's real diff engine beyond that table: what AWS does with the change is outside an offline plan.

export interface FieldChange {
    field: string;
    /** "policy" when both sides are JSON policy documents, "secret" when a side is wholly secret, "value" otherwise. */
    kind: "policy" | "secret" | "value";
    /** As in the plan: secret values appear as "[secret]". */
    before: unknown;
    after: unknown;
    statementsAdded: string[];
    statementsRemoved: string[];
    statementsChanged: string[];
    /** True when this input cannot be updated in place. */
    forcesReplacement: boolean;
    /** Set when the value changes only because it names a replaced resource (its new id or ARN is known after apply). */
    replacedDependency?: string;
}

export interface ResourceRef {
    urn: string;
    type: string;
    name: string;
}

export interface ResourceChange extends ResourceRef {
    fields: FieldChange[];
    /** The inputs that force the replacement (empty for an in-place update). */
    replaceBecause: string[];
    /** True when the replacement table has no entry for the type: replacement cannot be judged. */
    replacementUnknown?: boolean;
}

export interface PlanDiff {
    stack: string;
    /** Resources in the head plan (the base's count when the head is absent). */
    resourceCount: number;
    created: ResourceRef[];
    deleted: ResourceRef[];
    replaced: ResourceChange[];
    updated: ResourceChange[];
    outputs: { key: string; before: unknown; after: unknown }[];
}

const stable = (v: unknown): string =>
    JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));

/** An input the program does not set is absent from the plan (not null): say so instead of printing `undefined`. */
const shown = (v: unknown): string => (v === undefined ? "(not set)" : JSON.stringify(v));
/** Only inputs written as JSON documents count as policies (not arbitrary objects such as tags). */
const asPolicy = (v: unknown) =>
    typeof v === "string" && v.startsWith("{") ? (parsePolicyDocument(v) as { Statement: { Sid?: string }[] } | undefined) : undefined;

const ref = (r: PlanResource): ResourceRef => ({ urn: r.urn, type: r.type, name: r.name });
const byTypeName = (x: ResourceRef, y: ResourceRef) => x.type.localeCompare(y.type) || x.name.localeCompare(y.name);

// Secrets: the plan already carries "[secret]" in place of every secret value, inside documents too (an external ID
// in a trust policy), so inputs can be shown as they are. An input that is a secret as a whole is only said to change.
const wholeSecret = (v: unknown) => v === SECRET_PLACEHOLDER;

function diffField(field: string, before: unknown, after: unknown, forcesReplacement: boolean): FieldChange {
    const none = { statementsAdded: [], statementsRemoved: [], statementsChanged: [], forcesReplacement };
    if (wholeSecret(before) || wholeSecret(after)) return { field, kind: "secret", before, after, ...none };
    const pb = asPolicy(before);
    const pa = asPolicy(after);
    if (pb && pa) {
        const key = (s: { Sid?: string }, i: number) => s.Sid ?? `#${i}`;
        const mb = new Map(pb.Statement.map((s, i) => [key(s, i), stable(s)]));
        const ma = new Map(pa.Statement.map((s, i) => [key(s, i), stable(s)]));
        return {
            field,
            kind: "policy",
            before,
            after,
            statementsAdded: [...ma.keys()].filter((k) => !mb.has(k)),
            statementsRemoved: [...mb.keys()].filter((k) => !ma.has(k)),
            statementsChanged: [...ma.keys()].filter((k) => mb.has(k) && mb.get(k) !== ma.get(k)),
            forcesReplacement,
        };
    }
    return { field, kind: "value", before, after, ...none };
}

function diffResource(b: PlanResource, a: PlanResource): ResourceChange | undefined {
    const forceNew = replaceOnChanges(a.type);
    const fields = [...new Set([...Object.keys(b.inputs), ...Object.keys(a.inputs)])]
        .sort()
        .filter((f) => stable(b.inputs[f]) !== stable(a.inputs[f]))
        .map((f) => diffField(f, b.inputs[f], a.inputs[f], Boolean(forceNew?.includes(f))));
    // Resource options: none of them replaces anything (a changed parent or type is a different URN altogether).
    for (const opt of ["protect", "retainOnDelete", "parent", "type"] as const) {
        if (b[opt] !== a[opt]) fields.push(diffField(`(${opt})`, b[opt], a[opt], false));
    }
    if (!fields.length) return undefined;
    return {
        ...ref(a),
        fields,
        replaceBecause: fields.filter((f) => f.forcesReplacement).map((f) => f.field),
        ...(a.custom && !forceNew ? { replacementUnknown: true } : {}),
    };
}

/**
 * A replaced resource gets a new id and ARN, known only after apply: every resource with an input naming it sees that
 * input change, even though both offline plans hold the same mocked value. Followed to a fixed point (a replaced VPC
 * replaces its subnets, which replace their route table associations).
 */
function propagateReplacements(head: Plan, inBase: (urn: string) => boolean, changes: Map<string, ResourceChange>): void {
    const byUrn = new Map(head.resources.map((r) => [r.urn, r]));
    const identities = (r: PlanResource) => [r.outputs.id, r.outputs.arn].filter((v): v is string => typeof v === "string" && v.length > 3);
    for (let grew = true; grew;) {
        grew = false;
        const replaced = [...changes.values()].filter((c) => c.replaceBecause.length);
        for (const r of head.resources) {
            const deps = (r.dependencies ?? []).filter((u) => replaced.some((c) => c.urn === u));
            if (!deps.length || !inBase(r.urn)) continue;
            const forceNew = replaceOnChanges(r.type) ?? [];
            const change = changes.get(r.urn) ?? { ...ref(r), fields: [], replaceBecause: [] };
            for (const dep of deps) {
                const ids = identities(byUrn.get(dep)!);
                for (const field of Object.keys(r.inputs).sort()) {
                    if (change.fields.some((f) => f.field === field)) continue;
                    const text = JSON.stringify(r.inputs[field]);
                    if (!ids.some((id) => text.includes(id))) continue;
                    const forces = forceNew.includes(field);
                    change.fields.push({ ...diffField(field, r.inputs[field], r.inputs[field], forces), replacedDependency: dep });
                    if (forces) change.replaceBecause.push(field);
                    if (!changes.has(r.urn)) changes.set(r.urn, change);
                    if (forces && change.replaceBecause.length === 1) grew = true;
                }
            }
        }
    }
}

/** The resource diff from `before` to `after`; either side may be absent (a vendor added or removed). */
export function diffPlans(before: Plan | undefined, after: Plan | undefined): PlanDiff {
    const bRes = before?.resources ?? [];
    const aRes = after?.resources ?? [];
    const mb = new Map(bRes.map((r) => [r.urn, r]));
    const ma = new Map(aRes.map((r) => [r.urn, r]));
    const changes = new Map<string, ResourceChange>();
    for (const [urn, a] of ma) {
        const b = mb.get(urn);
        const c = b && diffResource(b, a);
        if (c) changes.set(urn, c);
    }
    if (after) propagateReplacements(after, (urn) => mb.has(urn), changes);
    const all = [...changes.values()].sort(byTypeName);
    const bOut = before?.outputs ?? {};
    const aOut = after?.outputs ?? {};
    const outKeys = [...new Set([...Object.keys(bOut), ...Object.keys(aOut)])].sort();
    return {
        stack: after?.stack ?? before?.stack ?? "",
        resourceCount: after ? aRes.length : bRes.length,
        created: aRes
            .filter((r) => !mb.has(r.urn))
            .map(ref)
            .sort(byTypeName),
        deleted: bRes
            .filter((r) => !ma.has(r.urn))
            .map(ref)
            .sort(byTypeName),
        replaced: all.filter((c) => c.replaceBecause.length),
        updated: all.filter((c) => !c.replaceBecause.length),
        outputs: outKeys.filter((k) => stable(bOut[k]) !== stable(aOut[k])).map((k) => ({ key: k, before: bOut[k], after: aOut[k] })),
    };
}

/** True when applying the diff would change nothing. */
export const isEmptyDiff = (d: PlanDiff): boolean => !d.created.length && !d.deleted.length && !d.replaced.length && !d.updated.length && !d.outputs.length;

function describeField(f: FieldChange): string {
    const why = f.replacedDependency ? ` (new id of a replaced ${f.replacedDependency.split("::").pop()})` : "";
    const forces = f.forcesReplacement ? " (forces replacement)" : "";
    if (f.replacedDependency) return `${f.field}: ${shown(f.before)} -> (known after apply)${why}${forces}`;
    if (f.kind === "secret") return `${f.field}: secret value changed${forces}`;
    if (f.kind === "policy") {
        const parts = [...f.statementsAdded.map((s) => `+ ${s}`), ...f.statementsRemoved.map((s) => `- ${s}`), ...f.statementsChanged.map((s) => `~ ${s}`)];
        return `${f.field}: ${parts.join(", ") || "reformatted"}${forces}`;
    }
    return `${f.field}: ${shown(f.before)} -> ${shown(f.after)}${forces}`;
}

/** Human-readable text: one block per replaced or changed resource, then the added/removed resources and the stack outputs. */
export function renderPlanDiff(d: PlanDiff, title = `${d.stack}`): string {
    const lines = [
        `${title}: ${d.resourceCount} resources, ${d.created.length} added, ${d.deleted.length} removed, ${d.replaced.length ? `${d.replaced.length} REPLACED, ` : ""}${d.updated.length} changed in place`,
    ];
    const changed = [...d.replaced, ...d.updated].sort(byTypeName);
    const width = Math.max(0, ...changed.map((c) => c.type.length));
    for (const c of changed) {
        lines.push(`${c.replaceBecause.length ? "+-" : "~"} ${c.type.padEnd(width)}  ${c.name}`);
        for (const f of c.fields) lines.push(`      ${describeField(f)}`);
    }
    for (const r of d.created) lines.push(`+ ${r.urn}`);
    for (const r of d.deleted) lines.push(`- ${r.urn}`);
    if (d.outputs.length) lines.push(`stack outputs: ${d.outputs.map((o) => `${o.key} ${JSON.stringify(o.before)} -> ${JSON.stringify(o.after)}`).join("; ")}`);
    return lines.join("\n");
}

/** Inline code in Markdown: a value holding backticks is fenced with more of them. */
function code(text: string): string {
    const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
    const fence = "`".repeat(longest + 1);
    return longest ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
}

const MAX_VALUE = 120;
const clip = (s: string) => (s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 3)}...` : s);

/** Markdown for a pull-request comment: replacements first and loud, then creations, deletions and in-place updates. */
export function renderPlanDiffMarkdown(d: PlanDiff, labels: { base: string; head: string }): string {
    const out: string[] = [];
    out.push(`### Resource changes: ${d.stack}`);
    out.push("");
    const counts = `${d.created.length} created, ${d.deleted.length} deleted, ${d.replaced.length} replaced, ${d.updated.length} updated in place`;
    if (isEmptyDiff(d)) out.push(`No resource changes (${labels.base} -> ${labels.head}).`);
    else if (d.replaced.length)
        out.push(
            `**${d.replaced.length} resource${d.replaced.length === 1 ? "" : "s"} REPLACED** (${labels.base} -> ${labels.head}): deleted and created again, with a new id; a replaced bucket or key does not keep its objects or the data encrypted under it. ${counts}.`,
        );
    else out.push(`Resource changes (${labels.base} -> ${labels.head}): ${counts}.`);
    const field = (f: FieldChange) => {
        const forces = f.forcesReplacement ? " **(forces replacement)**" : "";
        if (f.replacedDependency) return `${code(f.field)}: new id of the replaced ${code(f.replacedDependency.split("::").pop()!)}${forces}`;
        if (f.kind === "secret") return `${code(f.field)}: secret value changed (not shown)${forces}`;
        if (f.kind === "policy") {
            const parts = [...f.statementsAdded.map((s) => `+ ${s}`), ...f.statementsRemoved.map((s) => `- ${s}`), ...f.statementsChanged.map((s) => `~ ${s}`)];
            return `${code(f.field)}: statements ${parts.map(code).join(", ") || "reformatted"}${forces}`;
        }
        return `${code(f.field)}: ${code(clip(shown(f.before)))} -> ${code(clip(shown(f.after)))}${forces}`;
    };
    const block = (title: string, changes: ResourceChange[], because: boolean) => {
        if (!changes.length) return;
        out.push("", `#### ${title}`, "");
        for (const c of changes) {
            const reason = because
                ? `, because ${c.replaceBecause.map(code).join(", ")} cannot change in place`
                : c.replacementUnknown
                  ? " (replacement not judged: type not in the table)"
                  : "";
            out.push(`- ${code(c.type)} ${code(c.name)}${reason}`);
            for (const f of c.fields) out.push(`  - ${field(f)}`);
        }
    };
    const refs = (title: string, rs: ResourceRef[]) => {
        if (!rs.length) return;
        out.push("", `#### ${title}`, "");
        for (const r of rs) out.push(`- ${code(r.type)} ${code(r.name)}`);
    };
    block("Replaced", d.replaced, true);
    refs("Created", d.created);
    refs("Deleted", d.deleted);
    block("Updated in place", d.updated, false);
    if (d.outputs.length) {
        out.push("", "#### Stack outputs", "");
        for (const o of d.outputs) out.push(`- ${code(o.key)}: ${code(clip(shown(o.before)))} -> ${code(clip(shown(o.after)))}`);
    }
    return `${out.join("\n")}\n`;
}
