import type {
    AwsReads,
    CallerIdentity,
    DnsFirewallRuleGroup,
    EvidenceArchive,
    InterfaceEndpoint,
    KeyState,
    LogEvent,
    PolicyJson,
    RolePolicies,
    TaggedResource,
} from "../types";
import { createClients, type AwsClientConfig, type AwsClients } from "./clients";
import { dnsFirewallRuleGroups } from "./dns";
import { endpointPolicy, interfaceEndpoints, vpcEndpoints, vpcRoutes, type RouteInfo, type VpcEndpointInfo } from "./ec2";
import { rolePolicies } from "./iam";
import { keyPolicy, keyState } from "./kms";
import { bucketPolicy, putEvidence } from "./s3";
import { callerIdentity } from "./sts";
import { taggedResources } from "./tagging";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { logGroupEvents, newLogsClient } from "./logs";

/** What the evidence bundle keeps of one log group: past it, the rest stays in CloudWatch and the manifest says so. */
export const EVIDENCE_LOG_LIMIT_BYTES = 256 * 1024 * 1024;

/**
 * The runbook's AWS reads and its one write (the evidence upload), through the AWS SDK. Run as the deployer role.
 * Every call goes through the SDK's standard retry mode; a failure is a one-line error naming the resource; a resource
 * that no longer exists is an answer (null / "NotFound"), not an error.
 */
export class SdkAws implements AwsReads, EvidenceArchive {
    readonly clients: AwsClients;
    private readonly cfg?: AwsClientConfig;
    private logs?: CloudWatchLogsClient;

    constructor(cfg: AwsClientConfig | AwsClients) {
        this.clients = "sts" in cfg ? cfg : createClients(cfg);
        if (!("sts" in cfg)) this.cfg = cfg;
    }

    /** The workload log group's events; its client is built on first use (only destroy reads logs). */
    logEvents(logGroup: string): Promise<{ events: LogEvent[]; truncated: boolean } | null> {
        this.logs ??= newLogsClient(this.clients.region, this.cfg ?? {});
        return logGroupEvents(this.logs, logGroup, EVIDENCE_LOG_LIMIT_BYTES);
    }

    callerIdentity(): Promise<CallerIdentity> {
        return callerIdentity(this.clients.sts);
    }

    rolePolicies(roleName: string): Promise<RolePolicies> {
        return rolePolicies(this.clients.iam, roleName);
    }

    keyState(keyId: string): Promise<KeyState> {
        return keyState(this.clients.kms, keyId);
    }

    keyPolicy(keyId: string): Promise<PolicyJson | null> {
        return keyPolicy(this.clients.kms, keyId);
    }

    bucketPolicy(bucket: string): Promise<PolicyJson | null> {
        return bucketPolicy(this.clients.s3, bucket);
    }

    endpointPolicy(vpcEndpointId: string): Promise<PolicyJson | null> {
        return endpointPolicy(this.clients.ec2, vpcEndpointId);
    }

    interfaceEndpoints(vpcId: string): Promise<InterfaceEndpoint[]> {
        return interfaceEndpoints(this.clients.ec2, this.clients.region, vpcId);
    }

    dnsFirewallRuleGroups(vpcId: string): Promise<DnsFirewallRuleGroup[]> {
        return dnsFirewallRuleGroups(this.clients.resolver, vpcId);
    }

    async taggedResources(key: string, value: string): Promise<TaggedResource[]> {
        return (await taggedResources(this.clients.tagging, key, value)).map(({ arn }) => ({ arn }));
    }

    /** Beyond AwsReads: every endpoint of the VPC of any type (gateway endpoints added outside the stack included). */
    vpcEndpoints(vpcId: string): Promise<VpcEndpointInfo[]> {
        return vpcEndpoints(this.clients.ec2, this.clients.region, vpcId);
    }

    /** Beyond AwsReads: every route of the VPC's route tables. */
    vpcRoutes(vpcId: string): Promise<RouteInfo[]> {
        return vpcRoutes(this.clients.ec2, vpcId);
    }

    uploader(): Promise<CallerIdentity> {
        return this.callerIdentity();
    }

    put(bucket: string, key: string, body: string): Promise<void> {
        return putEvidence(this.clients.s3, bucket, key, body);
    }
}
