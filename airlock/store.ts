// The airlock's S3 operations on the key layout of contract/airlock.ts, shared by the handlers (as the airlock role)
// and the `enclave airlock` commands (as an approver, who may read requests and write its own decision slot only).
import {
    CopyObjectCommand,
    GetObjectCommand,
    GetObjectTaggingCommand,
    HeadObjectCommand,
    ListObjectsV2Command,
    ListObjectVersionsCommand,
    PutObjectCommand,
    PutObjectTaggingCommand,
    type S3Client,
} from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { AIRLOCK_PREFIX, AIRLOCK_TAG, type AirlockRequest, type DecisionBody } from "../contract/airlock";
import type { Canary, IndexEntry } from "./fingerprint";
import { parseDecisionBody, sha256hex, type DecisionObject } from "./approval";
import { AirlockInputError, isNotFound, isPreconditionFailed, RecordChangedError } from "./errors";

export interface AirlockBuckets {
    outbox: string;
    control: string;
    released: string;
    archive: string;
}

/** The canary tokens' object in the control bucket: a JSON array of strings. */
export const CANARIES_KEY = `${AIRLOCK_PREFIX.index}_canaries.json`;

/**
 * An index entry's key: the object key and the version id hashed, so a dataset key never shapes a control-bucket key,
 * and a new version of an object is a new entry beside the old one (an overwrite never erases what was read before).
 */
export const indexKeyOf = (dataset: string, objectKey: string, versionId: string) =>
    AIRLOCK_PREFIX.indexEntry(dataset, sha256hex(objectKey).slice(0, 32), sha256hex(versionId).slice(0, 32));

/** One object version of a dataset bucket, as ListObjectVersions names it. */
export interface DatasetVersion {
    key: string;
    versionId: string;
    size: number;
    isLatest: boolean;
}

/** An archive record: the request as it is after the event, what happened and when. */
export interface AirlockRecord extends AirlockRequest {
    event: string;
    recordedAt: string;
    detail?: Record<string, unknown>;
}

const JSON_TYPE = "application/json";
const LIST_PAGE = 1000;
/** Parallel reads when listing requests: enough to list hundreds quickly, few enough not to be throttled. */
const PARALLEL = 8;

async function mapLimit<T, R>(items: readonly T[], fn: (t: T) => Promise<R>): Promise<R[]> {
    const out: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const i = next++;
            out[i] = await fn(items[i]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
    return out;
}

export class AirlockStore {
    constructor(
        readonly s3: S3Client,
        private readonly buckets: Partial<AirlockBuckets>,
        readonly vendorId: string,
    ) {}

    bucket(which: keyof AirlockBuckets): string {
        const b = this.buckets[which];
        if (!b) throw new AirlockInputError(`the airlock store was opened without the ${which} bucket`);
        return b;
    }

    // ---- control bucket: requests -------------------------------------------------------------------------------

    async getRequest(requestId: string): Promise<AirlockRequest | null> {
        return (await this.getRequestVersioned(requestId))?.request ?? null;
    }

    /** The record and the ETag it was read at: a write with `ifMatch` set to it fails if anyone wrote in between. */
    async getRequestVersioned(requestId: string): Promise<{ request: AirlockRequest; etag?: string } | null> {
        try {
            const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket("control"), Key: AIRLOCK_PREFIX.request(requestId) }));
            const request = JSON.parse(await r.Body!.transformToString()) as AirlockRequest;
            return { request, ...(r.ETag ? { etag: r.ETag } : {}) };
        } catch (err) {
            if (isNotFound(err)) return null;
            throw err;
        }
    }

    /**
     * Writes the record; with `ifMatch` only while the stored record still has that ETag (S3 answers 412 otherwise,
     * raised as RecordChangedError), so two handlers racing on one request cannot overwrite each other unseen.
     * Returns the new ETag.
     */
    async putRequest(request: AirlockRequest, ifMatch?: string): Promise<string | undefined> {
        try {
            const r = await this.s3.send(
                new PutObjectCommand({
                    Bucket: this.bucket("control"),
                    Key: AIRLOCK_PREFIX.request(request.requestId),
                    Body: JSON.stringify(request, null, 2),
                    ContentType: JSON_TYPE,
                    ...(ifMatch ? { IfMatch: ifMatch } : {}),
                }),
            );
            return r.ETag;
        } catch (err) {
            if (ifMatch && isPreconditionFailed(err)) throw new RecordChangedError(request.requestId, request.state);
            throw err;
        }
    }

    /**
     * Writes a new request's first record only if none exists (If-None-Match "*"): two deliveries of one event that
     * both found no record cannot reset the one the faster delivery's execution already advanced. Returns whether this
     * call wrote it (false: the record exists, S3 answered 412).
     */
    async createRequest(request: AirlockRequest): Promise<boolean> {
        try {
            await this.s3.send(
                new PutObjectCommand({
                    Bucket: this.bucket("control"),
                    Key: AIRLOCK_PREFIX.request(request.requestId),
                    Body: JSON.stringify(request, null, 2),
                    ContentType: JSON_TYPE,
                    IfNoneMatch: "*",
                }),
            );
            return true;
        } catch (err) {
            if (isPreconditionFailed(err)) return false;
            throw err;
        }
    }

    async listRequests(): Promise<AirlockRequest[]> {
        const keys = (await this.listKeys("control", AIRLOCK_PREFIX.requests)).filter((k) => k.key.endsWith(".json"));
        const read = await mapLimit(keys, (k) => this.getText("control", k.key));
        return read.flatMap((t) => (t === null ? [] : [JSON.parse(t) as AirlockRequest]));
    }

    /** The review step's task token (AIRLOCK_PREFIX.token): kept out of the record approvers read. */
    async putTaskToken(requestId: string, token: string): Promise<void> {
        await this.s3.send(
            new PutObjectCommand({ Bucket: this.bucket("control"), Key: AIRLOCK_PREFIX.token(requestId), Body: token, ContentType: "text/plain" }),
        );
    }

    async getTaskToken(requestId: string): Promise<string | null> {
        return this.getText("control", AIRLOCK_PREFIX.token(requestId));
    }

    // ---- control bucket: decisions ------------------------------------------------------------------------------

    /** Every decision object of a request; its slot is the last key segment (only that approver may write it). */
    async listDecisions(requestId: string): Promise<DecisionObject[]> {
        const prefix = `${AIRLOCK_PREFIX.decisions}${requestId}/`;
        const keys = (await this.listKeys("control", prefix)).filter((k) => !k.key.slice(prefix.length).includes("/"));
        const bodies = await mapLimit(keys, (k) => this.getText("control", k.key));
        return keys.flatMap((k, i) => {
            const text = bodies[i];
            return text === null ? [] : [{ slot: k.key.slice(prefix.length), body: parseDecisionBody(text), at: k.at }];
        });
    }

    async putDecision(requestId: string, slot: string, body: DecisionBody): Promise<string> {
        const key = AIRLOCK_PREFIX.decision(requestId, slot);
        await this.putJson("control", key, body);
        return key;
    }

    // ---- control bucket: fingerprint index and canaries ---------------------------------------------------------

    async readIndex(): Promise<IndexEntry[]> {
        // index/<dataset>/<key hash>/<version hash>.json, and index/<dataset>/<key hash>.json as written before the
        // index was kept per version (still compared; never counted as covering a version). The canaries' object sits
        // at the top of index/ and is no entry.
        const keys = (await this.listKeys("control", AIRLOCK_PREFIX.index)).filter((k) => /^index\/[^/]+\/[^/]+(\/[^/]+)?\.json$/.test(k.key));
        const read = await mapLimit(keys, (k) => this.getText("control", k.key));
        return read.flatMap((t) => (t === null ? [] : [JSON.parse(t) as IndexEntry]));
    }

    async putIndexEntry(entry: IndexEntry & { versionId: string }): Promise<string> {
        const key = indexKeyOf(entry.dataset, entry.key, entry.versionId);
        await this.putJson("control", key, entry);
        return key;
    }

    /**
     * Every object version of a dataset bucket (delete markers are no content), at most `max` of them: `truncated`
     * says the bucket holds more. The bound keeps one leak check's listing cost fixed (a page is 1,000 versions).
     */
    async listVersions(bucket: string, max: number): Promise<{ versions: DatasetVersion[]; truncated: boolean }> {
        const versions: DatasetVersion[] = [];
        let keyMarker: string | undefined;
        let versionMarker: string | undefined;
        for (;;) {
            const r = await this.s3.send(
                new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: LIST_PAGE, KeyMarker: keyMarker, VersionIdMarker: versionMarker }),
            );
            for (const v of r.Versions ?? [])
                if (v.Key) versions.push({ key: v.Key, versionId: v.VersionId ?? "null", size: v.Size ?? 0, isLatest: Boolean(v.IsLatest) });
            if (!r.IsTruncated) return { versions, truncated: false };
            if (versions.length >= max) return { versions: versions.slice(0, max), truncated: true };
            keyMarker = r.NextKeyMarker;
            versionMarker = r.NextVersionIdMarker;
        }
    }

    /** One version's bytes as a stream (never held whole: a dataset object may be many GB). */
    async streamObject(bucket: string, key: string, versionId: string): Promise<AsyncIterable<Uint8Array>> {
        const r = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
        return r.Body as AsyncIterable<Uint8Array>;
    }

    /** No canaries' object means no canaries; a malformed one is an error (a silent empty list would disarm them). */
    async readCanaries(): Promise<Canary[]> {
        const text = await this.getText("control", CANARIES_KEY);
        if (text === null) return [];
        const v: unknown = JSON.parse(text);
        // The program writes {dataset, key, token} per readable dataset (components/airlock.ts); a bare token is accepted too.
        const ok = (c: unknown) =>
            (typeof c === "string" && c.length > 0) ||
            (typeof c === "object" && c !== null && typeof (c as { token?: unknown }).token === "string" && (c as { token: string }).token.length > 0);
        if (!Array.isArray(v) || !v.every(ok))
            throw new AirlockInputError(`${CANARIES_KEY} in the control bucket is not a JSON array of tokens or {dataset, key, token} objects`);
        return v as Canary[];
    }

    // ---- archive ------------------------------------------------------------------------------------------------

    /**
     * Appends a record under Object Lock. IfNoneMatch "*" never overwrites: a rerun of the same event at the same time
     * finds its record written (412) and is done. Returns whether this call wrote it.
     */
    async putRecord(request: AirlockRequest, event: string, at: string, detail?: Record<string, unknown>): Promise<{ key: string; written: boolean }> {
        const record: AirlockRecord = { ...request, event, recordedAt: at, ...(detail ? { detail } : {}) };
        const key = AIRLOCK_PREFIX.record(this.vendorId, request.requestId, event, at);
        try {
            await this.s3.send(
                new PutObjectCommand({
                    Bucket: this.bucket("archive"),
                    Key: key,
                    Body: JSON.stringify(record, null, 2),
                    ContentType: JSON_TYPE,
                    IfNoneMatch: "*",
                }),
            );
            return { key, written: true };
        } catch (err) {
            if (isPreconditionFailed(err)) return { key, written: false };
            throw err;
        }
    }

    // ---- object versions: tags, hashes, bytes, the release copy ------------------------------------------------

    async getTags(which: keyof AirlockBuckets, key: string, versionId?: string): Promise<Record<string, string>> {
        const r = await this.s3.send(new GetObjectTaggingCommand({ Bucket: this.bucket(which), Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
        return Object.fromEntries((r.TagSet ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
    }

    /**
     * Sets the airlock's tags on an outbox version, keeping every other tag (GuardDuty's scan result). PutObjectTagging
     * replaces the whole set, hence read, merge, write.
     */
    async setAirlockTags(key: string, versionId: string, tags: Partial<Record<keyof typeof AIRLOCK_TAG, string>>): Promise<void> {
        const current = await this.getTags("outbox", key, versionId);
        const next = { ...current };
        for (const [k, v] of Object.entries(tags)) if (v !== undefined) next[AIRLOCK_TAG[k as keyof typeof AIRLOCK_TAG]] = v;
        if (Object.entries(next).every(([k, v]) => current[k] === v) && Object.keys(next).length === Object.keys(current).length) return;
        await this.s3.send(
            new PutObjectTaggingCommand({
                Bucket: this.bucket("outbox"),
                Key: key,
                VersionId: versionId,
                Tagging: { TagSet: Object.entries(next).map(([Key, Value]) => ({ Key, Value })) },
            }),
        );
    }

    /** Streams one version and hashes it: the SHA-256 (hex), its size, and the ETag that pins the bytes for a copy. */
    async hashVersion(which: keyof AirlockBuckets, key: string, versionId: string): Promise<{ sha256: string; size: number; etag?: string }> {
        const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket(which), Key: key, VersionId: versionId }));
        const hash = createHash("sha256");
        let size = 0;
        for await (const chunk of r.Body as AsyncIterable<Uint8Array>) {
            hash.update(chunk);
            size += chunk.length;
        }
        return { sha256: hash.digest("hex"), size, ...(r.ETag ? { etag: r.ETag } : {}) };
    }

    async readVersion(which: keyof AirlockBuckets, key: string, versionId?: string): Promise<{ bytes: Uint8Array; etag?: string }> {
        return this.readObject(this.bucket(which), key, versionId);
    }

    /** Any bucket the caller may read (the fingerprint handler reads the vendor's dataset buckets). */
    async readObject(bucket: string, key: string, versionId?: string): Promise<{ bytes: Uint8Array; etag?: string }> {
        const r = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
        const bytes = await r.Body!.transformToByteArray();
        return { bytes, ...(r.ETag ? { etag: r.ETag } : {}) };
    }

    /** Copies exactly one outbox version, and only while its ETag is the one read with the verified hash. */
    async copyToReleased(key: string, versionId: string, etag: string | undefined, releasedKey: string): Promise<void> {
        await this.s3.send(
            new CopyObjectCommand({
                Bucket: this.bucket("released"),
                Key: releasedKey,
                CopySource: `${this.bucket("outbox")}/${encodeURIComponent(key).replace(/%2F/g, "/")}?versionId=${encodeURIComponent(versionId)}`,
                ...(etag ? { CopySourceIfMatch: etag } : {}),
                // The outbox's tags (request state, scan result) stay in the outbox.
                TaggingDirective: "REPLACE",
            }),
        );
    }

    /**
     * The key an S3 event names, as S3 stores it. S3's notifications URL-encode keys ("a b.csv" arrives as "a+b.csv");
     * whether an event did is not marked, so the key is tried as given, then decoded, against the exact version.
     */
    async resolveEventKey(bucket: string, key: string, versionId?: string): Promise<string> {
        const decoded = (() => {
            try {
                return decodeURIComponent(key.replace(/\+/g, " "));
            } catch {
                return key;
            }
        })();
        for (const candidate of decoded === key ? [key] : [key, decoded]) {
            try {
                await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: candidate, ...(versionId ? { VersionId: versionId } : {}) }));
                return candidate;
            } catch (err) {
                if (!isNotFound(err)) throw err;
            }
        }
        throw new AirlockInputError(`${bucket} has no object ${key}${versionId ? ` version ${versionId}` : ""} (nor ${decoded})`);
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private async getText(which: keyof AirlockBuckets, key: string): Promise<string | null> {
        try {
            const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket(which), Key: key }));
            return await r.Body!.transformToString();
        } catch (err) {
            if (isNotFound(err)) return null;
            throw err;
        }
    }

    private async putJson(which: keyof AirlockBuckets, key: string, value: unknown): Promise<void> {
        await this.s3.send(new PutObjectCommand({ Bucket: this.bucket(which), Key: key, Body: JSON.stringify(value, null, 2), ContentType: JSON_TYPE }));
    }

    private async listKeys(which: keyof AirlockBuckets, prefix: string): Promise<{ key: string; at: string }[]> {
        const out: { key: string; at: string }[] = [];
        let token: string | undefined;
        do {
            const r = await this.s3.send(
                new ListObjectsV2Command({ Bucket: this.bucket(which), Prefix: prefix, MaxKeys: LIST_PAGE, ContinuationToken: token }),
            );
            for (const o of r.Contents ?? []) if (o.Key) out.push({ key: o.Key, at: (o.LastModified ?? new Date(0)).toISOString() });
            token = r.IsTruncated ? r.NextContinuationToken : undefined;
        } while (token);
        return out;
    }
}
