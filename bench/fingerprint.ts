// `npm run bench:fingerprint [MiB]`: the airlock's streamed fingerprint over a generated dataset object (JSONL records,
// 1 MiB chunks as an S3 body arrives), reporting throughput and peak memory. Not a test: it asserts nothing. The point
// is that memory stays flat whatever the object's size (a 1024 MB Lambda must index a multi-GB object), and how fast
// the sketch (MinHash, up to SKETCH_CAP_BYTES) and the remainder (SHA-256 and line hashes over every byte) run.
import { FingerprintStream, SKETCH_CAP_BYTES } from "../airlock/fingerprint";

const CHUNK = 1024 * 1024;

/** Distinct records, so the line set and the shingles keep growing (the worst case for memory). */
function* generate(totalBytes: number): Generator<Uint8Array> {
    let i = 0;
    let sent = 0;
    while (sent < totalBytes) {
        let s = "";
        while (s.length < CHUNK) {
            s += `{"id":"r-${i}","prompt":"rate the answer number ${i} for accuracy and tone","label":${(i * 7919) % 7},"rater":"annotator-${i % 97}"}\n`;
            i++;
        }
        const b = Buffer.from(s.slice(0, Math.min(CHUNK, totalBytes - sent)));
        sent += b.length;
        yield b;
    }
}

function run(label: string, totalBytes: number, sketchCap: number) {
    (globalThis as { gc?: () => void }).gc?.();
    const base = process.memoryUsage();
    let peakRss = base.rss;
    let peakHeap = base.heapUsed;
    const f = new FingerprintStream(sketchCap);
    const t0 = process.hrtime.bigint();
    let n = 0;
    for (const chunk of generate(totalBytes)) {
        f.update(chunk);
        if (++n % 16 === 0) {
            const m = process.memoryUsage();
            peakRss = Math.max(peakRss, m.rss);
            peakHeap = Math.max(peakHeap, m.heapUsed);
        }
    }
    const fp = f.digest();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const mib = (b: number) => (b / 1024 / 1024).toFixed(1);
    console.log(
        `${label}: ${mib(totalBytes)} MiB in ${seconds.toFixed(1)} s (${(totalBytes / 1024 / 1024 / seconds).toFixed(1)} MiB/s); ` +
            `peak RSS ${mib(peakRss)} MiB (+${mib(peakRss - base.rss)}), peak heap ${mib(peakHeap)} MiB (+${mib(peakHeap - base.heapUsed)}); ` +
            `${fp.lines.length} line hashes kept (modulus ${fp.lineModulus ?? 1})${fp.partial ? `, partial: sketched ${mib(fp.sketchedBytes!)} MiB` : ""}`,
    );
}

export function main(argv: string[]) {
    const mibArg = Number(argv[0] ?? 512);
    const total = Math.max(1, mibArg) * 1024 * 1024;
    console.log(`fingerprint bench: a ${mibArg} MiB generated object, sketch cap ${SKETCH_CAP_BYTES / 1024 / 1024} MiB`);
    run("line hashes only (sketch cap 0)", total, 0);
    run("sketched to 64 MiB then hashed", total, 64 * 1024 * 1024);
    run("default cap", total, SKETCH_CAP_BYTES);
}

if (require.main === module) main(process.argv.slice(2));
