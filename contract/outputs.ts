// The stack outputs: the contract between the Pulumi program that exports them and everything that reads them (the
// vendor stack's StackReference to the security stack, plan readers, the review harness, the cost model, the runbook).
// They carry the facts consumers need as facts, so no reader recovers an account from an ARN or a CIDR from policy text.
// Dependency-free, like all of contract/.

/** A dataset's access level (the spec's `datasets[].access`). */
export const ACCESS_LEVELS = ["read", "write", "read-write"] as const;
export type DatasetAccess = (typeof ACCESS_LEVELS)[number];

/** How the vendor reaches its data: only through the enclave's VPC endpoints, or also from allow-listed egress ranges. */
export const DATA_PATHS = ["endpoint", "allow-list"] as const;
export type DataPath = (typeof DATA_PATHS)[number];

export interface DatasetOutput {
    name: string;
    access: DatasetAccess;
    /** The S3 bucket that holds the dataset (its name, not its ARN). */
    bucketName: string;
}

/** What a vendor stack exports (components/program.ts vendorProgram). */
export interface VendorStackOutputs {
    vendorId: string;
    accountId: string;
    region: string;
    dataPath: DataPath;
    /** The vendor's allow-listed egress ranges; empty unless dataPath is allow-list. */
    egressCidrs: string[];
    /** In the spec's order. */
    datasets: DatasetOutput[];
    sealed: boolean;
    /** The seal's moment (ISO 8601), or null while unsealed. */
    sealedAt: string | null;
    vendorRoleArn: string;
    workloadRoleArn: string;
    workloadInstanceProfile: string;
    /** Secret: the value the vendor sends as sts:ExternalId. Plans show "[secret]". */
    externalId: string;
    keyArn: string;
    vpcId: string;
    s3EndpointId: string;
    /** Dataset name -> bucket name (the same facts as `datasets`, keyed for lookup). */
    buckets: Record<string, string>;
    trailArn: string;
}

/** What the security stack exports; vendor stacks read part of it through a StackReference. Non-secret by design. */
export interface SecurityStackOutputs {
    accountId: string;
    region: string;
    archiveBucketName: string;
    archiveBucketArn: string;
    accessLogBucketName: string;
    archiveKeyArn: string;
    deployerRoleArn: string;
    breakGlassRoleArn: string;
    accountTrailArn: string;
    alarmTopicArn: string;
    /** The key of the alarm topic and the account trail's log group, administered apart from the archive key. */
    alarmKeyArn: string;
    archiveAdminRoleArn: string;
    /** Secret: per vendor, the tripwire object's key and content (nobody else may know them). */
    tripwires: Record<string, { key: string; content: string; buckets: string[] }>;
}

// Written as objects that must name every key exactly once, so the lists cannot drift from the interfaces.
const vendorKeys: Record<keyof VendorStackOutputs, true> = {
    vendorId: true,
    accountId: true,
    region: true,
    dataPath: true,
    egressCidrs: true,
    datasets: true,
    sealed: true,
    sealedAt: true,
    vendorRoleArn: true,
    workloadRoleArn: true,
    workloadInstanceProfile: true,
    externalId: true,
    keyArn: true,
    vpcId: true,
    s3EndpointId: true,
    buckets: true,
    trailArn: true,
};
const securityKeys: Record<keyof SecurityStackOutputs, true> = {
    accountId: true,
    region: true,
    archiveBucketName: true,
    archiveBucketArn: true,
    accessLogBucketName: true,
    archiveKeyArn: true,
    deployerRoleArn: true,
    breakGlassRoleArn: true,
    accountTrailArn: true,
    alarmTopicArn: true,
    alarmKeyArn: true,
    archiveAdminRoleArn: true,
    tripwires: true,
};

export const VENDOR_OUTPUT_KEYS = Object.keys(vendorKeys) as (keyof VendorStackOutputs)[];
export const SECURITY_OUTPUT_KEYS = Object.keys(securityKeys) as (keyof SecurityStackOutputs)[];

/** Vendor outputs exported as secrets (stored encrypted in the state; "[secret]" in a plan). */
export const SECRET_VENDOR_OUTPUTS = ["externalId"] as const satisfies readonly (keyof VendorStackOutputs)[];

/** Security outputs exported as secrets. */
export const SECRET_SECURITY_OUTPUTS = ["tripwires"] as const satisfies readonly (keyof SecurityStackOutputs)[];

/** The security outputs a vendor stack reads through its StackReference (what the enclave's documents name). */
export const SECURITY_OUTPUTS_READ_BY_VENDORS = [
    "archiveBucketName",
    "archiveBucketArn",
    "accessLogBucketName",
    "archiveKeyArn",
    "deployerRoleArn",
    "breakGlassRoleArn",
    "alarmTopicArn",
] as const satisfies readonly (keyof SecurityStackOutputs)[];
export type SecurityOutputReadByVendors = (typeof SECURITY_OUTPUTS_READ_BY_VENDORS)[number];
