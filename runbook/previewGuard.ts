import { sealEntryOf, sealOnlyResources, type SealKind } from "../contract/seal";
import { INTERFACE_ENDPOINT_SERVICES, type VendorSpec } from "../config/schema";
import {
    dataBucketPolicy,
    interfaceEndpointPolicy,
    s3EndpointPolicy,
    sealRolePolicy,
    vendorKeyPolicy,
    vendorTrustPolicy,
    workloadTrustPolicy,
} from "../iam/vendor";
import type { PolicyDocument } from "../iam/document";
import type { PolicyStatementJson, PreviewStep, StackOutput } from "./types";
import { sameStatement, statements, targetsFor } from "./verify";
import { airlockFreezeDocuments } from "./airlockFreeze";

// The preview guard's content check. A seal's `up` deploys the working tree; the field check (steps.ts) admits an
// update of a seal resource's policy field, but a policy field can carry anything. So the old and new documents of
// every such update are compared: the only difference allowed is the seal statements, exactly as the iam/ builders
// render them for the sealed spec (added on seal, removed on unseal). A widened grant, a dropped deny, a new principal
// in the same document is refused, naming the resource and the statement. The states the seal sets (the key's
// isEnabled, the DNS rule's action) must take the catalogue's value. A document the engine does not show (unknown
// until apply, or missing from the event) is refused: it cannot be shown to be the seal's. One the engine masks as
// secret (the vendor trust policy: it holds the external ID) cannot be read either; refusing it would refuse every
// seal, so it is admitted on its field alone and the preview says so: that is the guard's known blind spot.

/** The inputs of the seal catalogue's resources that hold a policy document. */
export const DOCUMENT_FIELDS = ["policy", "assumeRolePolicy"] as const;

/** What the engine prints in place of a value marked secret (the vendor trust policy is one: it holds the external ID). */
export const SECRET_MASK = "[secret]";
/** Pulumi's marker for a value unknown until apply (an input computed from a resource the same update changes). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The seal statements the builders render for the sealed spec, by catalogue kind (what a seal may add). */
export type SealStatements = Record<SealKind, PolicyStatementJson[]>;

/**
 * `operators`: the deployer and break-glass the documents name (the airlock's freeze exempts break-glass); without
 * them a statement that names one cannot match, and the preview is refused rather than admitted.
 */
export function sealStatements(
    spec: VendorSpec,
    outputs: Record<string, StackOutput>,
    sealedAt: string,
    operators?: { deployerRoleArn: string; breakGlassRoleArn: string },
): SealStatements {
    const t = targetsFor(spec, outputs, operators);
    const p = { ...t.policyInputs, sealed: true, sealedAt };
    const docs: Record<SealKind, PolicyDocument[]> = {
        sealPolicy: [sealRolePolicy(sealedAt)],
        trustPolicy: [vendorTrustPolicy(p), workloadTrustPolicy(p)],
        key: [vendorKeyPolicy(p)],
        bucketPolicy: [...spec.datasets.map((d) => dataBucketPolicy(p, d.name)), ...Object.values(airlockFreezeDocuments(p))],
        // Every service the enclave could have an endpoint for: one added outside the spec is sealed the same way.
        endpointPolicy: [s3EndpointPolicy(p), ...INTERFACE_ENDPOINT_SERVICES.map((svc) => interfaceEndpointPolicy(svc, p))],
        dnsAllowRule: [],
    };
    const out = {} as SealStatements;
    for (const [kind, list] of Object.entries(docs) as [SealKind, PolicyDocument[]][]) {
        const sids = sealEntryOf(kindType(kind))!.statements;
        out[kind] = list.flatMap((d) => d.Statement.filter((s) => s.Sid && sids.includes(s.Sid))) as unknown as PolicyStatementJson[];
    }
    return out;
}

const kindType = (kind: SealKind): string => {
    const types: Record<SealKind, string> = {
        sealPolicy: "aws:iam/rolePolicy:RolePolicy",
        trustPolicy: "aws:iam/role:Role",
        key: "aws:kms/key:Key",
        bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
        endpointPolicy: "aws:ec2/vpcEndpoint:VpcEndpoint",
        dnsAllowRule: "aws:route53/resolverFirewallRule:ResolverFirewallRule",
    };
    return types[kind];
};

type Doc = { ok: true; doc: { Statement?: unknown; [k: string]: unknown } } | { ok: false; why: string };

function readDocument(v: unknown): Doc {
    if (v === undefined || v === null) return { ok: false, why: "not in the engine's event" };
    if (v === UNKNOWN) return { ok: false, why: "unknown until apply" };
    if (v === SECRET_MASK) return { ok: false, why: "secret" };
    try {
        const doc = typeof v === "string" ? JSON.parse(v) : v;
        if (!doc || typeof doc !== "object") return { ok: false, why: "not a policy document" };
        return { ok: true, doc: doc as { Statement?: unknown } };
    } catch {
        return { ok: false, why: "not JSON" };
    }
}

const label = (s: PolicyStatementJson, i: number) => (s.Sid ? `statement ${s.Sid}` : `statement #${i + 1} (no Sid)`);

type Numbered = { s: PolicyStatementJson; i: number };
const numbered = (list: PolicyStatementJson[]): Numbered[] => list.map((s, i) => ({ s, i }));

/** The statements of `a` that have no equal in `b` (as multisets); each keeps its position in its own document. */
function unmatched(a: Numbered[], b: Numbered[]): Numbered[] {
    const left = [...b];
    const out: Numbered[] = [];
    for (const x of a) {
        const j = left.findIndex((y) => sameStatement(y.s, x.s));
        if (j >= 0) left.splice(j, 1);
        else out.push(x);
    }
    return out;
}

/**
 * Why an update (or a seal-only create) of a seal resource changes more than the seal in its documents and states;
 * undefined when it does not. `expected` is the builders' rendering for the sealed spec (seal) or undefined (unseal).
 */
export function contentOffence(step: PreviewStep, kind: SealKind, sealing: boolean, expected: SealStatements | undefined): string | undefined {
    const entry = sealEntryOf(step.type)!;
    const sids = entry.statements;
    // The states the seal sets must take the catalogue's value for this direction.
    for (const [field, st] of Object.entries(entry.states)) {
        if (!step.diffs?.includes(field) && step.op !== "create") continue;
        const want = sealing ? st.sealed : st.unsealed;
        const got = step.new?.[field];
        if (!step.new) return `update of ${field} of ${step.urn} without the new inputs in the engine's event, so it cannot be shown to be the seal's`;
        if (got !== want && !(want === undefined && (got === null || got === "")))
            return `${field} of ${step.urn} set to ${JSON.stringify(got ?? null)}, not the ${sealing ? "sealed" : "unsealed"} ${JSON.stringify(want ?? null)}`;
    }
    const fields = DOCUMENT_FIELDS.filter((f) => (step.op === "update" ? step.diffs?.includes(f) : entry.fields.includes(f)));
    for (const field of fields) {
        const what = `${field} of ${step.urn}`;
        if (step.op === "delete") continue; // a seal-only resource going away on unseal: nothing of it stays
        // A document the engine masks as secret cannot be read here: admitted on its field alone, and said so
        // (maskedDocuments); verify-seal still reads the stored one back by content after the up.
        if (step.new?.[field] === SECRET_MASK || step.old?.[field] === SECRET_MASK) continue;
        const nu = readDocument(step.new?.[field]);
        if (!nu.ok) return `${what}: the new document is ${nu.why}, so it cannot be shown to change only the seal statements`;
        const newStmts = statements(nu.doc as never);
        const oldStmts: PolicyStatementJson[] = [];
        let oldRest: Record<string, unknown> = {};
        if (step.op === "update") {
            const old = readDocument(step.old?.[field]);
            if (!old.ok) return `${what}: the deployed document is ${old.why}, so the change cannot be shown to be only the seal statements`;
            oldStmts.push(...statements(old.doc as never));
            oldRest = { ...old.doc, Statement: undefined };
        }
        const isSeal = (s: PolicyStatementJson) => Boolean(s.Sid && sids.includes(s.Sid));
        // Everything but the seal statements stays as it was (a create of a seal-only policy has nothing else).
        if (step.op === "update") {
            const nuRest: Record<string, unknown> = { ...nu.doc, Statement: undefined };
            if (JSON.stringify(Object.entries(nuRest).sort()) !== JSON.stringify(Object.entries(oldRest).sort()))
                return `${what}: the document's ${Object.keys({ ...nuRest, ...oldRest })
                    .filter((k) => JSON.stringify(nuRest[k]) !== JSON.stringify(oldRest[k]))
                    .join(", ")} changes (a seal changes only its statements)`;
            const keptNew = numbered(newStmts).filter((x) => !isSeal(x.s));
            const keptOld = numbered(oldStmts).filter((x) => !isSeal(x.s));
            const added = unmatched(keptNew, keptOld);
            const removed = unmatched(keptOld, keptNew);
            if (added.length || removed.length) {
                const changed = new Set(added.filter((a) => a.s.Sid && removed.some((r) => r.s.Sid === a.s.Sid)).map((a) => a.s.Sid));
                return `${what}: ${[
                    ...added.map((x) => `${label(x.s, x.i)} is ${changed.has(x.s.Sid) ? "changed" : "added"}`),
                    ...removed.filter((x) => !changed.has(x.s.Sid)).map((x) => `${label(x.s, x.i)} is removed`),
                ].join("; ")} (${sealing ? "a seal adds" : "an unseal removes"} only ${sids.join(", ")})`;
            }
        } else {
            const other = newStmts.map((s, i) => ({ s, i })).filter((x) => !isSeal(x.s));
            if (other.length)
                return `${what}: ${other.map((x) => label(x.s, x.i)).join(", ")} is not a seal statement (a seal-only policy holds only ${sids.join(", ")})`;
        }
        const sealNew = newStmts.map((s, i) => ({ s, i })).filter((x) => isSeal(x.s));
        if (!sealing) {
            if (sealNew.length) return `${what}: ${sealNew.map((x) => label(x.s, x.i)).join(", ")} stays after the unseal`;
            continue;
        }
        // Each seal statement exactly as the builder renders it for the sealed spec (a Sid with other content is no seal).
        const want = expected?.[kind] ?? [];
        const wrong = sealNew.filter((x) => !want.some((w) => sameStatement(w, x.s)));
        if (wrong.length) return `${what}: ${wrong.map((x) => label(x.s, x.i)).join(", ")} is not the seal statement the builder renders for the sealed spec`;
    }
    return undefined;
}

/** The document fields of a step the engine masks as secret (admitted on the field alone; the preview step says so). */
export function maskedDocuments(step: PreviewStep): string[] {
    return DOCUMENT_FIELDS.filter((f) => step.new?.[f] === SECRET_MASK || step.old?.[f] === SECRET_MASK).map((f) => `${f} of ${step.urn}`);
}

/** The kind of a seal-only create or delete of this vendor, by type and URN name. */
export function isSealOnly(step: PreviewStep, vendor: string, sealing: boolean): boolean {
    if (step.op !== (sealing ? "create" : "delete")) return false;
    const name = step.urn.slice(step.urn.lastIndexOf("::") + 2);
    return sealOnlyResources(vendor).some((r) => r.type === step.type && r.name === name);
}

/** The vendor stack's explicit AWS provider (components/program.ts `${vendor}-aws`): its type token and URN name. */
export const PROVIDER_TYPE = "pulumi:providers:aws";
export const providerUrnName = (vendor: string) => `${vendor}-aws`;

/** A provider input as the engine reports it: complex values arrive JSON-encoded (as Pulumi sends them to the plugin). */
function providerInput(v: unknown): unknown {
    if (typeof v !== "string") return v;
    try {
        return JSON.parse(v);
    } catch {
        return v;
    }
}

/**
 * Account mode: the one provider change a seal or unseal brings. The provider assumes the member account's break-glass
 * while the spec is sealed and its deployer otherwise (contract/operators.ts memberProviderRoleArn), so sealing moves
 * its assumeRoles from `from` to `to` (unsealing the other way). Admitted only as an in-place update of the vendor's
 * own provider changing assumeRoles alone, from exactly one role to exactly the other, with the same session name;
 * every other provider change (another role, another account, a region, a second role in the chain) is refused.
 * Undefined when admitted, else why not.
 */
export function providerOffence(s: PreviewStep, vendor: string, expected: { from: string; to: string; sessionName: string } | undefined): string | undefined {
    const what = `${s.op}${s.diffs?.length ? ` of ${s.diffs.join(", ")}` : ""} of ${s.urn}`;
    if (!expected) return `${what} (only an account-mode enclave's seal or unseal changes its provider, and only the role it assumes)`;
    if (s.op !== "update" || s.urn.slice(s.urn.lastIndexOf("::") + 2) !== providerUrnName(vendor))
        return `${what} (a seal changes only the role ${providerUrnName(vendor)} assumes)`;
    if (!s.diffs?.length || s.diffs.some((d) => d !== "assumeRoles")) return `${what} (a seal changes only assumeRoles of the provider)`;
    const roles = (v: unknown) => {
        const list = providerInput(v);
        if (!Array.isArray(list) || list.length !== 1) return undefined;
        const r = list[0] as Record<string, unknown>;
        const keys = Object.keys(r).filter((k) => r[k] !== undefined && r[k] !== null);
        return keys.every((k) => k === "roleArn" || k === "sessionName") ? { roleArn: r.roleArn, sessionName: r.sessionName } : undefined;
    };
    const before = roles(s.old?.assumeRoles);
    const after = roles(s.new?.assumeRoles);
    const shown = (r: ReturnType<typeof roles>) => (r ? String(r.roleArn) : "not one plain role");
    if (
        before?.roleArn !== expected.from ||
        before.sessionName !== expected.sessionName ||
        after?.roleArn !== expected.to ||
        after.sessionName !== expected.sessionName
    )
        return `update of assumeRoles of ${s.urn} from ${shown(before)} to ${shown(after)} (the seal moves it from ${expected.from} to ${expected.to} only)`;
    return undefined;
}
