import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { listVendorIds } from "../config/load";
import { ALL_POLICIES } from "../guardrails/rules";
import { SPEC_REFERENCE_DOC, specReference } from "../scripts/spec-reference";

// Keeps the README and docs/ honest: the README's first block is the two fresh-machine commands, the README stays a
// newcomer's page (size), no command anywhere can fetch the unrelated public npm package `enclave`, and the spec
// reference is exactly the field table the validator uses. It cannot prove the prose is right, only that these parts
// did not drift.
const ROOT = path.join(__dirname, "..");
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), "utf8");
const readme = read("README.md");

/** Every document a reader is told to run commands from: README, RUNBOOK, docs/ and the CI workflows. */
function documents(): string[] {
    const docs = fs
        .readdirSync(path.join(ROOT, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`);
    const workflows = fs.readdirSync(path.join(ROOT, ".github", "workflows")).map((f) => `.github/workflows/${f}`);
    return ["README.md", "RUNBOOK.md", ...docs, ...workflows];
}

/** GitHub's heading anchors: lower case, punctuation other than hyphens dropped, spaces to hyphens (code blocks skipped). */
function anchors(markdown: string): string[] {
    const prose = markdown.replace(/```[\s\S]*?```/g, "");
    return [...prose.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
        m[1]
            .toLowerCase()
            .replace(/[^\p{L}\p{N} _-]/gu, "")
            .replace(/ /g, "-"),
    );
}

describe("README", () => {
    it("opens with the install-and-plan command and the test command", () => {
        const first = readme
            .match(/```bash\n([\s\S]*?)```/)![1]
            .trim()
            .split("\n");
        expect(first).toHaveLength(2);
        const [, vendor] = first[0].match(/^npm ci && npx --no-install enclave plan ([a-z0-9-]+)\s+#/) ?? [];
        expect(first[1]).toMatch(/^npm test\s+#/);
        // The command runs on a fresh clone, so the vendor it names must be one in the live stacks/ folder.
        expect(listVendorIds()).toContain(vendor);
    });

    it("stays at most 15 KB: reference material lives in docs/", () => {
        expect(Buffer.byteLength(readme, "utf8")).toBeLessThanOrEqual(15 * 1024);
    });

    it("README, RUNBOOK and docs/ link only to files that exist", () => {
        let checked = 0;
        for (const f of documents().filter((d) => d.endsWith(".md"))) {
            const dir = path.dirname(path.join(ROOT, f));
            for (const [, target, anchor] of read(f).matchAll(/\]\(([^)#\s]*)(?:#([^)\s]*))?\)/g)) {
                if (/^[a-z]+:/.test(target)) continue;
                const file = target === "" ? path.join(ROOT, f) : path.join(dir, target);
                expect(fs.existsSync(file), `${f} links to ${target}`).toBe(true);
                if (anchor !== undefined) expect(anchors(fs.readFileSync(file, "utf8")), `${f} links to ${target}#${anchor}`).toContain(anchor);
                checked++;
            }
        }
        expect(checked).toBeGreaterThan(20);
    });
});

describe("commands in the documents", () => {
    it("never run bare `npx enclave`, which outside the repository or before npm ci fetches an unrelated package", () => {
        const docs = documents();
        expect(docs).toContain(".github/workflows/pull-request.yml");
        for (const f of docs) {
            const bare = read(f)
                .split("\n")
                .filter((l) => /\bnpx\s+(?:--?[a-z-]+\s+)*enclave\b/.test(l) && !/\bnpx\s+--no-install\s+enclave\b/.test(l));
            expect(bare, f).toEqual([]);
        }
    });
});

describe("docs/spec-reference.md", () => {
    it("holds the spec reference generated from config/fields.ts, unchanged", () => {
        expect(path.relative(ROOT, SPEC_REFERENCE_DOC)).toBe(path.join("docs", "spec-reference.md"));
        const doc = fs.readFileSync(SPEC_REFERENCE_DOC, "utf8");
        const section = doc.split("<!-- spec-reference:start -->\n")[1]?.split("\n<!-- spec-reference:end -->")[0];
        expect(section).toBe(specReference());
    });
});

describe("docs/invariants.md", () => {
    const doc = read(path.join("docs", "invariants.md"));
    const defined = [...doc.matchAll(/^(\d+)\. \*\*/gm)].map((m) => Number(m[1]));

    it("numbers the invariants 1-41 in order, each once", () => {
        expect(defined).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
    });

    it("defines every invariant a guardrail policy cites, and each citing policy names the document", () => {
        for (const p of ALL_POLICIES) {
            const cited = [
                ...(p.tags ?? []).filter((t) => t.startsWith("Invariant-")).map((t) => Number(t.slice("Invariant-".length))),
                ...[...p.description.matchAll(/nvariants? (\d+)(?: and (\d+))?/g)].flatMap((m) => [m[1], m[2]].filter(Boolean).map(Number)),
            ];
            for (const n of cited) expect(defined, `${p.name} cites invariant ${n}`).toContain(n);
            if (cited.length) expect(p.description, p.name).toContain("docs/invariants.md");
        }
    });

    it("defines every number in docs/guardrails.md's invariants column", () => {
        const table = read(path.join("docs", "guardrails.md"))
            .split("## Policies\n")[1]
            .split("\n\n")
            .find((b) => b.startsWith("| policy |"))!;
        const column = table
            .split("\n")
            .slice(2)
            .map((l) => l.split(" | ")[3]);
        const numbers = column.flatMap((c) =>
            c.split(", ").flatMap((r) => {
                const [a, b] = r.split("-").map(Number);
                return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
            }),
        );
        expect(numbers.length).toBeGreaterThan(40);
        for (const n of numbers) expect(defined).toContain(n);
    });
});
