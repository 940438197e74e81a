import { EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { Route53ResolverClient } from "@aws-sdk/client-route53resolver";
import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";

// One set of SDK clients per region. Credentials come from the SDK's default chain (AWS_PROFILE, environment, SSO,
// instance role) unless given; the endpoint from `endpoint` or the SDK's own AWS_ENDPOINT_URL, which is how the tests
// point every client at a local emulator.

export interface AwsCredentials {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
}

export interface AwsClientConfig {
    region: string;
    /** e.g. http://127.0.0.1:5000; unset: the SDK's default (or AWS_ENDPOINT_URL). */
    endpoint?: string;
    credentials?: AwsCredentials;
    /** A named profile of the shared config files instead of the default chain (account mode: the log archive's deployer). */
    profile?: string;
    /** Attempts per call, first included. */
    maxAttempts?: number;
    /** Tests only: an HTTP handler standing in for the network, so the SDK's own retry middleware runs. */
    requestHandler?: unknown;
}

/**
 * Standard retry mode: exponential backoff with jitter on throttling, 5xx and transient network errors, and a retry
 * quota so a throttled account is not hammered. Five attempts keep a throttled read of an incident under ~30 s before
 * the runbook's own verify loop (which waits minutes for IAM propagation) takes over.
 */
export const DEFAULT_MAX_ATTEMPTS = 5;

export interface AwsClients {
    readonly region: string;
    readonly sts: STSClient;
    readonly iam: IAMClient;
    readonly kms: KMSClient;
    readonly s3: S3Client;
    readonly ec2: EC2Client;
    readonly resolver: Route53ResolverClient;
    readonly tagging: ResourceGroupsTaggingAPIClient;
    /** Session Manager: contain ends the active sessions on the enclave's instances. */
    readonly ssm: SSMClient;
}

export function createClients(cfg: AwsClientConfig): AwsClients {
    const common = {
        region: cfg.region,
        retryMode: "standard",
        maxAttempts: cfg.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
        ...(cfg.credentials ? { credentials: cfg.credentials } : {}),
        ...(cfg.profile ? { profile: cfg.profile } : {}),
        ...(cfg.requestHandler ? { requestHandler: cfg.requestHandler } : {}),
    } as const;
    // Clients are built on first use: a seal reads IAM, KMS, S3 and EC2 but the evidence upload only S3.
    const lazy = <T>(make: () => T) => {
        let c: T | undefined;
        return () => (c ??= make());
    };
    const sts = lazy(() => new STSClient(common as NonNullable<ConstructorParameters<typeof STSClient>[0]>));
    const iam = lazy(() => new IAMClient(common as NonNullable<ConstructorParameters<typeof IAMClient>[0]>));
    const kms = lazy(() => new KMSClient(common as NonNullable<ConstructorParameters<typeof KMSClient>[0]>));
    // A custom endpoint (an emulator, a proxy) rarely serves virtual-hosted bucket names: address buckets by path.
    const s3 = lazy(() => new S3Client({ ...(common as NonNullable<ConstructorParameters<typeof S3Client>[0]>), forcePathStyle: Boolean(cfg.endpoint) }));
    const ec2 = lazy(() => new EC2Client(common as NonNullable<ConstructorParameters<typeof EC2Client>[0]>));
    const resolver = lazy(() => new Route53ResolverClient(common as NonNullable<ConstructorParameters<typeof Route53ResolverClient>[0]>));
    const tagging = lazy(() => new ResourceGroupsTaggingAPIClient(common as NonNullable<ConstructorParameters<typeof ResourceGroupsTaggingAPIClient>[0]>));
    const ssm = lazy(() => new SSMClient(common as NonNullable<ConstructorParameters<typeof SSMClient>[0]>));
    return {
        region: cfg.region,
        get sts() {
            return sts();
        },
        get iam() {
            return iam();
        },
        get kms() {
            return kms();
        },
        get s3() {
            return s3();
        },
        get ec2() {
            return ec2();
        },
        get resolver() {
            return resolver();
        },
        get tagging() {
            return tagging();
        },
        get ssm() {
            return ssm();
        },
    };
}
