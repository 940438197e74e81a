// Identity: who may assume the roles, what the roles may do, and the limits around them.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import {
    actionsOf,
    conditionsOf,
    conditionValues,
    globMatch,
    is,
    label,
    list,
    principalsOf,
    resourcesOf,
    RESOURCELESS_ACTIONS,
    statementsOf,
    strings,
    T,
    tagsOf,
    type Statement,
} from "./util";

/**
 * Services that assume a role only when a principal of the role's own account hands it over with iam:PassRole (an EC2
 * instance profile); roles cannot be passed across accounts, so there is no confused deputy, and EC2 is not documented
 * to send aws:SourceAccount: requiring it would make the role unusable.
 */
const PASSROLE_ONLY_SERVICES = ["ec2.amazonaws.com"];

export const trustPolicy: ResourceValidationPolicy = {
    name: "iam-role-trust-policy-scoped",
    description:
        "Invariant 27 (docs/invariants.md), CKV_AWS_60, CKV_AWS_61: a role's trust policy never allows Principal *, allows an account root only pinned to exact " +
        "principals of that account (ArnEquals aws:PrincipalArn), in a vendor stack names no role or user ARN as Principal, allows only sts:AssumeRole, " +
        "requires sts:ExternalId (StringEquals) for AWS principals of another party, and aws:SourceAccount/aws:SourceArn for service " +
        "principals (except EC2, which only assumes roles passed to it within the account). Why: the external ID stops a confused deputy at the vendor; a wildcard or root principal admits every identity of that account.",
    remediationSteps:
        "Build the trust policy with vendorTrustPolicy()/workloadTrustPolicy() (iam/vendor.ts): the vendor's account as Principal, its exact principal ARNs in ArnEquals aws:PrincipalArn.",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["CKV_AWS_60", "CKV_AWS_61"],
    validateResource: (args, report) => {
        if (!is(T.role, args.type)) return;
        const statements = statementsOf(args.props.assumeRolePolicy);
        if (!statements) return report("assumeRolePolicy is not a parsable policy document");
        const vendor = tagsOf(args.props)["enclave:vendor"];
        statements.forEach((s, i) => {
            // The seal rewrites a vendor role's trust policy, and IAM refuses to write one naming a principal that no
            // longer exists: a vendor could block the seal by deleting one of its own principals.
            if (vendor !== undefined && vendor !== "security") {
                for (const a of principalsOf(s.Principal).aws.filter((x) => /:(role|user|assumed-role)\//.test(x))) {
                    report(`assumeRolePolicy ${label(s, i)} names ${a} as Principal: name its account and pin the principal with ArnEquals aws:PrincipalArn`);
                }
            }
            if (s.Effect !== "Allow") return;
            const p = principalsOf(s.Principal);
            if (p.any || s.NotPrincipal !== undefined) report(`assumeRolePolicy ${label(s, i)} allows Principal "*"`);
            // An account principal admits every identity of that account, unless the statement pins exact principal ARNs
            // (ArnEquals aws:PrincipalArn, no wildcard): the form that names no principal AWS would validate on write.
            const pinned = conditionsOf(s).filter(
                (c) => c.op === "ArnEquals" && c.key.toLowerCase() === "aws:principalarn" && c.values.length > 0 && c.values.every((v) => !/[*?]/.test(v)),
            );
            for (const a of p.aws.filter((x) => /:root$/.test(x) || /^\d{12}$/.test(x))) {
                const account = /^\d{12}$/.test(a) ? a : a.split(":")[4];
                if (!pinned.some((c) => c.values.every((v) => v.split(":")[4] === account))) {
                    report(
                        `assumeRolePolicy ${label(s, i)} trusts the account root ${a} without an ArnEquals aws:PrincipalArn condition naming exact principals of that account`,
                    );
                }
            }
            const actions = actionsOf(s);
            if (s.NotAction !== undefined || actions.some((a) => a !== "sts:AssumeRole"))
                report(`assumeRolePolicy ${label(s, i)} allows ${JSON.stringify(s.NotAction ?? s.Action)}, not only sts:AssumeRole`);
            const externalId = Object.entries(s.Condition?.StringEquals ?? {}).find(([k]) => k.toLowerCase() === "sts:externalid")?.[1];
            if ((p.aws.length > 0 || p.any) && strings(externalId).filter((v) => v.length > 0).length === 0) {
                report(`assumeRolePolicy ${label(s, i)} trusts ${p.any ? "*" : p.aws.join(", ")} without a StringEquals sts:ExternalId condition`);
            }
            const guarded = p.service.filter((svc) => !PASSROLE_ONLY_SERVICES.includes(svc));
            if (guarded.length > 0 && conditionValues(s, "aws:SourceAccount").length === 0 && conditionValues(s, "aws:SourceArn").length === 0) {
                report(`assumeRolePolicy ${label(s, i)} trusts ${guarded.join(", ")} without aws:SourceAccount or aws:SourceArn`);
            }
        });
    },
};

const RESOURCELESS = RESOURCELESS_ACTIONS;
const KMS_DATA = /^kms:(\*|Decrypt|ReEncrypt\*|ReEncryptFrom|ReEncryptTo|Encrypt|GenerateDataKey.*)$/i;

function privilegeProblems(s: Statement, where: string): string[] {
    if (s.Effect !== "Allow") return [];
    const out: string[] = [];
    const actions = actionsOf(s);
    const resources = resourcesOf(s);
    if (s.NotAction !== undefined) out.push(`${where} is an Allow with NotAction`);
    if (s.NotResource !== undefined) out.push(`${where} is an Allow with NotResource`);
    for (const a of actions) {
        if (a === "*") out.push(`${where} allows Action "*"`);
        else if (/^[a-z0-9-]+:\*$/i.test(a)) out.push(`${where} allows ${a} (a whole service)`);
    }
    if (resources.includes("*")) {
        const scoped = actions.filter((a) => !RESOURCELESS.some((r) => globMatch(r, a)));
        if (scoped.length > 0) out.push(`${where} allows ${scoped.join(", ")} on Resource "*"`);
    }
    if (actions.some((a) => globMatch(a, "iam:PassRole"))) {
        if (resources.includes("*") || conditionValues(s, "iam:PassedToService").length === 0)
            out.push(`${where} allows iam:PassRole without a named role and an iam:PassedToService condition`);
    }
    if (actions.some((a) => KMS_DATA.test(a)) && conditionValues(s, "kms:ViaService").length === 0)
        out.push(`${where} allows KMS data actions without a kms:ViaService condition`);
    return out;
}

export const leastPrivilege: ResourceValidationPolicy = {
    name: "iam-least-privilege",
    description:
        "FSBP IAM.1, FSBP IAM.21, CKV_AWS_62, CKV_AWS_63, CKV_AWS_355, AwsSolutions-IAM5, FSBP KMS.1, FSBP KMS.2: role, boundary and inline " +
        'policies allow no "*" or service:* action, no NotAction/NotResource, no Resource "*" for resource-scoped actions (so no ' +
        "kms:Decrypt/ReEncryptFrom on *), no unrestricted iam:PassRole, and KMS data actions only with kms:ViaService (invariant 18, docs/invariants.md). " +
        "Why: the vendor's reach must be exactly its datasets; a wildcard silently grows with every new AWS action.",
    remediationSteps: "Grant by intent with fixed Sids (iam/vendor.ts datasetGrants); name actions and ARNs.",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["FSBP IAM.1", "FSBP IAM.21", "CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_355", "AwsSolutions-IAM5", "FSBP KMS.1", "FSBP KMS.2"],
    validateResource: (args, report) => {
        const docs: { where: string; doc: unknown }[] = [];
        if (is(T.rolePolicy, args.type) || is(T.managedPolicy, args.type) || args.type === "aws:iam/groupPolicy:GroupPolicy")
            docs.push({ where: "policy", doc: args.props.policy });
        if (is(T.role, args.type))
            list(args.props.inlinePolicies as { name?: string; policy?: unknown }[] | undefined).forEach((p, i) =>
                docs.push({ where: `inlinePolicies[${i}]`, doc: p.policy }),
            );
        for (const { where, doc } of docs) {
            const statements = statementsOf(doc);
            if (!statements) {
                report(`${where} is not a parsable policy document`);
                continue;
            }
            statements.forEach((s, i) => privilegeProblems(s, `${where} ${label(s, i)}`).forEach((m) => report(m)));
        }
    },
};

const USER_TYPES = [
    "aws:iam/user:User",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/accessKey:AccessKey",
    "aws:iam/userLoginProfile:UserLoginProfile",
];
const AWS_MANAGED = /^arn:aws[a-z-]*:iam::aws:policy\//;

export const noManagedPoliciesNoUsers: ResourceValidationPolicy = {
    name: "iam-no-aws-managed-policies-no-users",
    description:
        "AwsSolutions-IAM4, FSBP IAM.2: no AWS-managed policy is attached to a role, and no IAM users, user policies or access keys exist. " +
        "Why: AWS-managed policies change under you and are broad; long-lived user keys cannot be sealed by a session revoke.",
    remediationSteps: "Write a scoped customer policy instead; vendors come in through the vendor role with sts:AssumeRole.",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["AwsSolutions-IAM4", "FSBP IAM.2"],
    validateResource: (args, report) => {
        if (USER_TYPES.includes(args.type)) return report(`${args.type}: IAM users and their keys are not allowed`);
        if (is(T.role, args.type))
            strings(args.props.managedPolicyArns)
                .filter((a) => AWS_MANAGED.test(a))
                .forEach((a) => report(`managedPolicyArns includes the AWS-managed ${a}`));
        if (is(T.rolePolicyAttachment, args.type) && AWS_MANAGED.test(String(args.props.policyArn ?? "")))
            report(`policyArn is the AWS-managed ${args.props.policyArn}`);
    },
};

export const roleBoundaryAndSession: ResourceValidationPolicy = {
    name: "iam-role-boundary-and-session-limit",
    description:
        "Invariant 30 (design, docs/invariants.md), AwsSolutions-IAM5 companion: every role of a vendor enclave (tag enclave:vendor other than security) has a " +
        "permissionsBoundary, and every role's maxSessionDuration is at most 3600 seconds. Why: the boundary caps what any later policy can " +
        "grant; short sessions bound how long stolen credentials outlive a seal.",
    remediationSteps: "Set permissionsBoundary to the enclave boundary policy ARN and maxSessionDuration <= 3600 (spec access.maxSessionSeconds).",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["Invariant-30"],
    validateResource: (args, report) => {
        if (!is(T.role, args.type)) return;
        const max = args.props.maxSessionDuration;
        if (typeof max === "number" && max > 3600) report(`maxSessionDuration is ${max}, above 3600`);
        const vendor = tagsOf(args.props)["enclave:vendor"];
        if (vendor !== undefined && vendor !== "security" && !args.props.permissionsBoundary)
            report(`permissionsBoundary is not set on a role of vendor ${vendor}`);
    },
};
