// The JSON Schemas editors validate specs with (schemas/*.schema.json, generated from config/schema.ts by
// `npm run schemas`) and the first line of each spec that points the YAML language server at them. What this cannot
// prove: that an editor shows the errors (that is the language server's job), nor that the schema catches everything
// the loader does - refinements (CIDR ranges, wildcard principals, role accounts) live only in the loader.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadSecuritySpec, loadVendorSpec } from "../config/load";
import { withSealState } from "../runbook/specFile";
import { SCHEMA_DIR, specSchemas } from "../scripts/schemas";

const ROOT = path.join(__dirname, "..");
const VENDOR_LINE = "# yaml-language-server: $schema=../schemas/vendor.schema.json";
const SECURITY_LINE = "# yaml-language-server: $schema=../schemas/security.schema.json";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "schemas-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const VENDOR = [
    VENDOR_LINE,
    "id: bravo",
    "displayName: Bravo Ltd",
    "contact: vendor-risk@lab.example",
    'account: {id: "111122223333", region: us-east-1}',
    "access: {principals: [arn:aws:iam::444455556666:role/bravo-annotators]}",
    "network: {cidr: 10.20.0.0/20}",
    "datasets: [{name: guidelines, access: read}]",
    "",
].join("\n");

describe("schemas/ is what `npm run schemas` generates from config/schema.ts", () => {
    it("the committed files match the generator byte for byte (run `npm run schemas` after changing the schema)", () => {
        const generated = specSchemas();
        expect(Object.keys(generated).sort()).toEqual(["organization.schema.json", "security.schema.json", "vendor.schema.json"]);
        expect(fs.readdirSync(SCHEMA_DIR).sort()).toEqual(Object.keys(generated).sort());
        for (const [name, text] of Object.entries(generated)) expect(fs.readFileSync(path.join(SCHEMA_DIR, name), "utf8"), name).toBe(text);
    });

    it("describes the input side: fields with a default are optional, unknown keys refused, descriptions from the field table", () => {
        const vendor = JSON.parse(specSchemas()["vendor.schema.json"]);
        expect(vendor.required).toEqual(["id", "displayName", "contact", "account", "access", "network", "datasets"]);
        expect(vendor.additionalProperties).toBe(false);
        expect(vendor.properties.access.required).toEqual(["principals"]);
        expect(vendor.properties.access.properties.maxSessionSeconds).toMatchObject({ type: "integer", minimum: 900, maximum: 3600, default: 3600 });
        expect(vendor.properties.datasets.items.properties.access.enum).toEqual(["read", "write", "read-write"]);
        expect(vendor.properties.datasets.items.properties.name.description).toMatch(/^.+\S$/);
        const security = JSON.parse(specSchemas()["security.schema.json"]);
        expect(security.required).toEqual(["account", "deployerRoleArn", "breakGlassRoleArn", "archiveAdminRoleArn", "alarms"]);
        expect(security.properties.archive.properties.objectLockMode.enum).toEqual(["GOVERNANCE", "COMPLIANCE"]);
    });
});

describe("every spec names its schema on its first line", () => {
    it("stacks/: vendor specs the vendor schema, security.yaml the security schema, organization.yaml its own", () => {
        const files = fs.readdirSync(path.join(ROOT, "stacks")).filter((f) => f.endsWith(".yaml"));
        expect(files).toContain("security.yaml");
        for (const f of files) {
            const first = fs.readFileSync(path.join(ROOT, "stacks", f), "utf8").split("\n")[0];
            expect(first, f).toBe(
                f === "security.yaml"
                    ? SECURITY_LINE
                    : f === "organization.yaml"
                      ? "# yaml-language-server: $schema=../schemas/organization.schema.json"
                      : VENDOR_LINE,
            );
        }
    });

    it("the loader reads a spec that starts with the schema line, and line numbers in errors still count it", () => {
        const file = path.join(tmp, "bravo.yaml");
        fs.writeFileSync(file, VENDOR);
        expect(loadVendorSpec(file, "bravo").id).toBe("bravo");
        const security = path.join(tmp, "security.yaml");
        fs.writeFileSync(
            security,
            `${SECURITY_LINE}\naccount: {id: "111122223333", region: us-east-1}\ndeployerRoleArn: arn:aws:iam::111122223333:role/d\nbreakGlassRoleArn: arn:aws:iam::111122223333:role/b\narchiveAdminRoleArn: arn:aws:iam::111122223333:role/a\nalarms: {subscriptions: [{email: secops@lab.example}]}\n`,
        );
        expect(loadSecuritySpec(security).archive.objectLockMode).toBe("COMPLIANCE");
        const broken = path.join(tmp, "broken.yaml");
        fs.writeFileSync(broken, `${VENDOR_LINE}\nid: bravo\nid: again\n`);
        expect(() => loadVendorSpec(broken)).toThrow(`${broken}: YAML syntax error at line 3, column 1: Map keys must be unique.`);
    });

    it("a seal or unseal rewrites the spec with the schema line still first", () => {
        const sealed = withSealState(VENDOR, "2026-11-30T10:00:00Z");
        expect(sealed.split("\n")[0]).toBe(VENDOR_LINE);
        expect(withSealState(sealed, undefined)).toBe(`${VENDOR}sealed: false\n`);
    });
});
