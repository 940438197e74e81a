import { airlockFreezeDocuments } from "./airlockFreeze";
import { airlockNames } from "../contract/airlock";
import { SEAL_CATALOGUE, SEAL_POLICY_NAME, SEAL_SIDS, type SealKind, type SealRead } from "../contract/seal";
import { bucketArn, bucketName, logGroupArn, roleArn, vendorNames } from "../iam/names";
import type { PolicyDocument } from "../iam/document";
import {
    dataBucketPolicy,
    interfaceEndpointPolicy,
    s3EndpointPolicy,
    sealRolePolicy,
    vendorKeyPolicy,
    vendorTrustPolicy,
    workloadTrustPolicy,
    type VendorPolicyInputs,
} from "../iam/vendor";
import { INTERFACE_ENDPOINT_SERVICES, type InterfaceEndpointService, type VendorSpec } from "../config/schema";
import { interfaceEndpointsOf } from "../config/workspace";
import type { AwsReads, DnsFirewallRuleGroup, InterfaceEndpoint, KeyState, PolicyJson, PolicyStatementJson, RolePolicies, StackOutput } from "./types";

// What "the seal took" means, read back from AWS: the stored documents carry the seal statements, each exactly as the
// iam/ builders render it for the sealed spec (effect, actions, resources, principals, conditions: a statement with
// the right Sid but a narrowed action or another time is no seal), and the key is disabled. What is checked, kind by
// kind, comes from the seal catalogue (contract/seal.ts). These are reads of AWS's control plane; they prove what AWS
// stores, not that every edge location already enforces it (IAM propagation). RUNBOOK.md says what that leaves open.

export { SEAL_SIDS };

/** The AwsReads method behind each read the catalogue names: a name that is not an AwsReads method does not compile. */
export const SEAL_READ_METHODS: { readonly [R in SealRead]: R & keyof AwsReads } = {
    rolePolicies: "rolePolicies",
    keyState: "keyState",
    keyPolicy: "keyPolicy",
    bucketPolicy: "bucketPolicy",
    endpointPolicy: "endpointPolicy",
    interfaceEndpoints: "interfaceEndpoints",
    dnsFirewallRuleGroups: "dnsFirewallRuleGroups",
};

export interface EnclaveTargets {
    vendorId: string;
    roles: string[];
    buckets: string[];
    /** The airlock's outbox, control and released buckets (empty without an airlock): the seal denies the vendor and freezes the last two. */
    airlockBuckets: string[];
    keyId?: string;
    s3EndpointId?: string;
    /** The interface endpoints and the DNS Firewall rule groups are found by VPC (the stack outputs carry no ids for them). */
    vpcId?: string;
    interfaceServices: InterfaceEndpointService[];
    /**
     * The builders' inputs for this enclave, unsealed; verify-seal renders them sealed to know each seal statement's
     * content. The deployer and break-glass ARNs come from the security spec (or the security stack's outputs) when the
     * caller has them, blank otherwise: no seal statement names them (a test holds this). The external ID is blank: no
     * seal statement names it, and the vendor stack's outputs do not carry it.
     */
    policyInputs: VendorPolicyInputs;
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
export function targetsFor(
    spec: VendorSpec,
    outputs: Record<string, StackOutput>,
    operators?: { deployerRoleArn: string; breakGlassRoleArn: string },
): EnclaveTargets {
    const names = vendorNames(spec.id);
    const acct = spec.account.id;
    const str = (k: string) => (typeof outputs[k]?.value === "string" ? (outputs[k].value as string) : undefined);
    const buckets = spec.datasets.map((d) => bucketName(spec.id, d.name, acct));
    return {
        vendorId: spec.id,
        roles: [names.vendorRole, names.workloadRole],
        buckets,
        airlockBuckets: spec.airlock
            ? [airlockNames(spec.id, acct).outboxBucket, airlockNames(spec.id, acct).controlBucket, airlockNames(spec.id, acct).releasedBucket]
            : [],
        keyId: str("keyArn"),
        s3EndpointId: str("s3EndpointId"),
        vpcId: str("vpcId"),
        // The endpoints the stack deploys: the spec's list plus the session endpoints a workspace needs.
        interfaceServices: interfaceEndpointsOf(spec),
        policyInputs: {
            vendorId: spec.id,
            accountId: acct,
            region: spec.account.region,
            vendorRoleArn: roleArn(acct, names.vendorRole),
            workloadRoleArn: roleArn(acct, names.workloadRole),
            deployerRoleArn: operators?.deployerRoleArn ?? "",
            breakGlassRoleArn: operators?.breakGlassRoleArn ?? "",
            logGroupArn: logGroupArn(spec.account.region, acct, names.workloadLogGroup),
            datasets: spec.datasets.map((d) => ({ name: d.name, access: d.access, bucketArn: bucketArn(bucketName(spec.id, d.name, acct)) })),
            principals: spec.access.principals,
            externalId: "",
            dataPath: spec.network.dataPath,
            egressCidrs: spec.network.vendorEgressCidrs,
            sealed: false,
            ...(spec.airlock ? { airlock: { approvers: spec.airlock.approvers, recipient: spec.airlock.recipient } } : {}),
            keyArn: str("keyArn") ?? "",
            s3EndpointId: str("s3EndpointId") ?? "",
        },
    };
}

export async function observe(aws: AwsReads, t: EnclaveTargets): Promise<Observed> {
    // Every read is independent: all at once, so a verify costs about one round trip of the slowest read, not the sum.
    const [roles, buckets, keyState, keyPolicy, endpoint, interfaceEndpoints, dnsFirewall] = await Promise.all([
        Promise.all(t.roles.map(async (r) => [r, await aws.rolePolicies(r)] as const)).then((e) => Object.fromEntries(e) as Record<string, RolePolicies>),
        Promise.all([...t.buckets, ...t.airlockBuckets].map(async (b) => [b, await aws.bucketPolicy(b)] as const)).then(
            (e) => Object.fromEntries(e) as Record<string, PolicyJson | null>,
        ),
        t.keyId ? aws.keyState(t.keyId) : Promise.resolve<KeyState>("NotFound"),
        t.keyId ? aws.keyPolicy(t.keyId) : Promise.resolve(null),
        t.s3EndpointId ? aws.endpointPolicy(t.s3EndpointId) : Promise.resolve(null),
        t.vpcId ? aws.interfaceEndpoints(t.vpcId) : Promise.resolve([]),
        t.vpcId ? aws.dnsFirewallRuleGroups(t.vpcId) : Promise.resolve([]),
    ]);
    return { roles, keyState, keyPolicy, buckets, endpoint, interfaceEndpoints, dnsFirewall };
}

export function statements(doc: PolicyJson | null | undefined): PolicyStatementJson[] {
    if (!doc) return [];
    return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}

// ---- judging a seal statement by content -----------------------------------------------------------------------------

/**
 * A statement in a canonical form, so that what AWS hands back compares equal to what the builder wrote: a single value
 * and a one-element list are the same, lists are sets, Principal "*" is {"AWS": "*"}, condition key names are
 * case-insensitive (IAM's rule), booleans are strings.
 */
function canonical(v: unknown, key?: string, parent?: string): unknown {
    if (key === "Principal" && v === "*") return { AWS: ["*"] };
    if (v === null || v === undefined) return v;
    if (typeof v === "boolean" || typeof v === "number") return [String(v)];
    if (typeof v === "string") return [v];
    if (Array.isArray(v)) return [...new Set(v.map((x) => String(x)))].sort();
    const entries = Object.entries(v as Record<string, unknown>).map(
        ([k, x]) => [parent === "op" ? k.toLowerCase() : k, canonical(x, k, key === "Condition" ? "op" : undefined)] as const,
    );
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
/** Two statements say the same (lists as sets, one value as a one-element list, condition keys case-insensitive). */
export const sameStatement = (a: PolicyStatementJson | object, b: PolicyStatementJson | object): boolean => same(a, b);

/** Why a stored statement is not the builder's: the top-level fields that differ, with both values. */
function difference(expected: object, found: object): string {
    const e = expected as Record<string, unknown>;
    const f = found as Record<string, unknown>;
    const fields = [...new Set([...Object.keys(e), ...Object.keys(f)])].filter((k) => !same({ [k]: e[k] }, { [k]: f[k] }));
    return fields.map((k) => `${k} expected ${JSON.stringify(e[k] ?? null)}, found ${JSON.stringify(f[k] ?? null)}`).join("; ");
}

/** Gaps of one stored document against the seal statements the builder renders into it (by Sid, then by content). */
function sealGaps(what: string, found: PolicyJson | null | undefined, expected: PolicyDocument, sids: readonly string[]): string[] {
    const out: string[] = [];
    for (const sid of sids) {
        const want = expected.Statement.find((s) => s.Sid === sid);
        if (!want) continue; // the builder adds no such statement to this document
        const got = statements(found).filter((s) => s.Sid === sid);
        if (!got.length) out.push(`${what} has no ${sid}`);
        else if (!got.some((g) => same(g, want))) out.push(`${what}: ${sid} is not the sealed spec's (${difference(want, got[0])})`);
    }
    return out;
}

/** Spec'd interface endpoints that the VPC does not have (or that cannot be looked up without a VPC id). */
function missingInterfaceEndpoints(o: Observed, t: EnclaveTargets): string[] {
    if (t.interfaceServices.length && !t.vpcId)
        return [`interface endpoints (${t.interfaceServices.join(", ")}): the stack has no vpcId output to find them by`];
    return t.interfaceServices
        .filter((svc) => !o.interfaceEndpoints.some((e) => e.service === svc))
        .map((svc) => `${svc} interface endpoint: not found in ${t.vpcId}`);
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
    const out = rules
        .filter((r) => r.action !== "BLOCK")
        .map((r) => `DNS firewall of ${t.vpcId}: rule ${r.name} in ${r.group} still ${r.action}s (expected BLOCK)`);
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

const sealed = (t: EnclaveTargets, sealedAt: string): VendorPolicyInputs => ({ ...t.policyInputs, sealed: true, sealedAt });
const isInterfaceService = (svc: string): svc is InterfaceEndpointService => (INTERFACE_ENDPOINT_SERVICES as readonly string[]).includes(svc);
const roleMissing = (o: Observed, role: string) => !o.roles[role]?.inline || !o.roles[role]?.trust;

/** verify-seal and verify-unseal, one pair per catalogue kind: a kind without one does not compile. */
export const SEAL_VERIFIERS: {
    readonly [K in SealKind]: {
        seal(o: Observed, t: EnclaveTargets, sealedAt: string, sids: readonly string[]): string[];
        unseal(o: Observed, t: EnclaveTargets): string[];
    };
} = {
    sealPolicy: {
        seal: (o, t, sealedAt, sids) =>
            t.roles.flatMap((role) => {
                if (roleMissing(o, role)) return [`role ${role}: not found`];
                const doc = o.roles[role].inline![SEAL_POLICY_NAME];
                if (!doc)
                    return [`role ${role}: no inline policy ${SEAL_POLICY_NAME} (SealDenyAll, SealRevokeOlderSessions for sessions issued before ${sealedAt})`];
                return sealGaps(`role ${role} policy ${SEAL_POLICY_NAME}`, doc, sealRolePolicy(sealedAt), sids);
            }),
        unseal: (o, t) =>
            t.roles.flatMap((role) => {
                if (roleMissing(o, role)) return [`role ${role}: not found`];
                const inline = o.roles[role].inline!;
                return [
                    ...(inline[SEAL_POLICY_NAME] ? [`role ${role}: still has the inline policy ${SEAL_POLICY_NAME}`] : []),
                    ...Object.entries(inline)
                        .filter(([name]) => name !== SEAL_POLICY_NAME)
                        .flatMap(([name, d]) => leftovers(`role ${role} policy ${name}`, d)),
                ];
            }),
    },
    trustPolicy: {
        seal: (o, t, sealedAt, sids) =>
            t.roles.flatMap((role, i) => {
                if (roleMissing(o, role)) return []; // reported once, by the seal policy's check
                const p = sealed(t, sealedAt);
                return sealGaps(`role ${role}: trust policy`, o.roles[role].trust, i === 0 ? vendorTrustPolicy(p) : workloadTrustPolicy(p), sids);
            }),
        unseal: (o, t) => t.roles.flatMap((role) => (roleMissing(o, role) ? [] : leftovers(`role ${role} trust policy`, o.roles[role].trust))),
    },
    key: {
        seal: (o, t, sealedAt, sids) => [
            ...(o.keyState !== "Disabled" ? [`key ${t.keyId ?? "(unknown)"}: state is ${o.keyState}, expected Disabled`] : []),
            // A disabled key refuses every use anyway; the key-policy deny is the wall that stays if someone re-enables it.
            ...sealGaps(`key ${t.keyId ?? "(unknown)"}: key policy`, o.keyPolicy, vendorKeyPolicy(sealed(t, sealedAt)), sids),
        ],
        unseal: (o, t) => [
            ...(o.keyState !== "Enabled" ? [`key ${t.keyId ?? "(unknown)"}: state is ${o.keyState}, expected Enabled`] : []),
            ...leftovers(`key ${t.keyId ?? "(unknown)"} key policy`, o.keyPolicy),
        ],
    },
    bucketPolicy: {
        seal: (o, t, sealedAt, sids) => {
            const frozen = airlockFreezeDocuments(sealed(t, sealedAt));
            return [
                ...t.buckets.flatMap((b, i) =>
                    sealGaps(`bucket ${b}: policy`, o.buckets[b], dataBucketPolicy(sealed(t, sealedAt), t.policyInputs.datasets[i].name), sids),
                ),
                // The airlock's freeze: no decision and no release while sealed, judged by content like the rest.
                ...t.airlockBuckets.flatMap((b) => sealGaps(`airlock bucket ${b}: policy`, o.buckets[b], frozen[b], sids)),
            ];
        },
        unseal: (o, t) => [...t.buckets, ...t.airlockBuckets].flatMap((b) => leftovers(`bucket ${b}`, o.buckets[b])),
    },
    endpointPolicy: {
        seal: (o, t, sealedAt, sids) => {
            const p = sealed(t, sealedAt);
            return [
                ...sealGaps(`S3 endpoint ${t.s3EndpointId ?? "(unknown)"}: policy`, o.endpoint, s3EndpointPolicy(p), sids),
                ...missingInterfaceEndpoints(o, t),
                // Every interface endpoint in the VPC is a network path, including one added outside the stack: one of a
                // service the enclave has no policy for cannot be shown sealed.
                ...o.interfaceEndpoints.flatMap((e) =>
                    isInterfaceService(e.service)
                        ? sealGaps(`${e.service} interface endpoint ${e.id}: policy`, e.policy, interfaceEndpointPolicy(e.service, p), sids)
                        : [
                              `${e.service} interface endpoint ${e.id}: policy has no SealDenyVendor the enclave defines (not an enclave service: remove the endpoint)`,
                          ],
                ),
            ];
        },
        unseal: (o, t) => [
            ...leftovers(`S3 endpoint ${t.s3EndpointId ?? "(unknown)"}`, o.endpoint),
            ...missingInterfaceEndpoints(o, t),
            ...o.interfaceEndpoints.flatMap((e) => leftovers(`${e.service} interface endpoint ${e.id}`, e.policy)),
        ],
    },
    dnsAllowRule: {
        seal: (o, t) => dnsSealGaps(o, t),
        unseal: (o, t) => dnsUnsealGaps(o, t),
    },
};

/** Seal statements left in a document after an unseal, by Sid (any statement with a seal Sid is left over). */
function leftovers(what: string, doc: PolicyJson | null | undefined): string[] {
    return statements(doc)
        .filter((s) => SEAL_SIDS.includes(s.Sid ?? ""))
        .map((s) => `${what}: still has ${s.Sid}`);
}

/** Empty when every vendor path is sealed as the spec says, by content; otherwise one line per gap. */
export function sealFindings(o: Observed, t: EnclaveTargets, sealedAt: string): string[] {
    return SEAL_CATALOGUE.flatMap((e) => SEAL_VERIFIERS[e.kind].seal(o, t, sealedAt, e.statements));
}

/** Empty when no seal statement is left anywhere, the key is enabled again and the DNS allow rule allows again. */
export function unsealFindings(o: Observed, t: EnclaveTargets): string[] {
    return SEAL_CATALOGUE.flatMap((e) => SEAL_VERIFIERS[e.kind].unseal(o, t));
}

/** Resources a Pulumi checkpoint still holds, other than the stack itself and providers. */
export function remainingStateResources(exported: unknown): string[] {
    const resources = ((exported as { deployment?: { resources?: { urn: string; type: string }[] } })?.deployment?.resources ?? []) as {
        urn: string;
        type: string;
    }[];
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
