import * as fs from "node:fs";
import { z } from "zod";
import { parsePolicyDocument } from "../iam/document";
import { CliError, EXIT } from "../contract/errors";
import { ACCESS_LEVELS, DATA_PATHS, type VendorStackOutputs } from "../contract/outputs";
import { fieldName, valueAt } from "../config/fieldPath";
import { PROJECT, SECRET_PLACEHOLDER, type Plan } from "./types";

/** Largest plan file read (a vendor plan is ~100 KB); also bounds a read from a pipe or /dev/stdin. */
export const MAX_PLAN_BYTES = 32 * 1024 * 1024;

const CONTRACT = "{project, stack, resources: [{urn, type, name, parent, custom, protect, retainOnDelete, inputs, outputs}], outputs}";
const FIX = "use the unchanged output of `enclave plan <vendor> --json`";

const record = (what: string) => z.record(z.string(), z.unknown(), { error: `must be an object (${what})` });
const nonEmpty = (what: string) => z.string({ error: `must be a string (${what})` }).min(1, { error: `is empty (${what})` });

/** The plan contract (plan/types.ts) as a schema: what `check`, `access` and `diff` rely on when they read a file. */
const planSchema = z.looseObject({
    project: z.literal(PROJECT, { error: `must be "${PROJECT}"` }),
    stack: nonEmpty("the stack name"),
    resources: z
        .array(
            z.looseObject(
                {
                    urn: nonEmpty("the resource URN"),
                    type: nonEmpty("the resource type"),
                    name: nonEmpty("the resource name"),
                    parent: z.string({ error: "must be a URN or null" }).nullable(),
                    custom: z.boolean({ error: "must be true or false" }),
                    protect: z.boolean({ error: "must be true or false" }),
                    retainOnDelete: z.boolean({ error: "must be true or false" }),
                    inputs: record("the resource's inputs"),
                    outputs: record("the resource's outputs"),
                },
                { error: "must be an object {urn, type, name, inputs, outputs, ...}" },
            ),
            { error: "must be a list of resources" },
        )
        .min(1, { error: "is an empty list (a plan has at least one resource)" }),
    outputs: record("the stack outputs"),
});

const roleArn = z.string({ error: "must be an IAM role ARN" }).regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/, { error: "is not an IAM role ARN" });

const vendorOutputFields = {
    vendorId: nonEmpty("the vendor id"),
    accountId: z.string({ error: "must be a string of 12 digits" }).regex(/^\d{12}$/, { error: "is not an AWS account id (12 digits)" }),
    region: nonEmpty("the region"),
    dataPath: z.enum(DATA_PATHS, { error: `must be one of ${DATA_PATHS.join(", ")}` }),
    egressCidrs: z.array(z.string({ error: "must be a CIDR string" }), { error: "must be a list of CIDRs" }),
    datasets: z.array(
        z.looseObject({
            name: nonEmpty("the dataset name"),
            access: z.enum(ACCESS_LEVELS, { error: `must be one of ${ACCESS_LEVELS.join(", ")}` }),
            bucketName: nonEmpty("the dataset's bucket name"),
        }),
        { error: "must be a list of {name, access, bucketName}" },
    ),
    sealed: z.boolean({ error: "must be true or false" }),
    sealedAt: z.string({ error: "must be a timestamp or null" }).nullable(),
    vendorRoleArn: roleArn,
    workloadRoleArn: roleArn,
    workloadInstanceProfile: nonEmpty("the workload instance profile"),
    externalId: z.string({ error: 'must be a string ("[secret]" in a plan)' }),
    keyArn: z.string({ error: "must be a KMS key ARN" }).regex(/^arn:aws:kms:[a-z0-9-]+:\d{12}:key\/\S+$/, { error: "is not a KMS key ARN" }),
    vpcId: nonEmpty("the VPC id"),
    s3EndpointId: nonEmpty("the S3 endpoint id"),
    buckets: z.record(z.string(), z.string(), { error: "must map dataset names to bucket names" }),
    trailArn: nonEmpty("the vendor trail ARN"),
} satisfies Record<keyof VendorStackOutputs, z.ZodType>;

/** The vendor stack's outputs (contract/outputs.ts) as a schema: what `access`, `diff`, the summary and the cost read. */
const vendorOutputsSchema = z.looseObject(vendorOutputFields);

/**
 * The vendor stack's outputs of a plan, checked against the contract; undefined for a plan that is not a vendor's
 * (the security stack's). Throws naming the first field that breaks the contract (a plan from an older version or
 * edited by hand): readers never guess a missing fact from ARNs or policy text.
 */
export function vendorOutputs(plan: Plan): VendorStackOutputs | undefined {
    if (plan.outputs.vendorRoleArn === undefined) return undefined;
    const result = vendorOutputsSchema.safeParse(plan.outputs);
    if (!result.success) {
        const issue = result.error.issues[0];
        const value = valueAt(plan.outputs, issue.path);
        throw new Error(
            `plan ${plan.stack}: outputs.${fieldName(issue.path)} ${value === undefined ? "is missing" : issue.message} (the vendor stack outputs of contract/outputs.ts)`,
        );
    }
    const outputs: VendorStackOutputs = result.data;
    return outputs;
}

/** Inputs that hold IAM policy documents (JSON text in the plan). */
const POLICY_INPUTS = ["policy", "assumeRolePolicy"];

function show(value: unknown): string {
    if (value === undefined) return "nothing";
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function refuse(file: string, what: string, field: string, problem: string, value: string): CliError {
    return new CliError(`${file}: not ${what}: ${field} ${problem}: got ${value}. Fix: ${FIX} (${CONTRACT}).`, EXIT.invalidInput);
}

/** The file's text: a regular file or a pipe (`--plan /dev/stdin`), never a directory or device, at most MAX_PLAN_BYTES. */
function readPlanText(file: string): string {
    const cannot = (why: string) =>
        new CliError(
            `${file}: cannot read the plan (${why}). Fix: give the path of a plan JSON file written by \`enclave plan <vendor> --json\`.`,
            EXIT.invalidInput,
        );
    let fd: number;
    try {
        fd = fs.openSync(file, "r");
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw cannot(
            code === "ENOENT" || code === "ENOTDIR" ? "no such file" : code === "EACCES" || code === "EPERM" ? "permission denied" : (code ?? "error"),
        );
    }
    try {
        const st = fs.fstatSync(fd);
        if (st.isDirectory()) throw cannot("it is a directory");
        if (!st.isFile() && !st.isFIFO()) throw cannot("it is a device, not a file");
        const chunks: Buffer[] = [];
        let total = 0;
        for (;;) {
            const chunk = Buffer.alloc(1024 * 1024);
            const n = fs.readSync(fd, chunk, 0, chunk.length, null);
            if (n === 0) break;
            chunks.push(chunk.subarray(0, n));
            total += n;
            if (total > MAX_PLAN_BYTES) throw cannot(`it is larger than ${MAX_PLAN_BYTES / 1024 / 1024} MiB`);
        }
        // A byte order mark (Windows editors, PowerShell's Out-File) is not JSON; the spec reader ignores it too.
        return Buffer.concat(chunks, total)
            .toString("utf8")
            .replace(/^\uFEFF/, "");
    } catch (err) {
        if (err instanceof CliError) throw err;
        throw cannot((err as NodeJS.ErrnoException).code ?? "error");
    } finally {
        fs.closeSync(fd);
    }
}

/**
 * Reads a plan JSON file (the `enclave plan --json` contract). Anything else is invalid input, named by its file and
 * field in one line. `vendorOnly` also refuses the security stack's plan, for tools that need a vendor's roles.
 */
export function readPlanFile(file: string, opts: { vendorOnly?: boolean } = {}): Plan {
    const text = readPlanText(file);
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (err) {
        // Without V8's excerpt of the text (`"AWS_SECRET=..." is not valid JSON`): the file may be anything.
        const reason = (err as Error).message
            .split("\n")[0]
            .replace(/, ".*is not valid JSON$/s, "")
            .replace(/ in JSON at position \d+.*$/, "");
        const position = /at position (\d+)/.exec((err as Error).message)?.[1];
        throw new CliError(`${file}: not valid JSON (${reason}${position ? ` at position ${position}` : ""})`, EXIT.invalidInput);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new CliError(
            `${file}: not an enclave plan: the top level is ${Array.isArray(parsed) ? "a list" : parsed === null ? "null" : `a ${typeof parsed}`}, not an object. Fix: ${FIX} (${CONTRACT}).`,
            EXIT.invalidInput,
        );
    }
    const result = planSchema.safeParse(parsed);
    if (!result.success) {
        const issue = result.error.issues[0];
        const value = valueAt(parsed, issue.path);
        const problem = value === undefined ? "is missing" : issue.message;
        throw refuse(file, "an enclave plan", fieldName(issue.path), problem, issue.code === "unrecognized_keys" ? "" : show(value));
    }
    const plan = parsed as Plan;
    plan.resources.forEach((r, i) => {
        for (const key of POLICY_INPUTS) {
            const doc = r.inputs[key];
            if (doc === undefined || doc === null || doc === "" || doc === SECRET_PLACEHOLDER) continue;
            if (!parsePolicyDocument(doc))
                throw refuse(file, "an enclave plan", `resources[${i}].inputs.${key} (${r.name})`, "is not a JSON policy document with a Statement", show(doc));
        }
    });
    if (opts.vendorOnly) {
        if (plan.outputs.vendorRoleArn === undefined) {
            throw new CliError(
                `${file}: not a vendor plan (expected the \`enclave plan <vendor> --json\` contract with outputs.vendorRoleArn)`,
                EXIT.invalidInput,
            );
        }
        const outputs = vendorOutputsSchema.safeParse(plan.outputs);
        if (!outputs.success) {
            const issue = outputs.error.issues[0];
            const at = ["outputs", ...issue.path];
            const value = valueAt(parsed, at);
            throw refuse(file, "a vendor plan", fieldName(at), value === undefined ? "is missing" : issue.message, show(value));
        }
        if (outputs.data.vendorId !== plan.stack) {
            throw refuse(file, "a vendor plan", "outputs.vendorId", `differs from the stack name "${plan.stack}"`, show(outputs.data.vendorId));
        }
    }
    return plan;
}

/**
 * Runs `use` (a policy check, a simulation) on a plan read from `file`. A plan that passed readPlanFile but still
 * cannot be evaluated was edited into something the tools cannot interpret: that is the file's invalid input, one
 * line naming it, not an unexpected failure. `passThrough` keeps errors that are not about the file (a missing tool).
 */
export async function evaluatePlanFile<T>(file: string, use: () => Promise<T>, passThrough: (err: unknown) => boolean = () => false): Promise<T> {
    try {
        return await use();
    } catch (err) {
        if (err instanceof CliError || passThrough(err)) throw err;
        const message = (err instanceof Error ? err.message : String(err)).split("\n")[0];
        const short = message.length > 200 ? `${message.slice(0, 197)}...` : message;
        throw new CliError(`${file}: the plan cannot be evaluated: ${short}. Fix: ${FIX}.`, EXIT.invalidInput);
    }
}
