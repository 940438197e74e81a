// Fingerprints of lab data and the leak check an export passes before any person reviews it.
// (Signatures settled; the implementation lands in its own commit.)

export interface Fingerprint {
    sha256: string;
    size: number;
    /** Hashes of the normalised lines or records (short hex). */
    lines: string[];
    /** MinHash signature over word shingles, for near-copies. */
    minhash: number[];
}

/** One object of a dataset as the index keeps it (in the control bucket, never reachable by the vendor). */
export interface IndexEntry extends Fingerprint {
    dataset: string;
    key: string;
}

export interface LeakThresholds {
    /** Share of the export's distinct lines found in one dataset object that blocks it. */
    lines: number;
    /** Estimated Jaccard similarity to one dataset object that blocks it. */
    nearCopy: number;
}

export interface LeakVerdict {
    verdict: "clean" | "blocked";
    reason?: "exact" | "lines" | "near-copy" | "canary";
    dataset?: string;
    key?: string;
    score?: number;
}

export const DEFAULT_LEAK_THRESHOLDS: LeakThresholds = { lines: 0.3, nearCopy: 0.5 };

export function fingerprint(content: Uint8Array): Fingerprint {
    void content;
    throw new Error("fingerprint: not built yet");
}

/** `canaries`: the tripwire tokens; an export that contains one anywhere is blocked as `canary`. */
export function leakCheck(
    candidate: Uint8Array,
    index: readonly IndexEntry[],
    canaries: readonly string[],
    thresholds: LeakThresholds = DEFAULT_LEAK_THRESHOLDS,
): LeakVerdict {
    void candidate, index, canaries, thresholds;
    throw new Error("leakCheck: not built yet");
}
