// Breach day: a vendor stack must be destroyable, the archive must not be, and a seal must cut every path at once.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { dnsRulesOf } from "./networkStack";
import { actionsOf, conditionsOf, conditionValues, coversAction, isDataBucket, isLogArchiveTagged, isVendorStack, ofType, principalsOf, statementsOf, T, tagsOf, type Statement } from "./util";

export const destroyableVendorProtectedArchive: StackValidationPolicy = {
    name: "stack-vendor-destroyable-archive-protected",
    description:
        "Invariant 36 (design, docs/invariants.md), FSBP S3.15 context: in a vendor stack nothing is protected and every data bucket has forceDestroy; the log " +
        "archive (Object Lock buckets, and buckets, keys and log groups tagged enclave:role=log-archive) is protected, never forceDestroy, and " +
        "never lives in a vendor stack. Why: breach-day teardown must not stop halfway, and it must never touch the evidence.",
    remediationSteps: "Keep forceDestroy: true on dataset buckets (components/dataset.ts) and protect: true on the security stack (components/logArchive.ts).",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["Invariant-36"],
    validateStack: (args, report) => {
        const vendor = isVendorStack(args.resources);
        for (const r of args.resources) {
            if (vendor && r.opts?.protect && !isLogArchiveTagged(r)) report(`${r.name} is protected in a vendor stack: pulumi destroy on breach day would stop`, r.urn);
        }
        for (const b of ofType(args.resources, T.bucket)) {
            const archive = b.props.objectLockEnabled === true || isLogArchiveTagged(b);
            if (isDataBucket(b) && b.props.forceDestroy !== true) report(`data bucket ${b.props.bucket} has forceDestroy ${JSON.stringify(b.props.forceDestroy ?? null)}: a versioned bucket cannot be destroyed without it`, b.urn);
            if (archive && vendor) report(`log archive bucket ${b.props.bucket} is in a vendor stack: it belongs to the security stack`, b.urn);
            if (archive && b.props.forceDestroy === true) report(`log archive bucket ${b.props.bucket} has forceDestroy true`, b.urn);
        }
        const archiveParts = args.resources.filter(
            (r) => (ofType([r], [...T.bucket, ...T.key, ...T.logGroup]).length > 0 && isLogArchiveTagged(r)) || (ofType([r], T.bucket).length > 0 && r.props.objectLockEnabled === true),
        );
        for (const r of archiveParts) if (!r.opts?.protect) report(`${r.name} is part of the log archive but not protected`, r.urn);
    },
};

const isSealDenyAll = (s: Statement) => s.Effect === "Deny" && coversAction(s, "s3:GetObject") && coversAction(s, "kms:Decrypt") && s.Condition === undefined;
const isSessionRevoke = (s: Statement) => s.Effect === "Deny" && coversAction(s, "s3:GetObject") && conditionValues(s, "aws:TokenIssueTime").length > 0;

/** The vendor-side roles: roles of the stack whose trust policy admits anything but AWS services only of this account. */
function vendorRoles(resources: PolicyResource[]): PolicyResource[] {
    return ofType(resources, T.role).filter((r) => {
        const v = tagsOf(r.props)["enclave:vendor"];
        return v !== undefined && v !== "security";
    });
}

export const sealComplete: StackValidationPolicy = {
    name: "seal-cuts-every-path",
    description:
        "Invariant 34 (design, docs/invariants.md; AWS 'revoke active sessions' guidance): when any part of a vendor stack is sealed, all of it is: every vendor-side " +
        "role policy has a Deny-all and a Deny on aws:TokenIssueTime, every role's trust policy denies sts:AssumeRole, every data bucket policy " +
        "and endpoint policy has a Deny for the vendor roles, the key is disabled and every DNS Firewall rule of the VPC blocks. Why: a session revoke alone does not stop a new session; " +
        "a half seal leaves a path open.",
    remediationSteps: "Seal through the spec (sealed: true, sealedAt) so every builder in iam/vendor.ts adds its seal statements.",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["Invariant-34"],
    validateStack: (args, report) => {
        if (!isVendorStack(args.resources)) return;
        const roles = vendorRoles(args.resources);
        const rolePolicies = ofType(args.resources, T.rolePolicy).filter((p) => roles.some((r) => p.props.role === r.props.name));
        const keys = ofType(args.resources, T.key);
        const docs = (r: PolicyResource, prop: string) => statementsOf(r.props[prop]) ?? [];
        const sealed =
            rolePolicies.some((p) => docs(p, "policy").some(isSealDenyAll)) ||
            keys.some((k) => k.props.isEnabled === false) ||
            roles.some((r) => docs(r, "assumeRolePolicy").some((s) => s.Effect === "Deny"));
        if (!sealed) return;
        for (const p of rolePolicies) {
            if (!docs(p, "policy").some(isSealDenyAll)) report(`${p.name} has no unconditioned Deny of everything while the stack is sealed`, p.urn);
            if (!docs(p, "policy").some(isSessionRevoke)) report(`${p.name} has no Deny conditioned on aws:TokenIssueTime (revoke older sessions)`, p.urn);
        }
        for (const r of roles) {
            if (!docs(r, "assumeRolePolicy").some((s) => s.Effect === "Deny" && coversAction(s, "sts:AssumeRole"))) report(`${r.name} trust policy does not deny sts:AssumeRole while sealed`, r.urn);
        }
        const roleArns = roles.map((r) => r.props.arn as string | undefined).filter((a): a is string => Boolean(a));
        // The seal Deny must name the vendor roles and cover everything the document otherwise lets them do
        // (for a bucket policy: reading and writing objects).
        const sealsDoc = (statements: Statement[], actions: string[]) =>
            statements.some(
                (s) =>
                    s.Effect === "Deny" &&
                    (principalsOf(s.Principal).aws.some((a) => roleArns.includes(a)) || conditionsOf(s).some((c) => /^(String|Arn)(Equals|Like)$/.test(c.op) && c.key.toLowerCase() === "aws:principalarn" && c.values.some((a) => roleArns.includes(a)))) &&
                    actions.every((a) => coversAction(s, a)),
            );
        const dataPolicies = ofType(args.resources, T.bucketPolicy).filter((p) => ofType(args.resources, T.bucket).some((b) => isDataBucket(b) && p.props.bucket === b.props.bucket));
        for (const p of dataPolicies) {
            if (!sealsDoc(docs(p, "policy"), ["s3:GetObject", "s3:PutObject", "s3:ListBucket"])) report(`${p.name} policy has no Deny for the vendor roles while sealed`, p.urn);
        }
        for (const e of ofType(args.resources, T.endpoint)) {
            const statements = docs(e, "policy");
            const allowed = statements.filter((s) => s.Effect === "Allow").flatMap((s) => actionsOf(s));
            if (!sealsDoc(statements, allowed)) report(`${e.name} policy has no Deny for the vendor roles while sealed`, e.urn);
        }
        for (const k of keys) if (k.props.isEnabled !== false) report(`${k.name} isEnabled is not false while sealed`, k.urn);
        for (const vpc of ofType(args.resources, T.vpc)) {
            for (const { rule } of dnsRulesOf(args.resources, vpc)) {
                if (rule.props.action !== "BLOCK") report(`${rule.name} is ${String(rule.props.action)}, not BLOCK, while sealed: the VPC still resolves names`, rule.urn);
            }
        }
    },
};
