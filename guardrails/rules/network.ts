// One resource at a time: the enclave network has no way to or from the internet.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { INTERNET_PATH_TYPES } from "../../contract/tokens";
import { actionsOf, conditionsOf, globMatch, is, label, list, OPEN_CIDRS, principalsOf, RESOURCELESS_ACTIONS, statementsOf, strings, T } from "./util";

interface RouteLike {
    cidrBlock?: string;
    ipv6CidrBlock?: string;
    destinationCidrBlock?: string;
    destinationIpv6CidrBlock?: string;
    gatewayId?: string;
    natGatewayId?: string;
    egressOnlyGatewayId?: string;
}

function routeProblems(r: RouteLike, where: string): string[] {
    const out: string[] = [];
    for (const f of ["cidrBlock", "ipv6CidrBlock", "destinationCidrBlock", "destinationIpv6CidrBlock"] as const) {
        if (r[f] && OPEN_CIDRS.includes(r[f]!)) out.push(`${where}${f} is ${r[f]}: no route to 0.0.0.0/0 or ::/0`);
    }
    if (typeof r.gatewayId === "string" && r.gatewayId.startsWith("igw-")) out.push(`${where}gatewayId is an internet gateway (${r.gatewayId})`);
    if (r.natGatewayId) out.push(`${where}natGatewayId is set (${r.natGatewayId})`);
    if (r.egressOnlyGatewayId) out.push(`${where}egressOnlyGatewayId is set (${r.egressOnlyGatewayId})`);
    return out;
}

export const noInternetPath: ResourceValidationPolicy = {
    name: "ec2-no-internet-path",
    description:
        "Invariant 22 (design, docs/invariants.md), NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW: no InternetGateway, EgressOnlyInternetGateway, NatGateway or Eip, and no route " +
        "to 0.0.0.0/0 or ::/0 or through an internet, NAT or egress-only gateway. Why: the enclave is sealed; its only data path is the S3 " +
        "endpoint, so a route out is an exfiltration path no bucket policy sees.",
    remediationSteps: "Remove the gateway/EIP and the default route; reach AWS services through VPC endpoints (network.interfaceEndpoints).",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW"],
    validateResource: (args, report) => {
        if (INTERNET_PATH_TYPES.includes(args.type)) return report(`${args.type} gives the enclave a path to the internet`);
        if (is(T.route, args.type)) routeProblems(args.props as RouteLike, "").forEach((m) => report(m));
        if (is(T.routeTable, args.type))
            list(args.props.routes as RouteLike[] | undefined).forEach((r, i) => routeProblems(r, `routes[${i}].`).forEach((m) => report(m)));
    },
};

export const subnetNoPublicIp: ResourceValidationPolicy = {
    name: "ec2-subnet-no-public-ip",
    description: "FSBP EC2.15: subnets never map public IPs on launch. Why: a public address is the first half of an internet path.",
    remediationSteps: "Set mapPublicIpOnLaunch: false.",
    enforcementLevel: "mandatory",
    severity: "medium",
    tags: ["FSBP EC2.15"],
    validateResource: (args, report) => {
        if (!is(T.subnet, args.type)) return;
        if (args.props.mapPublicIpOnLaunch === true) report("mapPublicIpOnLaunch is true");
        if (args.props.mapCustomerOwnedIpOnLaunch === true) report("mapCustomerOwnedIpOnLaunch is true");
    },
};

interface RuleLike {
    cidrBlocks?: string[];
    ipv6CidrBlocks?: string[];
    cidrIpv4?: string;
    cidrIpv6?: string;
    description?: string;
    type?: string;
}

const openIn = (r: RuleLike) =>
    [...strings(r.cidrBlocks), ...strings(r.ipv6CidrBlocks), ...strings(r.cidrIpv4), ...strings(r.cidrIpv6)].filter((c) => OPEN_CIDRS.includes(c));

export const sgNoOpenCidr: ResourceValidationPolicy = {
    name: "ec2-security-group-no-open-cidr",
    description:
        "CIS 5.2, CIS 5.3, CIS 5.4, CKV_AWS_24, CKV_AWS_25, CKV_AWS_260, AVD-AWS-0104: no security group rule admits 0.0.0.0/0 or ::/0, " +
        "ingress or egress. Why: open ingress is exposure, open egress is exfiltration; the enclave talks only to its own VPC CIDR.",
    remediationSteps: "Use the VPC CIDR (spec network.cidr) or a security group reference instead of 0.0.0.0/0 or ::/0.",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["CIS 5.2", "CIS 5.3", "CIS 5.4", "CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "AVD-AWS-0104"],
    validateResource: (args, report) => {
        if (is(T.sg, args.type) || is(T.defaultSg, args.type)) {
            for (const dir of ["ingress", "egress"] as const) {
                list(args.props[dir] as RuleLike[] | undefined).forEach((r, i) => openIn(r).forEach((c) => report(`${dir}[${i}] admits ${c}`)));
            }
        } else if (is(T.sgRule, args.type)) {
            const dir = args.type.includes("Egress") || args.props.type === "egress" ? "egress" : "ingress";
            openIn(args.props as RuleLike).forEach((c) => report(`${dir} rule admits ${c}`));
        }
    },
};

export const sgDescriptions: ResourceValidationPolicy = {
    name: "ec2-security-group-descriptions",
    description: "CKV_AWS_23: every security group and every rule has a description. Why: reviewers and incident responders must know why a rule exists.",
    remediationSteps: "Set description on the group (not Pulumi's default 'Managed by Pulumi') and on each rule.",
    enforcementLevel: "advisory",
    severity: "low",
    tags: ["CKV_AWS_23"],
    validateResource: (args, report) => {
        if (is(T.sg, args.type)) {
            const d = args.props.description as string | undefined;
            if (!d || d === "Managed by Pulumi") report(`description is ${JSON.stringify(d ?? null)}`);
            for (const dir of ["ingress", "egress"] as const) {
                list(args.props[dir] as RuleLike[] | undefined).forEach((r, i) => {
                    if (!r.description) report(`${dir}[${i}].description is not set`);
                });
            }
        } else if (is(T.sgRule, args.type) && !args.props.description) report("description is not set");
    },
};

export const defaultSgClosed: ResourceValidationPolicy = {
    name: "ec2-default-security-group-closed",
    description:
        "FSBP EC2.2, CIS 5.5: the adopted DefaultSecurityGroup has no ingress and no egress rules. Why: anything launched without a group lands in the default one.",
    remediationSteps: "Register aws.ec2.DefaultSecurityGroup with ingress: [] and egress: [].",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["FSBP EC2.2", "CIS 5.5"],
    validateResource: (args, report) => {
        if (!is(T.defaultSg, args.type)) return;
        for (const dir of ["ingress", "egress"] as const) {
            const n = list(args.props[dir] as unknown[] | undefined).length;
            if (n > 0) report(`${dir} has ${n} rule(s); the default security group must have none`);
        }
    },
};

export const flowLogAll: ResourceValidationPolicy = {
    name: "ec2-flow-log-all-traffic",
    description: "FSBP EC2.6, CIS 3.7: VPC flow logs record trafficType ALL. Why: rejected traffic is exactly what shows an attempt to leave the enclave.",
    remediationSteps: 'Set trafficType: "ALL" and vpcId on the FlowLog.',
    enforcementLevel: "mandatory",
    severity: "medium",
    tags: ["FSBP EC2.6", "CIS 3.7"],
    validateResource: (args, report) => {
        if (!is(T.flowLog, args.type)) return;
        if (args.props.trafficType !== "ALL") report(`trafficType is ${JSON.stringify(args.props.trafficType ?? null)}, not "ALL"`);
    },
};

const PRINCIPAL_SCOPES = ["aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:userid"];

export const endpointPolicyExplicit: ResourceValidationPolicy = {
    name: "ec2-vpc-endpoint-explicit-policy",
    description:
        "Data perimeter (aws-samples data-perimeter-policy-examples): every VPC endpoint has an explicit policy whose Allow statements name " +
        "resources (never *) and principals (Principal * only with an aws:PrincipalArn/PrincipalAccount condition). Why: the default endpoint " +
        "policy allows any principal to reach any resource of the service, including an attacker's bucket.",
    remediationSteps: "Pass policy: render(s3EndpointPolicy(...)) / interfaceEndpointPolicy(...) (iam/vendor.ts).",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["DataPerimeter-VPCE-Policy"],
    validateResource: (args, report) => {
        if (!is(T.endpoint, args.type)) return;
        if (args.props.policy === undefined) return report("policy is not set: the default endpoint policy allows full access");
        const statements = statementsOf(args.props.policy);
        if (!statements) return report("policy is not a parsable policy document");
        statements.forEach((s, i) => {
            if (s.Effect !== "Allow") return;
            // "*" is the only form for actions with no resource type (the SSM agent's channels); still only for them.
            const resourceless = actionsOf(s).length > 0 && actionsOf(s).every((a) => RESOURCELESS_ACTIONS.some((r) => globMatch(r, a)));
            if (s.NotResource !== undefined || (strings(s.Resource).includes("*") && !resourceless)) report(`policy ${label(s, i)} allows Resource "*"`);
            if (principalsOf(s.Principal).any && !conditionsOf(s).some((c) => PRINCIPAL_SCOPES.some((k) => k.toLowerCase() === c.key.toLowerCase()))) {
                report(`policy ${label(s, i)} allows Principal "*" without an aws:PrincipalArn or aws:PrincipalAccount condition`);
            }
        });
    },
};
