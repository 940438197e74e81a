// Generates the spec reference in docs/spec-reference.md from config/fields.ts, the same table the validator takes its
// fixes from. `npx --no-install tsx scripts/spec-reference.ts` prints it; with `--write` it replaces the part of
// docs/spec-reference.md between the spec-reference markers. test/readme.test.ts fails when the doc drifts from it.
import * as fs from "node:fs";
import * as path from "node:path";
import { ORGANIZATION_FIELDS, SECURITY_FIELDS, VENDOR_FIELDS, type FieldDoc } from "../config/fields";

export const SPEC_REFERENCE_DOC = path.join(__dirname, "..", "docs", "spec-reference.md");
const START = "<!-- spec-reference:start -->\n";
const END = "\n<!-- spec-reference:end -->";

const esc = (s: string) => s.replace(/\|/g, "\\|");

export function specReference(): string {
    const tables: [string, FieldDoc[]][] = [
        ["Vendor spec: `stacks/<vendor-id>.yaml`", VENDOR_FIELDS],
        ["Security stack spec: `stacks/security.yaml`", SECURITY_FIELDS],
        ["Organization stack spec: `stacks/organization.yaml` (account-per-vendor enclaves only)", ORGANIZATION_FIELDS],
    ];
    return tables
        .map(([title, fields]) =>
            [
                `### ${title}`,
                "",
                "| field | type | default | meaning |",
                "|---|---|---|---|",
                ...fields.map((f) => `| \`${f.path}\` | ${esc(f.type)} | ${esc(f.default)} | ${esc(f.description)} |`),
            ].join("\n"),
        )
        .join("\n\n");
}

function writeDoc(): void {
    const doc = fs.readFileSync(SPEC_REFERENCE_DOC, "utf8");
    const start = doc.indexOf(START);
    const end = doc.indexOf(END, start);
    if (start < 0 || end < 0) throw new Error(`${SPEC_REFERENCE_DOC}: the spec-reference markers are missing`);
    fs.writeFileSync(SPEC_REFERENCE_DOC, doc.slice(0, start + START.length) + specReference() + doc.slice(end));
}

if (require.main === module) {
    if (process.argv.includes("--write")) writeDoc();
    else process.stdout.write(`${specReference()}\n`);
}
