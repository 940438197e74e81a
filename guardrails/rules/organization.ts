// The organization stack's SCPs and RCPs (account-per-vendor enclaves): what must stay in them for the perimeter and
// the quarantine to hold, checked on the planned documents, and AWS's limits (size, count per target).
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { actionsOf, conditionValues, label, ofType, statementsOf, strings, type Statement } from "./util";

// Organizations types, kept here: only this rule reads them.
const ORG_POLICY = ["aws:organizations/policy:Policy"];
const ORG_ATTACHMENT = ["aws:organizations/policyAttachment:PolicyAttachment"];

const MAX_CHARS = 5120;
/** Five per target, one taken by the AWS-managed full-access policy of each type. */
const MAX_OURS_PER_TARGET = 4;

/** SCP statements that must deny these actions to everyone, with no condition at all. */
const UNCONDITIONAL_SCP_DENIES = [
    "organizations:LeaveOrganization",
    "iam:CreateUser",
    "iam:CreateAccessKey",
    "ec2:CreateInternetGateway",
    "ec2:AttachInternetGateway",
    "ec2:CreateNatGateway",
    "ec2:CreateEgressOnlyInternetGateway",
    "ec2:AllocateAddress",
    "ec2:CreateVpcPeeringConnection",
    "ec2:CreateTransitGatewayVpcAttachment",
];
/** SCP statements that must deny these actions to all but named roles (aws:PrincipalArn, no wildcard role). */
const EVIDENCE_SCP_DENIES = [
    "cloudtrail:StopLogging",
    "cloudtrail:DeleteTrail",
    "ec2:DeleteFlowLogs",
    "guardduty:DeleteDetector",
    "route53resolver:DisassociateFirewallRuleGroup",
];

/** An exemption that admits any role (or any principal) voids the deny it sits on. */
const broadExemption = (arns: string[]) => arns.filter((a) => /:role\/\*$|^\*$|^arn:aws:iam::\*:\*$|:role\/enclave-\*$/.test(a));

const denies = (s: Statement, action: string) => s.Effect === "Deny" && actionsOf(s).some((a) => a === action || a === "*");

export const organizationPerimeter: StackValidationPolicy = {
    name: "organization-perimeter",
    description:
        "Account-per-vendor enclaves (docs/account-isolation.md), Organization-SCP and Organization-RCP, invariant 34 (docs/invariants.md) in account mode: the organization stack's SCPs deny leaving the organization, IAM users and keys and every network path out to " +
        "everyone, and switching the evidence off to all but named roles; the quarantine SCP denies everything to all but one named role; the data-perimeter RCP " +
        "admits only the organization's principals (aws:PrincipalOrgID) and AWS services; no SCP or RCP exceeds 5,120 characters and no target holds more than four of ours " +
        "per type. Why: one weakened statement would leave a vendor account a way out, or a sealed one a way back.",
    remediationSteps: "Build the policies with organizationPolicies() (iam/organization.ts); do not edit the documents the organization stack renders.",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["Organization-SCP", "Organization-RCP", "Invariant-34"],
    validateStack: (args, report) => {
        const policies = ofType(args.resources, ORG_POLICY);
        if (policies.length === 0) return;
        const scps = policies.filter((p) => p.props.type === "SERVICE_CONTROL_POLICY");
        const rcps = policies.filter((p) => p.props.type === "RESOURCE_CONTROL_POLICY");
        for (const p of policies) {
            const size = String(p.props.content ?? "").length;
            if (size > MAX_CHARS) report(`${p.name} is ${size} characters; Organizations refuses a policy over ${MAX_CHARS}`, p.urn);
        }
        const scpStatements = scps.flatMap((p) => (statementsOf(p.props.content) ?? []).map((s, i) => ({ p, s, i })));
        // The quarantine SCP (a Deny of every action) repeats some of these for a quarantined account; it does not stand
        // in for the Vendors OU's, which must hold them on their own.
        const quarantineScps = new Set(
            scpStatements.filter(({ s }) => s.Effect === "Deny" && actionsOf(s).includes("*") && strings(s.Resource).includes("*")).map(({ p }) => p),
        );
        for (const action of UNCONDITIONAL_SCP_DENIES) {
            if (
                !scpStatements.some(({ p, s }) => !quarantineScps.has(p) && denies(s, action) && s.Condition === undefined && strings(s.Resource).includes("*"))
            )
                report(`no SCP denies ${action} to every principal without condition`, scps[0]?.urn ?? policies[0].urn);
        }
        for (const action of EVIDENCE_SCP_DENIES) {
            if (!scpStatements.some(({ s }) => denies(s, action) && conditionValues(s, "aws:PrincipalArn").length > 0))
                report(`no SCP denies ${action} to all but named roles`, scps[0]?.urn ?? policies[0].urn);
        }
        for (const { p, s, i } of scpStatements) {
            if (s.Effect === "Allow") report(`${p.name} ${label(s, i)} allows: an SCP of ours only denies (FullAWSAccess grants)`, p.urn);
            const exempted = Object.entries(s.Condition ?? {})
                .filter(([op]) => /Not(Like|Equals)/.test(op))
                .flatMap(([, kv]) =>
                    Object.entries(kv)
                        .filter(([k]) => k.toLowerCase() === "aws:principalarn")
                        .flatMap(([, v]) => strings(v)),
                );
            const broad = broadExemption(exempted);
            if (s.Effect === "Deny" && broad.length) report(`${p.name} ${label(s, i)} exempts ${broad.join(", ")}: every role escapes the deny`, p.urn);
        }
        const quarantine = scpStatements.filter(
            ({ s }) => s.Effect === "Deny" && actionsOf(s).includes("*") && strings(s.Resource).includes("*") && !s.Condition?.ArnLike,
        );
        // A second exemption is admitted only for a role that another statement of the same SCP holds to a short list
        // of S3 calls (the log replication role, which keeps copying logs to the archive during a quarantine).
        const heldToS3Calls = (p: PolicyResource, arn: string) =>
            scpStatements.some(
                ({ p: q, s }) =>
                    q === p &&
                    s.Effect === "Deny" &&
                    s.Action === undefined &&
                    strings(s.NotAction).length > 0 &&
                    strings(s.NotAction).every((a) => /^s3:[A-Za-z]+$/.test(a)) &&
                    strings(s.Resource).includes("*") &&
                    Object.keys(s.Condition ?? {}).length === 1 &&
                    conditionValues(s, "aws:PrincipalArn").includes(arn),
            );
        const tight = quarantine.filter(
            ({ p, s }) =>
                Object.keys(s.Condition ?? {}).length === 1 && conditionValues(s, "aws:PrincipalArn").filter((arn) => !heldToS3Calls(p, arn)).length === 1,
        );
        if (tight.length === 0) report(`no quarantine SCP denies every action to all but one role named by aws:PrincipalArn`, scps[0]?.urn ?? policies[0].urn);
        const rcpStatements = rcps.flatMap((p) => (statementsOf(p.props.content) ?? []).map((s, i) => ({ p, s, i })));
        for (const { p, s, i } of rcpStatements) if (s.Effect !== "Deny") report(`${p.name} ${label(s, i)} is not a Deny (RCPs of ours only deny)`, p.urn);
        // Only an attached RCP guards anything: the prepared quarantine ones wait for the seal.
        const attachments = ofType(args.resources, ORG_ATTACHMENT);
        const attached = (p: { name: string; props: Record<string, unknown> }) =>
            attachments.some((a) => (p.props.id !== undefined && a.props.policyId === p.props.id) || a.name.split("--")[0] === p.name);
        const dataPerimeter = rcpStatements
            .filter(({ p }) => attached(p))
            .filter(
                ({ s }) =>
                    ["s3:*", "kms:*"].every((a) => actionsOf(s).includes(a)) &&
                    conditionValues(s, "aws:PrincipalOrgID").length > 0 &&
                    /^false$/i.test(conditionValues(s, "aws:PrincipalIsAWSService")[0] ?? ""),
            );
        if (dataPerimeter.length === 0)
            report(`no RCP denies S3 and KMS to principals outside the organization (aws:PrincipalOrgID, AWS services apart)`, rcps[0]?.urn ?? policies[0].urn);
        const deputy = rcpStatements.filter(
            ({ s }) => conditionValues(s, "aws:SourceOrgID").length > 0 && /^true$/i.test(conditionValues(s, "aws:PrincipalIsAWSService")[0] ?? ""),
        );
        if (dataPerimeter.length && deputy.length === 0)
            report(`no RCP binds AWS services to this organization (aws:SourceOrgID): confused-deputy protection is missing`, rcps[0]?.urn ?? policies[0].urn);
        // Count per target: attachments name the policy and the target by id.
        const typeOf = new Map(policies.map((p) => [String(p.props.id ?? p.name), String(p.props.type)]));
        const byName = new Map(policies.map((p) => [p.name, String(p.props.type)]));
        const perTarget = new Map<string, number>();
        for (const a of attachments) {
            const type = typeOf.get(String(a.props.policyId)) ?? byName.get(a.name.split("--")[0]) ?? "?";
            const key = `${String(a.props.targetId)} ${type}`;
            perTarget.set(key, (perTarget.get(key) ?? 0) + 1);
        }
        for (const [key, n] of perTarget)
            if (n > MAX_OURS_PER_TARGET)
                report(
                    `${key.split(" ")[0]} has ${n} ${key.split(" ")[1]} of ours attached; with the AWS-managed full-access policy that is over the limit of five`,
                    policies[0].urn,
                );
    },
};
