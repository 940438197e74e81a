// What happens to data at rest in one bucket: encryption, versioning, access logging, lifecycle, Object Lock.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { is, list, T } from "./util";

const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/;

interface SseRule {
    applyServerSideEncryptionByDefault?: { sseAlgorithm?: string; kmsMasterKeyId?: string };
}

export const s3SseKmsKeyArn: ResourceValidationPolicy = {
    name: "s3-sse-kms-full-key-arn",
    description:
        "FSBP S3.17, CKV_AWS_145: default encryption is SSE-KMS with a customer key named by its full key ARN (not an alias, not aws/s3); " +
        "SSE-S3 (AES256) is allowed only where AWS requires it (an access-log target, see s3-encryption-placement). Why: the vendor's own " +
        "key is what the seal disables and what crypto-shredding deletes; an alias can be re-pointed, aws/s3 cannot be disabled.",
    remediationSteps: 'Set rules[].applyServerSideEncryptionByDefault = { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }.',
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["FSBP S3.17", "CKV_AWS_145"],
    validateResource: (args, report) => {
        if (!is(T.sse, args.type)) return;
        const rules = list(args.props.rules as SseRule[] | undefined);
        if (rules.length === 0) return report("rules is empty: no default encryption");
        rules.forEach((r, i) => {
            const d = r.applyServerSideEncryptionByDefault ?? {};
            if (d.sseAlgorithm === "AES256") return;
            if (d.sseAlgorithm !== "aws:kms" && d.sseAlgorithm !== "aws:kms:dsse")
                return report(`rules[${i}].applyServerSideEncryptionByDefault.sseAlgorithm is ${JSON.stringify(d.sseAlgorithm ?? null)}`);
            if (!d.kmsMasterKeyId || !KEY_ARN.test(d.kmsMasterKeyId)) {
                report(`rules[${i}].applyServerSideEncryptionByDefault.kmsMasterKeyId is ${JSON.stringify(d.kmsMasterKeyId ?? null)}, not a full KMS key ARN`);
            }
        });
    },
};

export const s3Versioning: ResourceValidationPolicy = {
    name: "s3-versioning-enabled",
    description:
        "FSBP S3.14, CKV_AWS_21: BucketVersioning status is Enabled. Why: versions are the history a breach investigation and a write-only " +
        "drop box rely on (no access level grants delete).",
    remediationSteps: 'Set versioningConfiguration.status = "Enabled".',
    enforcementLevel: "mandatory",
    severity: "medium",
    tags: ["FSBP S3.14", "CKV_AWS_21"],
    validateResource: (args, report) => {
        if (!is(T.versioning, args.type)) return;
        const status = (args.props.versioningConfiguration as { status?: string } | undefined)?.status;
        if (status !== "Enabled") report(`versioningConfiguration.status is ${JSON.stringify(status ?? null)}, not "Enabled"`);
    },
};

export const s3AccessLogging: ResourceValidationPolicy = {
    name: "s3-access-logging-separate-target",
    description:
        "FSBP S3.9, CKV_AWS_18: server access logging goes to a separate log bucket with a prefix. Why: access logs are the per-request evidence; " +
        "a bucket logging into itself loops and can be deleted with it.",
    remediationSteps: "Set targetBucket to the security stack's access-log bucket and a per-vendor targetPrefix.",
    enforcementLevel: "mandatory",
    severity: "medium",
    tags: ["FSBP S3.9", "CKV_AWS_18"],
    validateResource: (args, report) => {
        if (!is(T.logging, args.type)) return;
        if (!args.props.targetBucket) report("targetBucket is not set");
        else if (args.props.targetBucket === args.props.bucket) report(`targetBucket is the bucket itself (${args.props.bucket})`);
        if (!args.props.targetPrefix) report("targetPrefix is not set: logs of several buckets would mix");
    },
};

interface LifecycleRule {
    status?: string;
    abortIncompleteMultipartUpload?: { daysAfterInitiation?: number };
    noncurrentVersionExpiration?: { noncurrentDays?: number };
}

export const s3Lifecycle: ResourceValidationPolicy = {
    name: "s3-lifecycle-abort-and-noncurrent-expiry",
    description:
        "FSBP S3.13, FSBP S3.10: lifecycle rules abort incomplete multipart uploads and expire noncurrent versions. Why: versioned buckets " +
        "otherwise grow without bound, and abandoned uploads are invisible, billed data.",
    remediationSteps: "Add enabled rules with abortIncompleteMultipartUpload.daysAfterInitiation and noncurrentVersionExpiration.noncurrentDays.",
    enforcementLevel: "advisory",
    severity: "low",
    tags: ["FSBP S3.13", "FSBP S3.10"],
    validateResource: (args, report) => {
        if (!is(T.lifecycle, args.type)) return;
        const rules = list(args.props.rules as LifecycleRule[] | undefined).filter((r) => r.status === "Enabled");
        if (!rules.some((r) => (r.abortIncompleteMultipartUpload?.daysAfterInitiation ?? 0) > 0))
            report("no enabled rule sets abortIncompleteMultipartUpload.daysAfterInitiation");
        if (!rules.some((r) => (r.noncurrentVersionExpiration?.noncurrentDays ?? 0) > 0))
            report("no enabled rule sets noncurrentVersionExpiration.noncurrentDays");
    },
};

export const s3ObjectLockRetention: ResourceValidationPolicy = {
    name: "s3-object-lock-default-retention",
    description:
        "FSBP S3.15, CKV_AWS_143: an Object Lock configuration is Enabled with a default retention (mode and days or years). Why: without a " +
        "default retention, log objects are not locked and the archive can be rewritten after a breach.",
    remediationSteps: 'Set objectLockEnabled = "Enabled" and rule.defaultRetention = { mode: "COMPLIANCE", days: N }.',
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["FSBP S3.15", "CKV_AWS_143"],
    validateResource: (args, report) => {
        if (!is(T.objectLock, args.type)) return;
        if (args.props.objectLockEnabled !== undefined && args.props.objectLockEnabled !== "Enabled")
            report(`objectLockEnabled is ${JSON.stringify(args.props.objectLockEnabled)}`);
        const r = (args.props.rule as { defaultRetention?: { mode?: string; days?: number; years?: number } } | undefined)?.defaultRetention;
        if (!r || !r.mode || !((r.days ?? 0) > 0 || (r.years ?? 0) > 0)) report("rule.defaultRetention has no mode and positive days/years");
    },
};
