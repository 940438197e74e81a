// Writes schemas/vendor.schema.json and schemas/security.schema.json from the zod schemas in config/schema.ts, with
// each field's description from config/fields.ts: an editor with the YAML language server validates a spec as it is
// typed (each spec's first line names its schema). `npm run schemas`; test/schemas.test.ts fails when they drift.
//
// What a JSON Schema cannot say, the loader still checks: refinements (CIDR ranges, principals that are no wildcard or
// account root, accounts of the deployer roles, datasets named twice) are not part of these files.
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { ORGANIZATION_FIELDS, SECURITY_FIELDS, VENDOR_FIELDS, type FieldDoc } from "../config/fields";
import { REPO_ROOT } from "../config/repoRoot";
import { organizationSpecSchema, securitySpecSchema, vendorSpecSchema } from "../config/schema";

export const SCHEMA_DIR = path.join(REPO_ROOT, "schemas");

type JsonSchema = { [key: string]: unknown; properties?: Record<string, JsonSchema>; items?: JsonSchema };

/** Adds each documented field's description (with its default, or when it is required) where the field sits in the schema. */
function describe(node: JsonSchema, table: FieldDoc[], at: string): void {
    const doc = at ? table.find((f) => f.path === at) : undefined;
    if (doc) {
        const note = doc.default === "required" ? "" : doc.default.startsWith("required") ? ` R${doc.default.slice(1)}.` : ` Default: ${doc.default}.`;
        node.description = `${doc.description}${note}`;
    }
    for (const [key, child] of Object.entries(node.properties ?? {})) describe(child, table, at ? `${at}.${key}` : key);
    if (node.items) describe(node.items, table, `${at}[]`);
}

function specSchema(schema: z.ZodType, table: FieldDoc[], title: string, description: string): JsonSchema {
    // The input side: what a person writes (defaults make fields optional), not what the loader returns.
    const { $schema, ...json } = z.toJSONSchema(schema, { io: "input", target: "draft-7" }) as JsonSchema;
    describe(json, table, "");
    return { $schema, title, description, ...json };
}

/** The schema files by name, as they are committed. */
export function specSchemas(): Record<string, string> {
    const files: Record<string, JsonSchema> = {
        "vendor.schema.json": specSchema(vendorSpecSchema, VENDOR_FIELDS, "vendor-enclaves vendor spec", "A vendor's enclave: stacks/<vendor-id>.yaml."),
        "security.schema.json": specSchema(
            securitySpecSchema,
            SECURITY_FIELDS,
            "vendor-enclaves security stack spec",
            "The security stack (log archive): stacks/security.yaml.",
        ),
        "organization.schema.json": specSchema(
            organizationSpecSchema,
            ORGANIZATION_FIELDS,
            "vendor-enclaves organization stack spec",
            "The organization stack (account-per-vendor enclaves): stacks/organization.yaml.",
        ),
    };
    return Object.fromEntries(Object.entries(files).map(([name, json]) => [name, `${JSON.stringify(json, null, 2)}\n`]));
}

if (require.main === module) {
    fs.mkdirSync(SCHEMA_DIR, { recursive: true });
    for (const [name, text] of Object.entries(specSchemas())) {
        fs.writeFileSync(path.join(SCHEMA_DIR, name), text);
        process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(SCHEMA_DIR, name))}\n`);
    }
}
