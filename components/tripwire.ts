import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Tags } from "../iam/names";

/** This vendor's tripwire as the security stack generated it (a secret output there): the object key and its body. */
export interface VendorTripwire {
    key: string;
    content: string;
}

export interface EnclaveTripwireArgs {
    vendorId: string;
    /** Secret. */
    tripwire: pulumi.Output<VendorTripwire>;
    /** The readable datasets' buckets, by dataset name. */
    buckets: Record<string, aws.s3.Bucket>;
    /** The bucket policies: DeployerPutsTripwireOnly must admit the put before it is made. */
    bucketPolicies: aws.s3.BucketPolicy[];
    keyArn: pulumi.Input<string>;
    tags: Tags;
}

/**
 * The tripwire planted in each readable dataset: one object per bucket, its key and body the security stack's secrets,
 * encrypted with the vendor key like every dataset object. A read of it raises the security stack's `tripwire-<vendor>`
 * alarm (its account trail records data events for exactly these objects). It is meant to be seen: a listing shows it
 * among the data, and nothing marks it (the tags are ones every enclave resource has, and the vendor roles cannot read
 * object tags). Planted by the deployer, which may put exactly this key (dataset bucket policy) and only encrypt with
 * the vendor key (key policy DeployerPlantsTripwires). Key and body stay secret in this stack's state.
 */
export class EnclaveTripwire extends pulumi.ComponentResource {
    readonly objects: Record<string, aws.s3.BucketObjectv2> = {};

    constructor(name: string, args: EnclaveTripwireArgs, opts?: pulumi.ComponentResourceOptions) {
        super("enclave:vendor:Tripwire", name, {}, opts);
        for (const [dataset, bucket] of Object.entries(args.buckets)) {
            this.objects[dataset] = new aws.s3.BucketObjectv2(
                `${name}-${dataset}`,
                {
                    bucket: bucket.id,
                    key: pulumi.secret(args.tripwire.apply((t) => t.key)),
                    content: pulumi.secret(args.tripwire.apply((t) => t.content)),
                    contentType: "application/octet-stream",
                    serverSideEncryption: "aws:kms",
                    kmsKeyId: args.keyArn,
                    bucketKeyEnabled: true,
                    tags: args.tags,
                },
                { parent: this, dependsOn: args.bucketPolicies },
            );
        }
        this.registerOutputs({});
    }
}
