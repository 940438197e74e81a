import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { listVendorIds } from "../config/load";
import { specReference } from "../scripts/spec-reference";

// Keeps the README honest: the first block is the two fresh-machine commands, and the spec reference is exactly the
// field table the validator uses. It cannot prove the prose is right, only that these parts did not drift.
const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");

describe("README", () => {
    it("opens with the install-and-plan command and the test command", () => {
        const first = readme.match(/```bash\n([\s\S]*?)```/)![1].trim().split("\n");
        expect(first).toHaveLength(2);
        const [, vendor] = first[0].match(/^npm ci && npx enclave plan ([a-z0-9-]+)\s+#/) ?? [];
        expect(first[1]).toMatch(/^npm test\s+#/);
        // The command runs on a fresh clone, so the vendor it names must be one in the live stacks/ folder.
        expect(listVendorIds()).toContain(vendor);
    });

    it("holds the spec reference generated from config/fields.ts, unchanged", () => {
        const section = readme.split("<!-- spec-reference:start -->\n")[1]?.split("\n<!-- spec-reference:end -->")[0];
        expect(section).toBe(specReference());
    });
});
