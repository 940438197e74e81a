import { bucketName, vendorNames } from "../iam/names";
import type { InterfaceEndpointService, VendorSpec } from "../config/schema";
import type { AwsReads, DnsFirewallRuleGroup, InterfaceEndpoint, KeyState, PolicyJson, PolicyStatementJson, RolePolicies, StackOutput } from "./types";

// What "the seal took" means, read back from AWS: the stored documents carry the seal statements and the key is
// disabled. These are reads of AWS's control plane; they prove what AWS stores, not that every edge location already
// enforces it (IAM propagation). RUNBOOK.md says what that leaves open.

export const SEAL_SIDS = ["SealDenyAll", "SealRevokeOlderSessions", "SealDenyAssumeRole", "SealDenyVendor"] as const;

export interface EnclaveTargets {
    vendorId: string;
    roles: string[];
    buckets: string[];
    keyId?: string;
    s3EndpointId?: string;
    /** The interface endpoints and the DNS Firewall rule groups are found by VPC (the stack outputs carry no ids for them). */
    vpcId?: string;
    interfaceServices: InterfaceEndpointService[];
}

export interface Observed {
    roles: Record<string, RolePolicies>;
    keyState: KeyState;
    keyPolicy: PolicyJson | null;
    buckets: Record<string, PolicyJson | null>;
    endpoint: PolicyJson | null;
    interfaceEndpoints: InterfaceEndpoint[];
    /** The DNS Firewall rule groups associated with the VPC. */
    dnsFirewall: DnsFirewallRuleGroup[];
}

/** Names come from the spec (deterministic); the key, S3 endpoint and VPC ids from the stack outputs. */
export function targetsFor(spec: VendorSpec, outputs: Record<string, StackOutput>): EnclaveTargets {
    const names = vendorNames(spec.id);
    const str = (k: string) => (typeof outputs[k]?.value === "string" ? (outputs[k].value as string) : undefined);
    return {
        vendorId: spec.id,
        roles: [names.vendorRole, names.workloadRole],
        buckets: spec.datasets.map((d) => bucketName(spec.id, d.name, spec.account.id)),
        keyId: str("keyArn"),
        s3EndpointId: str("s3EndpointId"),
        vpcId: str("vpcId"),
        interfaceServices: spec.network.interfaceEndpoints,
    };
}

export async function observe(aws: AwsReads, t: EnclaveTargets): Promise<Observed> {
    const roles: Record<string, RolePolicies> = {};
    for (const r of t.roles) roles[r] = await aws.rolePolicies(r);
    const buckets: Record<string, PolicyJson | null> = {};
    for (const b of t.buckets) buckets[b] = await aws.bucketPolicy(b);
    return {
        roles,
        keyState: t.keyId ? await aws.keyState(t.keyId) : "NotFound",
        keyPolicy: t.keyId ? await aws.keyPolicy(t.keyId) : null,
        buckets,
        endpoint: t.s3EndpointId ? await aws.endpointPolicy(t.s3EndpointId) : null,
        interfaceEndpoints: t.vpcId ? await aws.interfaceEndpoints(t.vpcId) : [],
        dnsFirewall: t.vpcId ? await aws.dnsFirewallRuleGroups(t.vpcId) : [],
    };
}

export function statements(doc: PolicyJson | null | undefined): PolicyStatementJson[] {
    if (!doc) return [];
    return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}

const denies = (doc: PolicyJson | null | undefined, sid: string) => statements(doc).some((s) => s.Sid === sid && s.Effect === "Deny");

function revokesBefore(doc: PolicyJson, sealedAt: string): boolean {
    return statements(doc).some((s) => {
        const cond = s.Condition as Record<string, Record<string, unknown>> | undefined;
        return s.Sid === "SealRevokeOlderSessions" && s.Effect === "Deny" && cond?.DateLessThan?.["aws:TokenIssueTime"] === sealedAt;
    });
}

/** Spec'd interface endpoints that the VPC does not have (or that cannot be looked up without a VPC id). */
function missingInterfaceEndpoints(o: Observed, t: EnclaveTargets): string[] {
    if (t.interfaceServices.length && !t.vpcId) return [`interface endpoints (${t.interfaceServices.join(", ")}): the stack has no vpcId output to find them by`];
    return t.interfaceServices.filter((svc) => !o.interfaceEndpoints.some((e) => e.service === svc)).map((svc) => `${svc} interface endpoint: not found in ${t.vpcId}`);
}

/** The rules of every rule group associated with the VPC, or the one line saying why there is nothing to check. */
function dnsRules(o: Observed, t: EnclaveTargets): { rules: { name: string; action: string; group: string }[]; gap?: string } {
    if (!t.vpcId) return { rules: [], gap: "DNS firewall: the stack has no vpcId output to find it by" };
    if (!o.dnsFirewall.length) return { rules: [], gap: `DNS firewall of ${t.vpcId}: no rule group associated` };
    return { rules: o.dnsFirewall.flatMap((g) => g.rules.map((r) => ({ ...r, group: g.id }))) };
}

/**
 * The resolver is a way out no policy sees (queries spell data to an attacker's name server). Every associated rule
 * group counts, one associated outside the stack included: a rule that matches ends the evaluation, and both ALLOW and
 * ALERT let the query through. A query no rule matches is answered too, hence the catch-all must be there.
 */
function dnsSealGaps(o: Observed, t: EnclaveTargets): string[] {
    const { rules, gap } = dnsRules(o, t);
    if (gap) return [gap];
    const out = rules.filter((r) => r.action !== "BLOCK").map((r) => `DNS firewall of ${t.vpcId}: rule ${r.name} in ${r.group} still ${r.action}s (expected BLOCK)`);
    const blockRest = vendorNames(t.vendorId).dnsBlockRule;
    if (!rules.some((r) => r.name === blockRest)) out.push(`DNS firewall of ${t.vpcId}: rule ${blockRest} not found in any associated rule group`);
    return out;
}

/** Unsealed, the enclave resolves the AWS names again (its instances reach AWS only by those names). */
function dnsUnsealGaps(o: Observed, t: EnclaveTargets): string[] {
    const { rules, gap } = dnsRules(o, t);
    if (gap) return [gap];
    const allowAws = vendorNames(t.vendorId).dnsAllowRule;
    const allow = rules.filter((r) => r.name === allowAws);
    if (!allow.length) return [`DNS firewall of ${t.vpcId}: rule ${allowAws} not found in any associated rule group`];
    return allow.filter((r) => r.action !== "ALLOW").map((r) => `DNS firewall of ${t.vpcId}: rule ${r.name} in ${r.group} still ${r.action}s (expected ALLOW)`);
}

/** Empty when every vendor path is sealed as the spec says; otherwise one line per gap. */
export function sealFindings(o: Observed, t: EnclaveTargets, sealedAt: string): string[] {
    const out: string[] = [];
    for (const role of t.roles) {
        const rp = o.roles[role];
        if (!rp?.inline || !rp.trust) {
            out.push(`role ${role}: not found`);
            continue;
        }
        const docs = Object.values(rp.inline);
        if (!docs.some((d) => denies(d, "SealDenyAll"))) out.push(`role ${role}: no SealDenyAll in its inline policies`);
        if (!docs.some((d) => revokesBefore(d, sealedAt))) out.push(`role ${role}: no SealRevokeOlderSessions for sessions issued before ${sealedAt}`);
        if (!denies(rp.trust, "SealDenyAssumeRole")) out.push(`role ${role}: trust policy has no SealDenyAssumeRole`);
    }
    if (o.keyState !== "Disabled") out.push(`key ${t.keyId ?? "(unknown)"}: state is ${o.keyState}, expected Disabled`);
    // A disabled key refuses every use anyway; the key-policy deny is the wall that stays if someone re-enables it.
    if (!denies(o.keyPolicy, "SealDenyVendor")) out.push(`key ${t.keyId ?? "(unknown)"}: key policy has no SealDenyVendor`);
    for (const b of t.buckets) if (!denies(o.buckets[b], "SealDenyVendor")) out.push(`bucket ${b}: policy has no SealDenyVendor`);
    if (!denies(o.endpoint, "SealDenyVendor")) out.push(`S3 endpoint ${t.s3EndpointId ?? "(unknown)"}: policy has no SealDenyVendor`);
    out.push(...missingInterfaceEndpoints(o, t));
    // Every interface endpoint in the VPC is a network path, including one added outside the stack.
    for (const e of o.interfaceEndpoints) if (!denies(e.policy, "SealDenyVendor")) out.push(`${e.service} interface endpoint ${e.id}: policy has no SealDenyVendor`);
    out.push(...dnsSealGaps(o, t));
    return out;
}

/** Empty when no seal statement is left anywhere, the key is enabled again and the DNS allow rule allows again. */
export function unsealFindings(o: Observed, t: EnclaveTargets): string[] {
    const out: string[] = [];
    const leftovers = (what: string, doc: PolicyJson | null | undefined) => {
        for (const s of statements(doc)) if ((SEAL_SIDS as readonly string[]).includes(s.Sid ?? "")) out.push(`${what}: still has ${s.Sid}`);
    };
    for (const role of t.roles) {
        const rp = o.roles[role];
        if (!rp?.inline || !rp.trust) {
            out.push(`role ${role}: not found`);
            continue;
        }
        for (const [name, d] of Object.entries(rp.inline)) leftovers(`role ${role} policy ${name}`, d);
        leftovers(`role ${role} trust policy`, rp.trust);
    }
    if (o.keyState !== "Enabled") out.push(`key ${t.keyId ?? "(unknown)"}: state is ${o.keyState}, expected Enabled`);
    leftovers(`key ${t.keyId ?? "(unknown)"} key policy`, o.keyPolicy);
    for (const b of t.buckets) leftovers(`bucket ${b}`, o.buckets[b]);
    leftovers(`S3 endpoint ${t.s3EndpointId ?? "(unknown)"}`, o.endpoint);
    out.push(...missingInterfaceEndpoints(o, t));
    for (const e of o.interfaceEndpoints) leftovers(`${e.service} interface endpoint ${e.id}`, e.policy);
    out.push(...dnsUnsealGaps(o, t));
    return out;
}

/** Resources a Pulumi checkpoint still holds, other than the stack itself and providers. */
export function remainingStateResources(exported: unknown): string[] {
    const resources = ((exported as { deployment?: { resources?: { urn: string; type: string }[] } })?.deployment?.resources ?? []) as { urn: string; type: string }[];
    return resources.filter((r) => r.type !== "pulumi:pulumi:Stack" && !r.type.startsWith("pulumi:providers:")).map((r) => r.urn);
}

/** Proof of teardown: empty state, no tagged resource left but the key, and the key pending deletion. */
export function teardownFindings(stateLeft: string[], tagged: string[], keyArn: string | undefined, keyState: KeyState): string[] {
    const out: string[] = [];
    for (const urn of stateLeft) out.push(`stack state still holds ${urn}`);
    for (const arn of tagged) if (arn !== keyArn) out.push(`tag scan still finds ${arn}`);
    if (keyState !== "PendingDeletion") out.push(`key ${keyArn ?? "(unknown)"}: state is ${keyState}, expected PendingDeletion`);
    return out;
}
