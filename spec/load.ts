import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { fieldDoc, SECURITY_FIELDS, VENDOR_FIELDS, type FieldDoc } from "./fields";
import { SECURITY_STACK_NAME, securitySpecSchema, vendorSpecSchema, type SecuritySpec, type VendorSpec } from "./schema";

/** Invalid user input. The CLI prints `message` alone (no stack trace) and exits 2. */
export class SpecError extends Error {
    constructor(
        readonly file: string,
        readonly field: string | undefined,
        message: string,
    ) {
        super(message);
        this.name = "SpecError";
    }
}

export const STACKS_DIR = path.resolve(__dirname, "..", "stacks");

export function vendorSpecPath(vendorId: string, dir = STACKS_DIR): string {
    return path.join(dir, `${vendorId}.yaml`);
}

export function securitySpecPath(dir = STACKS_DIR): string {
    return path.join(dir, `${SECURITY_STACK_NAME}.yaml`);
}

/** Vendor ids that have a spec in the stacks folder, sorted. */
export function listVendorIds(dir = STACKS_DIR): string[] {
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".yaml") && f !== `${SECURITY_STACK_NAME}.yaml`)
        .map((f) => f.slice(0, -".yaml".length))
        .sort();
}

function display(file: string): string {
    const rel = path.relative(process.cwd(), file);
    return rel && !rel.startsWith("..") ? rel : file;
}

function show(value: unknown): string {
    if (value === undefined) return "nothing";
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function valueAt(root: unknown, at: PropertyKey[]): unknown {
    let node: unknown = root;
    for (const key of at) {
        if (node === null || typeof node !== "object") return undefined;
        node = (node as Record<PropertyKey, unknown>)[key];
    }
    return node;
}

function fieldName(at: PropertyKey[]): string {
    return at.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`)).join("");
}

function readYaml(file: string, what: string): unknown {
    const shown = display(file);
    if (!fs.existsSync(file)) {
        throw new SpecError(shown, undefined, `${shown}: no such ${what} file. Fix: create it, or check the name (vendor specs live in stacks/<vendor-id>.yaml).`);
    }
    const text = fs.readFileSync(file, "utf8");
    if (text.trim() === "") throw new SpecError(shown, undefined, `${shown}: the file is empty. Fix: write the ${what} as YAML (see the README's spec reference).`);
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
    if (doc.errors.length > 0) {
        const err = doc.errors[0];
        const where = err.linePos?.[0] ? `line ${err.linePos[0].line}, column ${err.linePos[0].col}` : "unknown position";
        const reason = err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
        throw new SpecError(shown, undefined, `${shown}: YAML syntax error at ${where}: ${reason}. Fix: correct the YAML there (indentation, quotes, colons).`);
    }
    const data = doc.toJS();
    if (data === null || typeof data !== "object" || Array.isArray(data)) {
        throw new SpecError(shown, undefined, `${shown}: the top level is ${show(data)}, not a mapping. Fix: write the ${what} as YAML keys (id:, account:, ...).`);
    }
    return data;
}

function firstIssue(file: string, raw: unknown, error: z.ZodError, table: FieldDoc[]): SpecError {
    const issue = error.issues[0];
    const shown = display(file);
    let at = issue.path;
    let problem = issue.message;
    if (issue.code === "unrecognized_keys") {
        at = [...issue.path, issue.keys[0]];
        const parent = valueAt(raw, issue.path) as Record<string, unknown>;
        // The next path segment of every documented field under this mapping: `account` from `account.id`,
        // `name` from `datasets[].name` (mappings documented only through their children are still known).
        const prefix = issue.path.length ? `${fieldName(issue.path).replace(/\[\d+\]/g, "[]")}.` : "";
        const known = [...new Set(table.filter((f) => f.path.startsWith(prefix)).map((f) => f.path.slice(prefix.length).split(/[.[]/)[0]))];
        return new SpecError(
            shown,
            fieldName(at),
            `${shown}: ${fieldName(at)} is not a known field: got ${show(parent?.[issue.keys[0]])}. Fix: remove it or correct its spelling${known.length ? ` (known here: ${known.join(", ")})` : ""}.`,
        );
    }
    const value = valueAt(raw, at);
    if (value === undefined && issue.code === "invalid_type") problem = "is missing";
    const doc = fieldDoc(table, at as (string | number)[]);
    const fix = doc ? doc.fix : "see the README's spec reference";
    const name = fieldName(at) || "(top level)";
    return new SpecError(shown, name, `${shown}: ${name} ${problem}: got ${show(value)}. Fix: ${fix}.`);
}

/** Reads and validates a vendor spec. `expectId` is the stack name the file was looked up by; the id must match it. */
export function loadVendorSpec(file: string, expectId?: string): VendorSpec {
    const raw = readYaml(file, "vendor spec");
    const parsed = vendorSpecSchema.safeParse(raw);
    if (!parsed.success) throw firstIssue(file, raw, parsed.error, VENDOR_FIELDS);
    if (expectId !== undefined && parsed.data.id !== expectId) {
        const shown = display(file);
        throw new SpecError(shown, "id", `${shown}: id ${show(parsed.data.id)} does not match the stack name "${expectId}": got ${show(parsed.data.id)}. Fix: rename the file to stacks/${parsed.data.id}.yaml or set id: ${expectId}.`);
    }
    return parsed.data;
}

export function loadSecuritySpec(file = securitySpecPath()): SecuritySpec {
    const raw = readYaml(file, "security stack spec");
    const parsed = securitySpecSchema.safeParse(raw);
    if (!parsed.success) throw firstIssue(file, raw, parsed.error, SECURITY_FIELDS);
    return parsed.data;
}

/** A vendor enclave must live in the account and region whose archive and roles it relies on. */
export function checkVendorAgainstSecurity(vendor: VendorSpec, vendorFile: string, security: SecuritySpec): void {
    const shown = display(vendorFile);
    for (const key of ["id", "region"] as const) {
        if (vendor.account[key] !== security.account[key]) {
            throw new SpecError(
                shown,
                `account.${key}`,
                `${shown}: account.${key} differs from the security stack's (${security.account[key]}): got ${show(vendor.account[key])}. Fix: host the enclave in the account and region of the log archive, or give this vendor its own security stack.`,
            );
        }
    }
}
