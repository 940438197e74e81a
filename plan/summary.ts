import Table from "cli-table3";
import pc from "picocolors";
import { COMPONENT_PREFIX, INTERNET_PATH_TYPES, T, VENDOR_ENCLAVE_COMPONENT } from "../contract/tokens";
import { parsePolicyDocument } from "../iam/document";
import { vendorOutputs } from "./read";
import type { Plan, PlanResource } from "./types";

/** The component a resource belongs to: its nearest ancestor that is a component of this toolkit. */
function componentOf(r: PlanResource, byUrn: Map<string, PlanResource>): string {
    let parent = r.parent ? byUrn.get(r.parent) : undefined;
    while (parent && !(parent.type.startsWith(COMPONENT_PREFIX) && parent.type !== VENDOR_ENCLAVE_COMPONENT)) {
        parent = parent.parent ? byUrn.get(parent.parent) : undefined;
    }
    return parent ? parent.type.split(":").pop()! : "(stack)";
}

const ofType = (plan: Plan, types: readonly string[]) => plan.resources.filter((r) => types.includes(r.type));

/** Table layout: at a terminal, columns fit its width and long values wrap inside words; piped, nothing is cut. */
function tableLayout(width: number | undefined, first: number): { colWidths?: number[]; wordWrap?: boolean; wrapOnWordBoundary?: boolean } {
    if (!width) return {};
    // Borders and padding take 7 columns for two columns of content.
    return { colWidths: [first, Math.max(20, width - first - 3)], wordWrap: true, wrapOnWordBoundary: false };
}
const defaultWidth = () => (process.stdout.isTTY ? process.stdout.columns : undefined);

/** What the VPC's resolver answers: the firewall's rules in priority order, fail-open setting and query logging. */
function dnsFact(plan: Plan): string {
    const lists = new Map(ofType(plan, T.dnsDomainList).map((l) => [l.outputs.id, l.inputs.domains as string[]]));
    const rules = ofType(plan, T.dnsRule).sort((a, b) => Number(a.inputs.priority) - Number(b.inputs.priority));
    if (rules.length === 0 || ofType(plan, T.dnsAssociation).length === 0) {
        return pc.red("NO DNS Firewall: the resolver answers any internet name");
    }
    const config = ofType(plan, T.dnsFirewallConfig)[0];
    const queryLog = ofType(plan, T.dnsQueryLog)[0];
    const ruleText = rules.map((r) => `${r.inputs.action} ${(lists.get(r.inputs.firewallDomainListId) ?? ["?"]).join(" ")}`).join("; then ");
    const failOpen = config?.inputs.firewallFailOpen === "DISABLED" ? "fails closed" : pc.red("FAILS OPEN");
    return `${ruleText}; ${failOpen}; query logs -> ${queryLog ? queryLog.inputs.destinationArn : pc.red("NONE")}`;
}

/**
 * AWS resources in a plan: custom resources of the AWS provider (type `aws:...`). Pulumi's own (providers, stack
 * references) and other providers' (RandomPassword) are not AWS resources. plan, check and the fleet table all count
 * with this one definition.
 */
export const isAwsResource = (r: PlanResource): boolean => r.custom && r.type.startsWith("aws:");

export function awsResources(plan: Plan): PlanResource[] {
    return plan.resources.filter(isAwsResource);
}

/**
 * The human view of a plan: what gets created, grouped by component, then the facts a security reviewer checks.
 * `width`: the terminal's columns (tables wrap to it); undefined when piped, so every value prints in full.
 */
export function renderSummary(plan: Plan, width: number | undefined = defaultWidth()): string {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const custom = awsResources(plan);
    const groups = new Map<string, Map<string, number>>();
    for (const r of custom) {
        const comp = componentOf(r, byUrn);
        const types = groups.get(comp) ?? new Map<string, number>();
        const short = r.type.split(":").pop()!;
        types.set(short, (types.get(short) ?? 0) + 1);
        groups.set(comp, types);
    }
    const lines: string[] = [];
    lines.push(pc.bold(`Offline plan: stack ${plan.stack} (${plan.project}), ${custom.length} AWS resources`));
    const table = new Table({ head: ["component", "resources"], style: { head: [], border: [] }, ...tableLayout(width, 14) });
    for (const [comp, types] of [...groups.entries()].sort()) {
        table.push([comp, [...types.entries()].map(([t, n]) => (n > 1 ? `${t} x${n}` : t)).join(", ")]);
    }
    lines.push(table.toString());

    const facts: [string, string][] = [];
    const vendor = vendorOutputs(plan);
    if (vendor) {
        const gateways = plan.resources.filter((r) => INTERNET_PATH_TYPES.includes(r.type));
        facts.push(["sealed", vendor.sealed ? pc.red(`SEALED since ${vendor.sealedAt}`) : "no"]);
        facts.push([
            "internet path",
            gateways.length === 0
                ? pc.green("none: no internet, NAT or egress-only gateway, no EIP")
                : pc.red(`PRESENT: ${gateways.map((g) => `${g.type.split(":").pop()} ${g.name}`).join(", ")}`),
        ]);
        facts.push([
            "data path",
            vendor.dataPath === "allow-list"
                ? pc.yellow(`allow-list: enclave S3 endpoint (${vendor.s3EndpointId}) or source IP in ${vendor.egressCidrs.join(", ")}`)
                : `enclave S3 endpoint only (${vendor.s3EndpointId})`,
        ]);
        facts.push(["datasets", vendor.datasets.map((d) => `${d.name} (${d.access})`).join(", ")]);
        const key = ofType(plan, T.key).find((k) => k.outputs.arn === vendor.keyArn);
        if (key)
            facts.push([
                "vendor key",
                `${key.outputs.arn}; rotation ${key.inputs.enableKeyRotation ? "on" : pc.red("OFF")}; enabled ${key.inputs.isEnabled}; deletion window ${key.inputs.deletionWindowInDays} days`,
            ]);
        const vendorRole = ofType(plan, T.role).find((r) => r.outputs.arn === vendor.vendorRoleArn);
        if (vendorRole) {
            const trust = parsePolicyDocument(vendorRole.inputs.assumeRolePolicy);
            // The vendor's principals are pinned by ArnEquals aws:PrincipalArn under their account's principal.
            const principals = trust?.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => {
                const pinned = (s.Condition as Record<string, Record<string, string | string[]>> | undefined)?.ArnEquals?.["aws:PrincipalArn"] ?? [];
                return ([] as string[]).concat(pinned.length ? pinned : ((s.Principal as Record<string, string | string[]>)?.AWS ?? []));
            });
            facts.push([
                "vendor role",
                `${vendorRole.outputs.arn}; max session ${vendorRole.inputs.maxSessionDuration} s; boundary ${vendorRole.inputs.permissionsBoundary ? "yes" : pc.red("none")}`,
            ]);
            facts.push(["who can assume", `${(principals ?? []).join(", ")} with sts:ExternalId`]);
        }
        const endpoints = ofType(plan, T.endpoint);
        facts.push([
            "endpoints",
            endpoints
                .map(
                    (e) =>
                        `${String(e.inputs.serviceName).split(".").pop()} (${e.inputs.vpcEndpointType}, policy ${e.inputs.policy ? "scoped" : pc.red("NONE")})`,
                )
                .join(", "),
        ]);
        facts.push(["DNS", dnsFact(plan)]);
        const flow = ofType(plan, T.flowLog)[0];
        if (flow) facts.push(["flow logs", `${flow.inputs.trafficType} -> ${flow.inputs.logDestination}`]);
        const trail = ofType(plan, T.trail).find((t) => t.outputs.arn === vendor.trailArn);
        if (trail)
            facts.push([
                "audit trail",
                `${trail.inputs.name}: S3 data events -> s3://${trail.inputs.s3BucketName}/${trail.inputs.s3KeyPrefix}, validation ${trail.inputs.enableLogFileValidation ? "on" : "off"}`,
            ]);
    } else {
        const protectedCount = custom.filter((r) => r.protect).length;
        facts.push(["protected", `${protectedCount} of ${custom.length} AWS resources protected; stateful ones also retained on delete`]);
        const lock = ofType(plan, T.objectLock)[0];
        if (lock) {
            const rule = lock.inputs.rule as { defaultRetention: { mode: string; days: number } };
            facts.push(["object lock", `${rule.defaultRetention.mode}, ${rule.defaultRetention.days} days`]);
        }
        facts.push([
            "alarms",
            ofType(plan, T.alarm)
                .map((a) => String(a.inputs.name).replace(/^enclave-/, ""))
                .join(", "),
        ]);
    }
    const factTable = new Table({ style: { head: [], border: [] }, ...tableLayout(width, 16) });
    for (const [k, v] of facts) factTable.push([k, v]);
    lines.push(pc.bold("Security facts"));
    lines.push(factTable.toString());
    return lines.join("\n");
}
