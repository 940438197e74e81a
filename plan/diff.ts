import { parsePolicyDocument } from "../iam/document";
import type { Plan, PlanResource } from "./types";

// A pure diff of two offline plans, for reviewing what a spec change (such as a seal) would do. Policy documents are
// compared statement by statement (by Sid), every other input by value. It knows nothing about Pulumi's real diff
// engine: whether the provider would replace a resource is judged by the tests from the fields that changed.

export interface FieldChange {
    field: string;
    /** "policy" when both sides are JSON policy documents, "value" otherwise. */
    kind: "policy" | "value";
    before: unknown;
    after: unknown;
    statementsAdded: string[];
    statementsRemoved: string[];
    statementsChanged: string[];
}

export interface ResourceChange {
    urn: string;
    type: string;
    name: string;
    fields: FieldChange[];
}

export interface PlanDiff {
    stack: string;
    resourceCount: number;
    added: string[];
    removed: string[];
    changed: ResourceChange[];
    outputs: { key: string; before: unknown; after: unknown }[];
}

const stable = (v: unknown): string => JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));

/** Only inputs written as JSON documents count as policies (not arbitrary objects such as tags). */
/** An input the program does not set is absent from the plan (not null): say so instead of printing `undefined`. */
const shown = (v: unknown): string => (v === undefined ? "(not set)" : JSON.stringify(v));
const asPolicy = (v: unknown) => (typeof v === "string" && v.startsWith("{") ? (parsePolicyDocument(v) as { Statement: { Sid?: string }[] } | undefined) : undefined);

function diffField(field: string, before: unknown, after: unknown): FieldChange {
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
        };
    }
    return { field, kind: "value", before, after, statementsAdded: [], statementsRemoved: [], statementsChanged: [] };
}

function diffResource(b: PlanResource, a: PlanResource): ResourceChange | undefined {
    const fields = [...new Set([...Object.keys(b.inputs), ...Object.keys(a.inputs)])]
        .sort()
        .filter((f) => stable(b.inputs[f]) !== stable(a.inputs[f]))
        .map((f) => diffField(f, b.inputs[f], a.inputs[f]));
    for (const opt of ["protect", "retainOnDelete", "parent", "type"] as const) {
        if (b[opt] !== a[opt]) fields.push(diffField(`(${opt})`, b[opt], a[opt]));
    }
    return fields.length ? { urn: a.urn, type: a.type, name: a.name, fields } : undefined;
}

export function diffPlans(before: Plan, after: Plan): PlanDiff {
    const mb = new Map(before.resources.map((r) => [r.urn, r]));
    const ma = new Map(after.resources.map((r) => [r.urn, r]));
    const changed: ResourceChange[] = [];
    for (const [urn, a] of ma) {
        const b = mb.get(urn);
        const c = b && diffResource(b, a);
        if (c) changed.push(c);
    }
    changed.sort((x, y) => x.type.localeCompare(y.type) || x.name.localeCompare(y.name));
    const outKeys = [...new Set([...Object.keys(before.outputs), ...Object.keys(after.outputs)])].sort();
    return {
        stack: after.stack,
        resourceCount: after.resources.length,
        added: [...ma.keys()].filter((u) => !mb.has(u)).sort(),
        removed: [...mb.keys()].filter((u) => !ma.has(u)).sort(),
        changed,
        outputs: outKeys.filter((k) => stable(before.outputs[k]) !== stable(after.outputs[k])).map((k) => ({ key: k, before: before.outputs[k], after: after.outputs[k] })),
    };
}

function describeField(f: FieldChange): string {
    if (f.kind === "policy") {
        const parts = [...f.statementsAdded.map((s) => `+ ${s}`), ...f.statementsRemoved.map((s) => `- ${s}`), ...f.statementsChanged.map((s) => `~ ${s}`)];
        return `${f.field}: ${parts.join(", ") || "reformatted"}`;
    }
    return `${f.field}: ${shown(f.before)} -> ${shown(f.after)}`;
}

/** Human-readable text: one block per changed resource, then the added/removed resources and the stack outputs. */
export function renderPlanDiff(d: PlanDiff, title = `${d.stack}`): string {
    const lines = [
        `${title}: ${d.resourceCount} resources, ${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed in place`,
    ];
    const width = Math.max(0, ...d.changed.map((c) => c.type.length));
    for (const c of d.changed) {
        lines.push(`~ ${c.type.padEnd(width)}  ${c.name}`);
        for (const f of c.fields) lines.push(`      ${describeField(f)}`);
    }
    for (const u of d.added) lines.push(`+ ${u}`);
    for (const u of d.removed) lines.push(`- ${u}`);
    if (d.outputs.length) lines.push(`stack outputs: ${d.outputs.map((o) => `${o.key} ${JSON.stringify(o.before)} -> ${JSON.stringify(o.after)}`).join("; ")}`);
    return lines.join("\n");
}
