import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { enclaveVpcRules } from "../iam/archive";
import type { Tags } from "../iam/names";

export interface EnclaveAuditArgs {
    trailName: string;
    archiveBucketName: pulumi.Input<string>;
    archiveKeyArn: pulumi.Input<string>;
    trailPrefix: string;
    bucketArns: pulumi.Input<string>[];
    workloadLogGroupName: string;
    logRetentionDays: number;
    vendorId: string;
    vpcId: pulumi.Input<string>;
    /** Resources the VPC rules wait for: the enclave's own endpoints are created before the endpoint rule exists. */
    vpcRulesAfter: pulumi.Resource[];
    deployerRoleArn: pulumi.Input<string>;
    alarmTopicArn: pulumi.Input<string>;
    tags: Tags;
}

/**
 * Evidence. The trail writes to the central archive under the vendor's prefix and is encrypted with the archive's key,
 * not the vendor's: sealing disables the vendor key, and the trail must keep recording through the seal. Data events
 * only: management events are already in the account trail, and a second copy is billed.
 */
export class EnclaveAudit extends pulumi.ComponentResource {
    readonly trail: aws.cloudtrail.Trail;
    readonly workloadLogGroup: aws.cloudwatch.LogGroup;

    constructor(name: string, args: EnclaveAuditArgs, opts?: pulumi.ComponentResourceOptions) {
        super("enclave:vendor:Audit", name, {}, opts);
        this.trail = new aws.cloudtrail.Trail(
            `${name}-trail`,
            {
                name: args.trailName,
                s3BucketName: args.archiveBucketName,
                s3KeyPrefix: args.trailPrefix,
                kmsKeyId: args.archiveKeyArn,
                enableLogFileValidation: true,
                enableLogging: true,
                includeGlobalServiceEvents: false,
                isMultiRegionTrail: false,
                advancedEventSelectors: [
                    {
                        name: "Vendor dataset object reads and writes",
                        fieldSelectors: [
                            { field: "eventCategory", equals: ["Data"] },
                            { field: "resources.type", equals: ["AWS::S3::Object"] },
                            { field: "resources.ARN", startsWiths: args.bucketArns.map((arn) => pulumi.interpolate`${arn}/`) },
                        ],
                    },
                ],
                tags: args.tags,
            },
            { parent: this },
        );
        // Workload application logs may contain vendor data, yet they use the archive key, not the vendor key. The
        // seal disables the vendor key at once, and CloudWatch Logs can neither show nor export events encrypted under
        // a disabled key, so a sealed vendor's workload logs would be out of reach of the evidence export that comes
        // after the seal (enabling the key again to export would reopen the enclave's data). Running the export before
        // the seal is no answer: the seal is the first thing done in a breach. The archive key's policy admits the logs
        // service for exactly this group (iam/archive.ts, WorkloadLogs<Vendor>); destroy deletes the group after the
        // export, so the vendor key's deletion is not what removes these logs.
        this.workloadLogGroup = new aws.cloudwatch.LogGroup(
            `${name}-workload-logs`,
            { name: args.workloadLogGroupName, retentionInDays: args.logRetentionDays, kmsKeyId: args.archiveKeyArn, tags: args.tags },
            { parent: this },
        );
        // Alarms on the enclave's VPC, here because only this stack knows the VPC id; they publish to the security
        // stack's alarm topic, which admits rules named enclave-* of this account (iam/archive.ts alarmTopicPolicy).
        const rules = pulumi.all([args.vpcId, args.deployerRoleArn]).apply(([vpc, deployer]) => enclaveVpcRules(args.vendorId, vpc, deployer));
        for (const r of enclaveVpcRules(args.vendorId, "", "")) {
            const rule = new aws.cloudwatch.EventRule(
                `${name}-${r.key}`,
                {
                    name: `enclave-${args.vendorId}-${r.key}`,
                    description: r.description,
                    eventPattern: rules.apply((all) => JSON.stringify(all.find((x) => x.key === r.key)!.pattern)),
                    tags: args.tags,
                },
                { parent: this, dependsOn: args.vpcRulesAfter },
            );
            new aws.cloudwatch.EventTarget(
                `${name}-${r.key}-alarm`,
                {
                    rule: rule.name,
                    targetId: "security-alarms",
                    arn: args.alarmTopicArn,
                    // The message names the vendor and the containment step, like the tripwire alarm's description.
                    inputTransformer: {
                        inputPaths: { event: "$.detail.eventName", by: "$.detail.userIdentity.arn", at: "$.time" },
                        inputTemplate: `"${r.description}: <event> by <by> at <at>. Contain it with \`enclave seal ${args.vendorId}\`"`,
                    },
                },
                { parent: this },
            );
        }
        this.registerOutputs({ trailArn: this.trail.arn });
    }
}
