// Where S3 server access logs go and what guards them: the target is in the source's own account (S3 delivers nowhere
// else), and the bucket that receives them refuses to erase or re-policy them for anyone but the operators.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { TAG } from "../../contract/tags";
import {
    bucketArnOf,
    conditionsHold,
    conditionValues,
    coversAction,
    coversResource,
    idOf,
    isLabSideRole,
    ofType,
    principalCovers,
    principalsOf,
    providerAccounts,
    refersTo,
    sideOf,
    statementsOf,
    strings,
    T,
    tagsOf,
    type Statement,
} from "./util";

/** The account in an access-log bucket's name (`enclave-access-logs-<account>-<region>`, `enclave-member-logs-<account>-<region>`). */
const accountInLogBucketName = (name: string): string | undefined => /-(\d{12})-[a-z]{2}(?:-[a-z]+)+-\d+$/.exec(name)?.[1];

/** Does a Deny of `statements` refuse `principal` doing `action` on `resource` with a plain HTTPS request? */
function denied(statements: Statement[], principal: string, action: string, resource: string): boolean {
    const ctx = { "aws:PrincipalArn": principal, "aws:SecureTransport": "true", "aws:PrincipalIsAWSService": "false" };
    return statements.some(
        (s) => s.Effect === "Deny" && principalCovers(s, principal) && coversAction(s, action) && coversResource(s, resource) && conditionsHold(s, ctx),
    );
}

/** Who must never erase or re-policy the logs: the stack's vendor-side roles, and any other principal of the account. */
function probes(resources: PolicyResource[], account: string | undefined): string[] {
    const vendorSide = ofType(resources, T.role)
        .filter((r) => {
            const v = tagsOf(r.props)[TAG.vendor];
            return v !== undefined && v !== "security" && !isLabSideRole(r);
        })
        .map((r) => r.props.arn as string | undefined)
        .filter((a): a is string => Boolean(a));
    return [...vendorSide, `arn:aws:iam::${account ?? "123456789012"}:role/any-other-role`];
}

export const s3AccessLogsOwnAccount: StackValidationPolicy = {
    name: "s3-access-logs-own-account-and-guarded",
    description:
        "FSBP S3.9 companion, (design): every BucketLogging of the stack names a target bucket in the stack's own account (S3 delivers server " +
        "access logs only within the source bucket's account and region: an account-mode enclave logs to its member log bucket, never the " +
        "central one), and every bucket that receives access logs has a policy that admits the logging service only with this account's " +
        "aws:SourceAccount and denies DeleteObject, DeleteObjectVersion, PutBucketPolicy and a person's PutObject to the vendor-side roles and " +
        "any other principal. Why: a target S3 refuses is a silent gap in the evidence, and logs their subject can erase are no evidence.",
    remediationSteps:
        "Account mode: log to the member log bucket (components/memberLogs.ts, iam/memberLogs.ts memberLogBucketPolicy); shared account: the " +
        "security stack's access-log bucket (iam/archive.ts accessLogBucketPolicy).",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["FSBP S3.9"],
    validateStack: (args, report) => {
        const accounts = ofType(args.resources, T.awsProvider).flatMap((p) => providerAccounts(p.props));
        const account = accounts.length === 1 ? accounts[0] : undefined;
        const buckets = ofType(args.resources, T.bucket);
        for (const l of ofType(args.resources, T.logging)) {
            const target = strings(l.props.targetBucket)[0];
            if (buckets.some((b) => refersTo(l, "targetBucket", b))) continue; // a bucket of this stack: same account
            const owner = target ? accountInLogBucketName(target) : undefined;
            if (!owner) report(`${l.name} logs to ${target ?? "(no target)"}, which is neither a bucket of this stack nor names its account`, l.urn);
            else if (account && owner !== account)
                report(
                    `${l.name} logs to ${target}, a bucket of account ${owner}, not this stack's account ${account}: S3 delivers access logs only within an account`,
                    l.urn,
                );
        }
        const targets = buckets.filter((b) => ofType(args.resources, T.logging).some((l) => refersTo(l, "targetBucket", b)));
        for (const b of targets) {
            const arn = bucketArnOf(b);
            const name = (b.props.bucket as string | undefined) ?? idOf(b) ?? b.name;
            const pol = sideOf(args.resources, b, T.bucketPolicy)[0];
            const statements = pol ? statementsOf(pol.props.policy) : undefined;
            if (!pol || !statements) {
                report(`access-log bucket ${name} has no parsable bucket policy`, b.urn);
                continue;
            }
            for (const s of statements.filter((x) => x.Effect === "Allow" && principalsOf(x.Principal).service.includes("logging.s3.amazonaws.com"))) {
                const sources = conditionValues(s, "aws:SourceAccount");
                if (sources.length === 0 || (account && sources.some((a) => a !== account)))
                    report(
                        `policy of ${name}: statement ${s.Sid ?? "(unnamed)"} admits the logging service without aws:SourceAccount ${account ?? ""}`.trim(),
                        pol.urn,
                    );
            }
            for (const principal of probes(args.resources, account)) {
                for (const [action, resource] of [
                    ["s3:DeleteObject", `${arn}/any-log`],
                    ["s3:DeleteObjectVersion", `${arn}/any-log`],
                    ["s3:PutObject", `${arn}/any-log`],
                    ["s3:PutBucketPolicy", arn],
                ] as const) {
                    if (!denied(statements, principal, action, resource))
                        report(`policy of ${name} does not deny ${action} to ${principal}: the logs could be erased, forged or re-policied`, pol.urn);
                }
            }
        }
    },
};
