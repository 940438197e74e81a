import * as pulumi from "@pulumi/pulumi";
import { enclaveOperators } from "../iam/organization";
import {
    archivePrefixes,
    bucketArn,
    bucketName,
    datasetTags,
    logGroupArn,
    logReplicationRoleName,
    memberLogBucketName,
    roleArn,
    sessionDocumentArn,
    vendorNames,
    vendorTags,
} from "../iam/names";
import { airlockArns } from "../iam/airlock";
import type { MemberLogInputs } from "../iam/memberLogs";
import { hasWorkspace, interfaceEndpointsOf } from "../config/workspace";
import type { VendorPolicyBase, VendorPolicyInputs } from "../iam/vendor";
import type { VendorSpec } from "../config/schema";
import type { SecurityOutputReadByVendors, SecurityStackOutputs } from "../contract/outputs";
import { VENDOR_ENCLAVE_COMPONENT } from "../contract/tokens";
import { EnclaveAccess } from "./access";
import { EnclaveAirlock } from "./airlock";
import { EnclaveAudit } from "./audit";
import { EnclaveDataset } from "./dataset";
import { EnclaveIdentity } from "./identity";
import { EnclaveKey } from "./key";
import { EnclaveMemberLogs } from "./memberLogs";
import { availabilityZones, EnclaveNetwork } from "./network";
import { EnclaveTripwire, type VendorTripwire } from "./tripwire";
import { EnclaveWorkspace } from "./workspace";

/** The security stack's outputs that every vendor stack reads (contract/outputs.ts, components/logArchive.ts). */
export type SecurityOutputs = { [K in SecurityOutputReadByVendors]: pulumi.Input<SecurityStackOutputs[K]> };

export interface VendorEnclaveArgs {
    spec: VendorSpec;
    security: SecurityOutputs;
    /** Secret: this vendor's tripwire from the security stack; required when the vendor has a readable dataset. */
    tripwire?: pulumi.Output<VendorTripwire>;
    /**
     * Account mode: the log-archive account (the security stack's accountId), the owner of the replicas of the
     * member log bucket (components/memberLogs.ts). Unset in shared-account mode.
     */
    logArchive?: { accountId: pulumi.Input<string> };
}

/**
 * One vendor's enclave. Construction order follows what each document must name: the key and the S3 endpoint exist
 * before the bucket and role policies that name them. No document names a role as a Principal (the key policy pins
 * roles by aws:PrincipalArn), so the key waits for no role. Every physical name is derived from the vendor id, so no cycle is needed to know an ARN.
 */
export class VendorEnclave extends pulumi.ComponentResource {
    readonly identity: EnclaveIdentity;
    readonly key: EnclaveKey;
    readonly network: EnclaveNetwork;
    readonly datasets: Record<string, EnclaveDataset>;
    readonly access: EnclaveAccess;
    readonly audit: EnclaveAudit;
    readonly workspace?: EnclaveWorkspace;
    readonly tripwire?: EnclaveTripwire;
    readonly airlock?: EnclaveAirlock;
    /** Account mode only: the member account's log bucket, replicated into the archive. */
    readonly memberLogs?: EnclaveMemberLogs;

    constructor(name: string, args: VendorEnclaveArgs, opts?: pulumi.ComponentResourceOptions) {
        super(VENDOR_ENCLAVE_COMPONENT, name, {}, opts);
        const { spec, security } = args;
        const id = spec.id;
        const acct = spec.account.id;
        const region = spec.account.region;
        const names = vendorNames(id);
        const tags = vendorTags(id);
        const child = { parent: this };

        // Account mode: access logs and session transcripts land in the member account's own log bucket (S3 delivers
        // access logs within an account only; the workload role may not leave it), which replicates to the archive.
        const logArchive = spec.isolation === "account" ? args.logArchive : undefined;
        if (spec.isolation === "account" && !logArchive) throw new Error(`${id}: an account-mode enclave needs the log-archive account (args.logArchive)`);
        const memberLogBucketArn = logArchive ? bucketArn(memberLogBucketName(acct, region)) : undefined;
        const datasets = spec.datasets.map((d) => ({ name: d.name, access: d.access, bucketArn: bucketArn(bucketName(id, d.name, acct)) }));
        const base: pulumi.Output<Omit<VendorPolicyBase, "externalId">> = pulumi
            .all([security.deployerRoleArn, security.breakGlassRoleArn, security.archiveBucketArn, security.archiveKeyArn])
            .apply(([deployerRoleArn, breakGlassRoleArn, archiveBucketArn, archiveKeyArn]) => ({
                vendorId: id,
                accountId: acct,
                region,
                vendorRoleArn: roleArn(acct, names.vendorRole),
                workloadRoleArn: roleArn(acct, names.workloadRole),
                // Account mode: the deployer and break-glass of the member account, not the security stack's.
                ...enclaveOperators(spec, { deployerRoleArn, breakGlassRoleArn }),
                logGroupArn: logGroupArn(region, acct, names.workloadLogGroup),
                datasets,
                principals: spec.access.principals,
                dataPath: spec.network.dataPath,
                egressCidrs: spec.network.vendorEgressCidrs,
                sealed: spec.sealed,
                sealedAt: spec.sealedAt,
                ...(spec.airlock ? { airlock: { approvers: spec.airlock.approvers, recipient: spec.airlock.recipient } } : {}),
                ...(hasWorkspace(spec)
                    ? {
                          session: {
                              documentArn: sessionDocumentArn(region, acct, names.sessionDocument),
                              // Account mode: into the member log bucket (SSE-S3, no key), replicated to the archive.
                              ...(memberLogBucketArn ? { archiveBucketArn: memberLogBucketArn } : { archiveBucketArn, archiveKeyArn }),
                              sessionLogPrefix: archivePrefixes.vendorSessionLogs(id),
                          },
                      }
                    : {}),
                ...(memberLogBucketArn ? { memberLogBucketArn } : {}),
            }));

        this.identity = new EnclaveIdentity(
            `${id}-identity`,
            { names, base, externalId: spec.access.externalId, maxSessionSeconds: spec.access.maxSessionSeconds, tags },
            child,
        );
        const policyBase = this.identity.policyBase;
        this.key = new EnclaveKey(
            `${id}-key`,
            {
                vendorId: id,
                alias: names.keyAlias,
                base: policyBase,
                deletionWindowDays: spec.keyDeletionWindowDays,
                sealed: spec.sealed,
                tags,
            },
            child,
        );
        this.network = new EnclaveNetwork(
            `${id}-network`,
            {
                vendorId: id,
                region,
                cidr: spec.network.cidr,
                azCount: spec.network.azCount,
                interfaceEndpoints: interfaceEndpointsOf(spec),
                base: policyBase,
                keyArn: this.key.key.arn,
                flowLogDestination: pulumi.interpolate`${security.archiveBucketArn}/${archivePrefixes.vendorFlowLogs(id)}`,
                dnsQueryLogDestination: pulumi.interpolate`${security.archiveBucketArn}/${archivePrefixes.vendorDnsLogs(id)}`,
                sealed: spec.sealed,
                tags,
            },
            child,
        );
        const inputs: pulumi.Output<VendorPolicyInputs> = pulumi
            .all([policyBase, this.key.key.arn, this.network.s3Endpoint.id])
            .apply(([b, keyArn, s3EndpointId]) => ({ ...b, keyArn, s3EndpointId }));
        if (logArchive && memberLogBucketArn) {
            const sources = [
                ...datasets.map((d) => d.bucketArn),
                ...(spec.airlock ? [airlockArns(id, acct, region)].flatMap((a) => [a.outboxBucketArn, a.releasedBucketArn, a.controlBucketArn]) : []),
            ];
            const replicationRoleName = logReplicationRoleName(id);
            this.memberLogs = new EnclaveMemberLogs(
                `${id}-member-logs`,
                {
                    bucketName: memberLogBucketName(acct, region),
                    replicationRoleName,
                    archiveAccountId: logArchive.accountId,
                    inputs: pulumi.all([inputs, security.archiveBucketArn]).apply(([p, archiveBucketArn]): MemberLogInputs => ({
                        vendorId: id,
                        accountId: acct,
                        region,
                        bucketArn: memberLogBucketArn,
                        sourceBucketArns: sources,
                        deployerRoleArn: p.deployerRoleArn,
                        breakGlassRoleArn: p.breakGlassRoleArn,
                        replicationRoleArn: roleArn(acct, replicationRoleName),
                        archiveBucketArn,
                        ...(hasWorkspace(spec) ? { sessions: { writerArn: p.workloadRoleArn, s3EndpointId: p.s3EndpointId } } : {}),
                    })),
                    noncurrentVersionExpirationDays: spec.logRetentionDays,
                    tags,
                },
                child,
            );
        }
        // Where this enclave's buckets send their server access logs: the central bucket, or the member log bucket.
        const accessLogBucket: pulumi.Input<string> = this.memberLogs ? this.memberLogs.bucket.id : security.accessLogBucketName;

        // The readable datasets' bucket policies also name the tripwire's key (a secret), so only they carry it: every
        // other document built from `inputs` stays readable in a stack diff.
        const datasetInputs: pulumi.Output<VendorPolicyInputs> = args.tripwire
            ? pulumi.all([inputs, args.tripwire]).apply(([i, t]) => ({ ...i, tripwireKey: t.key }))
            : inputs;
        this.datasets = {};
        for (const d of spec.datasets) {
            this.datasets[d.name] = new EnclaveDataset(
                `${id}-${d.name}`,
                {
                    dataset: d.name,
                    bucketName: bucketName(id, d.name, acct),
                    keyArn: this.key.key.arn,
                    inputs: d.access === "write" ? inputs : datasetInputs,
                    accessLogBucket,
                    accessLogPrefix: archivePrefixes.accessLogs(id, d.name),
                    noncurrentVersionExpirationDays: spec.logRetentionDays,
                    tags: datasetTags(id, d.name, d.access),
                },
                child,
            );
        }
        const readable = spec.datasets.filter((d) => d.access !== "write");
        if (readable.length && args.tripwire) {
            this.tripwire = new EnclaveTripwire(
                `${id}-canary`,
                {
                    vendorId: id,
                    tripwire: args.tripwire,
                    buckets: Object.fromEntries(readable.map((d) => [d.name, this.datasets[d.name].bucket])),
                    bucketPolicies: readable.map((d) => this.datasets[d.name].bucketPolicy),
                    keyArn: this.key.key.arn,
                    tags,
                },
                child,
            );
        }
        this.access = new EnclaveAccess(
            `${id}-access`,
            {
                vendorId: id,
                vendorRole: this.identity.vendorRole,
                workloadRole: this.identity.workloadRole,
                inputs,
                sealed: spec.sealed,
                sealedAt: spec.sealedAt,
            },
            child,
        );
        if (spec.airlock) {
            this.airlock = new EnclaveAirlock(
                `${id}-airlock`,
                {
                    vendorId: id,
                    accountId: acct,
                    region,
                    airlock: spec.airlock,
                    inputs,
                    keyArn: this.key.key.arn,
                    archiveBucketArn: security.archiveBucketArn,
                    archiveBucketName: security.archiveBucketName,
                    archiveKeyArn: security.archiveKeyArn,
                    accessLogBucket,
                    datasetBuckets: Object.fromEntries(spec.datasets.map((d) => [d.name, this.datasets[d.name].bucket.id])),
                    readableDatasets: spec.datasets.filter((d) => d.access !== "write").map((d) => d.name),
                    ...(args.tripwire ? { tripwire: args.tripwire } : {}),
                    noncurrentVersionExpirationDays: spec.logRetentionDays,
                    logRetentionDays: spec.logRetentionDays,
                    alarmTopicArn: security.alarmTopicArn,
                    tags,
                },
                child,
            );
        }
        this.audit = new EnclaveAudit(
            `${id}-audit`,
            {
                trailName: names.trail,
                archiveBucketName: security.archiveBucketName,
                archiveKeyArn: security.archiveKeyArn,
                trailPrefix: archivePrefixes.vendorTrail(id),
                // The airlock's buckets too: who submitted, read a submission or a released file is evidence.
                bucketArns: [
                    ...spec.datasets.map((d) => this.datasets[d.name].bucket.arn),
                    ...(this.airlock ? [this.airlock.outbox.arn, this.airlock.released.arn, this.airlock.control.arn] : []),
                ],
                workloadLogGroupName: names.workloadLogGroup,
                logRetentionDays: spec.logRetentionDays,
                vendorId: id,
                vpcId: this.network.vpc.id,
                vpcRulesAfter: [this.network],
                deployerRoleArn: security.deployerRoleArn,
                alarmTopicArn: security.alarmTopicArn,
                tags,
            },
            child,
        );
        if (hasWorkspace(spec)) {
            this.workspace = new EnclaveWorkspace(
                `${id}-workspace`,
                {
                    vendorId: id,
                    workspace: spec.workspace,
                    zones: availabilityZones(region, spec.network.azCount),
                    vpcId: this.network.vpc.id,
                    subnets: this.network.subnets,
                    endpointSecurityGroupId: this.network.endpointSecurityGroup!.id,
                    s3PrefixListId: this.network.s3Endpoint.prefixListId,
                    instanceProfileName: this.identity.instanceProfile.name,
                    keyArn: this.key.key.arn,
                    documentName: names.sessionDocument,
                    logGroupName: names.workloadLogGroup,
                    // Account mode: the transcript goes to the member log bucket (see the session policy base above).
                    archiveBucketName: this.memberLogs ? this.memberLogs.bucket.id : security.archiveBucketName,
                    sessionLogPrefix: archivePrefixes.vendorSessionLogs(id),
                    securityGroupName: names.workspaceGroup,
                    tags,
                },
                // The workload log group must exist (encrypted) before a session can stream to it.
                { ...child, dependsOn: [this.audit] },
            );
        }
        this.registerOutputs({});
    }
}
