// Whether the fingerprint index covers the vendor's readable datasets, and the one way a missing object version gets
// fingerprinted (the fingerprint handler for each new object, the leak check for a few missing ones on the spot, and
// `enclave airlock reindex` for all of them). The leak check fails closed on what the index misses: an object written
// before the airlock existed, an event that never reached the handler, a fingerprint that failed, would otherwise be an
// object a verbatim copy of which passes.
import { fingerprintStream, type IndexEntry } from "./fingerprint";
import type { AirlockStore, DatasetVersion } from "./store";

/**
 * Object versions listed per readable dataset on each leak check: 100 ListObjectVersions pages at most, about $0.0005
 * and a few seconds per dataset. A dataset holding more versions than this cannot be shown covered by one listing, so
 * the check blocks as `index-incomplete` (with the count as a lower bound): a dataset that large needs its exports
 * checked some other way, or split into smaller datasets.
 */
export const COVERAGE_MAX_VERSIONS = 100_000;
/** What the leak check fingerprints itself when the index misses it: a few small objects (a lost event, a recent put). */
export const INLINE_INDEX_MAX_OBJECTS = 20;
export const INLINE_INDEX_MAX_BYTES = 64 * 1024 * 1024;
/** Versions fingerprinted at once by a reindex: S3 reads in parallel, fingerprints in bounded memory each. */
const REINDEX_PARALLEL = 4;

export interface DatasetRef {
    dataset: string;
    bucket: string;
}

export interface DatasetCoverage extends DatasetRef {
    /** Versions listed (every one, unless `truncated`). */
    listed: number;
    /** The bucket holds more versions than the listing bound: `missing` is a lower bound. */
    truncated: boolean;
    /** Listed versions with no index entry of their own (an entry of an older layout, without a version, does not count). */
    missing: DatasetVersion[];
}

const coverKey = (dataset: string, key: string, versionId: string) => `${dataset}\n${key}\n${versionId}`;

/**
 * Lists every readable dataset's versions (up to `max` each) and names the ones the index has no entry for. A `partial`
 * entry covers its version: its SHA-256 and line hashes span every byte, only its near-copy sketch stops at the cap.
 */
export async function coverage(
    store: AirlockStore,
    datasets: readonly DatasetRef[],
    index: readonly IndexEntry[],
    max = COVERAGE_MAX_VERSIONS,
): Promise<DatasetCoverage[]> {
    const covered = new Set(index.flatMap((e) => (e.versionId ? [coverKey(e.dataset, e.key, e.versionId)] : [])));
    return Promise.all(
        datasets.map(async (d) => {
            const { versions, truncated } = await store.listVersions(d.bucket, max);
            return { ...d, listed: versions.length, truncated, missing: versions.filter((v) => !covered.has(coverKey(d.dataset, v.key, v.versionId))) };
        }),
    );
}

/** Whether the leak check may fingerprint every missing version itself, within its time and memory. */
export function inlineable(cov: readonly DatasetCoverage[]): boolean {
    const missing = cov.flatMap((c) => c.missing);
    return cov.every((c) => !c.truncated) && missing.length <= INLINE_INDEX_MAX_OBJECTS && missing.reduce((n, v) => n + v.size, 0) <= INLINE_INDEX_MAX_BYTES;
}

/** The first dataset the index does not cover, for the verdict: the one missing most. */
export function worstGap(cov: readonly DatasetCoverage[]): DatasetCoverage | undefined {
    return [...cov].filter((c) => c.missing.length > 0 || c.truncated).sort((a, b) => b.missing.length - a.missing.length)[0];
}

/** Streams one version, fingerprints it and writes its entry (rewriting an entry that exists is harmless: same bytes). */
export async function indexVersion(store: AirlockStore, d: DatasetRef, v: Pick<DatasetVersion, "key" | "versionId">) {
    const fp = await fingerprintStream(await store.streamObject(d.bucket, v.key, v.versionId));
    const entry: IndexEntry & { versionId: string } = { dataset: d.dataset, key: v.key, versionId: v.versionId, ...fp };
    const indexKey = await store.putIndexEntry(entry);
    return { entry, indexKey };
}

export interface ReindexLine {
    dataset: string;
    key: string;
    versionId: string;
    size: number;
    outcome: "indexed" | "partial" | "failed";
    indexKey?: string;
    error?: string;
}

export interface ReindexResult {
    /** Per dataset: versions listed, already covered, and whether the listing was cut at the bound. */
    datasets: { dataset: string; listed: number; covered: number; truncated: boolean }[];
    objects: ReindexLine[];
    /** Missing versions not attempted (stopped early): a rerun picks them up. */
    remaining: number;
}

/**
 * Fingerprints every listed version the index misses. Idempotent and resumable: what is indexed is skipped on the next
 * run, a failure is reported for its object and the others go on. `max` bounds each dataset's listing (no bound: a
 * backfill must see everything).
 */
export async function reindex(
    store: AirlockStore,
    datasets: readonly DatasetRef[],
    opts: { max?: number; onObject?: (line: ReindexLine) => void; /** true: start no further object (a Lambda near its timeout) */ stop?: () => boolean } = {},
): Promise<ReindexResult> {
    const index = await store.readIndex();
    const cov = await coverage(store, datasets, index, opts.max ?? Number.MAX_SAFE_INTEGER);
    const work = cov.flatMap((c) => c.missing.map((v) => ({ d: c, v })));
    const objects: ReindexLine[] = new Array(work.length);
    let next = 0;
    const worker = async () => {
        while (next < work.length && !opts.stop?.()) {
            const i = next++;
            const { d, v } = work[i];
            const base = { dataset: d.dataset, key: v.key, versionId: v.versionId, size: v.size };
            try {
                const { entry, indexKey } = await indexVersion(store, d, v);
                objects[i] = { ...base, outcome: entry.partial ? "partial" : "indexed", indexKey };
            } catch (err) {
                objects[i] = { ...base, outcome: "failed", error: (err as Error).message || String(err) };
            }
            opts.onObject?.(objects[i]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(REINDEX_PARALLEL, work.length) }, worker));
    return {
        datasets: cov.map((c) => ({ dataset: c.dataset, listed: c.listed, covered: c.listed - c.missing.length, truncated: c.truncated })),
        objects: objects.filter(Boolean),
        remaining: work.length - objects.filter(Boolean).length,
    };
}
