// Who can reach a bucket at all: public access block, TLS-only, no public or cross-account grants, no ACLs.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import {
    accountOfArn,
    actionsOf,
    conditionsOf,
    conditionValues,
    coversResource,
    is,
    label,
    principalsOf,
    providerAccounts,
    statementsOf,
    T,
    type Statement,
} from "./util";

const PAB_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

export const s3PublicAccessBlock: ResourceValidationPolicy = {
    name: "s3-public-access-block-all-flags",
    description:
        "FSBP S3.8, CIS 2.1.4, CKV_AWS_53, CKV_AWS_54, CKV_AWS_55, CKV_AWS_56: every BucketPublicAccessBlock sets all four flags to true. " +
        "Why: one false flag lets a later ACL or policy make vendor data public.",
    remediationSteps: "Set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true (components/secureBucket.ts).",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["FSBP S3.8", "CIS 2.1.4", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"],
    validateResource: (args, report) => {
        if (!is(T.pab, args.type)) return;
        for (const flag of PAB_FLAGS) {
            if (args.props[flag] !== true) report(`${flag} is ${JSON.stringify(args.props[flag] ?? null)}: all four public access block flags must be true`);
        }
    },
};

export const s3TlsOnly: ResourceValidationPolicy = {
    name: "s3-bucket-policy-denies-insecure-transport",
    description:
        "FSBP S3.5, CIS 2.1.1, AwsSolutions-S10: the bucket policy denies s3:* on the bucket and bucket/* when aws:SecureTransport is false. " +
        "Why: without it, data and presigned credentials can travel in clear text.",
    remediationSteps:
        'Add {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":[<bucket ARN>,"<bucket ARN>/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}} (iam/vendor.ts dataBucketPolicy, iam/archive.ts).',
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["FSBP S3.5", "CIS 2.1.1", "AwsSolutions-S10"],
    validateResource: (args, report) => {
        if (!is(T.bucketPolicy, args.type)) return;
        const statements = statementsOf(args.props.policy);
        if (!statements) return report("policy is not a parsable IAM policy document");
        const arn = `arn:aws:s3:::${args.props.bucket}`;
        const ok = statements.some(
            (s) =>
                s.Effect === "Deny" &&
                principalsOf(s.Principal).any &&
                actionsOf(s).some((a) => a === "s3:*" || a === "*") &&
                coversResource(s, arn) &&
                coversResource(s, `${arn}/any-object`) &&
                conditionValues(s, "aws:SecureTransport").some((v) => String(v).toLowerCase() === "false"),
        );
        if (!ok) report(`policy has no Deny of s3:* on ${arn} and ${arn}/* for aws:SecureTransport = false`);
    },
};

/** What a replication role writes into a destination bucket: replicas, their tags and ownership, nothing it can read or delete. */
const REPLICATION_WRITE_ACTIONS = ["s3:ReplicateObject", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner", "s3:GetBucketVersioning"];

/**
 * The one cross-account grant a bucket policy may carry: an account-mode member account's log replication into the
 * archive (iam/archive.ts memberLogReplication). Only replica writes, and only for exact roles of that account named by
 * aws:PrincipalArn with ArnEquals: the account's principal alone would admit every role there.
 */
function isPinnedReplicationGrant(s: Statement, principal: string): boolean {
    const acct = accountOfArn(principal);
    const actions = actionsOf(s);
    if (s.NotAction !== undefined || actions.length === 0 || !actions.every((a) => REPLICATION_WRITE_ACTIONS.includes(a))) return false;
    const pinned = conditionsOf(s)
        .filter((c) => c.op === "ArnEquals" && c.key.toLowerCase() === "aws:principalarn")
        .flatMap((c) => c.values);
    const roles = pinned.filter((v) => accountOfArn(v) === acct && /^arn:aws[a-z-]*:iam::\d{12}:role\/[^*?]+$/.test(v));
    return roles.length > 0 && pinned.every((v) => /^arn:aws[a-z-]*:iam::\d{12}:role\/[^*?]+$/.test(v));
}

export const s3NoPublicOrCrossAccountGrant: ResourceValidationPolicy = {
    name: "s3-bucket-policy-no-public-or-cross-account-allow",
    description:
        "FSBP S3.2, FSBP S3.3, FSBP S3.6, CKV_AWS_20, CKV_AWS_57, CKV_AWS_70: a bucket policy never allows Principal *, allows AWS service " +
        "principals only with aws:SourceAccount or aws:SourceArn, and grants nothing to another account but an account-mode member " +
        "account's log replication (replica writes only, pinned to exact roles by aws:PrincipalArn). Why: vendors come in through a role " +
        "in the lab's account that the seal can cut; a direct grant bypasses the seal and the boundary.",
    remediationSteps: "Grant vendors through the vendor role's identity policy, not the bucket policy; add aws:SourceAccount to service grants.",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["FSBP S3.2", "FSBP S3.3", "FSBP S3.6", "CKV_AWS_20", "CKV_AWS_57", "CKV_AWS_70"],
    validateResource: (args, report) => {
        if (!is(T.bucketPolicy, args.type)) return;
        const statements = statementsOf(args.props.policy);
        if (!statements) return report("policy is not a parsable IAM policy document");
        const accounts = providerAccounts(args.provider?.props);
        statements.forEach((s, i) => {
            if (s.Effect !== "Allow") return;
            if (s.NotPrincipal !== undefined) report(`policy ${label(s, i)} is an Allow with NotPrincipal (allows everyone else)`);
            const p = principalsOf(s.Principal);
            if (p.any) report(`policy ${label(s, i)} allows Principal "*"`);
            if (p.service.length > 0 && conditionValues(s, "aws:SourceAccount").length === 0 && conditionValues(s, "aws:SourceArn").length === 0) {
                report(`policy ${label(s, i)} allows service ${p.service.join(", ")} without an aws:SourceAccount or aws:SourceArn condition`);
            }
            for (const a of p.aws) {
                const acct = accountOfArn(a);
                if (accounts.length > 0 && (!acct || !accounts.includes(acct)) && !isPinnedReplicationGrant(s, a))
                    report(`policy ${label(s, i)} grants ${a}, outside the stack's account ${accounts.join(", ")}`);
            }
            for (const o of p.other) report(`policy ${label(s, i)} grants ${o} directly`);
        });
    },
};

export const s3NoAcls: ResourceValidationPolicy = {
    name: "s3-bucket-owner-enforced-no-acls",
    description:
        "FSBP S3.12: BucketOwnershipControls is BucketOwnerEnforced and no bucket ACL resource or acl/grant argument exists. " +
        "Why: ACLs are a second, unaudited grant path next to the bucket policy; BucketOwnerEnforced switches them off.",
    remediationSteps: 'Use rule.objectOwnership = "BucketOwnerEnforced" and remove BucketAcl resources and acl/grants arguments.',
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["FSBP S3.12"],
    validateResource: (args, report) => {
        if (is(T.ownership, args.type)) {
            const own = (args.props.rule as { objectOwnership?: string } | undefined)?.objectOwnership;
            if (own !== "BucketOwnerEnforced") report(`rule.objectOwnership is ${JSON.stringify(own ?? null)}, not "BucketOwnerEnforced"`);
        } else if (is(T.acl, args.type)) {
            report(`${args.type} sets a bucket ACL; ACLs are disabled by BucketOwnerEnforced`);
        } else if (is(T.bucket, args.type)) {
            if (args.props.acl !== undefined) report(`acl is set (${JSON.stringify(args.props.acl)}); bucket ACLs are not allowed`);
            if (args.props.grants !== undefined && (args.props.grants as unknown[]).length > 0) report("grants is set; bucket ACL grants are not allowed");
        }
    },
};
