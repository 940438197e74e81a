// The fixed action catalogue the access report simulates. Classes are what a reviewer reads; actions are what the
// simulator evaluates. A class is "allowed" for a principal/resource/path when at least one of its actions is.
import { forbiddenS3Actions } from "../guardrails/rules/s3Destructive";

export type ActionClass = "read" | "list" | "write" | "delete" | "admin" | "key-use" | "key-admin" | "escalation";

export interface CatalogueEntry {
    action: string;
    class: ActionClass;
}

/** Object-level S3 actions (resource: `<bucket>/<object>`). */
export const S3_OBJECT_ACTIONS: CatalogueEntry[] = [
    { action: "s3:GetObject", class: "read" },
    { action: "s3:GetObjectVersion", class: "read" },
    { action: "s3:PutObject", class: "write" },
    { action: "s3:DeleteObject", class: "delete" },
    { action: "s3:DeleteObjectVersion", class: "delete" },
    { action: "s3:PutObjectAcl", class: "admin" },
    { action: "s3:PutObjectRetention", class: "admin" },
    { action: "s3:BypassGovernanceRetention", class: "admin" },
];

/** Bucket-level S3 actions (resource: the bucket ARN). */
export const S3_BUCKET_ACTIONS: CatalogueEntry[] = [
    { action: "s3:ListBucket", class: "list" },
    { action: "s3:ListBucketVersions", class: "list" },
    { action: "s3:DeleteBucket", class: "delete" },
    { action: "s3:PutBucketPolicy", class: "admin" },
    { action: "s3:DeleteBucketPolicy", class: "admin" },
    { action: "s3:PutBucketVersioning", class: "admin" },
    { action: "s3:PutLifecycleConfiguration", class: "admin" },
    { action: "s3:PutEncryptionConfiguration", class: "admin" },
    { action: "s3:PutBucketPublicAccessBlock", class: "admin" },
    { action: "s3:PutBucketLogging", class: "admin" },
];

/** KMS actions on a key; key-use ones are simulated both through S3 (kms:ViaService) and directly. */
export const KMS_ACTIONS: CatalogueEntry[] = [
    { action: "kms:Decrypt", class: "key-use" },
    { action: "kms:GenerateDataKey", class: "key-use" },
    { action: "kms:Encrypt", class: "key-use" },
    { action: "kms:PutKeyPolicy", class: "key-admin" },
    { action: "kms:DisableKey", class: "key-admin" },
    { action: "kms:ScheduleKeyDeletion", class: "key-admin" },
    { action: "kms:CreateGrant", class: "key-admin" },
];

/** Privilege escalation / defence evasion, simulated for the vendor-side roles (resources filled in from the plan). */
export const ESCALATION_ACTIONS = [
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DeleteRolePermissionsBoundary",
    "iam:CreateRole",
    "iam:PassRole",
    "ec2:ModifyVpcEndpoint",
    "cloudtrail:StopLogging",
    "cloudtrail:DeleteTrail",
    "ec2:DeleteFlowLogs",
] as const;

/**
 * The rest of S3, from the AWS action catalogue: every delete, permissions-management and configuration write on a
 * bucket or object (the same derivation as the no-delete guardrail, guardrails/rules/s3Destructive.ts), beyond the
 * fixed entries above. The access report simulates one of these only where some Allow statement of the principal's
 * identity policies or the bucket's policy could cover it (an action nothing allows cannot be allowed), so a change
 * that grants, say, s3:PutObjectTagging shows up in the report and in `enclave diff` without the fixed list knowing it.
 */
export async function catalogueS3Entries(): Promise<{ object: CatalogueEntry[]; bucket: CatalogueEntry[] }> {
    const fixed = new Set([...S3_OBJECT_ACTIONS, ...S3_BUCKET_ACTIONS].map((e) => e.action.toLowerCase()));
    const out = { object: [] as CatalogueEntry[], bucket: [] as CatalogueEntry[] };
    for (const f of await forbiddenS3Actions()) {
        if (fixed.has(f.action.toLowerCase())) continue;
        const entry: CatalogueEntry = { action: f.action, class: /^s3:Delete/.test(f.action) ? "delete" : "admin" };
        if (f.resourceTypes.includes("object")) out.object.push(entry);
        else if (f.resourceTypes.includes("bucket")) out.bucket.push(entry);
    }
    return out;
}
