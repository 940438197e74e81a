// The effective-access report of one vendor, DERIVED BY SIMULATION: every cell of the matrix is an iam-simulate
// decision over the plan's policies (review/simulate.ts) for an action of the fixed catalogue (review/catalogue.ts),
// never a reading of policy text. Only "who may assume a role" lists the trust policy's principals and conditions,
// and each of those is then verified by simulation (right / missing / wrong external ID).
import { planSecurity, planVendor } from "../plan/stacks";
import { loadSelectedVendor } from "../config/select";
import type { SecuritySpec, VendorSpec } from "../config/schema";
import { hostInCidr } from "../config/network";
import { ESCALATION_ACTIONS, KMS_ACTIONS, S3_BUCKET_ACTIONS, S3_OBJECT_ACTIONS, type ActionClass, type CatalogueEntry } from "./catalogue";
import { simulate, simulateAssumeRole, vendorFacts, worldFromPlans, type Decision, type Network, type SimRequest, type SimResult, type VendorFacts, type World } from "./simulate";

/** A network path a principal's request can take, as the report names it. */
interface Path {
    label: string;
    network: Network;
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
}

export interface Assumer {
    role: string;
    roleLabel: string;
    principal: string;
    /** The trust statement's conditions, as written (e.g. `StringEquals sts:ExternalId`). */
    conditions: string[];
    /** Simulated: with the right external ID (or none needed), without it, with a wrong one. */
    withExternalId: Decision;
    withoutExternalId: Decision;
    wrongExternalId: Decision;
}

/** A service principal (EC2) never sends an external ID: the two columns would only repeat the first. */
function externalIdColumns(a: Assumer): string[] {
    return a.principal.endsWith(".amazonaws.com") ? ["n/a (service)", "n/a (service)"] : [a.withoutExternalId, a.wrongExternalId];
}

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
    vendorId: string;
    sealed: boolean;
    assumers: Assumer[];
    /** Principals that must NOT be able to assume the vendor role, simulated. */
    probes: Probe[];
    grants: Grant[];
    denials: ExplicitDenial[];
    mermaid: string;
    stats: { simulations: number; millis: number };
    notes: string[];
}

const OUTSIDE_IP = "203.0.113.10";
const short = (arn: string) => arn.replace(/^arn:aws:iam::\d{12}:role\//, "role/").replace(/^arn:aws:s3:::/, "s3://");

/** The report of a validated vendor spec: its plan and the security stack's (the archive), one after another. */
export async function accessReportOf(spec: VendorSpec, security: SecuritySpec): Promise<AccessReport> {
    const vendor = await planVendor(spec, security);
    const archive = await planSecurity(security);
    return accessReport(worldFromPlans(vendor, archive), spec.id);
}

/** The report of stacks/<vendorId>.yaml, or of `spec` if given. */
export async function accessReportFor(vendorId: string | undefined, opts: { spec?: string; securitySpec?: string } = {}): Promise<AccessReport> {
    const loaded = loadSelectedVendor({ vendor: opts.spec ? undefined : vendorId, spec: opts.spec, securitySpec: opts.securitySpec });
    return accessReportOf(loaded.spec, loaded.security);
}

/** The report of one vendor of `world` (its plan, plus the security plan when the archive should be covered). */
export async function accessReport(world: World, vendorId: string): Promise<AccessReport> {
    const started = Date.now();
    const v = vendorFacts(world, vendorId);
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
            const aws = p === "*" ? [] : [p.AWS ?? []].flat().flatMap((a) => (/:root$/.test(a) && pinned.length ? pinned.filter((x) => x.split(":")[4] === a.split(":")[4]) : [a]));
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
                    return (await simulateAssumeRole(world, { roleArn, principal: principal === "*" ? "arn:aws:iam::999999999999:role/anyone" : principal, externalId })).decision;
                };
                assumers.push({
                    role: roleArn,
                    roleLabel: short(roleArn),
                    principal,
                    conditions,
                    withExternalId: await sim("right"),
                    withoutExternalId: await sim(null),
                    wrongExternalId: await sim("wrong-external-id"),
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
        probes.push({ who, role: short(v.vendorRoleArn), decision: r.decision, decidedBy: `${r.decidedBy.layer}${r.decidedBy.sid ? `:${r.decidedBy.sid}` : ""}` });
    }

    // --- the matrix
    const principals = principalPaths(v);
    const grants: Grant[] = [];
    const denialMap = new Map<string, ExplicitDenial>();
    const resources = resourcesOf(v);
    for (const pr of principals) {
        for (const path of pr.paths) {
            for (const res of resources) {
                const entries = res.kind === "key" ? KMS_ACTIONS : res.kind === "bucket" ? [...S3_BUCKET_ACTIONS, ...S3_OBJECT_ACTIONS] : [];
                const variants: { entry: CatalogueEntry; req: SimRequest; pathLabel: string }[] = [];
                for (const entry of entries) {
                    const object = S3_OBJECT_ACTIONS.includes(entry);
                    const resource = res.kind === "bucket" && object ? `${res.arn}/reports/sample.bin` : res.arn;
                    if (res.kind === "key") {
                        if (entry.class === "key-use" && path === pr.paths[0]) {
                            // S3 calls KMS on the caller's behalf: no network keys, so this is simulated once per principal.
                            // Through S3 (kms:ViaService) - the only vendor use the design allows - and directly.
                            variants.push({ entry, pathLabel: "via S3 (any path S3 allowed)", req: { principal: pr.arn, action: entry.action, resource, network: { via: "service" }, viaService: `s3.${v.region}.amazonaws.com` } });
                        }
                        const direct = kmsDirectPath(v, path);
                        if (direct) variants.push({ entry, pathLabel: direct.label, req: { principal: pr.arn, action: entry.action, resource, network: direct.network } });
                    } else {
                        if (path.network.via === "endpoint" && world.endpoints.get(path.network.endpointId)?.service !== "s3") continue;
                        variants.push({ entry, pathLabel: path.label, req: { principal: pr.arn, action: entry.action, resource, network: path.network } });
                    }
                }
                for (const { entry, req, pathLabel } of variants) {
                    const r = await run(req);
                    if (r.allowed) {
                        const conditions = await conditionsOf(req, run);
                        let g = grants.find((x) => x.principal === pr.arn && x.resource === res.arn && x.class === entry.class && x.path === pathLabel && x.conditions.join() === conditions.join());
                        if (!g) {
                            g = { principal: pr.arn, principalLabel: pr.label, resource: res.arn, resourceLabel: res.label, class: entry.class, actions: [], path: pathLabel, conditions };
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
                    const r = await run({ principal: pr.arn, action, resource, network: { via: "internet", sourceIp: OUTSIDE_IP } });
                    if (r.allowed) grants.push({ principal: pr.arn, principalLabel: pr.label, resource, resourceLabel: short(resource), class: "escalation", actions: [action], path: "any", conditions: [] });
                }
            }
        }
    }
    const notes = [
        "Derived by iam-simulate over the plan's policies (identity, permissions boundary, bucket/key/trust policy, VPC endpoint policy).",
        "The deployer and break-glass roles' own identity policies are outside this plan and modelled as allow-all: their rows show what the enclave's resource policies leave them.",
        "Not proved by simulation: propagation delay of policy changes, SCPs/RCPs of the real organisation, network reachability, service-side behaviour.",
    ];
    const report: AccessReport = {
        vendorId,
        sealed: v.sealed,
        assumers,
        probes,
        grants,
        denials: [...denialMap.values()],
        mermaid: "",
        stats: { simulations, millis: 0 },
        notes,
    };
    report.mermaid = mermaid(v, report);
    report.stats.millis = Date.now() - started;
    return report;
}

interface PrincipalPaths {
    arn: string;
    label: string;
    vendorSide: boolean;
    paths: Path[];
}

function principalPaths(v: VendorFacts): PrincipalPaths[] {
    const endpoint: Path = { label: "enclave S3 endpoint", network: { via: "endpoint", endpointId: v.s3EndpointId } };
    const internet: Path = { label: "internet (other IP)", network: { via: "internet", sourceIp: OUTSIDE_IP } };
    const egress: Path[] = v.egressCidrs.map((c) => ({ label: `vendor egress ${c}`, network: { via: "internet", sourceIp: hostInCidr(c, 7) } }));
    const out: PrincipalPaths[] = [
        { arn: v.vendorRoleArn, label: short(v.vendorRoleArn), vendorSide: true, paths: [endpoint, ...egress, internet] },
        { arn: v.workloadRoleArn, label: short(v.workloadRoleArn), vendorSide: true, paths: [endpoint, internet] },
    ];
    if (v.deployerRoleArn) out.push({ arn: v.deployerRoleArn, label: `${short(v.deployerRoleArn)} (deployer)`, vendorSide: false, paths: [{ label: "any network", network: internet.network }] });
    if (v.breakGlassRoleArn) out.push({ arn: v.breakGlassRoleArn, label: `${short(v.breakGlassRoleArn)} (break-glass)`, vendorSide: false, paths: [{ label: "any network", network: internet.network }] });
    return out;
}

function kmsDirectPath(v: VendorFacts, path: Path): Path | undefined {
    if (path.network.via !== "endpoint") return { label: `${path.label}, direct`, network: path.network };
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
async function conditionsOf(req: SimRequest, run: (r: SimRequest) => Promise<SimResult>): Promise<string[]> {
    const out: string[] = [];
    if (!(await run({ ...req, secureTransport: false })).allowed) out.push("TLS only");
    if (req.action === "s3:PutObject") {
        if (!(await run({ ...req, sse: { algorithm: "AES256" } })).allowed) out.push("SSE-KMS with the bucket's key");
    }
    if (req.viaService && !(await run({ ...req, viaService: undefined, network: { via: "internet", sourceIp: OUTSIDE_IP } })).allowed) out.push("only via S3");
    return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

function mermaidId(s: string): string {
    return s.replace(/[^A-Za-z0-9]/g, "_");
}
const q = (s: string) => s.replace(/"/g, "'");

function classesOf(report: AccessReport, principal: string, resource: string, path?: (p: string) => boolean): string {
    const classes = [...new Set(report.grants.filter((g) => g.principal === principal && g.resource === resource && (!path || path(g.path))).map((g) => g.class))];
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
    for (const a of workloadAssumers) lines.push(`  ${mermaidId(`p_${a.principal}`)} -- "${a.withExternalId === "Allowed" ? "AssumeRole" : "AssumeRole DENIED"}" --> wr`);
    lines.push(`  vr --> ep`);
    lines.push(`  wr --> ep`);
    for (const [d, arn] of datasets) {
        const viaEndpoint = [...new Set([v.vendorRoleArn, v.workloadRoleArn].flatMap((p) => classesOf(report, p, arn, (x) => x === "enclave S3 endpoint").split(", ").filter(Boolean)))];
        lines.push(`  ep -- "${viaEndpoint.join(", ") || "no access"}" --> ${mermaidId(`b_${d}`)}`);
        for (const cidr of v.egressCidrs) {
            const c = classesOf(report, v.vendorRoleArn, arn, (x) => x === `vendor egress ${cidr}`);
            if (c) lines.push(`  vr -- "${q(`from ${cidr}: ${c}`)}" --> ${mermaidId(`b_${d}`)}`);
        }
        lines.push(`  ${mermaidId(`b_${d}`)} -. "SSE-KMS" .-> key`);
    }
    if (v.archiveBucketArn) {
        lines.push(`  archive[("log archive (security stack)")]`);
        lines.push(`  enclave -. "CloudTrail, flow logs, DNS query logs, access logs" .-> archive`);
    }
    return lines.join("\n");
}

const table = (head: string[], rows: string[][]) =>
    [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`)].join("\n");

export function renderAccessMarkdown(report: AccessReport): string {
    const out: string[] = [];
    out.push(`# Effective access: ${report.vendorId}${report.sealed ? " (SEALED)" : ""}`);
    out.push("");
    out.push(`Derived by simulation: ${report.stats.simulations} requests in ${report.stats.millis} ms.`);
    out.push("");
    out.push("## Who can assume the roles");
    out.push("");
    out.push(
        table(
            ["role", "principal", "conditions", "with external ID", "without", "wrong ID"],
            report.assumers.map((a) => [a.roleLabel, a.principal, a.conditions.join("; ") || "-", a.withExternalId, ...externalIdColumns(a)]),
        ),
    );
    out.push("");
    out.push("Probes (must be denied):");
    out.push("");
    for (const p of report.probes) out.push(`- ${p.who} -> ${p.role}: **${p.decision}** (${p.decidedBy})`);
    out.push("");
    out.push("## Allowed access");
    out.push("");
    const grants = [...report.grants].sort((a, b) => (a.principalLabel + a.resourceLabel + a.path + a.class < b.principalLabel + b.resourceLabel + b.path + b.class ? -1 : 1));
    out.push(table(["principal", "resource", "class", "actions", "path", "conditions"], grants.map((g) => [g.principalLabel, g.resourceLabel, g.class, g.actions.join(", "), g.path, g.conditions.join("; ") || "-"])));
    const vendorSide = report.grants.filter((g) => g.class === "escalation");
    out.push("");
    out.push(vendorSide.length ? `**WARNING: ${vendorSide.length} escalation action(s) allowed to a vendor-side role.**` : "Escalation actions (iam:PutRolePolicy, iam:PassRole, ec2:ModifyVpcEndpoint, cloudtrail:StopLogging, ...): none allowed to a vendor-side role.");
    out.push("");
    out.push("## Explicitly denied");
    out.push("");
    out.push(table(["principal", "resource", "path", "denied by", "actions"], report.denials.map((d) => [d.principalLabel, d.resourceLabel, d.path, d.by, d.actions.join(", ")])));
    out.push("");
    out.push("## Diagram");
    out.push("");
    out.push("```mermaid");
    out.push(report.mermaid);
    out.push("```");
    out.push("");
    for (const n of report.notes) out.push(`> ${n}`);
    return `${out.join("\n")}\n`;
}
