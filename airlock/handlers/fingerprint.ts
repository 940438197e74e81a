// fingerprint (EventBridge, S3 Object Created on a dataset bucket of the vendor): fingerprints the object version, read
// as a stream in bounded memory, and writes its index entry (one per version) to the control bucket, where the leak
// check reads it and the vendor cannot reach it. A failure is retried by Lambda and then lands in the airlock's
// dead-letter queue (alarmed); the leak check's coverage test blocks exports until a reindex fills the gap.
import { indexVersion, reindex, type ReindexResult } from "../coverage";
import { bucketName } from "../../iam/names";
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

/** Seconds left when a reindex run starts no further object: the one in flight must finish within Lambda's timeout. */
export const REINDEX_MARGIN_SECONDS = 120;

/** `enclave airlock reindex` invokes the handler with this: fingerprint every version of a readable dataset the index misses. */
export interface ReindexEvent {
    reindex: true;
}
const isReindex = (e: unknown): e is ReindexEvent => typeof e === "object" && e !== null && (e as { reindex?: unknown }).reindex === true;

export function makeHandler(deps: AirlockDeps) {
    async function handler(event: ReindexEvent, context?: { getRemainingTimeInMillis?: () => number }): Promise<ReindexResult>;
    async function handler(event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<FingerprintOutput>;
    async function handler(event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<FingerprintOutput | ReindexResult> {
        const env = deps.env();
        if (isReindex(event)) {
            // The backfill: runs as the airlock role (the one identity that reads every dataset version and writes the
            // index), stops starting objects near the timeout; the caller invokes again until nothing remains.
            const datasets = env.readableDatasets.map((dataset) => ({ dataset, bucket: bucketName(env.vendorId, dataset, env.accountId) }));
            const stop = () => (context?.getRemainingTimeInMillis?.() ?? Infinity) < REINDEX_MARGIN_SECONDS * 1000;
            const result = await reindex(storeOf(deps), datasets, {
                stop,
                onObject: (l) => deps.log(`reindex ${l.dataset}/${l.key} version ${l.versionId}: ${l.outcome}`, { ...l }),
            });
            deps.log(`reindex: ${result.objects.length} attempted, ${result.remaining} remaining`, { datasets: result.datasets, remaining: result.remaining });
            return result;
        }
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
    }
    return handler;
}

export const handler = makeHandler(defaultDeps());
