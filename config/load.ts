import * as fs from "node:fs";
import * as path from "node:path";
import { isMap, isPair, isScalar, isSeq, parseDocument, visit, type Document, type Node } from "yaml";
import type { z } from "zod";
import { SpecError } from "../contract/errors";
import { roleNameOfArn } from "../contract/operators";
import { fieldDoc, ORGANIZATION_FIELDS, SECURITY_FIELDS, VENDOR_FIELDS, type FieldDoc } from "./fields";
import { fieldName, valueAt } from "./fieldPath";
import { REPO_ROOT } from "./repoRoot";
import {
    operatorApprovers,
    ORGANIZATION_STACK_NAME,
    organizationSpecSchema,
    type OrganizationSpec,
    SECURITY_STACK_NAME,
    securitySpecSchema,
    VENDOR_ID_RULES,
    vendorId,
    vendorSpecSchema,
    type SecuritySpec,
    type VendorSpec,
} from "./schema";

export { SpecError };

export const STACKS_DIR = path.join(REPO_ROOT, "stacks");

export function vendorSpecPath(vendorId: string, dir = STACKS_DIR): string {
    return path.join(dir, `${vendorId}.yaml`);
}

export function organizationSpecPath(dir = STACKS_DIR): string {
    return path.join(dir, `${ORGANIZATION_STACK_NAME}.yaml`);
}

export function securitySpecPath(dir = STACKS_DIR): string {
    return path.join(dir, `${SECURITY_STACK_NAME}.yaml`);
}

/** Vendor ids that have a spec in the stacks folder, sorted. */
export function listVendorIds(dir = STACKS_DIR): string[] {
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".yaml") && f !== `${SECURITY_STACK_NAME}.yaml` && f !== `${ORGANIZATION_STACK_NAME}.yaml`)
        .map((f) => f.slice(0, -".yaml".length))
        .sort();
}

function display(file: string): string {
    const rel = path.relative(process.cwd(), file);
    return rel && !rel.startsWith("..") ? rel : file;
}

/** Field names whose values are secrets (or look like one, e.g. a misspelt `externalid`): never echoed in a message. */
const SECRET_FIELD = /external.?id|secret|passw|token|credential|private.?key|access.?key/i;

function isSecretField(at: readonly PropertyKey[]): boolean {
    const last = at[at.length - 1];
    return typeof last === "string" && SECRET_FIELD.test(last);
}

/** A copy of `value` with every secret-looking field replaced by "[secret]". */
function redact(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(redact);
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_FIELD.test(k) ? "[secret]" : redact(v)]));
}

function show(value: unknown): string {
    if (value === undefined) return "nothing";
    let text: string;
    try {
        text = JSON.stringify(redact(value));
    } catch {
        return "(a value too deeply nested to show)";
    }
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * The value at `at` as the message shows it: a secret field only by its length, a number as written in the YAML
 * (`1e400`, `.inf`, `0x10` or the digits of an account id that lost its leading zeros), anything else as JSON.
 */
function shownValue(doc: Document | undefined, raw: unknown, at: readonly PropertyKey[]): string {
    const value = valueAt(raw, at);
    if (value !== undefined && isSecretField(at)) return typeof value === "string" ? `[secret, ${value.length} characters]` : "[secret]";
    const node = doc && at.every((k) => typeof k === "string" || typeof k === "number") ? doc.getIn(at as (string | number)[], true) : undefined;
    if (typeof value === "number" && isScalar(node) && typeof node.source === "string" && node.source !== "") return node.source;
    return show(value);
}

function typeName(value: unknown): string {
    if (value === null || value === undefined) return "empty";
    if (Array.isArray(value)) return "a list";
    if (typeof value === "boolean") return "true or false";
    return typeof value === "object" ? "a mapping" : `a ${typeof value}`;
}

/**
 * Largest spec file read. A spec is a few KB; the cap is checked before reading (a device or a multi-GB file would
 * exhaust memory) and keeps parsing fast (the YAML parser's duplicate-key check is quadratic in the keys of one mapping).
 */
export const MAX_SPEC_BYTES = 64 * 1024;

function notFoundHint(what: string): string {
    return what === "vendor spec" ? "vendor specs live in stacks/<vendor-id>.yaml" : "the security stack's spec is stacks/security.yaml";
}

/** The text of a spec file, or a SpecError for anything that is not a readable, small, regular UTF-8 text file. */
function readSpecText(file: string, what: string): string {
    const shown = display(file);
    const refuse = (problem: string, fix: string) => new SpecError(shown, undefined, `${shown}: ${problem}. Fix: ${fix}.`);
    const unreadable = (err: unknown): SpecError => {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return refuse(`no such ${what} file`, `create it, or check the name (${notFoundHint(what)})`);
        if (code === "EACCES" || code === "EPERM")
            return refuse(`cannot be read (permission denied)`, "make the file readable by this user (chmod u+r), or give another path");
        if (code === "ELOOP") return refuse(`is a loop of symbolic links`, "give the path of the YAML file itself");
        return refuse(`cannot be read (${code ?? (err as Error).message})`, "give the path of a readable YAML file");
    };
    let fd: number;
    try {
        // Non-blocking, so that opening a named pipe cannot hang before fstat refuses it.
        fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    } catch (err) {
        throw unreadable(err);
    }
    let bytes: Buffer;
    try {
        const st = fs.fstatSync(fd);
        if (st.isDirectory()) throw refuse(`is a directory, not a ${what} file`, "give the path of the YAML file");
        if (!st.isFile()) throw refuse(`is not a regular file (a device, pipe or socket), not a ${what} file`, "give the path of the YAML file");
        const tooLarge = () =>
            refuse(`is larger than ${MAX_SPEC_BYTES / 1024} KiB, too large for a ${what} (a spec is a few KB)`, "give the path of the YAML spec file");
        if (st.size > MAX_SPEC_BYTES) throw tooLarge();
        // Read at most one byte past the cap: files under /proc report size 0, and a file may grow after fstat.
        const buf = Buffer.alloc(MAX_SPEC_BYTES + 1);
        let n = 0;
        for (let r = -1; r !== 0 && n < buf.length; n += r) r = fs.readSync(fd, buf, n, buf.length - n, null);
        if (n > MAX_SPEC_BYTES) throw tooLarge();
        bytes = buf.subarray(0, n);
    } catch (err) {
        throw err instanceof SpecError ? err : unreadable(err);
    } finally {
        fs.closeSync(fd);
    }
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) throw refuse("is UTF-16 encoded", "save it as UTF-8");
    try {
        const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
        if (text.includes("\0")) throw new TypeError("NUL");
        return text;
    } catch {
        throw refuse(`is not UTF-8 text (a binary file?), not a ${what}`, "give the path of the YAML file");
    }
}

/** YAML tags a spec may carry: the core schema's own (`!!str 123`). Anything else (`!foo`, `!!binary`) is refused. */
const CORE_TAGS = new Set(["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`));

/** The first node with a tag outside the core schema, with its field path. */
function foreignTag(doc: Document): { at: (string | number)[]; tag: string; node: Node } | undefined {
    let found: { at: (string | number)[]; tag: string; node: Node } | undefined;
    visit(doc, (_key, node, ancestors) => {
        if (!(isScalar(node) || isMap(node) || isSeq(node)) || !node.tag || node.tag === "!" || CORE_TAGS.has(node.tag)) return undefined;
        const chain = [...ancestors, node];
        const at: (string | number)[] = [];
        chain.forEach((a, i) => {
            if (isPair(a)) at.push(String(isScalar(a.key) ? a.key.value : a.key));
            else if (isSeq(a) && i + 1 < chain.length) at.push(a.items.indexOf(chain[i + 1] as never));
        });
        found = { at, tag: node.tag.replace(/^tag:yaml\.org,2002:/, "!!"), node };
        return visit.BREAK;
    });
    return found;
}

interface ReadSpec {
    data: Record<string, unknown>;
    doc: Document;
}

function readYaml(file: string, what: string): ReadSpec {
    const shown = display(file);
    const text = readSpecText(file, what);
    if (text.trim() === "") throw new SpecError(shown, undefined, `${shown}: the file is empty. Fix: write the ${what} as YAML (see docs/spec-reference.md).`);
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
    if (doc.errors.length > 0) {
        const err = doc.errors[0];
        const where = err.linePos?.[0] ? `line ${err.linePos[0].line}, column ${err.linePos[0].col}` : "unknown position";
        const reason = err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
        // The parser recurses per level: thousands of `[` exhaust its stack (where that happens depends on the machine).
        if (/call stack/i.test(reason))
            throw new SpecError(
                shown,
                undefined,
                `${shown}: the YAML nests too deeply to read. Fix: a spec nests a few levels; check the brackets and indentation.`,
            );
        throw new SpecError(shown, undefined, `${shown}: YAML syntax error at ${where}: ${reason}. Fix: correct the YAML there (indentation, quotes, colons).`);
    }
    const tagged = foreignTag(doc);
    if (tagged) {
        const name = fieldName(tagged.at) || "(top level)";
        let value: unknown;
        try {
            value = isScalar(tagged.node) ? (tagged.node.source ?? tagged.node.value) : tagged.node.toJSON();
        } catch {
            value = undefined;
        }
        const got = isSecretField(tagged.at) ? "[secret]" : show(value);
        throw new SpecError(
            shown,
            fieldName(tagged.at) || undefined,
            `${shown}: ${name} has the YAML tag ${tagged.tag}, which a spec does not use: got ${got}. Fix: remove the tag and write the plain value.`,
        );
    }
    let data: unknown;
    try {
        data = doc.toJS();
    } catch (err) {
        const message = (err as Error).message ?? String(err);
        if (/alias/i.test(message)) {
            throw new SpecError(
                shown,
                undefined,
                `${shown}: the YAML repeats its aliases (*name) too often (${message}). Fix: write the values out instead of repeating aliases.`,
            );
        }
        throw new SpecError(
            shown,
            undefined,
            `${shown}: the YAML cannot be read: ${message.split("\n")[0]}. Fix: simplify the YAML (see docs/spec-reference.md).`,
        );
    }
    if (data === null || typeof data !== "object" || Array.isArray(data)) {
        // Only the type: a file given by mistake (a .env, /proc/self/environ) must not be echoed.
        throw new SpecError(
            shown,
            undefined,
            `${shown}: the top level is ${typeName(data)}, not a mapping. Fix: write the ${what} as YAML keys (id:, account:, ...).`,
        );
    }
    return { data: data as Record<string, unknown>, doc };
}

/** "too large" instead of zod's "must be a number"/"whole number" for numbers beyond any field's range. */
function numberProblem(value: unknown): string | undefined {
    if (typeof value !== "number") return undefined;
    if (Number.isNaN(value)) return "is not a number";
    if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) return value > 0 ? "is too large" : "is too large a negative number";
    return undefined;
}

/**
 * Every problem of a spec at once (a spec fixed one field per run takes as many runs as it has mistakes): the message
 * is one line per problem, each exactly the line that problem alone would give. `problems` holds them one by one.
 */
export class SpecProblems extends SpecError {
    constructor(readonly problems: SpecError[]) {
        super(problems[0].file, problems[0].field, problems.map((p) => p.message).join("\n"));
        this.name = "SpecProblems";
    }
}

/** One line per field in error (a field failing two checks, e.g. too short and bad characters, gets the first). */
function specIssues(file: string, spec: ReadSpec, error: z.ZodError, table: FieldDoc[]): SpecError {
    const seen = new Set<string>();
    const problems: SpecError[] = [];
    for (const issue of error.issues) {
        const keys = issue.code === "unrecognized_keys" ? issue.keys : [undefined];
        for (const key of keys) {
            const at = key === undefined ? issue.path : [...issue.path, key];
            const id = JSON.stringify(at.map(String));
            if (seen.has(id)) continue;
            seen.add(id);
            problems.push(issueError(file, spec, issue, key, table));
        }
    }
    return problems.length === 1 ? problems[0] : new SpecProblems(problems);
}

function issueError(file: string, spec: ReadSpec, issue: z.core.$ZodIssue, unknownKey: string | undefined, table: FieldDoc[]): SpecError {
    const raw = spec.data;
    const shown = display(file);
    let at = issue.path;
    let problem = issue.message;
    if (issue.code === "unrecognized_keys") {
        const key = unknownKey ?? issue.keys[0];
        at = [...issue.path, key];
        // The next path segment of every documented field under this mapping: `account` from `account.id`,
        // `name` from `datasets[].name` (mappings documented only through their children are still known).
        const prefix = issue.path.length ? `${fieldName(issue.path).replace(/\[\d+\]/g, "[]")}.` : "";
        const known = [...new Set(table.filter((f) => f.path.startsWith(prefix)).map((f) => f.path.slice(prefix.length).split(/[.[]/)[0]))];
        const squash = (k: string) => k.toLowerCase().replace(/[^a-z0-9]/g, "");
        const meant = known.find((k) => squash(k) === squash(key));
        const fix = meant
            ? `write it as ${meant} (field names are case-sensitive)`
            : `remove it or correct its spelling${known.length ? ` (known here: ${known.join(", ")})` : ""}`;
        return new SpecError(shown, fieldName(at), `${shown}: ${fieldName(at)} is not a known field: got ${shownValue(spec.doc, raw, at)}. Fix: ${fix}.`);
    }
    const value = valueAt(raw, at);
    if (value === undefined && issue.code === "invalid_type") problem = "is missing";
    problem = numberProblem(value) ?? problem;
    const doc = fieldDoc(table, at as (string | number)[]);
    const fix = doc ? doc.fix : "see docs/spec-reference.md";
    const name = fieldName(at) || "(top level)";
    return new SpecError(shown, name, `${shown}: ${name} ${problem}: got ${shownValue(spec.doc, raw, at)}. Fix: ${fix}.`);
}

/** Reads and validates a vendor spec. `expectId` is the stack name the file was looked up by; the id must match it. */
export function loadVendorSpec(file: string, expectId?: string): VendorSpec {
    const read = readYaml(file, "vendor spec");
    const parsed = vendorSpecSchema.safeParse(read.data);
    if (!parsed.success) throw specIssues(file, read, parsed.error, VENDOR_FIELDS);
    if (expectId !== undefined && parsed.data.id !== expectId) {
        const shown = display(file);
        const id = show(parsed.data.id);
        // A file name that is no valid id (`acme labeling.yaml`) cannot be fixed by copying it into the spec.
        const fix = vendorId.safeParse(expectId).success
            ? `rename the file to stacks/${parsed.data.id}.yaml or set id: ${expectId}`
            : `rename the file to stacks/${parsed.data.id}.yaml (a file name in stacks/ is the vendor id, ${VENDOR_ID_RULES})`;
        throw new SpecError(shown, "id", `${shown}: id ${id} does not match the stack name "${expectId}": got ${id}. Fix: ${fix}.`);
    }
    return parsed.data;
}

export function loadSecuritySpec(file = securitySpecPath()): SecuritySpec {
    const read = readYaml(file, "security stack spec");
    const parsed = securitySpecSchema.safeParse(read.data);
    if (!parsed.success) throw specIssues(file, read, parsed.error, SECURITY_FIELDS);
    return parsed.data;
}

export function loadOrganizationSpec(file = organizationSpecPath()): OrganizationSpec {
    const read = readYaml(file, "organization stack spec");
    const parsed = organizationSpecSchema.safeParse(read.data);
    if (!parsed.success) throw specIssues(file, read, parsed.error, ORGANIZATION_FIELDS);
    return parsed.data;
}

/**
 * The organization stack knows the operator roles by name in every member account (its SCPs exempt them); an
 * account-mode enclave's key and bucket policies name the security stack's operator roles rebased into the member
 * account (contract/operators.ts). The two must be the same names, or the SCPs and the policies disagree on who the
 * operators are.
 */
export function checkOrganizationAgainstSecurity(organization: OrganizationSpec, organizationFile: string, security: SecuritySpec): void {
    const shown = display(organizationFile);
    for (const [field, arnField] of [
        ["deployerRoleName", "deployerRoleArn"],
        ["breakGlassRoleName", "breakGlassRoleArn"],
    ] as const) {
        const name = roleNameOfArn(security[arnField]);
        if (organization[field] !== name)
            throw new SpecError(
                shown,
                field,
                `${shown}: ${field} differs from the security stack's ${arnField} (${security[arnField]}): got ${show(organization[field])}. Fix: set ${field}: ${name} (the operator roles have the same name in every account).`,
            );
    }
}

/**
 * A shared-account enclave must live in the account and region whose archive and roles it relies on; an
 * account-mode enclave in the same region but in a member account of its own, never the archive's.
 */
export function checkVendorAgainstSecurity(vendor: VendorSpec, vendorFile: string, security: SecuritySpec): void {
    const shown = display(vendorFile);
    if (vendor.isolation === "account" && vendor.account.id === security.account.id) {
        throw new SpecError(
            shown,
            "account.id",
            `${shown}: account.id is the security stack's account but isolation is account: got ${show(vendor.account.id)}. Fix: give the vendor's own member account, or set isolation: shared-account.`,
        );
    }
    // Account mode: the stack deploys as memberAccount.roleName, and its key and bucket policies name the deployer by the
    // security stack's deployer role name in the member account (contract/operators.ts): one role, one name.
    const deployerName = roleNameOfArn(security.deployerRoleArn);
    if (vendor.isolation === "account" && vendor.memberAccount && vendor.memberAccount.roleName !== deployerName) {
        throw new SpecError(
            shown,
            "memberAccount.roleName",
            `${shown}: memberAccount.roleName differs from the deployer role (${deployerName}, the security stack's deployerRoleArn and the organization's deployerRoleName): got ${show(vendor.memberAccount.roleName)}. Fix: set memberAccount.roleName: ${deployerName} (that role deploys the stack, and the key and bucket policies name it).`,
        );
    }
    // Only here is the security spec known: the vendor spec alone cannot tell the deployer's or break-glass's ARN.
    const operator = operatorApprovers(vendor, security)[0];
    if (operator) {
        const role = operator.operator === "deployerRoleArn" ? "the deployer role" : "the break-glass role";
        throw new SpecError(
            shown,
            "airlock.approvers",
            `${shown}: airlock.approvers[${operator.index}] is ${role} (the security stack's ${operator.operator}): got ${show(operator.principal)}. Fix: approvers are lab reviewers; name a role that neither deploys the enclaves nor holds break-glass.`,
        );
    }
    for (const key of vendor.isolation === "account" ? (["region"] as const) : (["id", "region"] as const)) {
        if (vendor.account[key] !== security.account[key]) {
            throw new SpecError(
                shown,
                `account.${key}`,
                `${shown}: account.${key} differs from the security stack's (${security.account[key]}): got ${show(vendor.account[key])}. Fix: host the enclave in the account and region of the log archive, or give this vendor its own security stack.`,
            );
        }
    }
}
