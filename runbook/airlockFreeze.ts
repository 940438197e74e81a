import { PutBucketPolicyCommand, type S3Client } from "@aws-sdk/client-s3";
import type { VendorSpec } from "../config/schema";
import type { PolicyDocument } from "../iam/document";
import { controlBucketPolicy, outboxBucketPolicy, releasedBucketPolicy, type AirlockPolicyInputs } from "../iam/airlock";
import { airlockNames } from "../contract/airlock";
import type { VendorPolicyInputs } from "../iam/vendor";
import type { ContainWrite } from "./types";
import { awsCall } from "./aws/errors";

// The seal's freeze of the export airlock, written directly by contain in its one round: the control bucket refuses
// every decision and the released bucket every put and read (break-glass excepted), exactly as the program renders the
// two bucket policies for the sealed spec, from the same builders (iam/airlock.ts). A spec without an airlock writes
// nothing here.

/**
 * The airlock builders' inputs for the freeze, from the vendor builders' inputs alone (their `airlock` is set when the
 * spec has one): contain writes and verify judges the same two documents. The frozen policies name only operators,
 * approvers and the vendor-side roles.
 */
export function airlockFreezeInputs(p: VendorPolicyInputs): AirlockPolicyInputs | undefined {
    if (!p.airlock) return undefined;
    return {
        vendorId: p.vendorId,
        accountId: p.accountId,
        region: p.region,
        vendorRoleArn: p.vendorRoleArn,
        workloadRoleArn: p.workloadRoleArn,
        deployerRoleArn: p.deployerRoleArn,
        breakGlassRoleArn: p.breakGlassRoleArn,
        approvers: p.airlock.approvers,
        recipient: p.airlock.recipient,
        keyArn: p.keyArn,
        datasetBucketArns: p.datasets.map((d) => d.bucketArn),
        // Only the airlock role's own policy names the archive: neither frozen bucket policy does.
        archiveBucketArn: "",
        archiveKeyArn: "",
        s3EndpointId: p.s3EndpointId,
        dataPath: p.dataPath,
        egressCidrs: p.egressCidrs,
        sealed: true,
    };
}

/** The airlock's three sealed bucket policies (outbox, control, released), by bucket name (empty without an airlock). */
export function airlockFreezeDocuments(p: VendorPolicyInputs): Record<string, PolicyDocument> {
    const a = airlockFreezeInputs(p);
    if (!a) return {};
    const n = airlockNames(p.vendorId, p.accountId);
    // The outbox too: its sealed policy carries SealDenyVendor like a dataset bucket's (no submit while sealed).
    return { [n.outboxBucket]: outboxBucketPolicy(a), [n.controlBucket]: controlBucketPolicy(a), [n.releasedBucket]: releasedBucketPolicy(a) };
}

/**
 * Contain's writes for the freeze: s3:PutBucketPolicy on the control and released buckets. `blockedBy` is contain's
 * own check that every input a document names is known (a document naming an unknown operator ARN is never put).
 */
export function airlockFreezeWrites(args: {
    spec: VendorSpec;
    inputs: VendorPolicyInputs;
    s3: S3Client;
    blockedBy: (build: (p: VendorPolicyInputs) => PolicyDocument) => string | undefined;
}): ContainWrite[] {
    if (!args.spec.airlock) return [];
    return Object.keys(airlockFreezeDocuments(args.inputs)).map((bucket) => {
        const build = (p: VendorPolicyInputs) => airlockFreezeDocuments(p)[bucket];
        return {
            id: `bucket-policy:${bucket}`,
            kind: "bucketPolicy" as const,
            resource: `bucket ${bucket}`,
            action: "s3:PutBucketPolicy",
            blocked: args.blockedBy(build),
            apply: async () => {
                await awsCall(`bucket ${bucket}`, "s3:PutBucketPolicy", () =>
                    args.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(build(args.inputs)) })),
                );
            },
        };
    });
}
