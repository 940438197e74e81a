import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Tags } from "../iam/names";

export interface EnclaveAuditArgs {
    trailName: string;
    archiveBucketName: pulumi.Input<string>;
    archiveKeyArn: pulumi.Input<string>;
    trailPrefix: string;
    bucketArns: pulumi.Input<string>[];
    workloadLogGroupName: string;
    logRetentionDays: number;
    vendorKeyArn: pulumi.Input<string>;
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
        // Workload application logs may contain vendor data, so they use the vendor key (and go dark with the seal).
        // The key's ARN is an input, so the group waits for the key, whose policy already admits the logs service.
        this.workloadLogGroup = new aws.cloudwatch.LogGroup(
            `${name}-workload-logs`,
            { name: args.workloadLogGroupName, retentionInDays: args.logRetentionDays, kmsKeyId: args.vendorKeyArn, tags: args.tags },
            { parent: this },
        );
        this.registerOutputs({ trailArn: this.trail.arn });
    }
}
