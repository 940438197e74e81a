import { createHash } from "node:crypto";
import { GetBucketPolicyCommand, GetBucketTaggingCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { CliError } from "../../contract/errors";
import type { PolicyJson } from "../types";
import { awsCall, errorName, orNull } from "./errors";
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

/**
 * Evidence is written once: `If-None-Match: *` makes S3 refuse (412) a put whose key exists, and the archive's bucket
 * policy refuses a put under evidence/ without it (EvidenceNeverOverwritten). A rerun after a partly archived bundle
 * meets its own earlier objects: the same bytes (by SHA-256 checksum) count as done, anything else is refused.
 */
export async function putEvidence(s3: S3Client, bucket: string, key: string, body: string): Promise<void> {
    const what = `evidence object s3://${bucket}/${key}`;
    const sha256 = createHash("sha256").update(body).digest("base64");
    try {
        await s3.send(
            new PutObjectCommand({
                Bucket: bucket,
                Key: key,
                Body: body,
                ContentType: "application/json",
                IfNoneMatch: "*",
                ChecksumAlgorithm: "SHA256",
                ChecksumSHA256: sha256,
            }),
        );
        return;
    } catch (err) {
        if (errorName(err) !== "PreconditionFailed") return awsCall(what, "s3:PutObject", () => Promise.reject(err));
    }
    const head = await awsCall(what, "s3:HeadObject", () => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" })));
    if (head.ChecksumSHA256 !== sha256)
        throw new CliError(
            `${what} already exists with other content (SHA-256 ${head.ChecksumSHA256 ?? "unknown"}, this run's ${sha256}); evidence is never overwritten. Fix: compare it with the local bundle and keep both`,
        );
}
