import type { Command } from "commander";
import type { AccessReport } from "../../review/access";
import { diffReports, renderDiffMarkdown } from "../../review/accessDiff";
import type { Plan } from "../../plan/types";
import { CliError, EXIT } from "../../contract/errors";
import { withSimulator } from "./access";

export interface DiffOptions {
    base?: string;
    baseSpec?: string;
    headSpec?: string;
    basePlan?: string;
    headPlan?: string;
    securitySpec?: string;
    json?: boolean;
}

/** A diff compares two revisions of one vendor: refuse two different vendors before simulating anything. */
function sameVendor(base: { id: string; source: string }, head: { id: string; source: string }): void {
    if (base.id !== head.id) {
        throw new CliError(
            `base is ${base.id} (${base.source}), head is ${head.id} (${head.source}): a diff compares two revisions of one vendor. Fix: give two versions of the same vendor's spec or plan.`,
            EXIT.invalidInput,
        );
    }
}

/** The access report of a plan read from a file; a plan the simulation cannot interpret is that file's invalid input. */
async function reportOfPlanFile(file: string, plan: Plan): Promise<AccessReport> {
    const { evaluatePlanFile } = await import("../../plan/read.js");
    const { reportOfPlan } = await import("../../review/sources.js");
    const { SimulatorMissingError } = await import("../../review/simulate.js");
    return evaluatePlanFile(file, () => reportOfPlan(plan), (err) => err instanceof SimulatorMissingError);
}

/** Reports for both sides; plans run one after another (the Pulumi SDK keeps global state). */
async function reports(vendor: string | undefined, opts: DiffOptions): Promise<{ base?: AccessReport; head: AccessReport; labels: { base: string; head: string } }> {
    const modes = [opts.base !== undefined, opts.baseSpec !== undefined || opts.headSpec !== undefined, opts.basePlan !== undefined || opts.headPlan !== undefined].filter(Boolean).length;
    if (modes !== 1) throw new CliError("give exactly one of: <vendor> --base <git-ref> | --base-spec <f> --head-spec <f> | --base-plan <f> --head-plan <f>", EXIT.invalidInput);
    const { readPlanFile } = await import("../../plan/read.js");
    const { planSecurity, planVendor } = await import("../../plan/stacks.js");
    const { reportOfPlan, specAtRef, withSpecTextFile } = await import("../../review/sources.js");
    const { securitySpecPath } = await import("../../config/load.js");
    const { loadSelectedVendor } = await import("../../config/select.js");
    if (opts.basePlan !== undefined || opts.headPlan !== undefined) {
        if (!opts.basePlan || !opts.headPlan) throw new CliError("--base-plan and --head-plan go together", EXIT.invalidInput);
        if (vendor) throw new CliError(`--base-plan and --head-plan name the vendor in their files: drop the vendor id (${vendor})`, EXIT.invalidInput);
        if (opts.securitySpec) throw new CliError("--base-plan and --head-plan already hold the security stack's outputs: drop --security-spec", EXIT.invalidInput);
        const base = readPlanFile(opts.basePlan, { vendorOnly: true });
        const head = readPlanFile(opts.headPlan, { vendorOnly: true });
        sameVendor({ id: base.stack, source: opts.basePlan }, { id: head.stack, source: opts.headPlan });
        return { base: await reportOfPlanFile(opts.basePlan, base), head: await reportOfPlanFile(opts.headPlan, head), labels: { base: opts.basePlan, head: opts.headPlan } };
    }
    if (opts.baseSpec !== undefined || opts.headSpec !== undefined) {
        if (!opts.baseSpec || !opts.headSpec) throw new CliError("--base-spec and --head-spec go together", EXIT.invalidInput);
        if (vendor) throw new CliError(`--base-spec and --head-spec name the vendor in their files: drop the vendor id (${vendor})`, EXIT.invalidInput);
        // Both validated before either is planned, so that a bad or mismatched head fails fast.
        const baseLoaded = loadSelectedVendor({ spec: opts.baseSpec, securitySpec: opts.securitySpec });
        const headLoaded = loadSelectedVendor({ spec: opts.headSpec, securitySpec: opts.securitySpec });
        sameVendor({ id: baseLoaded.spec.id, source: opts.baseSpec }, { id: headLoaded.spec.id, source: opts.headSpec });
        const base = await planVendor(baseLoaded.spec, baseLoaded.security);
        const head = await planVendor(headLoaded.spec, headLoaded.security);
        const security = await planSecurity(headLoaded.security);
        return { base: await reportOfPlan(base, security), head: await reportOfPlan(head, security), labels: { base: opts.baseSpec, head: opts.headSpec } };
    }
    if (!vendor) throw new CliError("--base <git-ref> needs a vendor id: `enclave diff <vendor> --base main`", EXIT.invalidInput);
    const headLoaded = loadSelectedVendor({ vendor, securitySpec: opts.securitySpec });
    const baseText = specAtRef(opts.base!, vendor);
    const headPlan = { plan: await planVendor(headLoaded.spec, headLoaded.security) };
    const basePlan =
        baseText === undefined
            ? undefined
            : await withSpecTextFile(baseText, vendor, async (file) => {
                  const loaded = loadSelectedVendor({ spec: file, securitySpec: opts.securitySpec ?? securitySpecPath() });
                  sameVendor({ id: loaded.spec.id, source: `${opts.base}:stacks/${vendor}.yaml` }, { id: vendor, source: "working tree" });
                  return { plan: await planVendor(loaded.spec, loaded.security) };
              });
    const security = await planSecurity(headLoaded.security);
    return {
        base: basePlan ? await reportOfPlan(basePlan.plan, security) : undefined,
        head: await reportOfPlan(headPlan.plan, security),
        labels: { base: baseText === undefined ? `${opts.base} (vendor absent)` : opts.base!, head: "working tree" },
    };
}

export function register(program: Command): void {
    program
        .command("diff")
        .description("Effective-access difference between two versions of a vendor (exit 3 when access widened)")
        .argument("[vendor]", "vendor id, with --base <git-ref>: compares stacks/<vendor>.yaml at the ref with the working tree")
        .option("--base <git-ref>", "git revision of the base spec (read with git show <ref>:stacks/<vendor>.yaml)")
        .option("--base-spec <file>", "base vendor spec file")
        .option("--head-spec <file>", "head vendor spec file")
        .option("--base-plan <file>", "base plan JSON (enclave plan --json)")
        .option("--head-plan <file>", "head plan JSON")
        .option("--security-spec <file>", "security stack spec (default: stacks/security.yaml)")
        .option("--json", "print the diff as JSON")
        .action(async (vendor: string | undefined, opts: DiffOptions) => {
            const { base, head, labels } = await withSimulator(() => reports(vendor, opts));
            const d = diffReports(base, head, labels);
            process.stdout.write(opts.json ? `${JSON.stringify(d, null, 2)}\n` : renderDiffMarkdown(d));
            if (d.widened) process.exitCode = EXIT.finding;
        });
}
