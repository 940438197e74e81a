import type { AccessLevel } from "../config/schema";
import { LOG_ARCHIVE_ROLE, MANAGED_BY, SECURITY_STACK, TAG } from "../contract/tags";
import { SEAL_POLICY_NAME } from "../contract/seal";

// Physical names are derived from stable keys only (vendor id, dataset name, account, region), never from list
// positions, so that reordering a spec changes nothing and every ARN is known before anything is created. Known ARNs
// also break the role <-> key <-> bucket policy cycle: a key policy can name a role that is created in the same run.

export interface VendorNames {
    vendorRole: string;
    workloadRole: string;
    boundaryPolicy: string;
    instanceProfile: string;
    trail: string;
    keyAlias: string;
    workloadLogGroup: string;
    /** DNS Firewall: the rule group and its two rules (the seal flips the allow rule; the runbook verifies both). */
    dnsRuleGroup: string;
    dnsAllowRule: string;
    dnsBlockRule: string;
    /** Inline policy of each vendor-side role with its grants (components/access.ts). */
    accessPolicy: string;
    /** Inline policy of each vendor-side role that holds the seal's deny-all; it exists only while sealed. */
    sealPolicy: string;
    /** The rule-less security group the containment step moves a compromised enclave's instances into. */
    isolationGroup: string;
    /** The enclave's own Session Manager document: the only one its vendor role may start a session with. */
    sessionDocument: string;
    /** Security group of the workspace instances (egress to the enclave's endpoints only). */
    workspaceGroup: string;
}

export function vendorNames(vendorId: string): VendorNames {
    return {
        vendorRole: `enclave-${vendorId}-vendor`,
        workloadRole: `enclave-${vendorId}-workload`,
        boundaryPolicy: `enclave-${vendorId}-boundary`,
        instanceProfile: `enclave-${vendorId}-workload`,
        trail: `enclave-${vendorId}`,
        keyAlias: `alias/enclave/${vendorId}`,
        workloadLogGroup: `/enclave/${vendorId}/workload`,
        dnsRuleGroup: `enclave-${vendorId}-dns`,
        dnsAllowRule: `enclave-${vendorId}-allow-aws`,
        dnsBlockRule: `enclave-${vendorId}-block-rest`,
        accessPolicy: "enclave-access",
        sealPolicy: SEAL_POLICY_NAME,
        isolationGroup: `enclave-${vendorId}-isolation`,
        sessionDocument: `enclave-${vendorId}-session`,
        workspaceGroup: `enclave-${vendorId}-workspace`,
    };
}

/** `--` cannot occur inside an id or dataset name (the schema forbids it), so two vendors can never share a name. */
export function bucketName(vendorId: string, dataset: string, accountId: string): string {
    return `${vendorId}--${dataset}--${accountId}`;
}

export function archiveBucketName(accountId: string, region: string): string {
    return `enclave-log-archive-${accountId}-${region}`;
}

export function accessLogBucketName(accountId: string, region: string): string {
    return `enclave-access-logs-${accountId}-${region}`;
}

/**
 * Account mode: the log bucket in a vendor's member account. S3 server access logs can only be delivered to a bucket of
 * the source bucket's own account, so the enclave keeps its access logs (and its workspace's session transcripts) here,
 * and S3 replication copies them to the archive in the log-archive account. Single hyphens only: never a dataset
 * bucket's name (those contain `--`).
 */
export function memberLogBucketName(accountId: string, region: string): string {
    return `enclave-member-logs-${accountId}-${region}`;
}

/**
 * Account mode: the role S3 assumes to replicate the member log bucket into the archive. Deliberately not `enclave-*`:
 * the perimeter SCP keeps `enclave-*` sessions inside their own account, and this role's only job is to write to the
 * log-archive account. What it may do instead is fixed by the baseline SCP (replication actions only), its own policy
 * and the archive's bucket policy (iam/memberLogs.ts).
 */
export const logReplicationRoleName = (vendorId: string) => `log-replication-enclave-${vendorId}`;
/** The baseline SCP's match for every member account's replication role (logReplicationRoleName). */
export const LOG_REPLICATION_ROLE_PATTERN = "arn:aws:iam::*:role/log-replication-enclave-*";

export const roleArn = (accountId: string, name: string) => `arn:aws:iam::${accountId}:role/${name}`;
export const accountRootArn = (accountId: string) => `arn:aws:iam::${accountId}:root`;
/** The account of an IAM ARN (arn:aws:iam::<account>:...); the schema admits only such ARNs as vendor principals. */
export const accountOfArn = (arn: string) => arn.split(":")[4];
export const bucketArn = (name: string) => `arn:aws:s3:::${name}`;
export const sessionDocumentArn = (region: string, accountId: string, name: string) => `arn:aws:ssm:${region}:${accountId}:document/${name}`;
export const logGroupArn = (region: string, accountId: string, name: string) => `arn:aws:logs:${region}:${accountId}:log-group:${name}`;

/** S3 key prefixes in the central archive; the vendor id keeps each vendor's evidence apart. */
export const archivePrefixes = {
    vendorTrail: (vendorId: string) => `vendors/${vendorId}/cloudtrail`,
    vendorFlowLogs: (vendorId: string) => `vendors/${vendorId}/flow-logs/`,
    vendorDnsLogs: (vendorId: string) => `vendors/${vendorId}/dns-query-logs/`,
    vendorSessionLogs: (vendorId: string) => `vendors/${vendorId}/sessions/`,
    accessLogs: (vendorId: string, dataset: string) => `vendors/${vendorId}/s3-access/${dataset}/`,
    // Top level, apart from every log folder: the deployer may write here (and only here), so a wildcard over vendor
    // ids must never also match a path inside a vendor's log trees.
    evidenceRoot: "evidence/",
    evidence: (vendorId: string) => `evidence/${vendorId}/`,
    accountTrail: "account/cloudtrail",
};

export type Tags = Record<string, string>;

export function vendorTags(vendorId: string): Tags {
    return { [TAG.vendor]: vendorId, [TAG.managedBy]: MANAGED_BY };
}

export function datasetTags(vendorId: string, dataset: string, access: AccessLevel): Tags {
    return { ...vendorTags(vendorId), [TAG.dataset]: dataset, [TAG.access]: access };
}

export function securityTags(): Tags {
    return { [TAG.vendor]: SECURITY_STACK, [TAG.managedBy]: MANAGED_BY, [TAG.role]: LOG_ARCHIVE_ROLE };
}
