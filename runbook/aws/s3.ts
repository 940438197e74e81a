import { GetBucketPolicyCommand, GetBucketTaggingCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { PolicyJson } from "../types";
import { awsCall, orNull } from "./errors";
import { parsePolicy } from "./policy";

/** null: the bucket has no policy or no longer exists. */
export async function bucketPolicy(s3: S3Client, bucket: string): Promise<PolicyJson | null> {
    const r = await orNull(`bucket ${bucket}`, "s3:GetBucketPolicy", () => s3.send(new GetBucketPolicyCommand({ Bucket: bucket })));
    return r ? parsePolicy(`bucket ${bucket} policy`, r.Policy) : null;
}

/** The bucket's tags; null: no such bucket. A bucket without tags answers NoSuchTagSet: an empty set. */
export async function bucketTags(s3: S3Client, bucket: string): Promise<Record<string, string> | null> {
    try {
        const r = await orNull(`bucket ${bucket}`, "s3:GetBucketTagging", () => s3.send(new GetBucketTaggingCommand({ Bucket: bucket })));
        return r ? Object.fromEntries((r.TagSet ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])) : null;
    } catch (err) {
        if ((err as { code?: string }).code === "NoSuchTagSet") return {};
        throw err;
    }
}

export async function putEvidence(s3: S3Client, bucket: string, key: string, body: string): Promise<void> {
    await awsCall(`evidence object s3://${bucket}/${key}`, "s3:PutObject", () =>
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "application/json" })),
    );
}
