import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { render } from "../iam/document";
import { replicatedLogPrefixes } from "../iam/archive";
import { logReplicationRolePolicy, logReplicationTrustPolicy, memberLogBucketPolicy, type MemberLogInputs } from "../iam/memberLogs";
import type { Tags } from "../iam/names";
import { LOG_REPLICATION_ROLE, TAG } from "../contract/tags";
import { secureBucket } from "./secureBucket";

export interface EnclaveMemberLogsArgs {
    bucketName: string;
    replicationRoleName: string;
    /** The log-archive account (the archive bucket's owner), which the replicas are handed to. */
    archiveAccountId: pulumi.Input<string>;
    inputs: pulumi.Output<MemberLogInputs>;
    noncurrentVersionExpirationDays: number;
    tags: Tags;
}

/**
 * Account mode only: the enclave's log bucket in its member account and its replication into the archive. S3 server
 * access logs must land in a bucket of the source's own account and region, and the workload role may not leave its
 * account, so both kinds of log land here first (SSE-S3, as access logging requires) and S3 replicates each new object
 * to the archive in the log-archive account, where Object Lock keeps it. Nothing deleted here is deleted there (no
 * delete-marker replication), and the replicas belong to the archive's account (owner override). Retained on
 * delete: the bucket and its replication outlive a `pulumi destroy`, until the account is closed.
 */
export class EnclaveMemberLogs extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    readonly replicationRole: aws.iam.Role;
    readonly replication: aws.s3.BucketReplicationConfig;

    constructor(name: string, args: EnclaveMemberLogsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("enclave:vendor:MemberLogs", name, {}, opts);
        // Retained, not protected (a vendor stack protects nothing, so destroy never stops halfway): a `pulumi destroy`
        // leaves the bucket, its policy and its replication working until the account is closed.
        const keep = { parent: this, retainOnDelete: true };
        const parts = secureBucket(
            name,
            {
                bucketName: args.bucketName,
                tags: args.tags,
                noncurrentVersionExpirationDays: args.noncurrentVersionExpirationDays,
                policy: args.inputs.apply((p) => render(memberLogBucketPolicy(p))),
                forceDestroy: false,
            },
            keep,
        );
        this.bucket = parts.bucket;
        // Lab-side (enclave:role), like the airlock's roles: the seal leaves it replicating. Its boundary is its own grant.
        const roleTags = { ...args.tags, [TAG.role]: LOG_REPLICATION_ROLE };
        const grant = args.inputs.apply((p) => render(logReplicationRolePolicy(p)));
        const boundary = new aws.iam.Policy(
            `${name}-replication-boundary`,
            { name: `${args.replicationRoleName}-boundary`, policy: grant, tags: roleTags },
            keep,
        );
        this.replicationRole = new aws.iam.Role(
            `${name}-replication-role`,
            {
                name: args.replicationRoleName,
                permissionsBoundary: boundary.arn,
                description: "S3 replication of the enclave's access logs and session transcripts into the log archive",
                assumeRolePolicy: args.inputs.apply((p) => render(logReplicationTrustPolicy(p))),
                maxSessionDuration: 3600,
                tags: roleTags,
            },
            keep,
        );
        const rolePolicy = new aws.iam.RolePolicy(
            `${name}-replication-policy`,
            { name: "replicate-logs-to-archive", role: this.replicationRole.name, policy: grant },
            keep,
        );
        // One rule per prefix, so nothing else ever put in the bucket replicates; replicas owned by the archive.
        this.replication = new aws.s3.BucketReplicationConfig(
            `${name}-replication`,
            {
                bucket: this.bucket.id,
                role: this.replicationRole.arn,
                rules: pulumi.all([args.inputs, args.archiveAccountId]).apply(([p, account]) =>
                    replicatedLogPrefixes(p.vendorId).map((prefix, i) => ({
                        id: prefix.split("/").slice(-2)[0],
                        status: "Enabled",
                        priority: i + 1,
                        filter: { prefix },
                        deleteMarkerReplication: { status: "Disabled" },
                        destination: { bucket: p.archiveBucketArn, account, accessControlTranslation: { owner: "Destination" } },
                    })),
                ),
            },
            // Versioning first (S3 refuses replication on an unversioned bucket), and the role's policy in place.
            { ...keep, dependsOn: [parts.versioning, rolePolicy] },
        );
        this.registerOutputs({ bucketName: this.bucket.id });
    }
}
