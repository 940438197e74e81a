import { policy, s3ServiceHost, type PolicyDocument, type Statement } from "./document";
import { archivePrefixes } from "./names";
import { cloudWatchLogsKeyUse, denyInsecureTransport, keyAdministrationByRoleArn } from "./common";

export interface ArchivePolicyInputs {
    accountId: string;
    region: string;
    archiveBucketArn: string;
    accessLogBucketArn: string;
    logGroupArn: string;
    /** Deploys vendor stacks: on the archive it may only write evidence bundles. */
    deployerRoleArn: string;
    breakGlassRoleArn: string;
    /** The security team's role: with break-glass, the only administrator of the archive and its alarms. */
    archiveAdminRoleArn: string;
    accountTrailName: string;
    /** The vendors of the stacks folder: each gets delivery statements pinned to its own prefixes and sources. */
    vendors: ArchiveVendor[];
}

export interface ArchiveVendor {
    id: string;
    trailName: string;
    /** Its dataset buckets (sources of S3 server access logs). */
    bucketArns: string[];
    /**
     * Its workload role, set only when the vendor has a workspace: the SSM agent writes session transcripts as that role
     * under `vendors/<id>/sessions/` (Session Manager has no service-side delivery to S3).
     */
    sessionLogWriterArn?: string;
    /**
     * Account mode: the vendor's member account and region. Its trail, flow logs and DNS query logs live there and
     * deliver to this archive across accounts (see memberAccountDeliveries); unset, they live in the archive's account.
     */
    memberAccount?: { id: string; region: string };
    /**
     * Its workload log group. Encrypted with the archive key, not the vendor's: the seal disables the vendor key, and
     * CloudWatch Logs cannot read (or export) events under a disabled key, so the workload logs of a sealed vendor would
     * be lost to the evidence export that comes after the seal.
     */
    workloadLogGroupArn?: string;
    /** Its airlock role, set only when the vendor has an airlock: it appends one record per event under `vendors/<id>/airlock/`. */
    airlockRecordWriterArn?: string;
    /**
     * Account mode: the role S3 assumes in the member account to replicate that account's log bucket (server access
     * logs and session transcripts, iam/memberLogs.ts) into this archive, under the vendor's own two prefixes.
     */
    logReplicationRoleArn?: string;
}

const sessionWriters = (p: ArchivePolicyInputs) => p.vendors.filter((v) => v.sessionLogWriterArn);
/** Vendors whose logs come from the archive's own account (shared-account mode). */
const inArchiveAccount = (p: ArchivePolicyInputs) => p.vendors.filter((v) => !v.memberAccount);
const airlockWriters = (p: ArchivePolicyInputs) => p.vendors.filter((v) => v.airlockRecordWriterArn);
/** Where an airlock's records go in the archive (contract/airlock.ts AIRLOCK_PREFIX.record). */
export const airlockRecordPrefix = (vendorId: string) => `vendors/${vendorId}/airlock/`;

/** Where a vendor's S3 server access logs go, in the access-log bucket that takes them (central or member) and in the archive. */
export const vendorAccessLogPrefix = (vendorId: string) => `vendors/${vendorId}/s3-access/`;
/**
 * Account mode: the prefixes of the member log bucket that replicate into the archive (replication keeps the key, so
 * they are the archive's prefixes too): the server access logs and the session transcripts.
 */
export const replicatedLogPrefixes = (vendorId: string): [string, string] => [vendorAccessLogPrefix(vendorId), archivePrefixes.vendorSessionLogs(vendorId)];
/** What a replication role writes into the destination: the object, its tags, and the archive as its owner. Never s3:ReplicateDelete. */
export const REPLICATED_LOG_ACTIONS = ["s3:ReplicateObject", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"];

/** Sid-safe form of a vendor id: `acme-labeling` -> `AcmeLabeling` (ids are lowercase, so this is one-to-one per id). */
export const sidOf = (vendorId: string) => vendorId.replace(/(^|-)([a-z0-9])/g, (_m, _h, c: string) => c.toUpperCase());

export const trailArn = (region: string, accountId: string, name: string) => `arn:aws:cloudtrail:${region}:${accountId}:trail/${name}`;

/**
 * The source AWS's vended-log infrastructure (VPC flow logs and Route 53 Resolver query logs delivered to S3) sends as
 * aws:SourceArn. AWS documents only this region-and-account form, not the flow log's or query-log config's own ARN, so
 * the per-vendor pin is the object prefix, not the source.
 */
export const vendedLogsSourceArn = (region: string, accountId: string) => `arn:aws:logs:${region}:${accountId}:*`;

/** The two administrators of everything that holds or reports evidence. */
const archiveAdmins = (p: ArchivePolicyInputs) => [p.archiveAdminRoleArn, p.breakGlassRoleArn];

/** Key actions that could silence, shred or reopen an evidence key; denied to everyone but the two administrators. */
export const KEY_TAMPER_ACTIONS = [
    "kms:DisableKey",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:PutKeyPolicy",
    "kms:CreateGrant",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:RotateKeyOnDemand",
    "kms:ImportKeyMaterial",
    "kms:DeleteImportedKeyMaterial",
    "kms:UpdateKeyDescription",
    "kms:UpdatePrimaryRegion",
    "kms:ReplicateKey",
    "kms:CreateAlias",
    "kms:UpdateAlias",
    "kms:DeleteAlias",
    "kms:TagResource",
    "kms:UntagResource",
];

/** Bucket configuration that decides whether evidence is kept, readable and logged. */
export const BUCKET_TAMPER_ACTIONS = [
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketVersioning",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutReplicationConfiguration",
    "s3:PutEncryptionConfiguration",
    "s3:PutBucketLogging",
    "s3:PutBucketOwnershipControls",
    "s3:PutBucketAcl",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketNotification",
    "s3:DeleteBucket",
];

/**
 * Explicit denies by aws:PrincipalArn, never naming a role as Principal: a role deleted and re-created under the same
 * name still matches, so neither administrator can be locked out by a rebuild, and the account's root user keeps the
 * bucket-policy actions S3 always allows it.
 */
function denyToAllBut(sid: string, actions: string[], resource: string | string[], allowed: string[]): Statement {
    return { Sid: sid, Effect: "Deny", Principal: "*", Action: actions, Resource: resource, Condition: { StringNotEquals: { "aws:PrincipalArn": allowed } } };
}

/** Evidence must outlive the incident: only the two administrators may even ask to delete (Object Lock still refuses). */
const denyLogDeletion = (p: ArchivePolicyInputs, bucketArn: string): Statement => ({
    Sid: "DenyLogDeletion",
    Effect: "Deny",
    Principal: "*",
    Action: ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention", "s3:PutObjectRetention", "s3:PutObjectLegalHold", "s3:DeleteBucket"],
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { StringNotEqualsIfExists: { "aws:PrincipalArn": archiveAdmins(p) } },
});

type MemberVendor = ArchiveVendor & { memberAccount: { id: string; region: string } };
/** Account-mode vendors: their logs come from their own member accounts. */
const inMemberAccounts = (p: ArchivePolicyInputs) => p.vendors.filter((v): v is MemberVendor => !!v.memberAccount);

/**
 * Deliveries from account-mode vendors' member accounts. Each is pinned three ways: aws:SourceAccount is that vendor's
 * member account (never a wildcard: an account outside the organization cannot write here however it names its
 * trail), aws:SourceArn is its exact trail (or its account's vended-log source), and the object key is under that
 * vendor's own prefix and that account's AWSLogs folder, so vendor A's account cannot write into vendor B's logs.
 */
export function memberAccountDeliveries(p: ArchivePolicyInputs): Statement[] {
    const members = inMemberAccounts(p);
    if (members.length === 0) return [];
    const logs = (v: MemberVendor, prefix: string) => `${p.archiveBucketArn}/${prefix.replace(/\/$/, "")}/AWSLogs/${v.memberAccount.id}/*`;
    const trail = (v: MemberVendor) => trailArn(v.memberAccount.region, v.memberAccount.id, v.trailName);
    const vended = (v: MemberVendor) => vendedLogsSourceArn(v.memberAccount.region, v.memberAccount.id);
    const acl = { "s3:x-amz-acl": "bucket-owner-full-control" };
    return [
        {
            // Reading the bucket ACL reveals nothing; still only the member accounts' own trails may.
            Sid: "CloudTrailAclCheckMemberAccounts",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "s3:GetBucketAcl",
            Resource: p.archiveBucketArn,
            Condition: { StringEquals: { "aws:SourceAccount": members.map((v) => v.memberAccount.id), "aws:SourceArn": members.map(trail) } },
        },
        {
            Sid: "LogDeliveryAclCheckMemberAccounts",
            Effect: "Allow",
            Principal: { Service: "delivery.logs.amazonaws.com" },
            Action: "s3:GetBucketAcl",
            Resource: p.archiveBucketArn,
            Condition: { StringEquals: { "aws:SourceAccount": members.map((v) => v.memberAccount.id) }, ArnLike: { "aws:SourceArn": members.map(vended) } },
        },
        ...members.flatMap((v): Statement[] => [
            {
                Sid: `CloudTrailWriteMember${sidOf(v.id)}`,
                Effect: "Allow",
                Principal: { Service: "cloudtrail.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: logs(v, archivePrefixes.vendorTrail(v.id)),
                Condition: { StringEquals: { "aws:SourceAccount": v.memberAccount.id, "aws:SourceArn": trail(v), ...acl } },
            },
            {
                Sid: `LogDeliveryWriteMember${sidOf(v.id)}`,
                Effect: "Allow",
                Principal: { Service: "delivery.logs.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: [logs(v, archivePrefixes.vendorFlowLogs(v.id)), logs(v, archivePrefixes.vendorDnsLogs(v.id))],
                Condition: { StringEquals: { "aws:SourceAccount": v.memberAccount.id, ...acl }, ArnLike: { "aws:SourceArn": vended(v) } },
            },
        ]),
    ];
}

/**
 * Replication from account-mode vendors' member log buckets (iam/memberLogs.ts). The writer is a role of the member
 * account, named by aws:PrincipalArn under that account's principal (never as Principal: the archive must stay
 * writable whatever happens to a role over there), and only under that vendor's two prefixes. No s3:ReplicateDelete:
 * nothing deleted over there is deleted here, and Object Lock's default retention holds each replica. The replicas
 * keep the source's SSE-S3 encryption (S3 replicates an encrypted object with its own encryption type), so the
 * archive key does not guard them: DenyReplicatedLogReadsToOthers does, as the access-log bucket's own deny does.
 */
export function memberLogReplication(p: ArchivePolicyInputs): Statement[] {
    const members = inMemberAccounts(p).filter((v) => v.logReplicationRoleArn);
    if (members.length === 0) return [];
    const prefixes = (v: MemberVendor) => replicatedLogPrefixes(v.id).map((prefix) => `${p.archiveBucketArn}/${prefix}*`);
    return [
        ...members.map((v): Statement => ({
            Sid: `ReplicatedLogsFromMember${sidOf(v.id)}`,
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${v.memberAccount.id}:root` },
            Action: REPLICATED_LOG_ACTIONS,
            Resource: prefixes(v),
            Condition: { ArnEquals: { "aws:PrincipalArn": v.logReplicationRoleArn! } },
        })),
        {
            // S3 checks the destination's versioning when it replicates.
            Sid: "ReplicationChecksVersioningMemberAccounts",
            Effect: "Allow",
            Principal: { AWS: members.map((v) => `arn:aws:iam::${v.memberAccount.id}:root`) },
            Action: ["s3:GetBucketVersioning"],
            Resource: p.archiveBucketArn,
            Condition: { ArnEquals: { "aws:PrincipalArn": members.map((v) => v.logReplicationRoleArn!) } },
        },
        denyToAllBut("DenyReplicatedLogReadsToOthers", LOG_READ_ACTIONS, members.flatMap(prefixes), archiveAdmins(p)),
    ];
}

/**
 * The archive key's side of memberAccountDeliveries: CloudTrail encrypts only for the exact trail of each member
 * account (aws:SourceArn and the kms:EncryptionContext:aws:cloudtrail:arn CloudTrail sends), log delivery only for
 * the member accounts' own vended-log sources.
 */
export function memberAccountKeyUse(p: ArchivePolicyInputs): Statement[] {
    const members = inMemberAccounts(p);
    if (members.length === 0) return [];
    const accounts = members.map((v) => v.memberAccount.id);
    return [
        ...members.map((v): Statement => {
            const trail = trailArn(v.memberAccount.region, v.memberAccount.id, v.trailName);
            return {
                Sid: `CloudTrailEncryptMember${sidOf(v.id)}`,
                Effect: "Allow",
                Principal: { Service: "cloudtrail.amazonaws.com" },
                Action: ["kms:GenerateDataKey"],
                Resource: "*",
                Condition: {
                    StringEquals: { "aws:SourceAccount": v.memberAccount.id, "aws:SourceArn": trail, "kms:EncryptionContext:aws:cloudtrail:arn": trail },
                },
            };
        }),
        {
            // CreateTrail/UpdateTrail in a member account describe the key first (no encryption context there).
            Sid: "CloudTrailDescribeKeyMemberAccounts",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: ["kms:DescribeKey"],
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceAccount": accounts } },
        },
        ...members.map((v): Statement => ({
            Sid: `LogDeliveryEncryptMember${sidOf(v.id)}`,
            Effect: "Allow",
            Principal: { Service: "delivery.logs.amazonaws.com" },
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: "*",
            Condition: {
                StringEquals: { "aws:SourceAccount": v.memberAccount.id },
                ArnLike: { "aws:SourceArn": vendedLogsSourceArn(v.memberAccount.region, v.memberAccount.id) },
            },
        })),
    ];
}

/**
 * CloudTrail (account and vendor trails) and log delivery (VPC flow logs, DNS query logs), each pinned to this
 * account, to the exact trail ARN where CloudTrail sends one, and to the vendor's own prefix.
 */
export function archiveBucketPolicy(p: ArchivePolicyInputs): PolicyDocument {
    const logs = (prefix: string) => `${p.archiveBucketArn}/${prefix}/AWSLogs/${p.accountId}/*`;
    const trails = [trailArn(p.region, p.accountId, p.accountTrailName), ...inArchiveAccount(p).map((v) => trailArn(p.region, p.accountId, v.trailName))];
    const cloudTrailWrite = (Sid: string, prefix: string, source: string): Statement => ({
        Sid,
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: logs(prefix),
        Condition: { StringEquals: { "aws:SourceAccount": p.accountId, "aws:SourceArn": source, "s3:x-amz-acl": "bucket-owner-full-control" } },
    });
    const vended = vendedLogsSourceArn(p.region, p.accountId);
    return policy([
        denyInsecureTransport(p.archiveBucketArn),
        {
            Sid: "CloudTrailAclCheck",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "s3:GetBucketAcl",
            Resource: p.archiveBucketArn,
            Condition: { StringEquals: { "aws:SourceAccount": p.accountId, "aws:SourceArn": trails } },
        },
        cloudTrailWrite("CloudTrailWriteAccountTrail", archivePrefixes.accountTrail, trails[0]),
        ...inArchiveAccount(p).map((v) =>
            cloudTrailWrite(`CloudTrailWrite${sidOf(v.id)}`, archivePrefixes.vendorTrail(v.id), trailArn(p.region, p.accountId, v.trailName)),
        ),
        {
            Sid: "LogDeliveryAclCheck",
            Effect: "Allow",
            Principal: { Service: "delivery.logs.amazonaws.com" },
            Action: "s3:GetBucketAcl",
            Resource: p.archiveBucketArn,
            Condition: { StringEquals: { "aws:SourceAccount": p.accountId }, ArnLike: { "aws:SourceArn": vended } },
        },
        ...inArchiveAccount(p).map((v): Statement => ({
            Sid: `LogDeliveryWrite${sidOf(v.id)}`,
            Effect: "Allow",
            Principal: { Service: "delivery.logs.amazonaws.com" },
            Action: "s3:PutObject",
            // Flow logs and DNS query logs of this vendor only, under its own prefixes.
            Resource: [logs(archivePrefixes.vendorFlowLogs(v.id).replace(/\/$/, "")), logs(archivePrefixes.vendorDnsLogs(v.id).replace(/\/$/, ""))],
            Condition: {
                StringEquals: { "aws:SourceAccount": p.accountId, "s3:x-amz-acl": "bucket-owner-full-control" },
                ArnLike: { "aws:SourceArn": vended },
            },
        })),
        ...memberAccountDeliveries(p),
        ...memberLogReplication(p),
        denyLogDeletion(p, p.archiveBucketArn),
        denyToAllBut("DenyArchiveReconfiguration", BUCKET_TAMPER_ACTIONS, p.archiveBucketArn, archiveAdmins(p)),
        {
            // `enclave destroy` writes the evidence bundle as the deployer; that is the only place it may write.
            Sid: "DeployerWritesEvidenceOnly",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            NotResource: `${p.archiveBucketArn}/${archivePrefixes.evidenceRoot}*`,
            Condition: { StringEquals: { "aws:PrincipalArn": p.deployerRoleArn } },
        },
        {
            // Evidence is written once: a put under evidence/ must carry `If-None-Match: *`, which S3 refuses (412) when
            // the key already exists, so a later run (or anyone who gets the deployer's write) cannot replace a bundle
            // with a new current version. StringNotEquals is also true when the header is absent.
            Sid: "EvidenceNeverOverwritten",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: `${p.archiveBucketArn}/${archivePrefixes.evidenceRoot}*`,
            Condition: { StringNotEquals: { "s3:if-none-match": "*" } },
        },
        {
            // Log objects come from AWS services only; a person (any role but the deployer's evidence write) cannot
            // add a forged log file beside the real ones. The one exception is a workspace's session transcripts,
            // which the SSM agent uploads as the instance's workload role, each confined to its own prefix below.
            Sid: "DenyForgedLogs",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: `${p.archiveBucketArn}/*`,
            Condition: {
                StringNotEqualsIfExists: {
                    "aws:PrincipalArn": [
                        p.deployerRoleArn,
                        ...sessionWriters(p).map((v) => v.sessionLogWriterArn!),
                        ...airlockWriters(p).map((v) => v.airlockRecordWriterArn!),
                    ],
                },
                BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
            },
        },
        ...sessionWriters(p).map((v): Statement => ({
            Sid: `SessionLogsOwnPrefixOnly${sidOf(v.id)}`,
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            NotResource: `${p.archiveBucketArn}/${archivePrefixes.vendorSessionLogs(v.id)}*`,
            Condition: { StringEquals: { "aws:PrincipalArn": v.sessionLogWriterArn! } },
        })),
        // The airlock's records: its role appends under its own vendor's airlock prefix and nowhere else.
        ...airlockWriters(p).map((v): Statement => ({
            Sid: `AirlockRecordsOwnPrefixOnly${sidOf(v.id)}`,
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            NotResource: `${p.archiveBucketArn}/${airlockRecordPrefix(v.id)}*`,
            Condition: { StringEquals: { "aws:PrincipalArn": v.airlockRecordWriterArn! } },
        })),
        // ...and appends only: like evidence, an airlock record is written once. A put there must carry
        // `If-None-Match: *` (S3 answers 412 if the key exists), so whoever holds the airlock role cannot lay a newer
        // version over a decision's or a release's record. Every principal, not just the airlock role: nobody else
        // writes there, and a deny on absence of the header needs no list of writers to stay right.
        ...airlockWriters(p).map((v): Statement => ({
            Sid: `AirlockRecordsNeverOverwritten${sidOf(v.id)}`,
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: `${p.archiveBucketArn}/${airlockRecordPrefix(v.id)}*`,
            Condition: { StringNotEquals: { "s3:if-none-match": "*" } },
        })),
    ]);
}

/** S3 server access logs: the logging service only, from the archive and each vendor's dataset buckets, each to its prefix. */
export function accessLogBucketPolicy(p: ArchivePolicyInputs): PolicyDocument {
    const accessLogs = (Sid: string, prefix: string, sources: string[]): Statement => ({
        Sid,
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${p.accessLogBucketArn}/${prefix}*`,
        Condition: { StringEquals: { "aws:SourceAccount": p.accountId }, ArnEquals: { "aws:SourceArn": sources } },
    });
    return policy([
        denyInsecureTransport(p.accessLogBucketArn),
        accessLogs("S3ServerAccessLogsArchive", ARCHIVE_ACCESS_LOG_PREFIX, [p.archiveBucketArn]),
        ...inArchiveAccount(p)
            .filter((v) => v.bucketArns.length)
            .map((v) => accessLogs(`S3ServerAccessLogs${sidOf(v.id)}`, vendorAccessLogPrefix(v.id), v.bucketArns)),
        denyLogDeletion(p, p.accessLogBucketArn),
        // The access logs are encrypted with S3-managed keys (S3 server access logging cannot write with a KMS key), so
        // nothing but this statement keeps an account principal with s3:GetObject from reading who read what.
        denyToAllBut("DenyLogReadsToOthers", LOG_READ_ACTIONS, `${p.accessLogBucketArn}/*`, archiveAdmins(p)),
        denyToAllBut("DenyArchiveReconfiguration", BUCKET_TAMPER_ACTIONS, p.accessLogBucketArn, archiveAdmins(p)),
        {
            Sid: "DenyForgedLogs",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: `${p.accessLogBucketArn}/*`,
            Condition: { BoolIfExists: { "aws:PrincipalIsAWSService": "false" } },
        },
    ]);
}

/** Reading a log object's content or attributes, or restoring it: for investigators only. */
export const LOG_READ_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes", "s3:GetObjectVersionAttributes", "s3:RestoreObject"];

/** Where the archive bucket's own access logs go in the access-log bucket. */
export const ARCHIVE_ACCESS_LOG_PREFIX = "log-archive/";

/**
 * The archive key encrypts trails, flow logs, DNS query logs and evidence bundles. It is deliberately not any vendor's
 * key (sealing a vendor disables that key, and its audit trail must keep being written), and not the alarm key (so
 * whatever happens to this key is still reported). Only the archive administrator and break-glass administer it.
 */
export function archiveKeyPolicy(p: ArchivePolicyInputs): PolicyDocument {
    const account = { "aws:SourceAccount": p.accountId };
    const trails = [trailArn(p.region, p.accountId, p.accountTrailName), ...inArchiveAccount(p).map((v) => trailArn(p.region, p.accountId, v.trailName))];
    return policy([
        keyAdministrationByRoleArn(p.accountId, archiveAdmins(p)),
        denyToAllBut("DenyKeyTamperingToOthers", KEY_TAMPER_ACTIONS, "*", archiveAdmins(p)),
        {
            Sid: "InvestigatorsReadLogs",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${p.accountId}:root` },
            Action: ["kms:Decrypt"],
            Resource: "*",
            Condition: { StringEquals: { "kms:CallerAccount": p.accountId }, ArnEquals: { "aws:PrincipalArn": [p.breakGlassRoleArn] } },
        },
        {
            // Evidence uploads (see DeployerWritesEvidenceOnly in the bucket policy). The archive bucket does not use
            // S3 Bucket Keys, so the encryption context is the object ARN and this admits puts under evidence/ only
            // (a top-level folder: no log delivery writes there).
            Sid: "DeployerEncryptsEvidenceViaS3",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${p.accountId}:root` },
            Action: ["kms:GenerateDataKey"],
            Resource: "*",
            Condition: {
                StringEquals: { "kms:ViaService": s3ServiceHost(p.region), "kms:CallerAccount": p.accountId },
                ArnEquals: { "aws:PrincipalArn": [p.deployerRoleArn] },
                StringLike: { "kms:EncryptionContext:aws:s3:arn": `${p.archiveBucketArn}/${archivePrefixes.evidenceRoot}*` },
            },
        },
        // Session transcripts: encrypt only (GenerateDataKey decrypts nothing), through S3, for the writer's own prefix.
        // Named by aws:PrincipalArn under the account: the security stack is deployed before the vendor's role exists.
        ...sessionWriters(p).map((v): Statement => ({
            Sid: `SessionLogsEncrypt${sidOf(v.id)}`,
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${p.accountId}:root` },
            Action: ["kms:GenerateDataKey"],
            Resource: "*",
            Condition: {
                StringEquals: { "kms:ViaService": s3ServiceHost(p.region), "kms:CallerAccount": p.accountId },
                ArnEquals: { "aws:PrincipalArn": v.sessionLogWriterArn! },
                StringLike: { "kms:EncryptionContext:aws:s3:arn": `${p.archiveBucketArn}/${archivePrefixes.vendorSessionLogs(v.id)}*` },
            },
        })),
        // Each vendor's workload log group, by its exact ARN (see ArchiveVendor.workloadLogGroupArn).
        ...p.vendors.filter((v) => v.workloadLogGroupArn).map((v) => cloudWatchLogsKeyUse(`WorkloadLogs${sidOf(v.id)}`, p.region, v.workloadLogGroupArn!)),
        ...airlockWriters(p).map((v): Statement => ({
            Sid: `AirlockRecordsEncrypt${sidOf(v.id)}`,
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${p.accountId}:root` },
            Action: ["kms:GenerateDataKey"],
            Resource: "*",
            Condition: {
                StringEquals: { "kms:ViaService": s3ServiceHost(p.region), "kms:CallerAccount": p.accountId },
                ArnEquals: { "aws:PrincipalArn": v.airlockRecordWriterArn! },
                StringLike: { "kms:EncryptionContext:aws:s3:arn": `${p.archiveBucketArn}/${airlockRecordPrefix(v.id)}*` },
            },
        })),
        {
            Sid: "CloudTrailEncrypt",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: ["kms:GenerateDataKey"],
            Resource: "*",
            Condition: { StringEquals: { ...account, "aws:SourceArn": trails, "kms:EncryptionContext:aws:cloudtrail:arn": trails } },
        },
        {
            // Its own statement: DescribeKey carries no encryption context, so under CloudTrailEncrypt's condition it
            // would never match and CreateTrail/UpdateTrail would fail with InsufficientEncryptionPolicyException.
            Sid: "CloudTrailDescribeKey",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: ["kms:DescribeKey"],
            Resource: "*",
            Condition: { StringEquals: account },
        },
        {
            Sid: "LogDeliveryEncrypt",
            Effect: "Allow",
            Principal: { Service: "delivery.logs.amazonaws.com" },
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: "*",
            Condition: { StringEquals: account, ArnLike: { "aws:SourceArn": vendedLogsSourceArn(p.region, p.accountId) } },
        },
        ...memberAccountKeyUse(p),
    ]);
}

/**
 * The alarm key encrypts the account trail's log group (the alarms read it) and the alarm topic. Apart from the
 * archive key so that disabling or deleting that key is still seen and still reported; under the same two
 * administrators so that nobody on the deploy path can silence the alarms through it either.
 */
export function alarmKeyPolicy(p: ArchivePolicyInputs): PolicyDocument {
    return policy([
        keyAdministrationByRoleArn(p.accountId, archiveAdmins(p)),
        denyToAllBut("DenyKeyTamperingToOthers", KEY_TAMPER_ACTIONS, "*", archiveAdmins(p)),
        cloudWatchLogsKeyUse("CloudWatchLogsEncrypt", p.region, p.logGroupArn),
        {
            Sid: "CloudWatchAlarmsToEncryptedTopic",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceAccount": p.accountId } },
        },
        {
            // Like the alarms' statement: which rules may publish is the topic policy's EnclaveRulesPublish.
            Sid: "EnclaveRulesToEncryptedTopic",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceAccount": p.accountId } },
        },
    ]);
}

/** CloudTrail's role for delivering the account trail to CloudWatch Logs. */
export function trailToLogsTrustPolicy(accountId: string): PolicyDocument {
    return policy([
        {
            Sid: "CloudTrailOnly",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        },
    ]);
}

export function trailToLogsPolicy(logGroupArn: string): PolicyDocument {
    return policy([
        { Sid: "WriteTrailLogStreams", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroupArn}:log-stream:*` },
    ]);
}

// Unsubscribe and SetSubscriptionAttributes (a filter policy that matches nothing) silence a topic as surely as deleting it.
export const TOPIC_TAMPER_ACTIONS = [
    "sns:SetTopicAttributes",
    "sns:DeleteTopic",
    "sns:AddPermission",
    "sns:RemovePermission",
    "sns:PutDataProtectionPolicy",
    "sns:TagResource",
    "sns:UntagResource",
    "sns:Unsubscribe",
    "sns:SetSubscriptionAttributes",
];

export function alarmTopicPolicy(
    topicArn: string,
    p: Pick<ArchivePolicyInputs, "accountId" | "region" | "archiveAdminRoleArn" | "breakGlassRoleArn">,
): PolicyDocument {
    return policy([
        {
            Sid: "CloudWatchAlarmsPublish",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Resource: topicArn,
            Condition: { StringEquals: { "aws:SourceAccount": p.accountId } },
        },
        {
            // The vendor stacks' enclave VPC rules (enclaveVpcRules), which need the VPC id only they know.
            Sid: "EnclaveRulesPublish",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sns:Publish",
            Resource: topicArn,
            Condition: { StringEquals: { "aws:SourceAccount": p.accountId }, ArnLike: { "aws:SourceArn": enclaveRuleArnPattern(p.region, p.accountId) } },
        },
        // Nobody but the two administrators can delete the topic, swap its key, or rewrite who may publish.
        denyToAllBut("DenyTopicTamperingToOthers", TOPIC_TAMPER_ACTIONS, topicArn, [p.archiveAdminRoleArn, p.breakGlassRoleArn]),
    ]);
}

export interface AlarmFilter {
    key: string;
    description: string;
    pattern: string;
}

/** What the evidence alarms must name exactly: the two keys and two buckets they guard, and the deployer. */
export interface AlarmFilterInputs {
    accountId: string;
    archiveKeyArn: string;
    alarmKeyArn: string;
    archiveBucketName: string;
    accessLogBucketName: string;
    deployerRoleArn: string;
}

/** CloudWatch Logs refuses a metric filter pattern longer than this. */
export const MAX_FILTER_PATTERN = 1024;

const anyOf = (field: string, values: string[]) => `(${values.map((v) => `(${field}=${v})`).join("||")})`;
const quoted = (v: string) => `"${v}"`;
/** Every enclave role or instance profile of the deployer's account (all are named `enclave-*`, iam/names.ts). */
const enclaveIam = (p: AlarmFilterInputs, kind: "role" | "instance-profile") => `arn:aws:iam::${p.accountId}:${kind}/enclave-*`;

/**
 * Alarms on the account trail: CIS 4.x style changes an attacker makes to widen access or hide, and the changes that
 * would silence the evidence itself. Each pattern stays under CloudWatch Logs' 1024-character limit.
 */
export function alarmFilters(p: AlarmFilterInputs): AlarmFilter[] {
    const evidenceKeys = `(($.resources[0].ARN=${quoted(p.archiveKeyArn)})||($.resources[0].ARN=${quoted(p.alarmKeyArn)}))`;
    const notEvidenceKeys = `($.resources[0].ARN!=${quoted(p.archiveKeyArn)})&&($.resources[0].ARN!=${quoted(p.alarmKeyArn)})`;
    return [
        {
            key: "iam-policy-changes",
            description: "IAM policy or role changes (CIS 4.4)",
            pattern:
                "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)||($.eventName=UpdateAssumeRolePolicy)}",
        },
        {
            key: "kms-key-disable-or-delete",
            description: "KMS key disabled or scheduled for deletion (CIS 4.7)",
            pattern: "{($.eventSource=kms.amazonaws.com)&&(($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion))}",
        },
        {
            key: "evidence-key-tampering",
            description: "Archive or alarm key disabled, scheduled for deletion, re-policied, granted or rotation changed",
            pattern: `{($.eventSource=kms.amazonaws.com)&&${anyOf("$.eventName", ["DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy", "CreateGrant", "RetireGrant", "RevokeGrant", "DisableKeyRotation", "CancelKeyDeletion"])}&&${evidenceKeys}}`,
        },
        {
            key: "bucket-policy-changes",
            description: "S3 bucket policy changes (CIS 4.8)",
            pattern:
                "{($.eventSource=s3.amazonaws.com)&&(($.eventName=PutBucketAcl)||($.eventName=PutBucketPolicy)||($.eventName=PutBucketCors)||($.eventName=PutBucketLifecycle)||($.eventName=PutBucketReplication)||($.eventName=DeleteBucketPolicy)||($.eventName=DeleteBucketCors)||($.eventName=DeleteBucketLifecycle)||($.eventName=DeleteBucketReplication))}",
        },
        {
            // Expected once per new dataset bucket (its first deploy); any other time it is someone changing where a
            // bucket's objects are encrypted or logged.
            key: "bucket-encryption-or-logging-changes",
            description: "S3 bucket default encryption or access logging changed or removed",
            pattern: `{($.eventSource=s3.amazonaws.com)&&${anyOf("$.eventName", ["PutBucketEncryption", "DeleteBucketEncryption", "PutBucketLogging", "DeleteBucketLogging"])}}`,
        },
        {
            key: "alarm-subscription-changes",
            description: "A subscription of an SNS topic removed or re-filtered (alarms that page nobody)",
            pattern: `{($.eventSource=sns.amazonaws.com)&&${anyOf("$.eventName", ["Unsubscribe", "SetSubscriptionAttributes"])}}`,
        },
        {
            key: "evidence-bucket-changes",
            description: "Archive or access-log bucket policy, lifecycle, versioning, Object Lock, replication, encryption or logging changed",
            pattern: `{($.eventSource=s3.amazonaws.com)&&${anyOf("$.eventName", ["PutBucketPolicy", "DeleteBucketPolicy", "PutBucketLifecycle", "DeleteBucketLifecycle", "PutBucketVersioning", "PutObjectLockConfiguration", "PutBucketReplication", "DeleteBucketReplication", "PutBucketEncryption", "DeleteBucketEncryption", "PutBucketLogging", "DeleteBucket"])}&&${anyOf("$.requestParameters.bucketName", [quoted(p.archiveBucketName), quoted(p.accessLogBucketName)])}}`,
        },
        {
            key: "vendor-key-changes",
            // EnableKey and CancelKeyDeletion undo the key layer of a seal (a disabled key, or one pending deletion):
            // the key policy's seal still stands, but the layer that holds if the policy is ever rewritten is gone.
            description:
                "A key other than the archive's and the alarms' (a vendor key) re-enabled, its deletion cancelled, its policy changed or a grant created",
            pattern: `{($.eventSource=kms.amazonaws.com)&&${anyOf("$.eventName", ["PutKeyPolicy", "CreateGrant", "EnableKey", "CancelKeyDeletion"])}&&${notEvidenceKeys}}`,
        },
        {
            key: "kms-decrypt-outside-s3",
            description: "A person decrypted directly with a key other than the archive's and the alarms' (vendor data is only ever decrypted by S3)",
            pattern: `{($.eventSource=kms.amazonaws.com)&&($.eventName=Decrypt)&&($.sourceIPAddress!="s3.amazonaws.com")&&($.userIdentity.type!="AWSService")&&${notEvidenceKeys}}`,
        },
        {
            key: "network-changes",
            description: "Security group, route table, gateway or VPC changes (CIS 4.10-4.14)",
            pattern:
                "{($.eventName=AuthorizeSecurityGroupIngress)||($.eventName=AuthorizeSecurityGroupEgress)||($.eventName=RevokeSecurityGroupIngress)||($.eventName=RevokeSecurityGroupEgress)||($.eventName=CreateSecurityGroup)||($.eventName=DeleteSecurityGroup)||($.eventName=CreateRoute)||($.eventName=CreateRouteTable)||($.eventName=ReplaceRoute)||($.eventName=DeleteRoute)||($.eventName=CreateInternetGateway)||($.eventName=AttachInternetGateway)||($.eventName=CreateNatGateway)||($.eventName=CreateVpc)||($.eventName=DeleteVpc)||($.eventName=ModifyVpcAttribute)||($.eventName=CreateVpcPeeringConnection)||($.eventName=ModifyVpcEndpoint)}",
        },
        {
            key: "trail-changes",
            description: "CloudTrail stopped, deleted or changed (CIS 4.5)",
            pattern:
                "{($.eventName=CreateTrail)||($.eventName=UpdateTrail)||($.eventName=DeleteTrail)||($.eventName=StartLogging)||($.eventName=StopLogging)||($.eventName=PutEventSelectors)||($.eventName=PutInsightSelectors)}",
        },
        {
            key: "dns-firewall-changes",
            description: "DNS Firewall rule, rule group, domain list, association or query logging changed (a seal changes one rule too)",
            pattern: `{($.eventSource=route53resolver.amazonaws.com)&&${anyOf("$.eventName", ["CreateFirewallRule", "UpdateFirewallRule", "DeleteFirewallRule", "DeleteFirewallRuleGroup", "AssociateFirewallRuleGroup", "DisassociateFirewallRuleGroup", "UpdateFirewallRuleGroupAssociation", "UpdateFirewallConfig", "UpdateFirewallDomains", "DeleteFirewallDomainList", "DisassociateResolverQueryLogConfig", "DeleteResolverQueryLogConfig"])}}`,
        },
        {
            // There is no PassRole event: passing a role shows as the call that takes it. An enclave role reaches an
            // instance through the enclave's instance profile (RunInstances, or attached to a running instance), or
            // another service through the role's ARN (Lambda, ECS, SageMaker, Glue: `role` or `roleArn`).
            key: "enclave-pass-role",
            description:
                "An enclave role passed (an enclave instance profile launched or attached, an enclave role given to a service) by anyone but the deployer",
            pattern: `{(${[
                '($.requestParameters.iamInstanceProfile.name="enclave-*")',
                `($.requestParameters.iamInstanceProfile.arn=${quoted(enclaveIam(p, "instance-profile"))})`,
                '($.requestParameters.AssociateIamInstanceProfileRequest.IamInstanceProfile.Name="enclave-*")',
                `($.requestParameters.AssociateIamInstanceProfileRequest.IamInstanceProfile.Arn=${quoted(enclaveIam(p, "instance-profile"))})`,
                '($.requestParameters.ReplaceIamInstanceProfileAssociationRequest.IamInstanceProfile.Name="enclave-*")',
                `($.requestParameters.role=${quoted(enclaveIam(p, "role"))})`,
                `($.requestParameters.roleArn=${quoted(enclaveIam(p, "role"))})`,
            ].join("||")})&&($.userIdentity.sessionContext.sessionIssuer.arn!=${quoted(p.deployerRoleArn)})}`,
        },
        {
            key: "enclave-role-changes",
            description: "Policy, boundary or trust of an enclave role changed by anyone but the deployer",
            pattern: `{($.eventSource=iam.amazonaws.com)&&${anyOf("$.eventName", ["PutRolePolicy", "DeleteRolePolicy", "AttachRolePolicy", "DetachRolePolicy", "UpdateAssumeRolePolicy", "PutRolePermissionsBoundary", "DeleteRolePermissionsBoundary", "DeleteRole"])}&&($.requestParameters.roleName="enclave-*")&&($.userIdentity.sessionContext.sessionIssuer.arn!=${quoted(p.deployerRoleArn)})}`,
        },
    ];
}

/**
 * Folders and file types a dataset commonly has. A tripwire's key takes one of each, chosen by its own secret, so no
 * fixed prefix or suffix marks it: in a listing it is one more data file.
 */
const TRIPWIRE_FOLDERS = [
    "shards",
    "batches",
    "exports",
    "holdout",
    "eval",
    "train",
    "labels",
    "annotations",
    "raw",
    "clean",
    "snapshots",
    "parts",
    "samples",
    "review",
    "staging",
    "v2",
];
const TRIPWIRE_EXTENSIONS = ["jsonl", "parquet", "json.gz", "csv"];

/**
 * The object key of a vendor's tripwire, from a generated secret (lowercase letters and digits): `<folder>/<secret>.<ext>`.
 * The whole secret is in the key, so nobody who does not hold it can name the object, and the folder and extension
 * vary with it from vendor to vendor.
 */
export function tripwireKeyOf(secret: string): string {
    if (!/^[a-z0-9]{16,}$/.test(secret)) throw new Error("a tripwire secret is 16 or more lowercase letters and digits");
    const pick = <V>(list: V[], i: number) => list[secret.charCodeAt(secret.length - 1 - i) % list.length];
    return `${pick(TRIPWIRE_FOLDERS, 0)}/${secret}.${pick(TRIPWIRE_EXTENSIONS, 1)}`;
}

/** The tripwire's body: one record shaped like a line of data, its id the content secret (unique per vendor). */
export const tripwireContentOf = (secret: string) => `${JSON.stringify({ id: secret, text: "" })}\n`;
/** The secret a tripwire's body carries (the airlock's leak check blocks any export holding it). */
export const tripwireTokenOf = (content: string): string => (JSON.parse(content) as { id: string }).id;

/** The exact object ARNs of a tripwire: one per readable dataset bucket. */
export const tripwireObjectArns = (t: { key: string; buckets: string[] }) => t.buckets.map((b) => `arn:aws:s3:::${b}/${t.key}`);

/**
 * The account trail's data-event selector for the tripwire objects: reads and writes alike (no readOnly field). A
 * server-side copy out of a tripwire is a write event that names the tripwire only as its source, and a selector
 * limited to reads would never record it.
 */
export const tripwireEventSelector = (arns: string[]) => ({
    name: "Tripwire object events",
    fieldSelectors: [
        { field: "eventCategory", equals: ["Data"] },
        { field: "resources.type", equals: ["AWS::S3::Object"] },
        { field: "resources.ARN", equals: arns },
    ],
});

/** Every call that hands out a tripwire's content or metadata, named by the object's own key in the request. */
export const TRIPWIRE_READS = ["GetObject", "GetObjectAttributes", "SelectObjectContent", "GetObjectTorrent", "RestoreObject"] as const;
/** Server-side copies: the request names the destination; the tripwire is the source (or, rarely, the destination). */
export const TRIPWIRE_COPIES = ["CopyObject", "UploadPartCopy"] as const;

/**
 * A read of a vendor's tripwire object: nothing legitimate ever touches one, so any read means someone is looking. The
 * one exception is the deployer's HeadObject: the provider reads the object's metadata back after planting it and on
 * every refresh (the destroy runbook refreshes). The deployer's GetObject still fires: it never needs the content; its
 * PutObject (the planting) and DeleteObject (destroy) are not reads and are not matched.
 *
 * A server-side copy out of a tripwire names the destination in `key` and the tripwire only in the copy source. The
 * trail records data events of the tripwire objects alone, so every CopyObject or UploadPartCopy in the log group has
 * a tripwire as its source or destination; it is this vendor's when its destination bucket is one of this vendor's
 * (`<vendor>--…`: vendor ids have single hyphens only, so no other vendor's bucket starts that way), which is the
 * only place the vendor's roles may write. The copy source field itself (`x-amz-copy-source`) is not used: its name
 * has hyphens, and CloudWatch Logs' JSON selectors are not documented to accept them.
 */
export function tripwireFilter(vendorId: string, canaryKey: string, deployerRoleArn: string): AlarmFilter {
    const read = `($.requestParameters.key=${quoted(canaryKey)})&&(${anyOf("$.eventName", [...TRIPWIRE_READS])}||(($.eventName=HeadObject)&&($.userIdentity.sessionContext.sessionIssuer.arn!=${quoted(deployerRoleArn)})))`;
    const copy = `${anyOf("$.eventName", [...TRIPWIRE_COPIES])}&&($.requestParameters.bucketName=${quoted(`${vendorId}--*`)})`;
    return {
        key: `tripwire-${vendorId}`,
        description: `Tripwire object of vendor ${vendorId} read or copied: contain it with \`enclave seal ${vendorId}\``,
        pattern: `{($.eventSource=s3.amazonaws.com)&&((${read})||(${copy}))}`,
    };
}

/** An EventBridge rule on CloudTrail's management events of one enclave VPC (its id is known only to the vendor stack). */
export interface VpcEventRule {
    key: string;
    description: string;
    pattern: Record<string, unknown>;
}

/**
 * Launches into an enclave's VPC by anyone but the deployer, and any new VPC endpoint in it (a way out of the private
 * network: endpoints are the enclave's only paths). EventBridge rules, not metric filters: they live in the vendor
 * stack, which knows the VPC id, and publish to the security stack's alarm topic directly. A RunInstances that AWS
 * refused carries no responseElements and is not matched; a refused CreateVpcEndpoint is (its request names the VPC).
 */
export function enclaveVpcRules(vendorId: string, vpcId: string, deployerRoleArn: string): VpcEventRule[] {
    const api = (eventName: string, detail: Record<string, unknown>) => ({
        source: ["aws.ec2"],
        "detail-type": ["AWS API Call via CloudTrail"],
        detail: { eventSource: ["ec2.amazonaws.com"], eventName: [eventName], ...detail },
    });
    return [
        {
            key: "vpc-launches",
            description: `Instance launched into the enclave VPC of vendor ${vendorId} by someone other than the deployer`,
            pattern: api("RunInstances", {
                responseElements: { instancesSet: { items: { vpcId: [vpcId] } } },
                // Not an assumed role (a user, the root user) or an assumed role other than the deployer's.
                $or: [
                    { userIdentity: { type: [{ "anything-but": "AssumedRole" }] } },
                    { userIdentity: { sessionContext: { sessionIssuer: { arn: [{ "anything-but": deployerRoleArn }] } } } },
                ],
            }),
        },
        {
            key: "vpc-endpoints",
            description: `VPC endpoint created (or attempted) in the enclave VPC of vendor ${vendorId}`,
            pattern: api("CreateVpcEndpoint", { requestParameters: { CreateVpcEndpointRequest: { VpcId: [vpcId] } } }),
        },
    ];
}

/** Rules that may publish to the alarm topic: the vendor stacks' enclave VPC rules (enclaveVpcRules), by name. */
export const enclaveRuleArnPattern = (region: string, accountId: string) => `arn:aws:events:${region}:${accountId}:rule/enclave-*`;
