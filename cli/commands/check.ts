import type { Command } from "commander";
import type { FleetTask } from "../fleet/runner";
import { addFleetOptions, runFleetCommand } from "../fleet";
import { checkPlan, POLICY_COUNT, type Violation } from "../../guardrails/offline";
import type { Plan } from "../../plan/types";
import { CliError, EXIT } from "../../contract/errors";
import { planFromOptions, type PlanOptions } from "./plan";

export interface CheckOptions extends PlanOptions {
    plan?: string;
}

/** The fleet task behind `check --all`: plan each vendor, run every policy, exit 3 for the fleet if any vendor violates one. */
export const checkTask: FleetTask<{ plan: Plan; violations: Violation[] }> = {
    verb: "check",
    run: async (v) => {
        const plan = await (await import("../../plan/stacks.js")).planVendor(v.spec, v.security);
        return { plan, violations: await checkPlan(plan) };
    },
    summarize: ({ violations }) =>
        violations.length === 0
            ? { result: `clean (${POLICY_COUNT} policies)` }
            : { result: `${violations.length} violation(s): ${[...new Set(violations.map((v) => v.policy))].join(", ")}`, exitCode: EXIT.finding },
};

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
    const cmd = program
        .command("check")
        .description("Run the CrossGuard guardrail policies (policy/) offline over a plan (exit 3 on any violation)")
        .argument("[vendor]", "vendor id: plans and checks stacks/<vendor>.yaml")
        .option("--plan <file>", "check this plan JSON (enclave plan --json) instead of planning a spec")
        .option("--spec <file>", "plan and check this vendor spec file")
        .option("--security-spec <file>", "security stack spec (default: stacks/security.yaml)")
        .option("--security", "check the security stack (log archive)")
        .option("--json", "print {stack, policies, violations: [{policy, ruleIds, enforcementLevel, urn, message, fix}]}");
    addFleetOptions(cmd, "check").action(async (vendor: string | undefined, opts: CheckOptions) => {
        const fleet = await runFleetCommand(vendor, opts, checkTask, {
            conflicting: [["--spec", opts.spec], ["--plan", opts.plan], ["--security", opts.security]],
            json: ({ violations }) => ({ policies: POLICY_COUNT, violations }),
            text: ({ plan, violations }) => (violations.length ? `${renderViolations(plan, violations)}\n` : undefined),
        });
        if (fleet) return;
        const { evaluatePlanFile, readPlanFile } = await import("../../plan/read.js");
        if (opts.plan && (vendor || opts.spec || opts.security)) throw new CliError("--plan checks a plan file: give no vendor, --spec or --security with it", EXIT.invalidInput);
        if (opts.plan && opts.securitySpec) throw new CliError("--plan checks a plan file, which already holds the security stack's outputs: drop --security-spec", EXIT.invalidInput);
        const plan = opts.plan ? readPlanFile(opts.plan) : await planFromOptions(vendor, opts);
        const violations = opts.plan ? await evaluatePlanFile(opts.plan, () => checkPlan(plan)) : await checkPlan(plan);
        process.stdout.write(
            opts.json ? `${JSON.stringify({ stack: plan.stack, policies: POLICY_COUNT, violations }, null, 2)}\n` : `${renderViolations(plan, violations)}\n`,
        );
        process.exitCode = violations.length > 0 ? EXIT.finding : EXIT.ok;
    });
}
