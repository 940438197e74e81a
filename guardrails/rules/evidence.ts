// Evidence and ownership: dataset grants pinned to the lab's account, and evidence keys nobody on the deploy path
// administers.
import type { StackValidationPolicy } from "@pulumi/policy";
import {
    actionsOf,
    bucketArnOf,
    conditionValues,
    isDataBucket,
    isLogArchiveTagged,
    label,
    ofType,
    principalsOf,
    resourcesOf,
    statementsOf,
    T,
    type Statement,
} from "./util";

/** The account a dataset bucket belongs to, from its name (`<vendor>--<dataset>--<account>`). */
const accountOfBucketName = (arn: string) => /--(\d{12})$/.exec(arn.replace(/^arn:aws:s3:::/, ""))?.[1];

export const s3GrantsPinnedToOwner: StackValidationPolicy = {
    name: "s3-grants-pinned-to-owner",
    description:
        "Data perimeter (resource perimeter), invariant 38 (docs/invariants.md): every Allow of an S3 action on a dataset bucket of this stack, in a role policy, a managed " +
        "policy (the boundary) or an S3 endpoint policy, requires s3:ResourceAccount equal to the bucket's account. Why: bucket names are global and " +
        "predictable; a bucket created under a dataset's name in another account (before the lab's exists, or after destroy) would otherwise receive " +
        "or serve enclave data through the enclave's own grants.",
    remediationSteps: "Build the grants with datasetGrants (iam/vendor.ts), which adds StringEquals s3:ResourceAccount = the lab's account to each.",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["DataPerimeter-ResourceAccount", "Invariant-38"],
    validateStack: (args, report) => {
        const datasets = new Set(ofType(args.resources, T.bucket).filter(isDataBucket).map(bucketArnOf));
        const documents = [
            ...ofType(args.resources, T.rolePolicy).map((r) => ({ r, doc: r.props.policy })),
            ...ofType(args.resources, T.managedPolicy).map((r) => ({ r, doc: r.props.policy })),
            ...ofType(args.resources, T.endpoint)
                .filter((e) => String(e.props.serviceName ?? "").endsWith(".s3"))
                .map((r) => ({ r, doc: r.props.policy })),
        ];
        for (const { r, doc } of documents) {
            (statementsOf(doc) ?? []).forEach((s: Statement, i) => {
                if (s.Effect !== "Allow" || !actionsOf(s).some((a) => a.toLowerCase().startsWith("s3:"))) return;
                const targets = resourcesOf(s)
                    .map((x) => x.replace(/\/\*$/, ""))
                    .filter((x) => datasets.has(x));
                if (targets.length === 0) return;
                const owners = conditionValues(s, "s3:ResourceAccount");
                const expected = [...new Set(targets.map(accountOfBucketName).filter((a): a is string => a !== undefined))];
                if (owners.length === 0)
                    report(`${r.name} policy ${label(s, i)} grants S3 on ${targets.join(", ")} without an s3:ResourceAccount condition`, r.urn);
                else if (owners.some((o) => !expected.includes(o)))
                    report(
                        `${r.name} policy ${label(s, i)} pins s3:ResourceAccount to ${owners.join(", ")}, not the buckets' account ${expected.join(", ")}`,
                        r.urn,
                    );
            });
        }
    },
};

/** What must stay out of reach of every role but the archive's administrators. */
const EVIDENCE_KEY_TAMPERING = ["kms:DisableKey", "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:CreateGrant", "kms:DisableKeyRotation"];

export const evidenceKeysAdministeredApart: StackValidationPolicy = {
    name: "kms-evidence-keys-administered-apart",
    description:
        'Separation of duties, invariant 39 (docs/invariants.md): every log-archive key (archive and alarm keys) has an explicit Deny with Principal "*" of disable, deletion, ' +
        "key-policy change, grants and rotation change, conditioned on aws:PrincipalArn (the archive administrator and break-glass only). Why: the role that " +
        "deploys vendor stacks could otherwise silence the alarms and crypto-shred the evidence with one DisableKey or ScheduleKeyDeletion.",
    remediationSteps: "Build the key policy with archiveKeyPolicy()/alarmKeyPolicy() (iam/archive.ts); set archiveAdminRoleArn in the security spec.",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["Invariant-39"],
    validateStack: (args, report) => {
        for (const key of ofType(args.resources, T.key).filter(isLogArchiveTagged)) {
            const statements = statementsOf(key.props.policy) ?? [];
            const missing = EVIDENCE_KEY_TAMPERING.filter(
                (action) =>
                    !statements.some(
                        (s) =>
                            s.Effect === "Deny" &&
                            principalsOf(s.Principal).any &&
                            actionsOf(s).includes(action) &&
                            conditionValues(s, "aws:PrincipalArn").length > 0 &&
                            Object.keys(s.Condition ?? {}).every((op) => /^(StringNotEquals|ArnNotEquals)$/.test(op)),
                    ),
            );
            if (missing.length)
                report(`${key.name} policy does not deny ${missing.join(", ")} to every principal but its administrators (by aws:PrincipalArn)`, key.urn);
        }
    },
};
