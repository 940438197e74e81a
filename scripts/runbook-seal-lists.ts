// Writes RUNBOOK.md's seal lists (what a seal may change, what contain writes, what verify-seal and verify-unseal check)
// from the seal catalogue, between their markers. `npx tsx scripts/runbook-seal-lists.ts`; test/seal-catalogue.test.ts fails when
// RUNBOOK.md drifts from it.
import * as fs from "node:fs";
import * as path from "node:path";
import { renderSealChecks, renderSealFields } from "../contract/seal";
import { renderContainWrites } from "../runbook/contain";

export const RUNBOOK = path.join(__dirname, "..", "RUNBOOK.md");

/** The markers and what goes between them. */
export function sealLists(): Record<string, string> {
    return {
        "seal-fields": renderSealFields(),
        "seal-checks": renderSealChecks("seal"),
        "unseal-checks": renderSealChecks("unseal"),
        "contain-writes": renderContainWrites(),
    };
}

/** The text with every marked list replaced by the catalogue's; throws when a marker is missing. */
export function withSealLists(text: string): string {
    let out = text;
    for (const [marker, list] of Object.entries(sealLists())) {
        const re = new RegExp(`<!-- ${marker} -->[\\s\\S]*?<!-- /${marker} -->`);
        if (!re.test(out)) throw new Error(`RUNBOOK.md has no <!-- ${marker} --> ... <!-- /${marker} --> markers`);
        out = out.replace(re, () => `<!-- ${marker} -->${list}<!-- /${marker} -->`);
    }
    return out;
}

if (require.main === module) fs.writeFileSync(RUNBOOK, withSealLists(fs.readFileSync(RUNBOOK, "utf8")));
