// Fingerprints of lab data, and the leak check every export passes before any person reviews it.
//
// Three signals, from cheapest to broadest: the SHA-256 of the whole object (a verbatim copy), hashes of normalised
// lines (a copy of records or paragraphs inside a bigger file, or a file reassembled from several), and a MinHash sketch
// of word shingles (a copy with light edits: renamed fields, reworded sentences, changed punctuation). A tripwire
// canary is a secret token: an export that holds one anywhere is blocked whatever its size.
//
// Runs inside the airlock's Lambda functions, so it depends on node:crypto only. MinHash is a dozen lines here: the
// npm packages that implement it are unmaintained, and what matters (the shingle size, the hash family, the seed) has
// to stay fixed for as long as an index built with it exists.
import { createHash } from "node:crypto";
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from "node:zlib";
import type { LeakReason } from "../contract/airlock";

export interface Fingerprint {
    sha256: string;
    size: number;
    /** Hashes of the distinct normalised lines (short hex), sorted; a sample when the object has very many lines. */
    lines: string[];
    /** MinHash signature over word shingles, for near-copies. */
    minhash: number[];
    /**
     * The sampling of `lines`: a line's hash is kept when its value modulo this number is 0. 1 (or absent) keeps every
     * line. Comparisons sample the export the same way, so the share of copied lines stays an unbiased estimate.
     */
    lineModulus?: number;
}

/** One object of a dataset as the index keeps it (in the control bucket, never reachable by the vendor). */
export interface IndexEntry extends Fingerprint {
    dataset: string;
    key: string;
    /** The object version fingerprinted (absent in entries written before the index was kept per version). */
    versionId?: string;
    /**
     * The object was bigger than the sketch cap: the SHA-256 and the line hashes cover it all, the MinHash sketch its
     * first `sketchedBytes` only (so a near-copy of its tail with no line intact is not recognised).
     */
    partial?: true;
    sketchedBytes?: number;
}

export interface LeakThresholds {
    /** Share of the export's distinct lines found in one dataset that blocks it. */
    lines: number;
    /** Number of the export's distinct lines found in one dataset that blocks it, whatever their share. */
    lineCount: number;
    /** Estimated Jaccard similarity to one dataset object that blocks it. */
    nearCopy: number;
}

export interface LeakVerdict {
    verdict: "clean" | "blocked";
    reason?: LeakReason;
    dataset?: string;
    /** index-incomplete: how many object versions of `dataset` the index does not cover. */
    missing?: number;
    missingAtLeast?: boolean;
    key?: string;
    score?: number;
    /** How the matching content was reached when it was not the bytes as submitted (e.g. "gzip", "base64"). */
    via?: string;
}

/** A tripwire token, optionally with where it was planted (the record then names the dataset). */
export type Canary = string | { token: string; dataset?: string; key?: string };

export const DEFAULT_LEAK_THRESHOLDS: LeakThresholds = { lines: 0.3, lineCount: 50, nearCopy: 0.5 };

/** Words per shingle: long enough that common phrases do not match, short enough that a light edit leaves most intact. */
const SHINGLE_WORDS = 5;
/** Signature length: the Jaccard estimate's standard error is about 1/sqrt(128) ~ 0.09. */
const MINHASH_SIZE = 128;
/** Lines shorter than this after normalising ("{", "}", "---", a bare number) say nothing about where a file came from. */
const MIN_LINE_CHARS = 12;
/** Line hashes kept per object before sampling: bounds the index entry's size for very large objects. */
const MAX_LINES = 20_000;

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

/** Lower case, every run of whitespace one space, punctuation that edits commonly touch dropped. */
export function normalise(text: string): string {
    return text
        .normalize("NFKC")
        .toLowerCase()
        .replace(/["'`“”‘’.,;:!?()[\]{}<>]/g, " ")
        .replace(/\s+/g, " ")
        .trim();
}

function decode(content: Uint8Array): string {
    return new TextDecoder("utf-8", { fatal: false }).decode(content);
}

/** FNV-1a over the UTF-16 code units: a fast 32-bit hash of a shingle (collisions only blur the estimate slightly). */
function hash32(s: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) {
        h ^= s.charCodeAt(i);
        h = Math.imul(h, 0x01000193);
    }
    return h >>> 0;
}

/** MurmurHash3's finaliser: spreads every input bit over the output, so fmix(x ^ seed) acts as one hash per seed. */
function fmix32(x: number): number {
    x ^= x >>> 16;
    x = Math.imul(x, 0x85ebca6b);
    x ^= x >>> 13;
    x = Math.imul(x, 0xc2b2ae35);
    x ^= x >>> 16;
    return x >>> 0;
}

// One seed per signature position, fixed for good: every index entry ever written compares against the same family.
const SEEDS: readonly number[] = Array.from({ length: MINHASH_SIZE }, (_, i) =>
    createHash("sha256").update(`enclave-airlock-minhash-${i}`).digest().readUInt32BE(0),
);

function lineHashes(text: string): string[] {
    const out = new Set<string>();
    for (const raw of text.split(/\r?\n/)) {
        const line = normalise(raw);
        if (line.length >= MIN_LINE_CHARS) out.add(sha256(line).slice(0, 16));
    }
    return [...out].sort();
}

const sampled = (hash: string, modulus: number) => modulus <= 1 || parseInt(hash.slice(0, 8), 16) % modulus === 0;

/**
 * Bytes of an object that feed the MinHash sketch (it costs 128 hashes per word). Beyond it the SHA-256 and the line
 * hashes go on over every byte (a SHA-256 per line, sampled as ever): the entry is flagged `partial`, blocks a verbatim
 * copy of the whole object and a copy of records from anywhere in it by lines, and a near-copy of its first 256 MiB.
 */
export const SKETCH_CAP_BYTES = 256 * 1024 * 1024;
/** Text kept while waiting for a line's end: a longer line is sketched up to its last whitespace so far. */
const PENDING_CHARS = 64 * 1024;

/** Word boundaries after normalising: the same words `normalise` joins with one space. */
const wordsOf = (text: string) =>
    text
        .normalize("NFKC")
        .toLowerCase()
        .replace(/["'`“”‘’.,;:!?()[\]{}<>]/g, " ")
        .split(/\s+/)
        .filter(Boolean);

/**
 * A fingerprint computed over a stream, in bounded memory whatever the object's size: the SHA-256 of every byte, the
 * hashes of distinct normalised lines (sampled by a doubling modulus once there are more than MAX_LINES of them, so at
 * most 2 x MAX_LINES hashes are held), and the MinHash over the same 5-word shingles as the whole text would give (a
 * window of the last four words carries across chunks and lines). `fingerprint(bytes)` is this fed one chunk.
 */
export class FingerprintStream {
    private readonly hash = createHash("sha256");
    private readonly decoder = new TextDecoder("utf-8", { fatal: false });
    private size = 0;
    private sketched = 0;
    private pending = "";
    private lineHash = createHash("sha256");
    private lineChars = 0;
    private readonly lines = new Set<string>();
    private modulus = 1;
    private readonly window: string[] = [];
    private readonly sig = new Array<number>(MINHASH_SIZE).fill(0xffffffff);
    private shingleCount = 0;
    private readonly seen = new Set<number>();
    private done = false;
    /** Words still feed the MinHash (until the sketch cap). */
    private shingling = true;

    constructor(private readonly sketchCap = SKETCH_CAP_BYTES) {}

    update(chunk: Uint8Array): this {
        if (this.done) throw new Error("FingerprintStream: update after digest");
        this.hash.update(chunk);
        this.size += chunk.byteLength;
        if (this.sketched >= this.sketchCap) {
            this.endSketch();
            this.text(this.decoder.decode(chunk, { stream: true }));
            return this;
        }
        const take = Math.min(chunk.byteLength, this.sketchCap - this.sketched);
        this.sketched += take;
        this.text(this.decoder.decode(take === chunk.byteLength ? chunk : chunk.subarray(0, take), { stream: true }));
        if (take < chunk.byteLength) {
            this.endSketch();
            this.text(this.decoder.decode(chunk.subarray(take), { stream: true }));
        }
        return this;
    }

    digest(): Fingerprint & { partial?: true; sketchedBytes?: number } {
        this.done = true;
        this.text(this.decoder.decode());
        this.partialLine(this.pending);
        this.pending = "";
        this.endLine();
        // Fewer than five words in all: the whole text is one shingle, as in the in-memory form.
        if (this.shingleCount === 0 && this.window.length > 0) this.shingle(hash32(this.window.join(" ")));
        const partial = this.size > this.sketched;
        return {
            sha256: this.hash.digest("hex"),
            size: this.size,
            lines: [...this.lines].sort(),
            minhash: this.shingleCount === 0 ? new Array<number>(MINHASH_SIZE).fill(0xffffffff) : [...this.sig],
            ...(this.modulus > 1 ? { lineModulus: this.modulus } : {}),
            ...(partial ? { partial: true as const, sketchedBytes: this.sketched } : {}),
        };
    }

    /**
     * The sketch cap is reached: the words of the line in progress so far go into the sketch (up to its last whitespace,
     * so no word is split in the line's hash), and from here on words feed only the line hashes.
     */
    private endSketch() {
        if (!this.shingling) return;
        const cut = this.pending.search(/\s\S*$/);
        if (cut > 0) {
            this.partialLine(this.pending.slice(0, cut));
            this.pending = this.pending.slice(cut);
        }
        this.shingling = false;
    }

    private text(s: string) {
        let buf = this.pending + s;
        let start = 0;
        let nl: number;
        while ((nl = buf.indexOf("\n", start)) >= 0) {
            this.partialLine(buf.slice(start, nl));
            this.endLine();
            start = nl + 1;
        }
        buf = buf.slice(start);
        if (buf.length > PENDING_CHARS) {
            // A very long line: sketch it up to its last whitespace (words are never split), keep the rest.
            const cut = Math.max(buf.search(/\s\S*$/), 0) || buf.length;
            this.partialLine(buf.slice(0, cut));
            buf = buf.slice(cut);
        }
        this.pending = buf;
    }

    private partialLine(piece: string) {
        // Past the sketch cap only the line hash needs the words, joined as `normalise` joins them: no split.
        const words = this.shingling ? wordsOf(piece) : [];
        const joined = this.shingling ? words.join(" ") : normalise(piece);
        if (joined.length === 0) return;
        // One update per piece: a hash update per word cost more than the rest.
        this.lineHash.update(this.lineChars === 0 ? joined : ` ${joined}`);
        this.lineChars += (this.lineChars === 0 ? 0 : 1) + joined.length;
        if (!this.shingling) return;
        for (const w of words) {
            this.window.push(w);
            if (this.window.length > SHINGLE_WORDS) this.window.shift();
            if (this.window.length === SHINGLE_WORDS) this.shingle(hash32(this.window.join(" ")));
        }
    }

    private endLine() {
        if (this.lineChars >= MIN_LINE_CHARS) {
            const h = this.lineHash.digest("hex").slice(0, 16);
            if (sampled(h, this.modulus)) {
                this.lines.add(h);
                if (this.lines.size > MAX_LINES) {
                    this.modulus *= 2;
                    for (const x of this.lines) if (!sampled(x, this.modulus)) this.lines.delete(x);
                }
            }
        }
        this.lineHash = createHash("sha256");
        this.lineChars = 0;
    }

    private shingle(x: number) {
        this.shingleCount++;
        // A repeated shingle cannot lower the signature: skip the 128 hashes while the set of recent ones knows it.
        if (this.seen.has(x)) return;
        if (this.seen.size >= 65_536) this.seen.clear();
        this.seen.add(x);
        for (let i = 0; i < MINHASH_SIZE; i++) {
            const v = fmix32(x ^ SEEDS[i]);
            if (v < this.sig[i]) this.sig[i] = v;
        }
    }
}

export function fingerprint(content: Uint8Array): Fingerprint {
    const { partial: _p, sketchedBytes: _s, ...fp } = new FingerprintStream(Number.MAX_SAFE_INTEGER).update(content).digest();
    return fp;
}

/** Fingerprints an object read as a stream (an S3 GetObject body): memory stays bounded whatever its size. */
export async function fingerprintStream(body: AsyncIterable<Uint8Array>, sketchCap = SKETCH_CAP_BYTES) {
    const f = new FingerprintStream(sketchCap);
    for await (const chunk of body) f.update(chunk);
    return f.digest();
}

/** Estimated Jaccard similarity of the shingle sets behind two signatures. */
export function similarity(a: readonly number[], b: readonly number[]): number {
    if (a.length !== b.length || a.length === 0) return 0;
    let same = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
    return same / a.length;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/**
 * The leak check. `canaries`: the tripwire tokens planted in the vendor's datasets; an export that contains one
 * anywhere (as bytes, or in any letter case) is blocked as `canary`, before anything else is compared.
 * An export with no text lines and no shingles (an empty file) is checked by its hash only.
 */
export function leakCheck(
    candidate: Uint8Array,
    index: readonly IndexEntry[],
    canaries: readonly Canary[],
    thresholds: LeakThresholds = DEFAULT_LEAK_THRESHOLDS,
): LeakVerdict {
    // The export as submitted, then what it decodes to: a gzip, zlib, raw deflate or brotli stream, UTF-16, base64 or
    // hex (the whole file, runs inside text, or lines too short for a run joined), base32 and ascii85 runs, and
    // quoted-printable or percent-encoded text. Each is checked like the original; the first that matches blocks. An archive format this check cannot open (zip, 7z, rar) is
    // blocked as unscannable: a reviewer cannot see inside it either, and an export that needs one can be sent unpacked.
    // The same holds for what a decoding yields (an archive inside base64), for a compressed stream that expands past
    // the decoding cap or is still compressed when the decoding depth runs out, and for compressors this check has no
    // decoder for (xz, bzip2, zstd), and for bytes that are not text and decode to nothing that is (an image, model
    // weights, a custom container): each would otherwise be compared as opaque bytes and pass as clean.
    // A form that matches is named over one that could not be read (a guessed decoding, such as a file of base64 letters
    // read as base64, can yield opaque bytes while another form is the copy): both block.
    let best: LeakVerdict | undefined;
    let unscannable: LeakVerdict | undefined;
    for (const { via, bytes, opaque } of decodings(candidate, 2)) {
        if (opaque) {
            unscannable ??= { verdict: "blocked", reason: "unscannable", via: via ? `${via}+${opaque}` : opaque };
            continue;
        }
        if (isBzip2(bytes) || ARCHIVE_MAGIC.some((m) => m.every((b, i) => bytes[i] === b))) {
            unscannable ??= { verdict: "blocked", reason: "unscannable", via: via ? `${via}+archive` : "archive" };
            continue;
        }
        const v = checkOne(bytes, index, canaries, thresholds);
        if (v.verdict === "blocked") return via ? { ...v, via } : v;
        if (!best) best = v;
    }
    return unscannable ?? best ?? { verdict: "clean" };
}

/** Zip (and its empty and spanned forms), 7z, RAR: containers the check does not open. */
const ARCHIVE_MAGIC: readonly number[][] = [
    [0x50, 0x4b, 0x03, 0x04],
    [0x50, 0x4b, 0x05, 0x06],
    [0x50, 0x4b, 0x07, 0x08],
    [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c],
    [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07],
    // xz, zstd, and bzip2 with its first block's magic (the "BZh9" prefix alone could begin a text)
    [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
    [0x28, 0xb5, 0x2f, 0xfd],
];
const isBzip2 = (b: Uint8Array) =>
    b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68 && b[3] >= 0x31 && b[3] <= 0x39 && [0x31, 0x41, 0x59, 0x26, 0x53, 0x59].every((x, i) => b[4 + i] === x);
/** A decoded form larger than this is not expanded further (a decompression bomb must not stop the check). */
const MAX_DECODED_BYTES = 64 * 1024 * 1024;

/** A gzip member, or a zlib stream (deflate, with a valid header check): what `decodings` inflates. */
const isGzip = (b: Uint8Array) => b[0] === 0x1f && b[1] === 0x8b;
const isZlib = (b: Uint8Array) => b[0] === 0x78 && [0x01, 0x5e, 0x9c, 0xda].includes(b[1]);

/** One form of an export: the bytes as submitted or a decoding of them; `opaque` says why it could not be read. */
export interface DecodedForm {
    via: string;
    bytes: Uint8Array;
    opaque?: string;
}

/**
 * A base64 or hex run inside text is decoded when it is at least this long: shorter ones are identifiers and short
 * hashes (a SHA-256 in hex is 64 characters, and decoding it costs nothing), and hide little.
 */
const MIN_RUN_CHARS = 64;
/** Runs decoded per export, and their decoded bytes in all (MAX_DECODED_BYTES): past either the export is unscannable. */
const MAX_RUNS = 10_000;
/** Decoded runs that are not text are compared one by one (the largest first): hashes and keys are small. */
const MAX_BINARY_RUNS = 64;
/**
 * A form is text when, in every TEXT_SAMPLE_BYTES window of it, at least this share of the characters are printable
 * (letters, marks, digits, punctuation, symbols, spaces, tab, line breaks) once decoded as UTF-8: prose, JSON, CSV and
 * code sit near 1 (a few control characters or stray Latin-1 bytes cost a percent); compressed, encrypted or binary
 * data, read as UTF-8 or UTF-16, sits far below (invalid sequences, controls, private-use and unassigned code points).
 * Every window, not the first only: a compressed copy placed after 64 KiB of prose would otherwise be read as text and
 * never decoded. An invalid sequence (decoded as U+FFFD, a symbol) is not printable: counted as one, random bytes
 * scored near 0.88 and a third of a window could be binary.
 */
export const TEXT_SHARE = 0.95;
const TEXT_SAMPLE_BYTES = 64 * 1024;
/** Binary forms smaller than this are not called opaque: a hash or a key, too small to carry a copy of anything. */
const MIN_OPAQUE_BYTES = 128;

const PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}\t\n\r\f]/u;
const REPLACEMENT = "\uFFFD";

function windowShare(w: Uint8Array): number {
    // Plain printable ASCII and whitespace (most text) needs no decoding.
    if (w.every((x) => x === 9 || x === 10 || x === 12 || x === 13 || (x >= 32 && x < 127))) return 1;
    let all = 0;
    let printable = 0;
    for (const ch of decode(w)) {
        all++;
        if (ch !== REPLACEMENT && PRINTABLE.test(ch)) printable++;
    }
    return all === 0 ? 1 : printable / all;
}

/** The lowest share of printable characters over the TEXT_SAMPLE_BYTES windows of `b` read as UTF-8 (1 for no bytes). */
export function textShare(b: Uint8Array): number {
    let low = 1;
    for (let at = 0; at < b.byteLength && low >= TEXT_SHARE; at += TEXT_SAMPLE_BYTES) {
        // A window may start inside a multi-byte character: skip its continuation bytes (at most 3).
        let from = at;
        while (from > 0 && from < at + 3 && from < b.byteLength && (b[from] & 0xc0) === 0x80) from++;
        low = Math.min(low, windowShare(b.subarray(from, Math.min(b.byteLength, at + TEXT_SAMPLE_BYTES))));
    }
    return low;
}
const isText = (b: Uint8Array) => textShare(b) >= TEXT_SHARE;

/** Text scanned for runs at once (a bigger text is read in windows of this size). */
const RUN_WINDOW_BYTES = 16 * 1024 * 1024;
const HEX_RUN = /[0-9a-fA-F]{64,}(?:\r?\n[0-9a-fA-F]+)*/g;
const BASE64_RUN = /[A-Za-z0-9+/_-]{64,}={0,2}(?:\r?\n[A-Za-z0-9+/_-]+={0,2})*/g;

interface Budget {
    runs: number;
    runBytes: number;
}

/**
 * The bytes as submitted first, then every form they decode to, up to `depth` decodings deep: gzip, zlib, raw deflate,
 * brotli, UTF-16, a file that is all base64 or hex (or base32), base64 and hex runs of MIN_RUN_CHARS or more inside
 * text (also wrapped in short lines, behind a short prefix), and base32, ascii85, quoted-printable and percent-encoded
 * forms that read as text.
 * A form that could not be read is marked `opaque` (why): a compressed stream past MAX_DECODED_BYTES (`too-large`),
 * still compressed at depth 0 (`nested-compression`), more runs than MAX_RUNS (`too-many-runs`) or more decoded run
 * bytes than MAX_DECODED_BYTES (`runs-too-large`), and bytes that are not text and decode to nothing that is
 * (`binary`). Runs inside text that decode to binary (hashes, keys, embedded images) are compared by hash and
 * decoded further, never called opaque: the text around them is what a reviewer reads.
 */
export function decodings(bytes: Uint8Array, depth: number): DecodedForm[] {
    return walk(bytes, depth, false, { runs: 0, runBytes: 0 }).forms;
}

/** `lenient`: a binary form here is not opaque (a run inside text, or a file of words that may be base64). */
function walk(bytes: Uint8Array, depth: number, lenient: boolean, budget: Budget): { forms: DecodedForm[]; readable: boolean } {
    const forms: DecodedForm[] = [{ via: "", bytes }];
    const text = bytes.byteLength === 0 || isText(bytes);
    let readable = text;
    let decodedReadable = false;
    const opaqueBinary = () => {
        // Not text, and nothing it decodes to is: the check cannot compare it (an image, model weights, a custom
        // container, a compressed stream behind a prefix), so neither can it pass it.
        if (!readable && !lenient && bytes.byteLength >= MIN_OPAQUE_BYTES && !forms.some((f) => f.opaque))
            forms.push({ via: "", bytes: new Uint8Array(0), opaque: "binary" });
        return { forms, readable };
    };
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (depth === 0) {
        if (isGzip(buf) || isZlib(buf)) forms.push({ via: "", bytes: new Uint8Array(0), opaque: "nested-compression" });
        return opaqueBinary();
    }
    const add = (via: string, decoded: Uint8Array | undefined, childLenient = lenient) => {
        if (!decoded || decoded.byteLength === 0) return false;
        const child = walk(decoded, depth - 1, childLenient, budget);
        readable ||= child.readable;
        decodedReadable ||= child.readable;
        for (const d of child.forms) forms.push({ via: d.via ? `${via}+${d.via}` : via, bytes: d.bytes, ...(d.opaque ? { opaque: d.opaque } : {}) });
        return true;
    };
    const attempt = (f: () => Uint8Array, via: string) => {
        try {
            return f();
        } catch (err) {
            // Too big to expand is not "not compressed": what is inside was never compared.
            if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") forms.push({ via, bytes: new Uint8Array(0), opaque: "too-large" });
            return undefined;
        }
    };
    const cap = { maxOutputLength: MAX_DECODED_BYTES };
    if (isGzip(buf))
        add(
            "gzip",
            attempt(() => gunzipSync(buf, cap), "gzip"),
        );
    else if (isZlib(buf))
        add(
            "zlib",
            attempt(() => inflateSync(buf, cap), "zlib"),
        );
    else if (buf.length > 0 && !isMostlyText(buf)) {
        // Neither has a header to recognise it by: tried on whatever is not text (random bytes fail within a few).
        if (
            !add(
                "deflate",
                attempt(() => inflateRawSync(buf, cap), "deflate"),
            )
        )
            add(
                "brotli",
                attempt(() => brotliDecompressSync(buf, cap), "brotli"),
            );
    }
    if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf.length > 8 && zeroShare(buf) > 0.3))
        add("utf-16", Buffer.from(buf.toString("utf16le").replace(/^\uFEFF/, "")));
    else if (!readable && buf.length >= 2 && buf.length <= MAX_DECODED_BYTES && !isGzip(buf) && !isZlib(buf)) {
        // UTF-16 with few ASCII characters (no zero bytes to spot it by): taken only when it reads as text.
        const utf16 = Buffer.from(buf.toString("utf16le"));
        if (isText(utf16)) add("utf-16", utf16);
    }
    const latin1 = buf.length <= MAX_DECODED_BYTES ? buf.toString("latin1") : "";
    const compact = latin1.replace(/\s+/g, "");
    // A file made of one encoding is that encoding; one without a token of MIN_RUN_CHARS (a word list) only may be.
    const encodedLenient = lenient || !/\S{64}/.test(latin1);
    if (compact.length >= 32 && compact.length % 2 === 0 && /^[0-9a-fA-F]+$/.test(compact)) add("hex", Buffer.from(compact, "hex"), encodedLenient);
    else {
        // All in the base64 alphabet can still be a letter and hex ("x" + hex): hex runs are looked for in it too.
        const allBase64 = compact.length >= 16 && /^[A-Za-z0-9+/_-]+={0,2}$/.test(compact);
        if (allBase64) add("base64", Buffer.from(compact, "base64"), encodedLenient);
        // Base32 is in the base64 alphabet: a file of it is read as base32 too, when that reads as text.
        const b32 = allBase64 ? base32(compact) : undefined;
        if (b32 && isText(b32)) add("base32", b32, true);
        if (text && buf.length >= MIN_RUN_CHARS) runs(allBase64);
    }
    // Text made of lines of one dense token each that decodes to nothing readable: an encoding this check has no
    // decoder for (base58, a shuffled alphabet, a binary copy in base32). Its reviewer could not read it either.
    if (text && !lenient && !decodedReadable && looksEncoded(latin1)) forms.push({ via: "", bytes: new Uint8Array(0), opaque: "encoded" });
    return opaqueBinary();

    /** Base64 and hex runs inside text: the text ones compared together, the largest binary ones one by one. */
    function runs(hexOnly: boolean) {
        const found: { via: string; decoded: Buffer }[] = [];
        // A text bigger than the decoding cap is read in windows cut at a line break (a run split there decodes in two
        // parts, as base64 and hex lines are whole groups), so memory stays bounded whatever its size.
        for (let start = 0; start < buf.length && found.length <= MAX_RUNS;) {
            let end = Math.min(buf.length, start + RUN_WINDOW_BYTES);
            if (end < buf.length) {
                const nl = buf.indexOf(0x0a, end);
                end = nl < 0 || nl - end > RUN_WINDOW_BYTES ? end : nl + 1;
            }
            const s = buf.toString("latin1", start, end);
            start = end;
            for (const m of s.matchAll(HEX_RUN)) {
                if (found.length > MAX_RUNS) break;
                const hex = m[0].replace(/\s+/g, "");
                found.push({ via: "hex", decoded: Buffer.from(hex.slice(0, hex.length - (hex.length % 2)), "hex") });
            }
            for (const m of hexOnly ? [] : s.matchAll(BASE64_RUN)) {
                if (found.length > MAX_RUNS) break;
                const b64 = m[0].replace(/\s+/g, "");
                if (/^[0-9a-fA-F]+$/.test(b64)) continue;
                found.push({ via: "base64", decoded: Buffer.from(b64, "base64") });
                pushIfText(found, "base32", base32(b64));
            }
            for (const block of wrappedBlocks(s)) {
                if (found.length > MAX_RUNS) break;
                if (/^[0-9a-fA-F]+$/.test(block)) found.push({ via: "hex", decoded: Buffer.from(block.slice(0, block.length - (block.length % 2)), "hex") });
                else if (!hexOnly) {
                    found.push({ via: "base64", decoded: Buffer.from(block, "base64") });
                    pushIfText(found, "base32", base32(block));
                }
            }
            for (const m of hexOnly ? [] : s.matchAll(ASCII85_RUN)) {
                if (found.length > MAX_RUNS) break;
                if (!/^[A-Za-z0-9+/_=-]+$/.test(m[0])) pushIfText(found, "ascii85", ascii85(m[0]));
            }
            for (const [via, escaped] of hexOnly ? [] : escapedForms(s)) pushIfText(found, via, escaped);
            if (found.reduce((n, r) => n + r.decoded.byteLength, budget.runBytes) > MAX_DECODED_BYTES) break;
        }
        budget.runs += found.length;
        budget.runBytes += found.reduce((n, r) => n + r.decoded.byteLength, 0);
        if (budget.runs > MAX_RUNS) return void forms.push({ via: "", bytes: new Uint8Array(0), opaque: "too-many-runs" });
        if (budget.runBytes > MAX_DECODED_BYTES) return void forms.push({ via: "", bytes: new Uint8Array(0), opaque: "runs-too-large" });
        const textual = found.map((r) => isText(r.decoded));
        for (const via of ["base64", "hex", "base32", "ascii85", "quoted-printable", "percent"]) {
            const texts = found.filter((r, i) => r.via === via && textual[i]);
            if (texts.length > 0) add(via, Buffer.concat(texts.flatMap((r) => [r.decoded, Buffer.from("\n")])), true);
        }
        const binary = found.filter((_, i) => !textual[i]);
        for (const r of binary.sort((a, b) => b.decoded.byteLength - a.decoded.byteLength).slice(0, MAX_BINARY_RUNS)) add(r.via, r.decoded, true);
    }
}

/**
 * Base64 or hex wrapped in lines too short for a run (under MIN_RUN_CHARS each), each line optionally behind a short
 * prefix shared by the block ("> ", "data: ", a line number's worth): consecutive lines whose rest is one token of the
 * alphabet, WRAP_MIN_CHARS or more (the last line of a block may be shorter), joined into one token. Blocks already
 * read as a run (no prefix, a first line of MIN_RUN_CHARS or more) are left to the run pattern.
 */
function wrappedBlocks(s: string): string[] {
    const out: string[] = [];
    let head: string | undefined;
    let tokens: string[] = [];
    const flush = () => {
        if (tokens.length >= 2 && !(head === "" && tokens[0].length >= MIN_RUN_CHARS)) {
            // A prefix made of alphabet characters is absorbed into each token: strip what every line begins with when
            // the block is long enough that a shared beginning is not chance (1 in 64 per line for base64).
            let common = tokens[0].slice(0, WRAP_PREFIX_CHARS);
            if (tokens.length >= 4) for (const t of tokens) while (!t.startsWith(common)) common = common.slice(0, -1);
            else common = "";
            const joined = tokens.map((t) => t.slice(common.length)).join("");
            if (joined.length >= MIN_RUN_CHARS) out.push(joined);
        }
        head = undefined;
        tokens = [];
    };
    for (const line of s.split(/\r?\n/)) {
        const m = WRAPPED_LINE.exec(line);
        // A line shorter than the minimum ends its block (it may be the block's last line).
        if (!m) {
            flush();
            continue;
        }
        const [, h, token] = m;
        if (head !== undefined && (h !== head || tokens[tokens.length - 1].length < WRAP_MIN_CHARS)) flush();
        if (head === undefined && token.length < WRAP_MIN_CHARS) continue;
        head = h;
        tokens.push(token);
        if (/=$/.test(token)) flush();
    }
    flush();
    return out;
}
const WRAP_MIN_CHARS = 16;
const WRAP_PREFIX_CHARS = 8;
const WRAPPED_LINE = /^(.{0,8}?[^A-Za-z0-9+/_=-]|)([A-Za-z0-9+/_-]+={0,2})[ \t]*$/;

/** Base32 (RFC 4648, upper case, padding optional) of a token in its alphabet; undefined for any other token. */
function base32(token: string): Buffer | undefined {
    const t = token.replace(/=+$/, "");
    if (!/^[A-Z2-7]+$/.test(t)) return undefined;
    const out = Buffer.alloc(Math.floor((t.length * 5) / 8));
    let bits = 0;
    let v = 0;
    let n = 0;
    for (let i = 0; i < t.length; i++) {
        const c = t.charCodeAt(i);
        v = ((v << 5) | (c >= 65 ? c - 65 : c - 24)) & 0xffff;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (v >>> bits) & 0xff;
        }
    }
    return out.subarray(0, n);
}

/** Ascii85 (btoa, Adobe's <~ ~> delimiters, "z" for four zero bytes) of a token: a partial last group is padded. */
function ascii85(token: string): Buffer | undefined {
    const t = token.replace(/^<~/, "").replace(/~>$/, "");
    const out: number[] = [];
    let group: number[] = [];
    for (let i = 0; i < t.length; i++) {
        const c = t.charCodeAt(i);
        if (c === 0x7a && group.length === 0) {
            out.push(0, 0, 0, 0);
            continue;
        }
        if (c < 33 || c > 117) return undefined;
        group.push(c - 33);
        if (group.length === 5) {
            const n = group.reduce((a, d) => a * 85 + d, 0);
            if (n > 0xffffffff) return undefined;
            out.push(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
            group = [];
        }
    }
    if (group.length > 1) {
        const k = group.length - 1;
        while (group.length < 5) group.push(84);
        const n = group.reduce((a, d) => a * 85 + d, 0);
        out.push(...[n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].slice(0, k));
    }
    return Buffer.from(out);
}
// The look-behind starts a run only where one can start (not inside a shorter token of the alphabet): without it the
// pattern retried at every position of every long line, which cost more than the rest of the run search.
const ASCII85_RUN = /(?<![!-uz])[!-uz]{64,}/g;

/**
 * Quoted-printable (=XX, soft line breaks) and percent-encoding (%XX), decoded when escapes make up ESCAPED_SHARE or more
 * of a text's characters: a URL or a mail with a few escapes reads as it is.
 */
function escapedForms(s: string): [string, Buffer][] {
    const out: [string, Buffer][] = [];
    const share = (re: RegExp) => ((s.match(re)?.length ?? 0) * 3) / Math.max(1, s.length);
    const unescape = (t: string, re: RegExp) =>
        Buffer.from(
            t.replace(re, (x) => String.fromCharCode(parseInt(x.slice(1), 16))),
            "latin1",
        );
    if (share(/=[0-9A-F]{2}/g) >= ESCAPED_SHARE) out.push(["quoted-printable", unescape(s.replace(/=\r?\n/g, ""), /=[0-9A-F]{2}/g)]);
    if (share(/%[0-9A-Fa-f]{2}/g) >= ESCAPED_SHARE) out.push(["percent", unescape(s, /%[0-9A-Fa-f]{2}/g)]);
    return out;
}
const ESCAPED_SHARE = 0.05;

/**
 * Base32, ascii85 and escaped forms are kept only when they read as text: their alphabets match ordinary tokens (an
 * upper-case word, a URL, a line of CSV), whose decoding is noise and must neither cost the run budget nor be compared.
 */
function pushIfText(found: { via: string; decoded: Buffer }[], via: string, decoded: Buffer | undefined) {
    if (decoded && decoded.byteLength >= 16 && isText(decoded)) found.push({ via, decoded });
}

/**
 * Most non-empty lines (ENCODED_LINE_SHARE, ENCODED_MIN_LINES or more) are one token of ENCODED_MIN_TOKEN characters or
 * more with no space (behind an optional short prefix), and their characters carry ENCODED_MIN_BITS bits of entropy or
 * more each: base64, base58, base32 or ascii85 of compressed or random bytes sit at 5 to 6.4, hex, UUIDs and English
 * words near 4 (a list of commit hashes or of IDs is not called encoded).
 */
function looksEncoded(s: string): boolean {
    const lines = s.slice(0, TEXT_SAMPLE_BYTES).split(/\r?\n/);
    let nonEmpty = 0;
    let tokens = 0;
    const counts = new Map<string, number>();
    let chars = 0;
    for (const line of lines) {
        if (line.trim() === "") continue;
        nonEmpty++;
        const token = /^(?:.{0,8}?[\s:>#|]\s*)?(\S{16,})\s*$/.exec(line)?.[1];
        if (!token || token.length < ENCODED_MIN_TOKEN) continue;
        tokens++;
        for (const c of token) counts.set(c, (counts.get(c) ?? 0) + 1);
        chars += token.length;
    }
    if (tokens < ENCODED_MIN_LINES || tokens < nonEmpty * ENCODED_LINE_SHARE || chars < 512) return false;
    let bits = 0;
    for (const n of counts.values()) bits -= (n / chars) * Math.log2(n / chars);
    return bits >= ENCODED_MIN_BITS;
}
const ENCODED_MIN_LINES = 8;
const ENCODED_LINE_SHARE = 0.8;
const ENCODED_MIN_TOKEN = 16;
const ENCODED_MIN_BITS = 4.8;

const zeroShare = (b: Buffer) => b.reduce((n, x) => n + (x === 0 ? 1 : 0), 0) / b.length;
/** Printable ASCII, whitespace and UTF-8 continuation bytes: what a text file is made of. */
const isMostlyText = (b: Buffer) => b.subarray(0, 4096).every((x) => x === 9 || x === 10 || x === 13 || (x >= 32 && x !== 127));

/** Zero-width characters and whitespace, which a token can be broken up with and still be read back. */
const INVISIBLE = /[\s\u200B-\u200D\u2060\uFEFF\u00AD]/g;

function checkOne(candidate: Uint8Array, index: readonly IndexEntry[], canaries: readonly Canary[], thresholds: LeakThresholds): LeakVerdict {
    const text = decode(candidate);
    const lower = text.toLowerCase();
    const squeezed = lower.replace(INVISIBLE, "");
    for (const c of canaries) {
        const { token, dataset, key } = typeof c === "string" ? { token: c, dataset: undefined, key: undefined } : c;
        if (
            token.length > 0 &&
            (text.includes(token) || lower.includes(token.toLowerCase()) || squeezed.includes(token.toLowerCase().replace(INVISIBLE, "")))
        ) {
            return { verdict: "blocked", reason: "canary", ...(dataset ? { dataset } : {}), ...(key ? { key } : {}), score: 1 };
        }
    }

    const own = fingerprint(candidate);
    const exact = index.find((e) => e.sha256 === own.sha256);
    if (exact) return { verdict: "blocked", reason: "exact", dataset: exact.dataset, key: exact.key, score: 1 };

    // Lines: per dataset, the share of the export's distinct lines that occur in any of its objects (a file
    // reassembled from several objects of one dataset counts as one copy). Sampled entries compare only the export's
    // lines that fall in their sample.
    const allOwn = lineHashes(text);
    let bestLines: LeakVerdict | undefined;
    const byDataset = new Map<string, IndexEntry[]>();
    for (const e of index) byDataset.set(e.dataset, [...(byDataset.get(e.dataset) ?? []), e]);
    for (const [dataset, entries] of byDataset) {
        // Entries sampled at one modulus are one sample: the share is over the export's lines in that sample, and a
        // matched hash stands for about `modulus` copied lines. Mixing moduli (dividing a big object's sampled matches by
        // the lines a small object of the same dataset considers) or counting sampled matches as lines would let a
        // copy of thousands of a big object's lines through.
        const byModulus = new Map<number, IndexEntry[]>();
        for (const e of entries) byModulus.set(e.lineModulus ?? 1, [...(byModulus.get(e.lineModulus ?? 1) ?? []), e]);
        for (const [modulus, group] of byModulus) {
            const mine = allOwn.filter((h) => sampled(h, modulus));
            const matched = new Set<string>();
            let topKey: string | undefined;
            let topCount = 0;
            for (const e of group) {
                const theirs = new Set(e.lines);
                let count = 0;
                for (const h of mine) {
                    if (!theirs.has(h)) continue;
                    matched.add(h);
                    count++;
                }
                if (count > topCount) {
                    topCount = count;
                    topKey = e.key;
                }
            }
            if (mine.length === 0 || matched.size === 0) continue;
            const share = matched.size / mine.length;
            if (share >= thresholds.lines || matched.size * modulus >= thresholds.lineCount) {
                if (!bestLines || share > (bestLines.score ?? 0))
                    bestLines = { verdict: "blocked", reason: "lines", dataset, key: topKey, score: round(share) };
            }
        }
    }
    if (bestLines) return bestLines;

    let best: { e: IndexEntry; s: number } | undefined;
    for (const e of index) {
        const s = similarity(own.minhash, e.minhash);
        if (!best || s > best.s) best = { e, s };
    }
    if (best && best.s >= thresholds.nearCopy)
        return { verdict: "blocked", reason: "near-copy", dataset: best.e.dataset, key: best.e.key, score: round(best.s) };
    return { verdict: "clean", ...(best ? { score: round(best.s) } : {}) };
}
