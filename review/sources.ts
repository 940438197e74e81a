// Where the two sides of `enclave diff` come from: a git ref, a spec file, or a plan JSON file.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CliError, EXIT } from "../contract/errors";
import { loadSelectedVendor } from "../config/select";
import { planVendor } from "../plan/stacks";
import type { Plan } from "../plan/types";
import { STACKS_DIR } from "../config/load";
import type { SecuritySpec } from "../config/schema";
import { accessReport, type AccessReport } from "./access";
import { worldFromPlans } from "./world";

/** A vendor spec's text at a git ref, or undefined when the file did not exist there (a new vendor). */
export function specAtRef(ref: string, vendorId: string): string | undefined {
    const repo = path.dirname(STACKS_DIR);
    try {
        execFileSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
    } catch {
        throw new CliError(`--base ${ref}: not a git revision in ${repo}`, EXIT.invalidInput);
    }
    try {
        return execFileSync("git", ["show", `${ref}:stacks/${vendorId}.yaml`], { cwd: repo, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch {
        return undefined;
    }
}

/**
 * Runs `use` on spec text written to a fresh directory as <vendorId>.yaml (so no security.yaml beside it is picked
 * up, and the file name matches the id), then removes the directory.
 */
export async function withSpecTextFile<T>(text: string, vendorId: string, use: (file: string) => Promise<T>): Promise<T> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "enclave-diff-"));
    try {
        const file = path.join(dir, `${vendorId}.yaml`);
        fs.writeFileSync(file, text);
        return await use(file);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Report of a vendor plan, with the security plan (archive) when given. */
export async function reportOfPlan(plan: Plan, security?: Plan): Promise<AccessReport> {
    return accessReport(security ? worldFromPlans(plan, security) : worldFromPlans(plan), String(plan.outputs.vendorId));
}

/** Plans a spec file (validated like `plan --spec`). */
export async function planSpecFile(file: string, securitySpec?: string): Promise<{ plan: Plan; security: SecuritySpec }> {
    const loaded = loadSelectedVendor({ spec: file, securitySpec });
    return { plan: await planVendor(loaded.spec, loaded.security), security: loaded.security };
}

