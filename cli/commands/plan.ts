import type { Command } from "commander";
import { planSecurity, planVendor } from "../../plan/stacks";
import { renderSummary } from "../../plan/summary";
import type { Plan } from "../../plan/types";
import { loadSecuritySpec } from "../../spec/load";
import { loadSelectedVendor } from "../specs";

export interface PlanOptions {
    spec?: string;
    securitySpec?: string;
    security?: boolean;
    json?: boolean;
}

/** Plans one vendor (or the security stack) offline. Shared by other commands that need a plan from a spec. */
export async function planFromOptions(vendor: string | undefined, opts: PlanOptions): Promise<Plan> {
    if (opts.security) return planSecurity(loadSecuritySpec(opts.securitySpec));
    const loaded = loadSelectedVendor({ vendor, spec: opts.spec, securitySpec: opts.securitySpec });
    return planVendor(loaded.spec, loaded.security);
}

export function planJson(plan: Plan): string {
    return `${JSON.stringify(plan, null, 2)}\n`;
}

export function register(program: Command): void {
    program
        .command("plan")
        .description("Render a vendor stack offline under the Pulumi SDK's mock runtime (no CLI, no AWS)")
        .argument("[vendor]", "vendor id: plans stacks/<vendor>.yaml")
        .option("--spec <file>", "plan this vendor spec file instead of stacks/<vendor>.yaml")
        .option("--security-spec <file>", "security stack spec (default: stacks/security.yaml)")
        .option("--security", "plan the security stack (log archive) instead of a vendor")
        .option("--json", "print the plan JSON contract instead of the summary")
        .action(async (vendor: string | undefined, opts: PlanOptions) => {
            const plan = await planFromOptions(vendor, opts);
            process.stdout.write(opts.json ? planJson(plan) : `${renderSummary(plan)}\n`);
        });
}
