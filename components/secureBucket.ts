import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface SecureBucketArgs {
    /** Physical bucket name (deterministic; see iam/names.ts). */
    bucketName: string;
    tags: Record<string, string>;
    /** SSE-KMS with this key (full ARN); omitted means SSE-S3, which access-log targets require. */
    kmsKeyArn?: pulumi.Input<string>;
    /**
     * S3 Bucket Keys cut KMS requests (cost) for busy data buckets. Off for the log archive: few, large objects, and
     * with Bucket Keys CloudTrail would need kms:Decrypt for whoever creates a trail, and the key's encryption context
     * would be the bucket instead of each object (no per-prefix key policy).
     */
    bucketKey?: boolean;
    /** Server access logging target; omitted only for the access-log bucket itself (it cannot log into itself). */
    accessLog?: { targetBucket: pulumi.Input<string>; targetPrefix: string };
    noncurrentVersionExpirationDays: number;
    policy: pulumi.Input<string>;
    forceDestroy: boolean;
    objectLock?: { mode: "GOVERNANCE" | "COMPLIANCE"; days: number };
}

/**
 * The S3 baseline every bucket of this toolkit gets, in one place: public access block (all four), BucketOwnerEnforced,
 * versioning, default encryption, lifecycle, access logging and a bucket policy. Returns the bucket and its parts so
 * callers can order other resources after the policy.
 */
export function secureBucket(name: string, args: SecureBucketArgs, opts: pulumi.CustomResourceOptions) {
    const bucket = new aws.s3.Bucket(
        `${name}-bucket`,
        { bucket: args.bucketName, forceDestroy: args.forceDestroy, objectLockEnabled: args.objectLock ? true : undefined, tags: args.tags },
        opts,
    );
    const child = { ...opts, parent: opts.parent };
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
        `${name}-public-access-block`,
        { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        child,
    );
    const ownership = new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, child);
    const versioning = new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, child);
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-encryption`,
        {
            bucket: bucket.id,
            rules: [
                args.kmsKeyArn
                    ? {
                          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
                          bucketKeyEnabled: args.bucketKey ?? true,
                          blockedEncryptionTypes: ["SSE-C"],
                      }
                    : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, blockedEncryptionTypes: ["SSE-C"] },
            ],
        },
        child,
    );
    const lifecycle = new aws.s3.BucketLifecycleConfiguration(
        `${name}-lifecycle`,
        {
            bucket: bucket.id,
            rules: [
                { id: "abort-incomplete-multipart-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
                {
                    id: "expire-noncurrent-versions",
                    status: "Enabled",
                    filter: {},
                    noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionExpirationDays },
                },
            ],
        },
        { ...child, dependsOn: [versioning] },
    );
    const logging = args.accessLog
        ? new aws.s3.BucketLogging(
              `${name}-access-logging`,
              { bucket: bucket.id, targetBucket: args.accessLog.targetBucket, targetPrefix: args.accessLog.targetPrefix },
              child,
          )
        : undefined;
    const objectLock = args.objectLock
        ? new aws.s3.BucketObjectLockConfiguration(
              `${name}-object-lock`,
              { bucket: bucket.id, objectLockEnabled: "Enabled", rule: { defaultRetention: { mode: args.objectLock.mode, days: args.objectLock.days } } },
              { ...child, dependsOn: [versioning] },
          )
        : undefined;
    // After the public access block, so a policy is never briefly evaluated against an unblocked bucket.
    const bucketPolicy = new aws.s3.BucketPolicy(
        `${name}-policy`,
        { bucket: bucket.id, policy: args.policy },
        { ...child, dependsOn: [publicAccessBlock, ownership] },
    );
    return { bucket, publicAccessBlock, ownership, versioning, encryption, lifecycle, logging, objectLock, bucketPolicy };
}
