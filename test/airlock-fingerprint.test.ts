import { readFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
    decodings,
    DEFAULT_LEAK_THRESHOLDS,
    fingerprint,
    FingerprintStream,
    fingerprintStream,
    leakCheck,
    normalise,
    similarity,
    TEXT_SHARE,
    textShare,
    type IndexEntry,
} from "../airlock/fingerprint";

// The leak check on realistic lab material (a rubric and a prompt set, test/fixtures/airlock-data). What these tests
// cannot prove: that the thresholds suit every lab's data. A paraphrase that changes most words, a translation, or a
// custom encoding into printable text passes: the airlock's human review is the control for those (an image of the
// text is binary, and blocked as unscannable).

const data = (name: string) => readFileSync(join(__dirname, "fixtures", "airlock-data", name));
const rubric = data("rubric.md");
const prompts = data("prompts.jsonl");
const enc = (s: string) => new TextEncoder().encode(s);

const index: IndexEntry[] = [
    { dataset: "eval-rubrics", key: "summarisation/rubric.md", ...fingerprint(rubric) },
    { dataset: "prompts", key: "batch-1/prompts.jsonl", ...fingerprint(prompts) },
];

const UNRELATED = `Field notes from the allotment, late spring.
The broad beans are flowering and the first aphids have arrived on the tips, so the tops come off this weekend.
Courgettes went in under fleece on Tuesday; two of six were eaten by slugs before Thursday morning.
The water butt is half full after the storm and the compost bays need turning before the grass clippings pile up.
Next year: fewer lettuces at once, more succession sowing, and a proper net over the brassicas from the start.
Borrowed the long ladder from the plot next door to fix the shed gutter; return it before the holidays.`;

describe("leak check", () => {
    it("blocks a verbatim copy of a dataset object by its hash, naming the dataset and key", () => {
        expect(leakCheck(rubric, index, [])).toEqual({
            verdict: "blocked",
            reason: "exact",
            dataset: "eval-rubrics",
            key: "summarisation/rubric.md",
            score: 1,
        });
    });

    it("blocks a lightly edited copy (a few words changed, punctuation and case altered)", () => {
        const edited = rubric
            .toString()
            .replace("revision 7", "v8 draft")
            .replace("scale from one to seven", "scale from 1 to 7")
            .replace("Penalise", "penalize")
            .replace(/\./g, ";")
            .toUpperCase();
        const verdict = leakCheck(enc(edited), index, []);
        expect(verdict.verdict).toBe("blocked");
        expect(verdict.dataset).toBe("eval-rubrics");
        expect(verdict.key).toBe("summarisation/rubric.md");
        expect(["lines", "near-copy"]).toContain(verdict.reason);
    });

    it("blocks a reworded copy where no line survives intact, through the MinHash sketch", () => {
        // Every line changed by one word: the line hashes all differ, most 5-word shingles survive.
        const reworded = rubric
            .toString()
            .split("\n")
            .map((l) => l.replace(/ the /, " a "))
            .join("\n");
        const verdict = leakCheck(enc(reworded), index, [], { ...DEFAULT_LEAK_THRESHOLDS, lines: 2, lineCount: Infinity });
        expect(verdict).toMatchObject({ verdict: "blocked", reason: "near-copy", dataset: "eval-rubrics" });
        expect(verdict.score).toBeGreaterThanOrEqual(DEFAULT_LEAK_THRESHOLDS.nearCopy);
    });

    it("blocks records lifted out of a dataset file into a bigger export (lines), naming the dataset", () => {
        const lifted = prompts.toString().split("\n").slice(2, 6).join("\n");
        const exportFile = `Notes for the team\n${UNRELATED}\n${lifted}\n`;
        const verdict = leakCheck(enc(exportFile), index, []);
        expect(verdict).toMatchObject({ verdict: "blocked", reason: "lines", dataset: "prompts", key: "batch-1/prompts.jsonl" });
    });

    it("blocks an export that holds a tripwire token anywhere, in any case", () => {
        const token = "q7Zk2vX9mP4rT8wL";
        const exportFile = `${UNRELATED}\nref: ${token.toLowerCase()}\n`;
        expect(leakCheck(enc(exportFile), index, [{ token, dataset: "prompts", key: "batch-1/archive-2024-03.jsonl" }])).toEqual({
            verdict: "blocked",
            reason: "canary",
            dataset: "prompts",
            key: "batch-1/archive-2024-03.jsonl",
            score: 1,
        });
        expect(leakCheck(enc(exportFile), index, [token]).reason).toBe("canary");
    });

    it("passes unrelated content, and content that quotes a single dataset line", () => {
        expect(leakCheck(enc(UNRELATED), index, ["q7Zk2vX9mP4rT8wL"]).verdict).toBe("clean");
        const oneLine = `${UNRELATED}\n${rubric.toString().split("\n")[2]}\n`;
        expect(leakCheck(enc(oneLine), index, []).verdict).toBe("clean");
    });

    it("passes everything when the index is empty, but still catches a canary", () => {
        expect(leakCheck(rubric, [], []).verdict).toBe("clean");
        expect(leakCheck(enc("x secret-canary-token y"), [], ["secret-canary-token"]).reason).toBe("canary");
    });

    it("checks an empty export by its hash only", () => {
        expect(leakCheck(new Uint8Array(), index, []).verdict).toBe("clean");
        const emptyIndexed: IndexEntry[] = [{ dataset: "d", key: "empty", ...fingerprint(new Uint8Array()) }];
        expect(leakCheck(new Uint8Array(), emptyIndexed, []).reason).toBe("exact");
    });
});

describe("leak check through encodings", () => {
    it("blocks a dataset file gzipped, zlib- or raw-deflated, base64'd, hex'd or in UTF-16, naming how it got there", () => {
        const cases: [string, Uint8Array][] = [
            ["gzip", gzipSync(rubric)],
            ["zlib", deflateSync(rubric)],
            ["deflate", deflateRawSync(rubric)],
            ["base64", enc(rubric.toString("base64").replace(/(.{76})/g, "$1\n"))],
            ["hex", enc(prompts.toString("hex"))],
            ["utf-16", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(rubric.toString(), "utf16le")])],
            ["gzip+base64", gzipSync(Buffer.from(rubric.toString("base64")))],
        ];
        for (const [via, bytes] of cases) expect([via, leakCheck(bytes, index, [])]).toEqual([via, expect.objectContaining({ verdict: "blocked", via })]);
    });

    it("blocks a canary broken up by zero-width characters or a line break", () => {
        const token = "q7Zk2vX9mP4rT8wL";
        expect(leakCheck(enc(`${UNRELATED}\nq7Zk\u200b2vX9\nmP4r\u00adT8wL`), index, [token]).reason).toBe("canary");
    });

    it("blocks an archive it cannot open as unscannable, and passes unrelated compressed text", () => {
        const zipHeader = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00]);
        expect(leakCheck(zipHeader, index, [])).toEqual({ verdict: "blocked", reason: "unscannable", via: "archive" });
        expect(leakCheck(gzipSync(Buffer.from(UNRELATED)), index, []).verdict).toBe("clean");
        expect(leakCheck(enc(Buffer.from(UNRELATED).toString("base64")), index, []).verdict).toBe("clean");
    });

    it("does not expand a decompression bomb past its cap, and blocks it as unscannable", () => {
        const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024));
        expect(decodings(bomb, 2).map((d) => [d.via, d.bytes.byteLength, d.opaque])).toEqual([
            ["", bomb.byteLength, undefined],
            ["gzip", 0, "too-large"],
        ]);
        expect(leakCheck(bomb, index, [])).toEqual({ verdict: "blocked", reason: "unscannable", via: "gzip+too-large" });
    });

    it("blocks what it cannot read as unscannable instead of comparing opaque bytes: a copy padded past the decoding cap, compression nested past the decoding depth, an archive inside base64, xz, bzip2 and zstd", () => {
        const padded = gzipSync(Buffer.concat([rubric, Buffer.alloc(65 * 1024 * 1024, 0x20)]));
        expect(leakCheck(padded, index, [])).toEqual({ verdict: "blocked", reason: "unscannable", via: "gzip+too-large" });
        expect(leakCheck(gzipSync(gzipSync(gzipSync(rubric))), index, [])).toEqual({
            verdict: "blocked",
            reason: "unscannable",
            via: "gzip+gzip+nested-compression",
        });
        expect(leakCheck(gzipSync(Buffer.from(gzipSync(rubric).toString("base64"))), index, [])).toMatchObject({ verdict: "blocked", reason: "unscannable" });
        const zipInBase64 = enc(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, ...rubric.subarray(0, 40)]).toString("base64"));
        expect(leakCheck(zipInBase64, index, [])).toEqual({ verdict: "blocked", reason: "unscannable", via: "base64+archive" });
        // The first bytes of each format (xz, zstd, bzip2 with its block magic): the check has no decoder for them.
        const heads = [
            [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04],
            [0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58],
            [0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0x00],
        ];
        for (const h of heads)
            expect(leakCheck(Buffer.from([...h, ...rubric.subarray(0, 64)]), index, [])).toMatchObject({ verdict: "blocked", reason: "unscannable" });
        // Text that merely starts like bzip2's name is text.
        expect(leakCheck(enc(`BZh9 ${UNRELATED}`), index, []).verdict).toBe("clean");
        // Two levels of compression are still read through (the decoding depth).
        expect(leakCheck(gzipSync(gzipSync(rubric)), index, [])).toMatchObject({ verdict: "blocked", reason: "exact", via: "gzip+gzip" });
    });
});

describe("leak check on wrapped copies and opaque bytes", () => {
    // A verbatim copy of a dataset object wrapped so that no decoder recognises the file as a whole: each must block,
    // by what the copy decodes to or as unscannable. What this cannot prove: that no other wrapping exists (an
    // encryption with a key the vendor keeps is one); the fail-closed rule on binary forms is what bounds them.
    const rows = enc(
        Array.from({ length: 400 }, (_, i) => `row ${i}: the annotator rated response ${i * 7} as helpful with confidence ${(i % 10) / 10}`).join("\n"),
    );
    const idx: IndexEntry[] = [{ dataset: "rubrics", key: "ratings.txt", versionId: "v1", ...fingerprint(rows) }];
    const b64 = Buffer.from(rows).toString("base64");
    const hex = Buffer.from(rows).toString("hex");

    it.each([
        ["a label line, then base64 of the copy", enc(`payload:\n${b64}`), { reason: "lines", via: "base64" }],
        ["base64 of the copy, then one more character", enc(`${b64}#`), { reason: "lines", via: "base64" }],
        [
            "base64 of the copy in 76-character lines inside prose",
            enc(`${UNRELATED}\n${b64.replace(/(.{76})/g, "$1\n")}\n-- end --\n`),
            { reason: "lines", via: "base64" },
        ],
        ["one letter, then hex of the copy", enc(`x${hex}`), { reason: "lines", via: "hex" }],
        ["hex of the copy as a JSON value", enc(JSON.stringify({ note: "blob", data: hex })), { reason: "lines", via: "hex" }],
        ["base64 of gzip of the copy inside text", enc(`attachment = "${gzipSync(rows).toString("base64")}"`), { reason: "exact", via: "base64+gzip" }],
        ["brotli of the copy", brotliCompressSync(rows), { reason: "exact", via: "brotli" }],
        ["one text byte, then raw deflate of the copy", Buffer.concat([enc("A"), deflateRawSync(rows)]), { reason: "unscannable", via: "binary" }],
        ["random bytes (an image, model weights)", randomBytes(4096), { reason: "unscannable", via: "binary" }],
        ["gzip of random bytes", gzipSync(randomBytes(4096)), { reason: "unscannable", via: "gzip+binary" }],
        ["a one-line base64 file of random bytes", enc(randomBytes(4096).toString("base64")), { reason: "unscannable", via: "base64+binary" }],
    ])("blocks %s", (_name, bytes, expected) => {
        expect(leakCheck(bytes, idx, [])).toMatchObject({ verdict: "blocked", ...expected });
    });

    // The same copy in encodings with short lines, per-line prefixes, or no run for the base64 pattern to find. The
    // encoders are written out here (Node has none for base32, ascii85 or quoted-printable of every byte), independent
    // of the decoders under test.
    const wrap = (s: string, width: number, prefix = "") =>
        s
            .match(new RegExp(`.{1,${width}}`, "g"))!
            .map((l) => prefix + l)
            .join("\n");
    const base32 = (b: Uint8Array) => {
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let bits = 0;
        let v = 0;
        let out = "";
        for (const x of b) {
            v = ((v << 8) | x) & 0xffff;
            bits += 8;
            while (bits >= 5) {
                out += alphabet[(v >>> (bits - 5)) & 31];
                bits -= 5;
            }
        }
        return bits > 0 ? out + alphabet[(v << (5 - bits)) & 31] : out;
    };
    const ascii85 = (b: Uint8Array) => {
        let out = "";
        for (let i = 0; i < b.length; i += 4) {
            let n = 0;
            for (let j = 0; j < 4; j++) n = n * 256 + (b[i + j] ?? 0);
            let group = "";
            for (let j = 0; j < 5; j++, n = Math.floor(n / 85)) group = String.fromCharCode(33 + (n % 85)) + group;
            out += group;
        }
        return out;
    };
    const quotedPrintable = (b: Uint8Array) =>
        [...b]
            .map((x) => `=${x.toString(16).toUpperCase().padStart(2, "0")}`)
            .join("")
            .replace(/(.{72})/g, "$1=\n");

    it.each([
        ["a label line, then base64 of the copy in 60-character lines", enc(`payload:\n${wrap(b64, 60)}`), { reason: "lines", via: "base64" }],
        ["base64 of the copy in 60-character lines, each behind 'b64: '", enc(wrap(b64, 60, "b64: ")), { reason: "lines", via: "base64" }],
        [
            "base64 of the copy in 48-character lines quoted with '> ' inside prose",
            enc(`${UNRELATED}\n${wrap(b64, 48, "> ")}\n`),
            { reason: "lines", via: "base64" },
        ],
        ["base64 of the copy as server-sent events ('data: ' lines of 40)", enc(wrap(b64, 40, "data: ")), { reason: "lines", via: "base64" }],
        ["base64 of the copy in 60-character lines, each behind letters ('zq')", enc(`attached:\n${wrap(b64, 60, "zq")}`), { reason: "lines", via: "base64" }],
        ["hex of the copy in 62-character lines, each behind 'h '", enc(wrap(hex, 62, "h ")), { reason: "lines", via: "hex" }],
        ["hex of the copy in 32-character lines after a label", enc(`dump:\n${wrap(hex, 32)}`), { reason: "lines", via: "hex" }],
        ["a label line, then base32 of the copy", enc(`payload:\n${base32(rows)}`), { reason: "lines", via: "base32" }],
        ["a whole-file base32 of the copy", enc(base32(rows)), { reason: "exact", via: "base32" }],
        ["a label line, then ascii85 of the copy", enc(`payload:\n${ascii85(rows)}`), { reason: "lines", via: "ascii85" }],
        ["ascii85 of the copy between Adobe's delimiters", enc(`<~${ascii85(rows)}~>`), { reason: "lines", via: "ascii85" }],
        ["quoted-printable of every byte of the copy", enc(quotedPrintable(rows)), { reason: "lines", via: "quoted-printable" }],
        ["the copy percent-encoded as a query parameter", enc(`q=${encodeURIComponent(Buffer.from(rows).toString())}`), { reason: "lines", via: "percent" }],
    ])("blocks %s", (_name, bytes, expected) => {
        expect(leakCheck(bytes, idx, [])).toMatchObject({ verdict: "blocked", ...expected });
    });

    const sha = (s: string) => createHash("sha256").update(s).digest("hex");
    const unrelatedB64 = Buffer.from(UNRELATED).toString("base64");
    const urlLog = Array.from(
        { length: 300 },
        (_, i) =>
            `10.0.${i % 7}.${i % 250} - - [30/Nov/2026:10:${String(i % 60).padStart(2, "0")}:00 +0000] "GET /search?q=${encodeURIComponent(`résumé café ${i} “quoted” & more`)}&page=${i % 9}&ref=https%3A%2F%2Fexample.org%2Fa%2Fb HTTP/1.1" 200 ${1000 + i}`,
    ).join("\n");
    const email = [
        "From: Ana <ana@example.org>",
        "Subject: allotment notes",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        ...UNRELATED.replace(/'/g, "’")
            .replace(/ /g, "\u00a0")
            .split("\n")
            .map((l) =>
                wrap(
                    Buffer.from(l)
                        .toString("latin1")
                        .replace(/[\u0080-\u00ff=]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`),
                    75,
                ).replace(/\n/g, "=\n"),
            ),
    ].join("\n");
    it.each([
        ["unrelated prose", enc(UNRELATED)],
        [
            "JSON with long hex hashes",
            enc(
                JSON.stringify(
                    Array.from({ length: 50 }, (_, i) => ({ id: i, sha256: sha(`obj-${i}`), sha512: createHash("sha512").update(`${i}`).digest("hex") })),
                    null,
                    2,
                ),
            ),
        ],
        [
            "a lockfile's base64 integrity hashes",
            enc(Array.from({ length: 300 }, (_, i) => `  "integrity": "sha512-${createHash("sha512").update(`pkg-${i}`).digest("base64")}",`).join("\n")),
        ],
        [
            "CSV with hash and number columns",
            enc(["id,commit,score", ...Array.from({ length: 200 }, (_, i) => `${i},${sha(`c${i}`)},${(i * 0.37).toFixed(2)}`)].join("\n")),
        ],
        ["code embedding base64 of unrelated data", enc(`const notes = Buffer.from("${unrelatedB64}", "base64");\nexport default notes;\n`)],
        [
            "code embedding a small PNG as a data URI",
            enc(`<img src="data:image/png;base64,${randomBytes(3000).toString("base64")}" alt="chart">\n<p>${UNRELATED}</p>\n`),
        ],
        ["a whole-file base64 of unrelated text", enc(unrelatedB64)],
        [
            "a word list (all in the base64 alphabet)",
            enc(
                UNRELATED.replace(/[^A-Za-z\s]/g, "")
                    .split(/\s+/)
                    .join("\n"),
            ),
        ],
        [
            "UTF-8 prose in other scripts",
            enc("Étiquette naïve — “quoted” words. 日本語のテキストも少し含まれています。Ελληνικά κείμενα. Русский текст.\n".repeat(40)),
        ],
        ["UTF-16 text without a byte-order mark, mostly non-ASCII", Buffer.from("日本語のテキストも少し含まれています。".repeat(40), "utf16le")],
        ["gzip of unrelated text", gzipSync(enc(UNRELATED))],
        ["brotli of unrelated text", brotliCompressSync(enc(UNRELATED))],
        ["a web server log full of percent-encoded URLs", enc(urlLog)],
        ["a mail of unrelated text in quoted-printable with soft line breaks", enc(email)],
        ["sha256sum output (a hash and a file name per line)", enc(Array.from({ length: 300 }, (_, i) => `${sha(`f${i}`)}  data/shard-${i}.jsonl`).join("\n"))],
        [
            "an upper-case, digit-heavy table (base32 and ascii85 alphabets)",
            enc(Array.from({ length: 200 }, (_, i) => `ID${i}ABC2345XYZ,STATUS_OK,REGION-EU-WEST-${i % 3}`).join("\n")),
        ],
    ])("passes %s as clean", (_name, bytes) => {
        expect(leakCheck(bytes, idx, [])).toMatchObject({ verdict: "clean" });
    });

    it("reads the log and the mail above through their escapes (so their clean verdicts compared the decoded text)", () => {
        expect(decodings(enc(urlLog), 2).map((d) => d.via)).toContain("percent");
        expect(decodings(enc(email), 2).map((d) => d.via)).toContain("quoted-printable");
        const decoded = decodings(enc(email), 2).find((d) => d.via === "quoted-printable")!;
        expect(Buffer.from(decoded.bytes).toString()).toContain("The\u00a0broad\u00a0beans\u00a0are\u00a0flowering");
    });

    it("blocks text whose lines are dense tokens of an encoding it cannot read as unscannable (encoded), and passes lists of hashes, IDs, paths and URLs", () => {
        const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        const base58 = (b: Uint8Array) => {
            let n = BigInt(`0x${Buffer.from(b).toString("hex")}`);
            let out = "";
            for (; n > 0n; n /= 58n) out = B58[Number(n % 58n)] + out;
            return out;
        };
        const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const shuffled = "QWERTYUIOPASDFGHJKLZXCVBNMqwertyuiopasdfghjklzxcvbnm9876543210+/";
        const unscannable = { verdict: "blocked", reason: "unscannable", via: "encoded" };
        expect(leakCheck(enc(wrap(base58(rows), 60)), idx, [])).toEqual(unscannable);
        expect(
            leakCheck(
                enc(
                    `payload:\n${wrap(
                        b64.replace(/[A-Za-z0-9+/]/g, (c) => shuffled[std.indexOf(c)]),
                        76,
                    )}`,
                ),
                idx,
                [],
            ),
        ).toEqual(unscannable);
        // A compressed copy in base32: its decoding is not text, so it is dropped, and the lines are what is left.
        expect(leakCheck(enc(wrap(base32(gzipSync(rows)), 60, "> ")), idx, [])).toEqual(unscannable);
        // Random keys one per line are indistinguishable from an encoded copy: blocked too (the documented cost).
        expect(leakCheck(enc(Array.from({ length: 50 }, () => `sk-${randomBytes(24).toString("base64url")}`).join("\n")), idx, [])).toEqual(unscannable);
        for (const list of [
            Array.from({ length: 300 }, (_, i) => createHash("sha1").update(`${i}`).digest("hex")),
            Array.from({ length: 300 }, (_, i) => sha(`u${i}`).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, "$1-$2-$3-$4-$5")),
            Array.from({ length: 300 }, (_, i) => `src/components/module${i}/AccessReport${i % 7}.tsx`),
            Array.from({ length: 300 }, (_, i) => `https://example.org/docs/${i}/page?id=${i * 37}&lang=en#section-${i % 9}`),
        ])
            expect([list[0], leakCheck(enc(list.join("\n")), idx, [])]).toEqual([list[0], expect.objectContaining({ verdict: "clean" })]);
    });

    it("blocks a file that is only base64 or hex of bytes it cannot read as unscannable: a PEM certificate, a bare list of hashes", () => {
        // The whole file is one encoding of binary bytes (as an image in base64 is): not a copy it can compare, and not
        // text a reviewer can read. Both were blocked before base64 and hex in short lines were joined, and still are.
        const pem = `-----BEGIN CERTIFICATE-----\n${wrap(randomBytes(900).toString("base64"), 64)}\n-----END CERTIFICATE-----\n`;
        expect(leakCheck(enc(pem), idx, [])).toEqual({ verdict: "blocked", reason: "unscannable", via: "base64+binary" });
        const hashes = `${Array.from({ length: 300 }, (_, i) => sha(`f${i}`)).join("\n")}\n`;
        expect(leakCheck(enc(hashes), idx, [])).toEqual({ verdict: "blocked", reason: "unscannable", via: "hex+binary" });
    });

    it("blocks an export with more base64 or hex runs, or more decoded run bytes, than it decodes as unscannable", () => {
        const many = Array.from({ length: 10_001 }, (_, i) => `id ${i}: ${sha(`x${i}`)}`).join("\n");
        expect(leakCheck(enc(many), idx, [])).toEqual({ verdict: "blocked", reason: "unscannable", via: "too-many-runs" });
        // 96 MiB of base64 lines (72 MiB decoded) after a line of prose: past the decoding cap, and bigger than one window.
        const line = `${"QUJD".repeat(1023)}\n`;
        const big = Buffer.concat([enc("notes, then a base64 blob\n"), Buffer.from(line.repeat(24 * 1024))]);
        expect(leakCheck(big, idx, [])).toEqual({ verdict: "blocked", reason: "unscannable", via: "runs-too-large" });
    });

    it("measures text by its share of printable characters", () => {
        expect(textShare(enc(UNRELATED))).toBe(1);
        expect(textShare(new Uint8Array(0))).toBe(1);
        expect(textShare(randomBytes(4096))).toBeLessThan(TEXT_SHARE);
        expect(textShare(gzipSync(enc(UNRELATED.repeat(10))))).toBeLessThan(TEXT_SHARE);
    });

    it("blocks a compressed copy behind text as unscannable: placed after the first 64 KiB, or a third of the first 64 KiB", () => {
        // Rows that compress only about threefold, so the brotli copy is a real share of a window.
        const rows = Array.from({ length: 2000 }, (_, i) => `row ${i}: ${sha(`lab-${i}`)} rated ${(i * 7919) % 1000}`);
        const data = enc(rows.join("\n") + "\n");
        const index: IndexEntry[] = [{ dataset: "rubrics", key: "ratings.txt", versionId: "v1", ...fingerprint(data) }];
        const prose = (bytes: number) =>
            enc(`${"the vendor's own note on the model's output, nothing from the lab.\n".repeat(Math.ceil(bytes / 67))}`.slice(0, bytes));
        const br = brotliCompressSync(data);
        expect(br.byteLength).toBeGreaterThan(20_000);
        // Random bytes read as UTF-8 are mostly invalid sequences: those are not printable.
        expect(textShare(randomBytes(65_536))).toBeLessThan(0.6);
        for (const hidden of [
            Buffer.concat([prose(70 * 1024), br]),
            Buffer.concat([prose(40 * 1024), br.subarray(0, 20_000), prose(4 * 1024), br.subarray(20_000)]),
        ])
            expect(leakCheck(hidden, index, [])).toMatchObject({ verdict: "blocked", reason: "unscannable" });
    });
});

describe("leak check on sampled lines", () => {
    // A big object's lines are sampled (lineModulus > 1): a copy of a few hundred of its lines, padded with the vendor's
    // own text or beside a small unsampled object of the same dataset, must still block. What this cannot prove: the
    // false-positive rate of the scaled count on real data (a matched sampled hash stands for `modulus` lines).
    const big = Array.from({ length: 60_000 }, (_, i) => `{"id": ${i}, "prompt": "lab prompt number ${i} about topic ${i % 97}", "label": ${i % 5}}`);
    const bigEntry: IndexEntry = { dataset: "prompts", key: "big.jsonl", ...fingerprint(enc(big.join("\n"))) };
    const readme: IndexEntry = {
        dataset: "prompts",
        key: "README.txt",
        ...fingerprint(enc("This dataset holds the lab's prompts.\nOne JSON object per line.\n")),
    };
    const own = Array.from({ length: 500 }, (_, i) => `the vendor's own note ${i}: nothing from the lab in this line at all`);
    const copy = big.slice(20_000, 20_100);

    it("blocks 100 copied lines of a sampled object, alone or beside an unsampled one, padded with 500 lines of the vendor's own", () => {
        expect(bigEntry.lineModulus).toBeGreaterThan(1);
        for (const idx of [[bigEntry], [bigEntry, readme]])
            for (const lines of [copy, [...copy, ...own]])
                expect(leakCheck(enc(lines.join("\n")), idx, [])).toMatchObject({ verdict: "blocked", reason: "lines", dataset: "prompts", key: "big.jsonl" });
    });

    it("passes the vendor's own text beside a sampled index", () => {
        expect(leakCheck(enc(own.join("\n")), [bigEntry, readme], []).verdict).toBe("clean");
    });
});

describe("fingerprints", () => {
    it("are deterministic and ignore case, whitespace and punctuation in lines", () => {
        const a = fingerprint(enc("The rater must justify EVERY score below four.\n"));
        const b = fingerprint(enc("  the rater must justify every score below four  \n"));
        expect(a.lines).toEqual(b.lines);
        expect(a.sha256).not.toBe(b.sha256);
        expect(fingerprint(rubric)).toEqual(fingerprint(rubric));
        expect(normalise("  Hello,   World!  ")).toBe("hello world");
    });

    it("skip short lines that say nothing about their origin", () => {
        expect(fingerprint(enc("{\n}\n---\n42\n")).lines).toEqual([]);
    });

    it("sample the lines of a very large object and still detect a copy of a large part of it", () => {
        const big = Array.from({ length: 30_000 }, (_, i) => `record ${i}: label ${i * 7919} cat ${i % 13}`).join("\n");
        const fp = fingerprint(enc(big));
        // 30,000 distinct lines: past 20,000 the modulus doubles once.
        expect(fp.lineModulus).toBe(2);
        expect(fp.lines.length).toBeLessThanOrEqual(20_000);
        const part = big.split("\n").slice(10_000, 12_000).join("\n");
        const verdict = leakCheck(enc(part), [{ dataset: "labels", key: "big.txt", ...fp }], []);
        expect(verdict).toMatchObject({ verdict: "blocked", reason: "lines", dataset: "labels" });
    });

    it("estimate similarity: identical signatures 1, unrelated texts near 0", () => {
        expect(similarity(fingerprint(rubric).minhash, fingerprint(rubric).minhash)).toBe(1);
        expect(similarity(fingerprint(rubric).minhash, fingerprint(enc(UNRELATED)).minhash)).toBeLessThan(0.1);
    });
});

describe("streamed fingerprints", () => {
    /** Feeds `bytes` in chunks of `size` bytes (cutting lines, words and UTF-8 sequences anywhere). */
    const chunked = (bytes: Uint8Array, size: number) => {
        const f = new FingerprintStream();
        for (let i = 0; i < bytes.length; i += size) f.update(bytes.subarray(i, i + size));
        return f.digest();
    };

    it("equal the in-memory fingerprint whatever the chunking, UTF-8 sequences and CRLF lines cut across chunks", () => {
        const text = enc(`${rubric.toString()}\r\nÉtiquette naïve — “quoted” words, 日本語のテキストも少し含まれています。\r\n${prompts.toString()}`);
        const whole = fingerprint(text);
        for (const size of [1, 3, 7, 64, 4096, text.length]) expect(chunked(text, size)).toEqual(whole);
    });

    it("equal the in-memory fingerprint for a line far longer than the pending buffer (sketched at word boundaries)", () => {
        const long = enc(`${Array.from({ length: 30_000 }, (_, i) => `word${i % 977}`).join(" ")}\nshort tail line here\n`);
        expect(long.length).toBeGreaterThan(3 * 64 * 1024);
        for (const size of [1000, 65_536, 100_000]) expect(chunked(long, size)).toEqual(fingerprint(long));
    });

    it("equal the in-memory fingerprint for a text of fewer than five words and for an empty object", () => {
        expect(chunked(enc("three short words"), 2)).toEqual(fingerprint(enc("three short words")));
        expect(chunked(new Uint8Array(0), 1)).toEqual(fingerprint(new Uint8Array(0)));
    });

    it("read an async stream (an S3 body) to the same fingerprint", async () => {
        async function* body() {
            for (let i = 0; i < prompts.length; i += 1000) yield prompts.subarray(i, i + 1000);
        }
        expect(await fingerprintStream(body())).toEqual(fingerprint(prompts));
    });

    it("hash the whole of an object and its lines past the sketch cap, sketch only its start and flag it partial", () => {
        const head = rubric.toString();
        const tail = "\n" + UNRELATED.repeat(20);
        const bytes = enc(head + tail);
        for (const size of [7, 4096, bytes.length]) {
            const f = new FingerprintStream(Buffer.byteLength(head));
            for (let i = 0; i < bytes.length; i += size) f.update(bytes.subarray(i, i + size));
            const fp = f.digest();
            expect(fp.partial).toBe(true);
            expect(fp.sketchedBytes).toBe(Buffer.byteLength(head));
            expect(fp.size).toBe(bytes.length);
            expect(fp.sha256).toBe(fingerprint(bytes).sha256);
            // Lines cover the whole object; the MinHash is the head's alone.
            expect(fp.lines).toEqual(fingerprint(bytes).lines);
            expect(fp.lines).not.toEqual(fingerprint(enc(head)).lines);
            expect(fp.minhash).toEqual(fingerprint(enc(head)).minhash);
        }
        const f = new FingerprintStream(Buffer.byteLength(head)).update(bytes).digest();
        const verdict = leakCheck(enc(head), [{ dataset: "eval-rubrics", key: "huge.md", ...f }], []);
        expect(verdict).toMatchObject({ verdict: "blocked", dataset: "eval-rubrics", key: "huge.md" });
    });

    it("block rows copied from past the sketch cap of a big object by lines, as rows from before it", async () => {
        // A 40,000-row JSONL object (about 2.7 MB) with the cap scaled to 1 MiB: the same code path as a shard past 256
        // MiB. Its lines are sampled (modulus > 1), as a real shard's are.
        const rows = Array.from({ length: 40_000 }, (_, i) => `{"id": ${i}, "prompt": "lab prompt ${i} on topic ${i % 97}", "label": ${i % 5}}`);
        const obj = enc(rows.join("\n"));
        async function* body() {
            for (let i = 0; i < obj.length; i += 65_536) yield obj.subarray(i, i + 65_536);
        }
        const fp = await fingerprintStream(body(), 1024 * 1024);
        expect(fp).toMatchObject({ partial: true, sketchedBytes: 1024 * 1024 });
        expect(fp.lineModulus).toBeGreaterThan(1);
        const entry: IndexEntry = { dataset: "prompts", key: "big.jsonl", versionId: "v1", ...fp };
        for (const [from, to] of [
            [1000, 3000],
            [30_000, 32_000],
            [38_000, 40_000],
        ])
            expect([from, leakCheck(enc(rows.slice(from, to).join("\n")), [entry], [])]).toEqual([
                from,
                expect.objectContaining({ verdict: "blocked", reason: "lines", dataset: "prompts", key: "big.jsonl" }),
            ]);
    });

    it("hold at most twice the line cap: the sampling modulus doubles as distinct lines grow", () => {
        const big = Array.from({ length: 90_000 }, (_, i) => `record ${i}: label ${i * 7919} cat ${i % 13}`).join("\n");
        const f = chunked(enc(big), 65_536);
        expect(f.lineModulus).toBe(8);
        expect(f.lines.length).toBeLessThanOrEqual(20_000);
        expect(f.lines.every((h) => parseInt(h.slice(0, 8), 16) % 8 === 0)).toBe(true);
    });
});
