import Table from "cli-table3";
import pc from "picocolors";
import { parsePolicyDocument } from "../iam/document";
import type { Plan, PlanResource } from "./types";

const FORBIDDEN_NETWORK_TYPES = [
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/eip:Eip",
];

/** The component a resource belongs to: its nearest ancestor that is a component of this toolkit. */
function componentOf(r: PlanResource, byUrn: Map<string, PlanResource>): string {
    let parent = r.parent ? byUrn.get(r.parent) : undefined;
    while (parent && !(parent.type.startsWith("enclave:") && parent.type !== "enclave:vendor:VendorEnclave")) {
        parent = parent.parent ? byUrn.get(parent.parent) : undefined;
    }
    return parent ? parent.type.split(":").pop()! : "(stack)";
}

const ofType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);
const yes = (ok: boolean, text: string) => (ok ? pc.green(`yes  ${text}`) : pc.red(`NO   ${text}`));

/** What the VPC's resolver answers: the firewall's rules in priority order, fail-open setting and query logging. */
function dnsFact(plan: Plan): string {
    const lists = new Map(ofType(plan, "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList").map((l) => [l.outputs.id, l.inputs.domains as string[]]));
    const rules = ofType(plan, "aws:route53/resolverFirewallRule:ResolverFirewallRule").sort((a, b) => Number(a.inputs.priority) - Number(b.inputs.priority));
    if (rules.length === 0 || ofType(plan, "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation").length === 0) {
        return pc.red("NO DNS Firewall: the resolver answers any internet name");
    }
    const config = ofType(plan, "aws:route53/resolverFirewallConfig:ResolverFirewallConfig")[0];
    const queryLog = ofType(plan, "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig")[0];
    const ruleText = rules.map((r) => `${r.inputs.action} ${(lists.get(r.inputs.firewallDomainListId) ?? ["?"]).join(" ")}`).join("; then ");
    const failOpen = config?.inputs.firewallFailOpen === "DISABLED" ? "fails closed" : pc.red("FAILS OPEN");
    return `${ruleText}; ${failOpen}; query logs -> ${queryLog ? queryLog.inputs.destinationArn : pc.red("NONE")}`;
}

/** AWS resources in a plan (what summaries count): custom resources, not Pulumi's own (providers, references). */
export function awsResources(plan: Plan): PlanResource[] {
    return plan.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:"));
}

/** The human view of a plan: what gets created, grouped by component, then the facts a security reviewer checks. */
export function renderSummary(plan: Plan): string {
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
    const table = new Table({ head: ["component", "resources"], style: { head: [], border: [] }, wordWrap: true, colWidths: [14, 80] });
    for (const [comp, types] of [...groups.entries()].sort()) {
        table.push([comp, [...types.entries()].map(([t, n]) => (n > 1 ? `${t} x${n}` : t)).join(", ")]);
    }
    lines.push(table.toString());

    const facts: [string, string][] = [];
    const outputs = plan.outputs as Record<string, unknown>;
    if (plan.stack !== "security") {
        const gateways = plan.resources.filter((r) => FORBIDDEN_NETWORK_TYPES.includes(r.type));
        facts.push(["sealed", outputs.sealed ? pc.red(`SEALED since ${outputs.sealedAt}`) : "no"]);
        facts.push(["internet path", yes(gateways.length === 0, "no internet, NAT or egress-only gateway, no EIP")]);
        const buckets = ofType(plan, "aws:s3/bucket:Bucket");
        facts.push(["datasets", buckets.map((b) => `${(b.inputs.tags as Record<string, string>)["enclave:dataset"]} (${(b.inputs.tags as Record<string, string>)["enclave:access"]})`).join(", ")]);
        const key = ofType(plan, "aws:kms/key:Key")[0];
        if (key) facts.push(["vendor key", `${key.outputs.arn}; rotation ${key.inputs.enableKeyRotation ? "on" : pc.red("OFF")}; enabled ${key.inputs.isEnabled}; deletion window ${key.inputs.deletionWindowInDays} days`]);
        const vendorRole = ofType(plan, "aws:iam/role:Role").find((r) => String(r.inputs.name).endsWith("-vendor"));
        if (vendorRole) {
            const trust = parsePolicyDocument(vendorRole.inputs.assumeRolePolicy);
            // The vendor's principals are pinned by ArnEquals aws:PrincipalArn under their account's principal.
            const principals = trust?.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => {
                const pinned = ((s.Condition as Record<string, Record<string, string | string[]>> | undefined)?.ArnEquals?.["aws:PrincipalArn"]) ?? [];
                return ([] as string[]).concat(pinned.length ? pinned : (((s.Principal as Record<string, string | string[]>)?.AWS) ?? []));
            });
            facts.push(["vendor role", `${vendorRole.outputs.arn}; max session ${vendorRole.inputs.maxSessionDuration} s; boundary ${vendorRole.inputs.permissionsBoundary ? "yes" : pc.red("none")}`]);
            facts.push(["who can assume", `${(principals ?? []).join(", ")} with sts:ExternalId`]);
        }
        const endpoints = ofType(plan, "aws:ec2/vpcEndpoint:VpcEndpoint");
        facts.push(["endpoints", endpoints.map((e) => `${String(e.inputs.serviceName).split(".").pop()} (${e.inputs.vpcEndpointType}, policy ${e.inputs.policy ? "scoped" : pc.red("NONE")})`).join(", ")]);
        facts.push(["DNS", dnsFact(plan)]);
        const flow = ofType(plan, "aws:ec2/flowLog:FlowLog")[0];
        if (flow) facts.push(["flow logs", `${flow.inputs.trafficType} -> ${flow.inputs.logDestination}`]);
        const trail = ofType(plan, "aws:cloudtrail/trail:Trail")[0];
        if (trail) facts.push(["audit trail", `${trail.inputs.name}: S3 data events -> s3://${trail.inputs.s3BucketName}/${trail.inputs.s3KeyPrefix}, validation ${trail.inputs.enableLogFileValidation ? "on" : "off"}`]);
    } else {
        const protectedCount = plan.resources.filter((r) => r.protect).length;
        facts.push(["protected", `${protectedCount} resources protected; stateful ones also retained on delete`]);
        const lock = ofType(plan, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")[0];
        if (lock) {
            const rule = lock.inputs.rule as { defaultRetention: { mode: string; days: number } };
            facts.push(["object lock", `${rule.defaultRetention.mode}, ${rule.defaultRetention.days} days`]);
        }
        facts.push(["alarms", ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => String(a.inputs.name).replace(/^enclave-/, "")).join(", ")]);
    }
    const factTable = new Table({ style: { head: [], border: [] }, wordWrap: true, colWidths: [16, 78] });
    for (const [k, v] of facts) factTable.push([k, v]);
    lines.push(pc.bold("Security facts"));
    lines.push(factTable.toString());
    return lines.join("\n");
}
