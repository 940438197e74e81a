import type { Command } from "commander";
import { estimatePlan } from "../../cost/estimate";
import { UnknownRegionError } from "../../cost/prices";
import { renderCost } from "../../cost/render";
import type { FleetTask } from "../fleet/runner";
import { addFleetOptions, runFleetCommand, type FleetCliOptions } from "../fleet";
import { awsResources, renderSummary } from "../../plan/summary";
import type { Plan } from "../../plan/types";
import { CliError, EXIT } from "../../contract/errors";
import { SECURITY_STACK } from "../../contract/tags";

// Command modules are loaded for every start, `--help` included: the Pulumi SDK (plan/stacks) and the spec loader
// (zod, YAML) are imported by the actions that need them, so that only a command that plans pays for them.

export interface PlanOptions extends FleetCliOptions {
    spec?: string;
    security?: boolean;
    organization?: boolean;
}

/** Plans one vendor (or the security stack) offline. Shared by other commands that need a plan from a spec. */
export async function planFromOptions(vendor: string | undefined, opts: PlanOptions): Promise<Plan> {
    if (opts.organization) {
        const given = [...(vendor ? [`the vendor id (${vendor})`] : []), ...(opts.spec ? ["--spec"] : []), ...(opts.security ? ["--security"] : [])];
        if (given.length) throw new CliError(`--organization selects the organization stack, not a vendor: drop ${given.join(" and ")}`, EXIT.invalidInput);
        const { loadOrganizationSpec, organizationSpecPath } = await import("../../config/load.js");
        const { vendorsBesideSecuritySpec } = await import("../../config/fleet.js");
        const file = organizationSpecPath();
        return (await import("../../plan/stacks.js")).planOrganization(loadOrganizationSpec(file), vendorsBesideSecuritySpec(file));
    }
    if (opts.security) {
        const given = [...(vendor ? [`the vendor id (${vendor})`] : []), ...(opts.spec ? ["--spec"] : [])];
        if (given.length) throw new CliError(`--security selects the security stack, not a vendor: drop ${given.join(" and ")}`, EXIT.invalidInput);
        const { loadSecuritySpec, securitySpecPath } = await import("../../config/load.js");
        const { vendorsBesideSecuritySpec } = await import("../../config/fleet.js");
        const file = opts.securitySpec ?? securitySpecPath();
        return (await import("../../plan/stacks.js")).planSecurity(loadSecuritySpec(file), vendorsBesideSecuritySpec(file));
    }
    const loaded = (await import("../../config/select.js")).loadSelectedVendor({ vendor, spec: opts.spec, securitySpec: opts.securitySpec });
    return (await import("../../plan/stacks.js")).planVendor(loaded.spec, loaded.security);
}

export function planJson(plan: Plan): string {
    return `${JSON.stringify(plan, null, 2)}\n`;
}

/** The fleet task behind `plan --all`: one offline plan per vendor, with its resource count and monthly estimate. */
export const planTask: FleetTask<Plan> = {
    verb: "plan",
    run: async (v) => (await import("../../plan/stacks.js")).planVendor(v.spec, v.security),
    summarize: (plan) => {
        let monthlyUsd: number | undefined;
        try {
            monthlyUsd = estimatePlan(plan).totalUsd;
        } catch (err) {
            if (!(err instanceof UnknownRegionError)) throw err;
        }
        return { resources: awsResources(plan).length, monthlyUsd };
    },
};

export function register(program: Command): void {
    const cmd = program
        .command("plan")
        .description("Render a vendor stack offline under the Pulumi SDK's mock runtime (no CLI, no AWS)")
        .argument("[vendor]", "vendor id: plans stacks/<vendor>.yaml")
        .option("--spec <file>", "plan this vendor spec file instead of stacks/<vendor>.yaml")
        .option("--security-spec <file>", "security stack spec (default: stacks/security.yaml)")
        .option("--security", "plan the security stack (log archive) instead of a vendor")
        .option("--organization", "plan the organization stack (stacks/organization.yaml: OUs, SCPs, RCPs) for account-per-vendor enclaves")
        .option("--json", "print the plan JSON contract instead of the summary (with --all: {vendor: plan | {error}})");
    addFleetOptions(cmd, "plan").action(async (vendor: string | undefined, opts: PlanOptions) => {
        if (
            await runFleetCommand(vendor, opts, planTask, {
                conflicting: [
                    ["--spec", opts.spec],
                    ["--security", opts.security],
                    ["--organization", opts.organization],
                ],
                json: (plan) => plan,
            })
        )
            return;
        const plan = await planFromOptions(vendor, opts);
        process.stdout.write(
            opts.json
                ? planJson(plan)
                : `${renderSummary(plan)}\n${plan.stack === SECURITY_STACK || plan.stack === "organization" ? "" : `\n${renderCost(plan)}\n`}`,
        );
    });
}
