import type { Command } from "commander";
import { estimatePlan } from "../../cost/estimate";
import { UnknownRegionError } from "../../cost/prices";
import { renderCost } from "../../cost/render";
import { renderFleetTable, runFleet, type FleetTask } from "../../fleet/runner";
import { planSecurity, planVendor } from "../../plan/stacks";
import { awsResources, renderSummary } from "../../plan/summary";
import type { Plan } from "../../plan/types";
import { loadSecuritySpec } from "../../spec/load";
import { CliError, EXIT } from "../../spec/errors";
import { loadSelectedVendor } from "../../spec/select";

export interface PlanOptions {
    spec?: string;
    securitySpec?: string;
    security?: boolean;
    json?: boolean;
    all?: boolean;
    stacksDir?: string;
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

/** The fleet task behind `plan --all`: one offline plan per vendor, with its resource count and monthly estimate. */
export const planTask: FleetTask<Plan> = {
    verb: "plan",
    run: (v) => planVendor(v.spec, v.security),
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

async function planAll(vendor: string | undefined, opts: PlanOptions): Promise<void> {
    if (vendor || opts.spec || opts.security) throw new CliError("--all plans every vendor in the stacks folder: give no vendor, --spec or --security with it", EXIT.invalidInput);
    const report = await runFleet(planTask, { stacksDir: opts.stacksDir, securitySpec: opts.securitySpec });
    if (opts.json) {
        const byVendor = Object.fromEntries(report.outcomes.map((o) => [o.vendor, o.ok ? o.value : { error: o.error }]));
        process.stdout.write(`${JSON.stringify(byVendor, null, 2)}\n`);
        process.stderr.write(`${renderFleetTable(report, Boolean(process.stderr.isTTY))}\n`);
    } else {
        process.stdout.write(`${renderFleetTable(report, Boolean(process.stdout.isTTY))}\n`);
    }
    process.exitCode = report.exitCode;
}

export function register(program: Command): void {
    program
        .command("plan")
        .description("Render a vendor stack offline under the Pulumi SDK's mock runtime (no CLI, no AWS)")
        .argument("[vendor]", "vendor id: plans stacks/<vendor>.yaml")
        .option("--spec <file>", "plan this vendor spec file instead of stacks/<vendor>.yaml")
        .option("--security-spec <file>", "security stack spec (default: stacks/security.yaml)")
        .option("--security", "plan the security stack (log archive) instead of a vendor")
        .option("--json", "print the plan JSON contract instead of the summary (with --all: {vendor: plan | {error}})")
        .option("--all", "plan every vendor spec in the stacks folder, one after another, with a summary table")
        .option("--stacks-dir <dir>", "with --all: the folder of vendor specs (default: stacks/)")
        .action(async (vendor: string | undefined, opts: PlanOptions) => {
            if (opts.all) return planAll(vendor, opts);
            if (opts.stacksDir) throw new CliError("--stacks-dir goes with --all", EXIT.invalidInput);
            const plan = await planFromOptions(vendor, opts);
            process.stdout.write(opts.json ? planJson(plan) : `${renderSummary(plan)}\n${plan.stack === "security" ? "" : `\n${renderCost(plan)}\n`}`);
        });
}
