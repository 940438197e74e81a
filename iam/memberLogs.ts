import { policy, type PolicyDocument, type Statement } from "./document";
import { denyInsecureTransport } from "./common";
import { BUCKET_TAMPER_ACTIONS, LOG_READ_ACTIONS, REPLICATED_LOG_ACTIONS, replicatedLogPrefixes, vendorAccessLogPrefix } from "./archive";

// Account mode: the enclave's own log bucket in its member account. S3 delivers server access logs only to a bucket
// of the source bucket's account (and region), so the central access-log bucket of the security stack cannot take an
// account-mode vendor's logs. This bucket takes them, and the workspace's session transcripts (the perimeter SCP keeps
// the workload role inside its account, so the SSM agent cannot upload to the archive either); S3 replication copies
// both, as they arrive, to the archive in the log-archive account, where Object Lock keeps them. Pure documents.

export interface MemberLogInputs {
    vendorId: string;
    /** The member account (the bucket's and the sources' account). */
    accountId: string;
    region: string;
    bucketArn: string;
    /** The buckets whose server access logs land here: the datasets' and the airlock's. */
    sourceBucketArns: string[];
    deployerRoleArn: string;
    breakGlassRoleArn: string;
    replicationRoleArn: string;
    /** The archive bucket (log-archive account) the replication writes to. */
    archiveBucketArn: string;
    /** Set when the enclave has a workspace: the SSM agent uploads transcripts as this role, through this endpoint. */
    sessions?: { writerArn: string; s3EndpointId: string };
}

/** Object calls that would erase or rewrite a log (BucketOwnerEnforced already refuses ACL changes). */
export const LOG_DELETION_ACTIONS = [
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:DeleteObjectTagging",
    "s3:DeleteObjectVersionTagging",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
    "s3:BypassGovernanceRetention",
];

/** What S3 reads of a source object to replicate it (AWS: "setting up permissions for live replication"). */
export const REPLICATION_SOURCE_OBJECT_ACTIONS = ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"];
export const REPLICATION_SOURCE_BUCKET_ACTIONS = ["s3:GetReplicationConfiguration", "s3:ListBucket"];

const exceptFor = (arns: string[]) => ({ StringNotEqualsIfExists: { "aws:PrincipalArn": arns } });

/**
 * The member log bucket's policy: the logging service writes access logs only for this enclave's buckets
 * (aws:SourceAccount and aws:SourceArn), the workload role writes transcripts only under its session prefix and only
 * through the enclave's S3 endpoint, nobody else writes; nobody but the member account's break-glass reads or deletes
 * (the archive administrator reads the replicas in the archive); only the deployer and break-glass reconfigure; only the replication role reads
 * objects for replication. No statement grants another account anything.
 */
export function memberLogBucketPolicy(p: MemberLogInputs): PolicyDocument {
    const objects = `${p.bucketArn}/*`;
    // Break-glass alone: the archive administrator lives in the log-archive account, and it reads the replicas there;
    // an exemption here would name a role this bucket grants nothing to.
    const readers = [p.breakGlassRoleArn];
    const sessionPrefix = replicatedLogPrefixes(p.vendorId)[1];
    return policy([
        denyInsecureTransport(p.bucketArn),
        {
            Sid: "S3ServerAccessLogs",
            Effect: "Allow",
            Principal: { Service: "logging.s3.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `${p.bucketArn}/${vendorAccessLogPrefix(p.vendorId)}*`,
            Condition: { StringEquals: { "aws:SourceAccount": p.accountId }, ArnEquals: { "aws:SourceArn": p.sourceBucketArns } },
        },
        {
            Sid: "DenyLogDeletion",
            Effect: "Deny",
            Principal: "*",
            Action: [...LOG_DELETION_ACTIONS, "s3:DeleteBucket"],
            Resource: [p.bucketArn, objects],
            Condition: exceptFor(readers),
        },
        // SSE-S3 (access logging cannot write under a KMS key): nothing but this keeps an account principal with
        // s3:GetObject from reading who read what, or a session's transcript.
        { Sid: "DenyLogReadsToOthers", Effect: "Deny", Principal: "*", Action: LOG_READ_ACTIONS, Resource: objects, Condition: exceptFor(readers) },
        {
            Sid: "ReplicationReadsOnlyByReplicationRole",
            Effect: "Deny",
            Principal: "*",
            Action: REPLICATION_SOURCE_OBJECT_ACTIONS,
            Resource: objects,
            Condition: exceptFor([p.replicationRoleArn]),
        },
        {
            Sid: "DenyLogBucketReconfiguration",
            Effect: "Deny",
            Principal: "*",
            Action: BUCKET_TAMPER_ACTIONS.filter((a) => a !== "s3:DeleteBucket"),
            Resource: p.bucketArn,
            Condition: exceptFor([p.deployerRoleArn, p.breakGlassRoleArn]),
        },
        {
            // Logs come from the logging service; the one person-side writer is the workspace's SSM agent, below.
            Sid: "DenyForgedLogs",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: objects,
            Condition: {
                ...(p.sessions ? exceptFor([p.sessions.writerArn]) : {}),
                BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
            },
        },
        ...(p.sessions
            ? ([
                  {
                      Sid: "SessionLogsOwnPrefixOnly",
                      Effect: "Deny",
                      Principal: "*",
                      Action: "s3:PutObject",
                      NotResource: `${p.bucketArn}/${sessionPrefix}*`,
                      Condition: { StringEquals: { "aws:PrincipalArn": p.sessions.writerArn } },
                  },
                  {
                      // The instance role's credentials, copied out of the instance, add nothing to the transcripts.
                      Sid: "SessionLogsThroughEnclaveEndpoint",
                      Effect: "Deny",
                      Principal: "*",
                      Action: "s3:PutObject",
                      Resource: objects,
                      Condition: { StringEquals: { "aws:PrincipalArn": p.sessions.writerArn }, StringNotEquals: { "aws:SourceVpce": p.sessions.s3EndpointId } },
                  },
              ] satisfies Statement[])
            : []),
    ]);
}

/** Only S3, only for this member account's log bucket (confused-deputy protection). */
export function logReplicationTrustPolicy(p: Pick<MemberLogInputs, "accountId" | "bucketArn">): PolicyDocument {
    return policy([
        {
            Sid: "S3ReplicatesThisBucketOnly",
            Effect: "Allow",
            Principal: { Service: "s3.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": p.accountId }, ArnEquals: { "aws:SourceArn": p.bucketArn } },
        },
    ]);
}

/**
 * The replication role: read the log bucket's objects for replication, write them into the archive under this
 * vendor's two prefixes and nothing else. No s3:ReplicateDelete: a delete marker in the member bucket never reaches
 * the archive (the rule does not replicate them either).
 */
export function logReplicationRolePolicy(p: MemberLogInputs): PolicyDocument {
    return policy([
        { Sid: "ReadReplicationConfiguration", Effect: "Allow", Action: REPLICATION_SOURCE_BUCKET_ACTIONS, Resource: p.bucketArn },
        {
            Sid: "ReadLogsForReplication",
            Effect: "Allow",
            Action: REPLICATION_SOURCE_OBJECT_ACTIONS,
            Resource: replicatedLogPrefixes(p.vendorId).map((prefix) => `${p.bucketArn}/${prefix}*`),
        },
        {
            Sid: "ReplicateIntoArchive",
            Effect: "Allow",
            Action: REPLICATED_LOG_ACTIONS,
            Resource: replicatedLogPrefixes(p.vendorId).map((prefix) => `${p.archiveBucketArn}/${prefix}*`),
        },
    ]);
}
