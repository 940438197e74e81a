// fingerprint (EventBridge, S3 Object Created on a dataset bucket of the vendor): fingerprints the object and writes
// its index entry to the control bucket, where the leak check reads it and the vendor cannot reach it.
import type { IndexEntry } from "../fingerprint";
import { AirlockInputError } from "../errors";
import { defaultDeps, objectCreated, storeOf, type AirlockDeps } from "./common";

export interface FingerprintOutput {
    dataset: string;
    key: string;
    indexKey: string;
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
        obj.key = await store.resolveEventKey(obj.bucket, obj.key, obj.versionId);
        const { bytes } = await store.readObject(obj.bucket, obj.key, obj.versionId);
        const entry: IndexEntry = { dataset, key: obj.key, ...deps.fingerprint(bytes) };
        const indexKey = await store.putIndexEntry(entry);
        deps.log(`indexed ${obj.bucket}/${obj.key}`, { dataset, key: obj.key, indexKey, lines: entry.lines.length });
        return { dataset, key: obj.key, indexKey };
    };
}

export const handler = makeHandler(defaultDeps());
