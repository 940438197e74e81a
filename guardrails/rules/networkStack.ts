// Cross-resource network rules: each VPC is watched and closed, endpoints stay inside the enclave.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { actionsOf, bucketArnOf, label, list, ofType, refersTo, resourcesOf, statementsOf, strings, T, tagsOf } from "./util";

export const vpcGuardrails: StackValidationPolicy = {
    name: "ec2-vpc-has-flow-log-and-closed-default-sg",
    description:
        "FSBP EC2.6, CIS 3.7, FSBP EC2.2, CIS 5.5: every VPC has a FlowLog (trafficType ALL) and an adopted DefaultSecurityGroup. Why: an " +
        "unadopted default group keeps AWS's allow-all-within-group rules, and a VPC without flow logs leaves no network evidence.",
    remediationSteps: "Create VPCs through EnclaveNetwork (components/network.ts), which registers both.",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["FSBP EC2.6", "CIS 3.7", "FSBP EC2.2", "CIS 5.5"],
    validateStack: (args, report) => {
        for (const vpc of ofType(args.resources, T.vpc)) {
            const logs = ofType(args.resources, T.flowLog).filter((f) => refersTo(f, "vpcId", vpc));
            if (!logs.some((f) => f.props.trafficType === "ALL")) report(`VPC ${vpc.name} has no FlowLog with trafficType ALL`, vpc.urn);
            if (!ofType(args.resources, T.defaultSg).some((g) => refersTo(g, "vpcId", vpc)))
                report(`VPC ${vpc.name} has no DefaultSecurityGroup resource (its default group keeps AWS's rules)`, vpc.urn);
        }
    },
};

const interfaceEndpoints = (rs: PolicyResource[]) => ofType(rs, T.endpoint).filter((e) => e.props.vpcEndpointType === "Interface");

export const endpointSecurityGroup: StackValidationPolicy = {
    name: "ec2-endpoint-security-group-vpc-https-only",
    description:
        "CIS 5.2, AVD-AWS-0104, invariant 24 (docs/invariants.md): a security group attached to interface endpoints allows only tcp 443 from its VPC's CIDR and has " +
        "no egress rules. Why: endpoint ENIs only answer connections from inside the enclave.",
    remediationSteps: "ingress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrBlocks: [vpc cidr], description }], egress: [].",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["CIS 5.2", "AVD-AWS-0104"],
    validateStack: (args, report) => {
        const groups = ofType(args.resources, T.sg).filter((g) => interfaceEndpoints(args.resources).some((e) => refersTo(e, "securityGroupIds", g)));
        for (const g of groups) {
            const vpc = ofType(args.resources, T.vpc).find((v) => refersTo(g, "vpcId", v));
            const cidr = vpc?.props.cidrBlock as string | undefined;
            list(g.props.ingress as Record<string, unknown>[] | undefined).forEach((r, i) => {
                if (r.protocol !== "tcp" || r.fromPort !== 443 || r.toPort !== 443) report(`${g.name} ingress[${i}] is not tcp 443`, g.urn);
                const sources = [...strings(r.cidrBlocks), ...strings(r.ipv6CidrBlocks)];
                if (sources.some((c) => c !== cidr) || list(r.securityGroups as string[] | undefined).length > 0)
                    report(`${g.name} ingress[${i}] admits ${sources.join(", ")}, not only the VPC CIDR ${cidr ?? "(unknown)"}`, g.urn);
            });
            const egress = list(g.props.egress as unknown[] | undefined).length;
            if (egress > 0) report(`${g.name} has ${egress} egress rule(s); endpoint groups need none`, g.urn);
        }
    },
};

const ROLE_REF_PROPS = ["role"];

export const noMixedInlineAndAttached: StackValidationPolicy = {
    name: "no-mixed-inline-and-separate-rules",
    description:
        "Invariant 25 (docs/invariants.md; terraform-provider-aws guidance): a security group uses inline rules or rule resources, never both; a role uses " +
        "inlinePolicies or RolePolicy resources, never both, and managedPolicyArns or RolePolicyAttachment, never both. Why: the two forms " +
        "overwrite each other on every up, so a revoked rule silently comes back.",
    remediationSteps: "Pick one form per group/role (the components use inline SG rules and separate RolePolicy resources).",
    enforcementLevel: "mandatory",
    severity: "medium",
    tags: ["Invariant-25"],
    validateStack: (args, report) => {
        for (const g of [...ofType(args.resources, T.sg)]) {
            const inline = g.props.ingress !== undefined || g.props.egress !== undefined;
            const rules = ofType(args.resources, T.sgRule).filter((r) => refersTo(r, "securityGroupId", g));
            if (inline && rules.length > 0) report(`${g.name} has inline ingress/egress and ${rules.length} separate rule resource(s)`, g.urn);
        }
        for (const role of ofType(args.resources, T.role)) {
            const byName = (r: PolicyResource) => ROLE_REF_PROPS.some((p) => refersTo(r, p, role) || r.props[p] === role.props.name);
            const inline = list(role.props.inlinePolicies as unknown[] | undefined).length > 0;
            const separate = ofType(args.resources, T.rolePolicy).filter(byName);
            if (inline && separate.length > 0) report(`${role.name} has inlinePolicies and ${separate.length} RolePolicy resource(s)`, role.urn);
            const managed = list(role.props.managedPolicyArns as unknown[] | undefined).length > 0;
            const attached = ofType(args.resources, T.rolePolicyAttachment).filter(byName);
            if (managed && attached.length > 0) report(`${role.name} has managedPolicyArns and ${attached.length} RolePolicyAttachment resource(s)`, role.urn);
        }
    },
};

export const s3EndpointOwnBuckets: StackValidationPolicy = {
    name: "ec2-s3-endpoint-own-buckets-only",
    description:
        "Data perimeter (aws-samples data-perimeter-policy-examples), invariant 26 (docs/invariants.md): the S3 gateway endpoint policy allows only this stack's " +
        "buckets (bucket and bucket/*). Why: otherwise a stolen session inside the enclave copies data to a bucket the attacker owns.",
    remediationSteps:
        "Build the endpoint policy from the vendor's datasets (s3EndpointPolicy in iam/vendor.ts); list any AWS-owned bucket a workload needs by name.",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["DataPerimeter-VPCE-S3-OwnBuckets"],
    validateStack: (args, report) => {
        const allowed = new Set(ofType(args.resources, T.bucket).flatMap((b) => [bucketArnOf(b), `${bucketArnOf(b)}/*`]));
        for (const e of ofType(args.resources, T.endpoint).filter((x) => String(x.props.serviceName ?? "").endsWith(".s3"))) {
            (statementsOf(e.props.policy) ?? []).forEach((s, i) => {
                if (s.Effect !== "Allow") return;
                // A workspace's session transcripts: PutObject under this vendor's own archive prefix, and reading the
                // archive's encryption configuration (the agent checks it); nothing else outside the stack's buckets.
                const vendor = tagsOf(e.props)["enclave:vendor"];
                const actions = actionsOf(s).map((a) => a.toLowerCase());
                const sessionLog = (r: string) =>
                    (vendor !== undefined && actions.every((a) => a === "s3:putobject") && r.endsWith(`/vendors/${vendor}/sessions/*`)) ||
                    (actions.every((a) => a === "s3:getencryptionconfiguration") && !r.includes("/"));
                // A prefix of one of the stack's buckets (the airlock's submit prefixes) is that bucket.
                const underOwnBucket = (r: string) => [...allowed].some((b) => !b.endsWith("/*") && r.startsWith(`${b}/`));
                for (const r of resourcesOf(s))
                    if (!allowed.has(r) && !sessionLog(r) && !underOwnBucket(r))
                        report(`${e.name} policy ${label(s, i)} allows ${r}, not a bucket of this stack`, e.urn);
            });
        }
    },
};

export const endpointDirectInputs: StackValidationPolicy = {
    name: "ec2-endpoint-direct-inputs",
    description:
        "Invariant 37 (docs/invariants.md): interface endpoints take this stack's subnets and security groups as direct inputs (no foreign security group). Why: " +
        "then destroy removes the endpoint and its ENIs before the subnets and group; otherwise teardown fails with DependencyViolation.",
    remediationSteps: "Pass subnet.id and securityGroup.id of this stack to subnetIds/securityGroupIds.",
    enforcementLevel: "mandatory",
    severity: "medium",
    tags: ["Invariant-37"],
    validateStack: (args, report) => {
        const subnets = ofType(args.resources, T.subnet);
        const groups = ofType(args.resources, T.sg);
        for (const e of interfaceEndpoints(args.resources)) {
            for (const [prop, pool] of [
                ["subnetIds", subnets],
                ["securityGroupIds", groups],
            ] as const) {
                const values = strings(e.props[prop]);
                if (values.length === 0) report(`${e.name} has no ${prop}`, e.urn);
                for (const v of values) {
                    if (!pool.some((p) => (e.propertyDependencies?.[prop] ?? []).some((d) => d.urn === p.urn) || p.props.id === v))
                        report(`${e.name} ${prop} includes ${v}, not a resource of this stack`, e.urn);
                }
            }
        }
    },
};

/** The rules of the DNS Firewall rule groups associated with `vpc`, each with its domain list's domains. */
export function dnsRulesOf(resources: PolicyResource[], vpc: PolicyResource): { rule: PolicyResource; domains: string[] }[] {
    const groups = ofType(resources, T.dnsAssociation)
        .filter((a) => refersTo(a, "vpcId", vpc))
        .flatMap((a) => ofType(resources, T.dnsRuleGroup).filter((g) => refersTo(a, "firewallRuleGroupId", g)));
    const lists = ofType(resources, T.dnsDomainList);
    return ofType(resources, T.dnsRule)
        .filter((r) => groups.some((g) => refersTo(r, "firewallRuleGroupId", g)))
        .map((rule) => ({ rule, domains: strings(lists.find((l) => refersTo(rule, "firewallDomainListId", l))?.props.domains) }));
}

export const vpcDnsFirewall: StackValidationPolicy = {
    name: "route53-vpc-dns-firewall-closed",
    description:
        "Invariants 22 and 34 (design, docs/invariants.md), data perimeter (DNS exfiltration): every VPC has a Route 53 Resolver DNS Firewall rule group associated whose " +
        "last rule BLOCKs `*`, no ALLOW rule for `*`, a firewall config that fails closed, and resolver query logging. Why: the VPC resolver " +
        "answers any internet name, so without it code inside the enclave can spell data into DNS queries that no endpoint, bucket or IAM " +
        "policy sees and flow logs do not record.",
    remediationSteps: "Create VPCs through EnclaveNetwork (components/network.ts), which registers EnclaveDns (components/dns.ts).",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["DataPerimeter-DNS"],
    validateStack: (args, report) => {
        for (const vpc of ofType(args.resources, T.vpc)) {
            const rules = dnsRulesOf(args.resources, vpc).sort((a, b) => Number(a.rule.props.priority) - Number(b.rule.props.priority));
            if (rules.length === 0)
                report(`VPC ${vpc.name} has no DNS Firewall rule group with rules associated: its resolver answers any internet name`, vpc.urn);
            else {
                const last = rules[rules.length - 1];
                if (last.rule.props.action !== "BLOCK" || !last.domains.includes("*"))
                    report(`VPC ${vpc.name}: the last DNS Firewall rule (${last.rule.name}) does not BLOCK "*"`, vpc.urn);
            }
            for (const { rule, domains } of rules) {
                if (rule.props.action === "ALLOW" && domains.includes("*")) report(`${rule.name} ALLOWs "*": every name resolves`, rule.urn);
            }
            const config = ofType(args.resources, T.dnsFirewallConfig).find((c) => refersTo(c, "resourceId", vpc));
            if (config?.props.firewallFailOpen !== "DISABLED")
                report(`VPC ${vpc.name} has no DNS Firewall config with firewallFailOpen DISABLED (it fails open)`, vpc.urn);
            if (!ofType(args.resources, T.dnsQueryLogAssociation).some((a) => refersTo(a, "resourceId", vpc)))
                report(`VPC ${vpc.name} has no resolver query logging`, vpc.urn);
        }
    },
};
