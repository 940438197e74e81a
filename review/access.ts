// The effective-access report of one vendor, DERIVED BY SIMULATION: every cell of the matrix is an iam-simulate
// decision over the plan's policies (review/simulate.ts) for an action of the fixed catalogue (review/catalogue.ts),
// never a reading of policy text. Only "who may assume a role" lists the trust policy's principals and conditions,
// and each of those is then verified by simulation (right / missing / wrong external ID).
import { airlockAccess, type AirlockAccessRow } from "./airlockAccess";
import type { PolicyDocument } from "../contract/policy";
import { planSecurity, planVendor } from "../plan/stacks";
import { loadSelectedVendor } from "../config/select";
import type { OrganizationSpec, SecuritySpec, VendorSpec } from "../config/schema";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadOrganizationSpec, organizationSpecPath } from "../config/load";
import { accountVendors, organizationFacts } from "../components/organization";
import { organizationPolicies } from "../iam/organization";
import { controlPolicyNames, organizationModel } from "./organization";
import { addressText, complement, contains, intervalOf, partition, setOf, subtract, toCidrs, union, type RangeSet } from "./addresses";
import { catalogueS3Entries, ESCALATION_ACTIONS, KMS_ACTIONS, S3_BUCKET_ACTIONS, S3_OBJECT_ACTIONS, type ActionClass, type CatalogueEntry } from "./catalogue";
import { coversAction, type Statement } from "../guardrails/rules/util";
import {
    simulate,
    simulateAssumeRole,
    vendorFacts,
    worldFromPlans,
    type Decision,
    type Network,
    type SimRequest,
    type SimResult,
    type VendorFacts,
    type World,
} from "./simulate";
import { sessionPathOf, type SessionPath } from "./session";

export type { SessionPath } from "./session";

/** A network path a principal's request can take, as the report names it. */
interface Path {
    label: string;
    network: Network;
    /** Internet paths: every source address this path's probe stands for (see internetPaths). */
    addresses?: SourceAddresses;
}

/**
 * The source addresses an internet path stands for, exactly: `cidrs`, or every IPv4 address except `cidrs` when
 * `complement` is set. `route` tells S3 requests ("internet") from direct KMS calls ("internet, direct").
 */
export interface SourceAddresses {
    route: string;
    cidrs: string[];
    complement: boolean;
}

export interface Grant {
    principal: string;
    principalLabel: string;
    resource: string;
    resourceLabel: string;
    class: ActionClass;
    /** Allowed actions of the class on this resource through this path. */
    actions: string[];
    path: string;
    /** Conditions found by simulation: each is a variation of an allowed request that is denied. */
    conditions: string[];
    /** Internet paths only: the source addresses the path stands for (the access diff compares these as sets). */
    addresses?: SourceAddresses;
}

export interface Assumer {
    role: string;
    roleLabel: string;
    principal: string;
    /** The trust statement's conditions, as written (e.g. `StringEquals sts:ExternalId`). */
    conditions: string[];
    /**
     * Simulated: with the right external ID (or none needed), without it, with a wrong one. A service principal (EC2)
     * never sends an external ID, so the last two are NOT_APPLICABLE for it, in JSON and Markdown alike.
     */
    withExternalId: Decision;
    withoutExternalId: Decision | typeof NOT_APPLICABLE;
    wrongExternalId: Decision | typeof NOT_APPLICABLE;
}
export const NOT_APPLICABLE = "n/a (service)";
const isServicePrincipal = (p: string) => p.endsWith(".amazonaws.com");

export interface Probe {
    who: string;
    role: string;
    decision: Decision;
    decidedBy: string;
}

export interface ExplicitDenial {
    /** `<layer>:<Sid>` of the first explicit deny. */
    by: string;
    principalLabel: string;
    path: string;
    resourceLabel: string;
    actions: string[];
}

export interface AccessReport {
    /** Present only for an enclave with an airlock: who may submit, approve and read released files, simulated. */
    airlock?: AirlockAccessRow[];
    /**
     * Present only for an enclave with a workspace (or a role that may start sessions): who may open a session where,
     * with which document and what it opens, simulated; and what is refused.
     */
    sessions?: SessionPath[];
    /** The workspace instances of the plan, by name and enclave:vendor tag. */
    sessionInstances?: { name: string; vendorTag: string }[];
    vendorId: string;
    sealed: boolean;
    assumers: Assumer[];
    /** Principals that must NOT be able to assume the vendor role, simulated. */
    probes: Probe[];
    grants: Grant[];
    denials: ExplicitDenial[];
    mermaid: string;
    /** How many requests were simulated. No timing here: the report must print the same bytes on every run. */
    stats: { simulations: number };
    notes: string[];
    /** Account mode only: the SCPs and RCPs that apply to the vendor's account, root first (review/organization.ts). */
    organization?: { scps: string[]; rcps: string[] };
}

const short = (arn: string) => arn.replace(/^arn:aws:iam::\d{12}:role\//, "role/").replace(/^arn:aws:s3:::/, "s3://");

/** The report of a validated vendor spec: its plan and the security stack's (the archive), one after another. */
export async function accessReportOf(spec: VendorSpec, security: SecuritySpec, organization?: OrganizationSpec): Promise<AccessReport> {
    const vendor = await planVendor(spec, security);
    const archive = await planSecurity(security);
    const world = worldFromPlans(vendor, archive);
    // Account mode: the organization's SCPs and RCPs join the simulation, as the organization stack attaches them.
    if (spec.isolation === "account" && organization) {
        const set = organizationPolicies(organizationFacts(organization), accountVendors([spec]));
        world.organization = organizationModel(organization.organizationId, set, [
            { accountId: spec.account.id, placement: spec.sealed ? "quarantine" : "vendors" },
            { accountId: security.account.id, placement: "other" },
        ]);
    }
    return accessReport(world, spec.id);
}

/** The report of stacks/<vendorId>.yaml, or of `spec` if given. */
export async function accessReportFor(vendorId: string | undefined, opts: { spec?: string; securitySpec?: string } = {}): Promise<AccessReport> {
    const loaded = loadSelectedVendor({ vendor: opts.spec ? undefined : vendorId, spec: opts.spec, securitySpec: opts.securitySpec });
    const orgFile = organizationSpecPath(path.dirname(loaded.file));
    const organization = loaded.spec.isolation === "account" && fs.existsSync(orgFile) ? loadOrganizationSpec(orgFile) : undefined;
    return accessReportOf(loaded.spec, loaded.security, organization);
}

/** The report of one vendor of `world` (its plan, plus the security plan when the archive should be covered). */
export async function accessReport(world: World, vendorId: string): Promise<AccessReport> {
    const v = vendorFacts(world, vendorId);
    const internet = internetPaths(world, v);
    const outside = internet[internet.length - 1];
    let simulations = 0;
    const run = async (req: SimRequest): Promise<SimResult> => {
        simulations++;
        const r = await simulate(world, req);
        if (r.kms) simulations++;
        return r;
    };

    // --- who can assume the roles (trust policy principals, each verified by simulation)
    const assumers: Assumer[] = [];
    for (const roleArn of [v.vendorRoleArn, v.workloadRoleArn]) {
        const role = world.roles.get(roleArn);
        for (const st of role?.trust?.Statement ?? []) {
            if (st.Effect !== "Allow") continue;
            const p = st.Principal as { AWS?: string | string[]; Service?: string | string[] } | "*";
            const cond = st.Condition as Record<string, Record<string, unknown>> | undefined;
            // An account principal pinned by ArnEquals aws:PrincipalArn admits exactly those principals of that account.
            const pinned = [cond?.ArnEquals?.["aws:PrincipalArn"] ?? []].flat() as string[];
            const aws =
                p === "*"
                    ? []
                    : [p.AWS ?? []]
                          .flat()
                          .flatMap((a) => (/:root$/.test(a) && pinned.length ? pinned.filter((x) => x.split(":")[4] === a.split(":")[4]) : [a]));
            const principals = p === "*" ? ["*"] : [...aws, ...[p.Service ?? []].flat()];
            // The pinning condition is the principal list itself, already one row per principal.
            const conditions = Object.entries(cond ?? {}).flatMap(([op, kv]) =>
                Object.entries(kv)
                    .filter(([k]) => !(op === "ArnEquals" && k === "aws:PrincipalArn" && pinned.length))
                    .map(([k, val]) => `${op} ${k} = ${JSON.stringify(val)}`),
            );
            for (const principal of principals) {
                const sim = async (externalId: string | null | "right") => {
                    simulations++;
                    return (
                        await simulateAssumeRole(world, {
                            roleArn,
                            principal: principal === "*" ? "arn:aws:iam::999999999999:role/anyone" : principal,
                            externalId,
                        })
                    ).decision;
                };
                assumers.push({
                    role: roleArn,
                    roleLabel: short(roleArn),
                    principal,
                    conditions,
                    withExternalId: await sim("right"),
                    withoutExternalId: isServicePrincipal(principal) ? NOT_APPLICABLE : await sim(null),
                    wrongExternalId: isServicePrincipal(principal) ? NOT_APPLICABLE : await sim("wrong-external-id"),
                });
            }
        }
    }
    const probeWho: [string, string][] = [
        ["an unknown account's role", "arn:aws:iam::999999999999:role/attacker"],
        ["anonymous", "anonymous"],
        ...world.vendors.filter((o) => o.vendorId !== vendorId).map((o) => [`vendor ${o.vendorId}'s role`, o.vendorRoleArn] as [string, string]),
    ];
    const probes: Probe[] = [];
    for (const [who, principal] of probeWho) {
        simulations++;
        const r = await simulateAssumeRole(world, { roleArn: v.vendorRoleArn, principal, externalId: "right" });
        probes.push({
            who,
            role: short(v.vendorRoleArn),
            decision: r.decision,
            decidedBy: `${r.decidedBy.layer}${r.decidedBy.sid ? `:${r.decidedBy.sid}` : ""}`,
        });
    }

    // --- the matrix
    const principals = principalPaths(v, internet);
    const grants: Grant[] = [];
    const denialMap = new Map<string, ExplicitDenial>();
    const resources = resourcesOf(v);
    const extra = await catalogueS3Entries();
    const objectEntries = new Set([...S3_OBJECT_ACTIONS, ...extra.object]);
    for (const pr of principals) {
        for (const path of pr.paths) {
            for (const res of resources) {
                const entries =
                    res.kind === "key"
                        ? KMS_ACTIONS
                        : [
                              ...S3_BUCKET_ACTIONS,
                              ...S3_OBJECT_ACTIONS,
                              ...(pr.vendorSide ? [...extra.bucket, ...extra.object].filter((e) => mayAllow(world, pr.arn, res.arn, e.action)) : []),
                          ];
                const variants: { entry: CatalogueEntry; req: SimRequest; pathLabel: string; addresses?: SourceAddresses }[] = [];
                for (const entry of entries) {
                    const object = objectEntries.has(entry);
                    const resource = res.kind === "bucket" && object ? `${res.arn}/reports/sample.bin` : res.arn;
                    if (res.kind === "key") {
                        if (entry.class === "key-use" && path === pr.paths[0]) {
                            // S3 calls KMS on the caller's behalf: no network keys, so this is simulated once per principal.
                            // Through S3 (kms:ViaService) - the only vendor use the design allows - and directly.
                            variants.push({
                                entry,
                                pathLabel: "via S3 (any path S3 allowed)",
                                req: {
                                    principal: pr.arn,
                                    action: entry.action,
                                    resource,
                                    network: { via: "service" },
                                    viaService: `s3.${v.region}.amazonaws.com`,
                                },
                            });
                        }
                        const direct = kmsDirectPath(v, path);
                        if (direct)
                            variants.push({
                                entry,
                                pathLabel: direct.label,
                                addresses: direct.addresses,
                                req: { principal: pr.arn, action: entry.action, resource, network: direct.network },
                            });
                    } else {
                        if (path.network.via === "endpoint" && world.endpoints.get(path.network.endpointId)?.service !== "s3") continue;
                        variants.push({
                            entry,
                            pathLabel: path.label,
                            addresses: path.addresses,
                            req: { principal: pr.arn, action: entry.action, resource, network: path.network },
                        });
                    }
                }
                for (const { entry, req, pathLabel, addresses } of variants) {
                    const r = await run(req);
                    if (r.allowed) {
                        const conditions = await conditionsOf(req, run, outside.network);
                        let g = grants.find(
                            (x) =>
                                x.principal === pr.arn &&
                                x.resource === res.arn &&
                                x.class === entry.class &&
                                x.path === pathLabel &&
                                x.conditions.join() === conditions.join(),
                        );
                        if (!g) {
                            g = {
                                principal: pr.arn,
                                principalLabel: pr.label,
                                resource: res.arn,
                                resourceLabel: res.label,
                                class: entry.class,
                                actions: [],
                                path: pathLabel,
                                conditions,
                                ...(addresses ? { addresses } : {}),
                            };
                            grants.push(g);
                        }
                        g.actions.push(entry.action);
                    } else if (r.decision === "ExplicitlyDenied") {
                        const by = `${r.decidedBy.layer}:${r.decidedBy.sid ?? "?"}`;
                        const key = `${by}|${pr.label}|${pathLabel}|${res.label}`;
                        const d = denialMap.get(key) ?? { by, principalLabel: pr.label, path: pathLabel, resourceLabel: res.label, actions: [] };
                        d.actions.push(entry.action);
                        denialMap.set(key, d);
                    }
                }
            }
            // Escalation attempts: vendor-side roles only (the operators' identity policies are not in the plan).
            if (pr.vendorSide) {
                for (const [action, resource] of escalationTargets(v)) {
                    const r = await run({ principal: pr.arn, action, resource, network: outside.network });
                    if (r.allowed)
                        grants.push({
                            principal: pr.arn,
                            principalLabel: pr.label,
                            resource,
                            resourceLabel: short(resource),
                            class: "escalation",
                            actions: [action],
                            path: "any",
                            conditions: [],
                        });
                }
            }
        }
    }
    // --- the session path (workspace only): StartSession is authorised on the instance AND the document
    const sessionPath = await sessionPathOf(world, v, short);
    if (sessionPath) simulations += sessionPath.simulations;
    const sessions = sessionPath?.rows;
    const airlock = await airlockAccess(world, v, run, outside.network);
    const notes = [
        "Derived by iam-simulate over the plan's policies (identity, permissions boundary, bucket/key/trust policy, VPC endpoint policy).",
        "The deployer and break-glass roles' own identity policies are outside this plan and modelled as allow-all: their rows show what the enclave's resource policies leave them.",
        "Not proved by simulation: propagation delay of policy changes, SCPs/RCPs of the real organisation, network reachability, service-side behaviour.",
    ];
    const report: AccessReport = {
        ...(sessions ? { sessions, sessionInstances: v.workspace?.instances ?? [] } : {}),
        ...(airlock.length ? { airlock } : {}),
        vendorId,
        sealed: v.sealed,
        assumers,
        probes,
        grants,
        denials: [...denialMap.values()],
        mermaid: "",
        stats: { simulations },
        notes,
        ...(world.organization ? { organization: controlPolicyNames(world.organization, v.accountId) } : {}),
    };
    report.mermaid = mermaid(v, report);
    return report;
}

/**
 * Could any Allow statement reach `action` for this principal on this bucket: one of the role's identity policies, or
 * the bucket policy (which alone can grant a principal of the same account)? If not, the request cannot be allowed
 * and need not be simulated. Only used for the catalogue's extra actions, for roles whose policies are in the plan.
 */
function mayAllow(world: World, principal: string, bucketArn: string, action: string): boolean {
    const docs = [...(world.roles.get(principal)?.identity.map((i) => i.policy) ?? []), world.buckets.get(bucketArn)?.policy];
    return docs.some((d) => (d?.Statement ?? []).some((st) => st.Effect === "Allow" && coversAction(st as unknown as Statement, action)));
}

interface PrincipalPaths {
    arn: string;
    label: string;
    vendorSide: boolean;
    paths: Path[];
}

function principalPaths(v: VendorFacts, internet: Path[]): PrincipalPaths[] {
    const endpoint: Path = { label: "enclave S3 endpoint", network: { via: "endpoint", endpointId: v.s3EndpointId } };
    const outside = internet[internet.length - 1];
    // Both vendor-side roles are probed from every part of the address space: a workload role that a policy change
    // lets in from an allow-listed range is a widening like any other.
    const out: PrincipalPaths[] = [
        { arn: v.vendorRoleArn, label: short(v.vendorRoleArn), vendorSide: true, paths: [endpoint, ...internet] },
        { arn: v.workloadRoleArn, label: short(v.workloadRoleArn), vendorSide: true, paths: [endpoint, ...internet] },
    ];
    if (v.deployerRoleArn)
        out.push({
            arn: v.deployerRoleArn,
            label: `${short(v.deployerRoleArn)} (deployer)`,
            vendorSide: false,
            paths: [{ label: "any network", network: outside.network }],
        });
    if (v.breakGlassRoleArn)
        out.push({
            arn: v.breakGlassRoleArn,
            label: `${short(v.breakGlassRoleArn)} (break-glass)`,
            vendorSide: false,
            paths: [{ label: "any network", network: outside.network }],
        });
    return out;
}

/** Every aws:SourceIp value any policy of the world names, whatever the condition operator. */
function sourceIpRanges(world: World): string[] {
    const docs: (PolicyDocument | undefined)[] = [];
    for (const r of world.roles.values()) docs.push(r.trust, r.boundary?.policy, ...r.identity.map((i) => i.policy));
    for (const b of world.buckets.values()) docs.push(b.policy);
    for (const k of world.keys.values()) docs.push(k.policy);
    for (const e of world.endpoints.values()) docs.push(e.policy);
    const out: string[] = [];
    for (const doc of docs) {
        for (const st of doc?.Statement ?? []) {
            for (const kv of Object.values((st.Condition ?? {}) as Record<string, Record<string, unknown>>)) {
                for (const [key, value] of Object.entries(kv ?? {})) {
                    if (key.toLowerCase() === "aws:sourceip") out.push(...[value].flat().map(String));
                }
            }
        }
    }
    return out;
}

const OUTSIDE_CANDIDATES = ["203.0.113.10", "198.51.100.10", "192.0.2.10"];
const FIRST_ROUTABLE = 1n << 24n;

/**
 * The internet paths of a vendor, derived from the ranges themselves. The address space (less the VPC's own range,
 * which no request reaches over the internet) is cut into parts by every aws:SourceIp range any policy names and the
 * allow-listed egress ranges; addresses of one part meet the same conditions, so one probe address inside the part
 * decides for all of it (a /32 or /31 included: the probe is the part's own first address). The last path stands for
 * every address in none of the ranges: its probe lies outside all of them and outside the VPC.
 */
export function internetPaths(world: World, v: VendorFacts): Path[] {
    const vpc = v.vpcCidr ? setOf([v.vpcCidr]) : [];
    const egress = setOf(v.egressCidrs);
    const paths: Path[] = [];
    for (const part of partition([...sourceIpRanges(world), ...v.egressCidrs].filter((c) => intervalOf(c) !== undefined))) {
        const set = subtract(part.set, vpc);
        if (set.length === 0) continue;
        if (part.members.length === 0) {
            // A documentation address when it is free, else the first address past 0.0.0.0/8 ("this network").
            const preferred = OUTSIDE_CANDIDATES.map((a) => intervalOf(a)![0]).find((a) => contains(set, a));
            const [s, e] = set.find(([, end]) => end >= FIRST_ROUTABLE) ?? set[0];
            const probe = preferred ?? (s < FIRST_ROUTABLE && e >= FIRST_ROUTABLE ? FIRST_ROUTABLE : s);
            const exclude = complement(set);
            paths.push({
                label: "internet (other IP)",
                network: { via: "internet", sourceIp: addressText(probe) },
                addresses: { route: "internet", cidrs: toCidrs(exclude), complement: true },
            });
            continue;
        }
        const cidrs = toCidrs(set);
        const inEgress = subtract(set, egress).length === 0;
        paths.push({
            label: `${inEgress ? "vendor egress" : "internet from"} ${cidrs.join(", ")}`,
            network: { via: "internet", sourceIp: addressText(set[0][0]) },
            addresses: { route: "internet", cidrs, complement: false },
        });
    }
    return paths;
}

/** The exact set of addresses `a` stands for. */
export function addressSet(a: SourceAddresses): RangeSet {
    const set = setOf(a.cidrs);
    return a.complement ? complement(set) : union(set);
}

function kmsDirectPath(v: VendorFacts, path: Path): Path | undefined {
    if (path.network.via !== "endpoint")
        return {
            label: `${path.label}, direct`,
            network: path.network,
            ...(path.addresses ? { addresses: { ...path.addresses, route: "internet, direct" } } : {}),
        };
    const kmsEndpoint = v.interfaceEndpoints.kms;
    return kmsEndpoint ? { label: "enclave KMS endpoint, direct", network: { via: "endpoint", endpointId: kmsEndpoint } } : undefined;
}

interface ResourceRef {
    arn: string;
    label: string;
    kind: "bucket" | "key";
}

function resourcesOf(v: VendorFacts): ResourceRef[] {
    return [
        ...Object.entries(v.buckets)
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([d, arn]) => ({ arn, label: `dataset ${d}`, kind: "bucket" as const })),
        { arn: v.keyArn, label: "vendor KMS key", kind: "key" as const },
        ...(v.archiveBucketArn ? [{ arn: v.archiveBucketArn, label: "log archive", kind: "bucket" as const }] : []),
    ];
}

function escalationTargets(v: VendorFacts): [string, string][] {
    const acct = v.accountId;
    const targets: Record<(typeof ESCALATION_ACTIONS)[number], string> = {
        "iam:PutRolePolicy": v.vendorRoleArn,
        "iam:AttachRolePolicy": v.vendorRoleArn,
        "iam:DeleteRolePermissionsBoundary": v.vendorRoleArn,
        "iam:CreateRole": `arn:aws:iam::${acct}:role/escalation-probe`,
        "iam:PassRole": v.workloadRoleArn,
        "ec2:ModifyVpcEndpoint": `arn:aws:ec2:${v.region}:${acct}:vpc-endpoint/${v.s3EndpointId}`,
        "cloudtrail:StopLogging": v.trailArn ?? `arn:aws:cloudtrail:${v.region}:${acct}:trail/enclave-${v.vendorId}`,
        "cloudtrail:DeleteTrail": v.trailArn ?? `arn:aws:cloudtrail:${v.region}:${acct}:trail/enclave-${v.vendorId}`,
        "ec2:DeleteFlowLogs": v.flowLogArn ?? `arn:aws:ec2:${v.region}:${acct}:vpc-flow-log/*`,
    };
    return ESCALATION_ACTIONS.map((a) => [a, targets[a]]);
}

/** Conditions of an allowed request, found by simulating variations of it that AWS would deny. */
async function conditionsOf(req: SimRequest, run: (r: SimRequest) => Promise<SimResult>, outside: Network): Promise<string[]> {
    const out: string[] = [];
    if (!(await run({ ...req, secureTransport: false })).allowed) out.push("TLS only");
    if (req.action === "s3:PutObject") {
        if (!(await run({ ...req, sse: { algorithm: "AES256" } })).allowed) out.push("SSE-KMS with the bucket's key");
    }
    if (req.viaService && !(await run({ ...req, viaService: undefined, network: outside })).allowed) out.push("only via S3");
    return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

function mermaidId(s: string): string {
    return s.replace(/[^A-Za-z0-9]/g, "_");
}
const q = (s: string) => s.replace(/"/g, "'");

function classesOf(report: AccessReport, principal: string, resource: string, path?: (p: string) => boolean): string {
    const classes = [
        ...new Set(report.grants.filter((g) => g.principal === principal && g.resource === resource && (!path || path(g.path))).map((g) => g.class)),
    ];
    return classes.join(", ");
}

export function mermaid(v: VendorFacts, report: AccessReport): string {
    const lines = ["flowchart LR"];
    const vendorPrincipals = report.assumers.filter((a) => a.role === v.vendorRoleArn);
    lines.push(`  subgraph vendor["vendor ${q(v.vendorId)} principals"]`);
    for (const a of vendorPrincipals) lines.push(`    ${mermaidId(`p_${a.principal}`)}["${q(a.principal.replace(/^arn:aws:iam::/, ""))}"]`);
    lines.push("  end");
    const workloadAssumers = report.assumers.filter((a) => a.role === v.workloadRoleArn);
    for (const a of workloadAssumers) lines.push(`  ${mermaidId(`p_${a.principal}`)}["${q(a.principal)}"]`);
    lines.push(`  subgraph enclave["enclave ${q(v.vendorId)} (account ${v.accountId})"]`);
    lines.push(`    vr["${q(short(v.vendorRoleArn))}"]`);
    lines.push(`    wr["${q(short(v.workloadRoleArn))}"]`);
    lines.push(`    ep{{"S3 endpoint ${q(v.s3EndpointId)}"}}`);
    const datasets = Object.entries(v.buckets).sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [d] of datasets) lines.push(`    ${mermaidId(`b_${d}`)}[("${q(d)}")]`);
    lines.push(`    key{{"KMS key"}}`);
    lines.push("  end");
    for (const a of vendorPrincipals) {
        const label = a.withExternalId === "Allowed" ? (a.withoutExternalId === "Allowed" ? "AssumeRole" : "AssumeRole + ExternalId") : "AssumeRole DENIED";
        lines.push(`  ${mermaidId(`p_${a.principal}`)} -- "${label}" --> vr`);
    }
    for (const a of workloadAssumers)
        lines.push(`  ${mermaidId(`p_${a.principal}`)} -- "${a.withExternalId === "Allowed" ? "AssumeRole" : "AssumeRole DENIED"}" --> wr`);
    lines.push(`  vr --> ep`);
    lines.push(`  wr --> ep`);
    for (const [d, arn] of datasets) {
        const viaEndpoint = [
            ...new Set(
                [v.vendorRoleArn, v.workloadRoleArn].flatMap((p) =>
                    classesOf(report, p, arn, (x) => x === "enclave S3 endpoint")
                        .split(", ")
                        .filter(Boolean),
                ),
            ),
        ];
        lines.push(`  ep -- "${viaEndpoint.join(", ") || "no access"}" --> ${mermaidId(`b_${d}`)}`);
        // One edge per internet path the vendor role reaches the dataset by, whatever its prefix length.
        const internetLabels = [
            ...new Set(
                report.grants.filter((g) => g.principal === v.vendorRoleArn && g.resource === arn && g.addresses?.route === "internet").map((g) => g.path),
            ),
        ];
        for (const label of internetLabels) {
            const c = classesOf(report, v.vendorRoleArn, arn, (x) => x === label);
            lines.push(`  vr -- "${q(`${label.replace(/^vendor egress /, "from ")}: ${c}`)}" --> ${mermaidId(`b_${d}`)}`);
        }
        lines.push(`  ${mermaidId(`b_${d}`)} -. "SSE-KMS" .-> key`);
    }
    const sessionEdges = new Map<string, string[]>();
    for (const r of report.sessions ?? []) {
        if (r.decision !== "Allowed" || r.action !== "ssm:StartSession") continue;
        const from = r.principalLabel === short(v.vendorRoleArn) ? "vr" : r.principalLabel === short(v.workloadRoleArn) ? "wr" : undefined;
        if (!from) continue;
        const k = `${from}|${r.target}`;
        sessionEdges.set(k, [...(sessionEdges.get(k) ?? []), `${r.document}: ${r.opens}`]);
    }
    if (report.sessions) lines.push(`  ws[["workspace instances (${(report.sessionInstances ?? []).length})"]]`);
    for (const [k, docs] of sessionEdges) {
        const [from, target] = k.split("|");
        const to = target.startsWith("this enclave's") ? "ws" : mermaidId(`t_${target}`);
        if (to !== "ws") lines.push(`  ${to}["${q(target)}"]`);
        lines.push(`  ${from} -- "${q(`StartSession, ${docs.join("; ")}`)}" --> ${to}`);
    }
    if (v.archiveBucketArn) {
        lines.push(`  archive[("log archive (security stack)")]`);
        lines.push(`  enclave -. "CloudTrail, flow logs, DNS query logs, access logs" .-> archive`);
    }
    return lines.join("\n");
}

const table = (head: string[], rows: string[][]) =>
    [
        `| ${head.join(" | ")} |`,
        `| ${head.map(() => "---").join(" | ")} |`,
        ...rows.map((r) => `| ${r.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`),
    ].join("\n");

/** The session path: what is allowed, row by row, then what is refused, grouped by who, what, where and why. */
function renderSessions(rows: SessionPath[], instances: { name: string; vendorTag: string }[]): string[] {
    const out = ["## Sessions (Session Manager)", ""];
    out.push(
        `Workspace instances in the plan: ${instances.map((i) => `${i.name} (enclave:vendor=${i.vendorTag || "none"})`).join(", ") || "none"}. ` +
            "A session is allowed only when the instance AND the document are (both simulated).",
    );
    out.push("");
    const allowed = rows.filter((r) => r.decision === "Allowed");
    out.push("Allowed:");
    out.push("");
    out.push(
        allowed.length
            ? table(
                  ["principal", "action", "target", "document", "opens", "in the session", "decided by"],
                  allowed.map((r) => [r.principalLabel, r.action, r.target, r.document, r.opens, r.conditions.join("; ") || "nothing enforced", r.decidedBy]),
              )
            : "none.",
    );
    out.push("");
    const groups = new Map<string, { r: SessionPath; documents: string[] }>();
    for (const r of rows.filter((x) => x.decision !== "Allowed")) {
        const k = [r.principalLabel, r.action, r.target, r.decision, r.decidedBy].join("|");
        const g = groups.get(k) ?? { r, documents: [] };
        g.documents.push(r.document);
        groups.set(k, g);
    }
    const everyDocument = new Set(rows.filter((r) => r.action === "ssm:StartSession").map((r) => r.document));
    const documentsOf = (r: SessionPath, documents: string[]) =>
        r.action === "ssm:StartSession" && documents.length === everyDocument.size ? `any (all ${documents.length} tried)` : documents.join(", ");
    out.push(`Refused (documents tried: ${[...everyDocument].join(", ")}):`);
    out.push("");
    out.push(
        table(
            ["principal", "action", "target", "documents", "decision", "decided by"],
            [...groups.values()].map(({ r, documents }) => [r.principalLabel, r.action, r.target, documentsOf(r, documents), r.decision, r.decidedBy]),
        ),
    );
    out.push("");
    out.push("A session is recorded, not prevented: what a vendor sees in it, it can retype or photograph.");
    out.push("");
    return out;
}

export function renderAccessMarkdown(report: AccessReport): string {
    const out: string[] = [];
    out.push(`# Effective access: ${report.vendorId}${report.sealed ? " (SEALED)" : ""}`);
    out.push("");
    out.push(`Derived by simulation: ${report.stats.simulations} requests.`);
    out.push("");
    out.push("## Who can assume the roles");
    out.push("");
    out.push(
        table(
            ["role", "principal", "conditions", "with external ID", "without", "wrong ID"],
            report.assumers.map((a) => [a.roleLabel, a.principal, a.conditions.join("; ") || "-", a.withExternalId, a.withoutExternalId, a.wrongExternalId]),
        ),
    );
    out.push("");
    out.push("Probes (must be denied):");
    out.push("");
    for (const p of report.probes) out.push(`- ${p.who} -> ${p.role}: **${p.decision}** (${p.decidedBy})`);
    out.push("");
    out.push("## Allowed access");
    out.push("");
    const grants = [...report.grants].sort((a, b) =>
        a.principalLabel + a.resourceLabel + a.path + a.class < b.principalLabel + b.resourceLabel + b.path + b.class ? -1 : 1,
    );
    out.push(
        table(
            ["principal", "resource", "class", "actions", "path", "conditions"],
            grants.map((g) => [g.principalLabel, g.resourceLabel, g.class, g.actions.join(", "), g.path, g.conditions.join("; ") || "-"]),
        ),
    );
    const vendorSide = report.grants.filter((g) => g.class === "escalation");
    out.push("");
    out.push(
        vendorSide.length
            ? `**WARNING: ${vendorSide.length} escalation action(s) allowed to a vendor-side role.**`
            : "Escalation actions (iam:PutRolePolicy, iam:PassRole, ec2:ModifyVpcEndpoint, cloudtrail:StopLogging, ...): none allowed to a vendor-side role.",
    );
    out.push("");
    out.push("## Explicitly denied");
    out.push("");
    out.push(
        table(
            ["principal", "resource", "path", "denied by", "actions"],
            report.denials.map((d) => [d.principalLabel, d.resourceLabel, d.path, d.by, d.actions.join(", ")]),
        ),
    );
    out.push("");
    if (report.sessions) out.push(...renderSessions(report.sessions, report.sessionInstances ?? []));
    if (report.airlock) {
        out.push("## Export airlock");
        out.push("");
        out.push(
            table(
                ["what", "principal", "action", "resource", "decision", "decided by"],
                report.airlock.map((r) => [r.what, r.principal, r.action, r.resource, r.decision, r.decidedBy]),
            ),
        );
        out.push("");
    }
    if (report.organization) {
        out.push("## Organization layers (account mode)");
        out.push("");
        out.push(`- SCPs on the vendor's account, root first: ${report.organization.scps.join(", ")}`);
        out.push(`- RCPs on the vendor's account, root first: ${report.organization.rcps.join(", ")}`);
        out.push("");
    }
    out.push("## Diagram");
    out.push("");
    out.push("```mermaid");
    out.push(report.mermaid);
    out.push("```");
    out.push("");
    for (const n of report.notes) out.push(`> ${n}`);
    return `${out.join("\n")}\n`;
}
