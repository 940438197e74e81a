// Prints the README's spec reference from config/fields.ts, the same table the validator takes its fixes from.
// `npx tsx scripts/spec-reference.ts`; test/readme.test.ts fails when the README drifts from it.
import { SECURITY_FIELDS, VENDOR_FIELDS, type FieldDoc } from "../config/fields";

const esc = (s: string) => s.replace(/\|/g, "\\|");

export function specReference(): string {
    const tables: [string, FieldDoc[]][] = [
        ["Vendor spec: `stacks/<vendor-id>.yaml`", VENDOR_FIELDS],
        ["Security stack spec: `stacks/security.yaml`", SECURITY_FIELDS],
    ];
    return tables
        .map(([title, fields]) =>
            [`### ${title}`, "", "| field | type | default | meaning |", "|---|---|---|---|", ...fields.map((f) => `| \`${f.path}\` | ${esc(f.type)} | ${esc(f.default)} | ${esc(f.description)} |`)].join("\n"),
        )
        .join("\n\n");
}

if (require.main === module) process.stdout.write(`${specReference()}\n`);
