// fingerprint (EventBridge, S3 Object Created on a dataset bucket of the vendor): fingerprints the object version, read
// as a stream in bounded memory, and writes its index entry (one per version) to the control bucket, where the leak
// check reads it and the vendor cannot reach it. A failure is retried by Lambda and then lands in the airlock's
// dead-letter queue (alarmed); the leak check's coverage test blocks exports until a reindex fills the gap.
import { indexVersion } from "../coverage";
import { AirlockInputError } from "../errors";
import { defaultDeps, objectCreated, storeOf, type AirlockDeps } from "./common";

export interface FingerprintOutput {
    dataset: string;
    key: string;
    versionId: string;
    indexKey: string;
    partial?: true;
}

/** The dataset of a bucket named `<vendor>--<dataset>--<account>`, or an error for any other bucket. */
export function datasetOf(bucket: string, vendorId: string, accountId: string): string {
    const head = `${vendorId}--`;
    const tail = `--${accountId}`;
    const dataset = bucket.startsWith(head) && bucket.endsWith(tail) ? bucket.slice(head.length, bucket.length - tail.length) : "";
    if (!dataset || dataset.includes("--") || dataset === "airlock")
        throw new AirlockInputError(`${bucket} is not a dataset bucket of ${vendorId} (${head}<dataset>${tail})`);
    return dataset;
}

export function makeHandler(deps: AirlockDeps) {
    return async (event: unknown): Promise<FingerprintOutput> => {
        const env = deps.env();
        const obj = objectCreated(event);
        const dataset = datasetOf(obj.bucket, env.vendorId, env.accountId);
        const store = storeOf(deps);
        // Dataset buckets are versioned: an event without a version id is not one of theirs.
        if (!obj.versionId) throw new AirlockInputError(`the event for ${obj.bucket}/${obj.key} names no version id: the index is kept per version`);
        obj.key = await store.resolveEventKey(obj.bucket, obj.key, obj.versionId);
        const { entry, indexKey } = await indexVersion(store, { dataset, bucket: obj.bucket }, { key: obj.key, versionId: obj.versionId });
        deps.log(`indexed ${obj.bucket}/${obj.key} version ${obj.versionId}`, {
            dataset,
            key: obj.key,
            versionId: obj.versionId,
            indexKey,
            size: entry.size,
            lines: entry.lines.length,
            ...(entry.partial ? { partial: true, sketchedBytes: entry.sketchedBytes } : {}),
        });
        return { dataset, key: obj.key, versionId: obj.versionId, indexKey, ...(entry.partial ? { partial: true as const } : {}) };
    };
}

export const handler = makeHandler(defaultDeps());
