import * as fs from "node:fs";
import { CliError, EXIT } from "../spec/errors";
import type { Plan } from "./types";

/**
 * Reads a plan JSON file (the `enclave plan --json` contract). Anything else is invalid input, named by its file in one
 * line. `vendorOnly` also refuses the security stack's plan, for tools that need a vendor's roles.
 */
export function readPlanFile(file: string, opts: { vendorOnly?: boolean } = {}): Plan {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new CliError(`${file}: cannot read the plan (${(err as NodeJS.ErrnoException).code ?? "error"})`, EXIT.invalidInput);
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (err) {
        throw new CliError(`${file}: not valid JSON (${(err as Error).message.split("\n")[0]})`, EXIT.invalidInput);
    }
    const p = parsed as Partial<Plan> | null;
    const ok =
        p !== null &&
        typeof p === "object" &&
        typeof p.stack === "string" &&
        Array.isArray(p.resources) &&
        p.resources.every((r) => r && typeof r.urn === "string" && typeof r.type === "string" && typeof r.name === "string" && typeof r.inputs === "object");
    if (!ok) throw new CliError(`${file}: not an enclave plan (expected {project, stack, resources: [{urn, type, name, inputs, outputs, ...}]} from \`enclave plan --json\`)`, EXIT.invalidInput);
    if (opts.vendorOnly && typeof (p.outputs as Record<string, unknown> | undefined)?.vendorRoleArn !== "string") {
        throw new CliError(`${file}: not a vendor plan (expected the \`enclave plan <vendor> --json\` contract with outputs.vendorRoleArn)`, EXIT.invalidInput);
    }
    return p as Plan;
}
