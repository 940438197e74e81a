import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { render } from "../iam/document";
import type { Tags } from "../iam/names";
import { dataBucketPolicy, type VendorPolicyInputs } from "../iam/vendor";
import { secureBucket } from "./secureBucket";

export interface EnclaveDatasetArgs {
    dataset: string;
    bucketName: string;
    keyArn: pulumi.Input<string>;
    inputs: pulumi.Output<VendorPolicyInputs>;
    accessLogBucket: pulumi.Input<string>;
    accessLogPrefix: string;
    noncurrentVersionExpirationDays: number;
    tags: Tags;
}

/**
 * One dataset, one bucket. forceDestroy is on: a breach teardown must be able to delete a versioned bucket, and AWS
 * only honours it if an earlier `up` recorded it, so it is set from the first deploy, not on breach day.
 */
export class EnclaveDataset extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    readonly bucketPolicy: aws.s3.BucketPolicy;

    constructor(name: string, args: EnclaveDatasetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("enclave:vendor:Dataset", name, {}, opts);
        const parts = secureBucket(
            name,
            {
                bucketName: args.bucketName,
                tags: args.tags,
                kmsKeyArn: args.keyArn,
                accessLog: { targetBucket: args.accessLogBucket, targetPrefix: args.accessLogPrefix },
                noncurrentVersionExpirationDays: args.noncurrentVersionExpirationDays,
                policy: args.inputs.apply((p) => render(dataBucketPolicy(p, args.dataset))),
                forceDestroy: true,
            },
            { parent: this },
        );
        this.bucket = parts.bucket;
        this.bucketPolicy = parts.bucketPolicy;
        this.registerOutputs({ bucketArn: this.bucket.arn });
    }
}
