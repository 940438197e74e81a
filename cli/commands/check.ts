import * as fs from "node:fs";
import type { Command } from "commander";
import { checkPlan, POLICY_COUNT, type Violation } from "../../policy/offline";
import type { Plan } from "../../plan/types";
import { CliError, EXIT } from "../errors";
import { planFromOptions } from "./plan";

export interface CheckOptions {
    plan?: string;
    spec?: string;
    securitySpec?: string;
    security?: boolean;
    json?: boolean;
}

/** Reads a plan JSON file (`enclave plan --json`); anything else is invalid input named by its file, in one line. */
export function readPlan(file: string): Plan {
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
    return p as Plan;
}

export function renderViolations(plan: Plan, violations: Violation[]): string {
    if (violations.length === 0) return `enclave check ${plan.stack}: clean - ${POLICY_COUNT} policies, ${plan.resources.length} resources, no violations`;
    const lines = [`enclave check ${plan.stack}: ${violations.length} violation(s) of the guardrail policies (${POLICY_COUNT} checked)`, ""];
    for (const v of violations) {
        lines.push(`${v.enforcementLevel.toUpperCase()} ${v.policy} [${v.ruleIds.join(", ")}]`);
        lines.push(`  resource: ${v.urn}`);
        lines.push(`  problem:  ${v.message}`);
        lines.push(`  fix:      ${v.fix}`);
        lines.push("");
    }
    return lines.join("\n").trimEnd();
}

export function register(program: Command): void {
    program
        .command("check")
        .description("Run the CrossGuard guardrail policies (policy/) offline over a plan (exit 3 on any violation)")
        .argument("[vendor]", "vendor id: plans and checks stacks/<vendor>.yaml")
        .option("--plan <file>", "check this plan JSON (enclave plan --json) instead of planning a spec")
        .option("--spec <file>", "plan and check this vendor spec file")
        .option("--security-spec <file>", "security stack spec (default: stacks/security.yaml)")
        .option("--security", "check the security stack (log archive)")
        .option("--json", "print {stack, policies, violations: [{policy, ruleIds, enforcementLevel, urn, message, fix}]}")
        .action(async (vendor: string | undefined, opts: CheckOptions) => {
            if (opts.plan && (vendor || opts.spec || opts.security)) throw new CliError("--plan checks a plan file: give no vendor, --spec or --security with it", EXIT.invalidInput);
            const plan = opts.plan ? readPlan(opts.plan) : await planFromOptions(vendor, opts);
            const violations = await checkPlan(plan);
            process.stdout.write(
                opts.json ? `${JSON.stringify({ stack: plan.stack, policies: POLICY_COUNT, violations }, null, 2)}\n` : `${renderViolations(plan, violations)}\n`,
            );
            process.exitCode = violations.length > 0 ? EXIT.finding : EXIT.ok;
        });
}
