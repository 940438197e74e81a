import type { Command } from "commander";
import type { FleetTask } from "../fleet/runner";
import { addFleetOptions, runFleetCommand } from "../fleet";
import type { AccessReport } from "../../review/access";
import { CliError, EXIT } from "../../contract/errors";

export interface AccessOptions {
    spec?: string;
    securitySpec?: string;
    json?: boolean;
    all?: boolean;
    stacksDir?: string;
}

/** Runs review tooling, turning a missing devDependency (production install) into one line and exit 1. */
export async function withSimulator<T>(fn: () => Promise<T>): Promise<T> {
    try {
        return await fn();
    } catch (err) {
        if (err instanceof (await import("../../review/simulate.js")).SimulatorMissingError) throw new CliError(err.message, EXIT.failure);
        throw err;
    }
}

export function register(program: Command): void {
    const cmd = program
        .command("access")
        .description("Effective-access report of a vendor, derived by IAM simulation over its offline plan (Markdown, or --json)")
        .argument("[vendor]", "vendor id: reports on stacks/<vendor>.yaml")
        .option("--spec <file>", "report on this vendor spec file instead of stacks/<vendor>.yaml")
        .option("--security-spec <file>", "security stack spec (default: stacks/security.yaml)")
        .option("--json", "print the report as JSON");
    addFleetOptions(cmd, "report on").action(async (vendor: string | undefined, opts: AccessOptions) => {
        const { accessReportFor, accessReportOf, renderAccessMarkdown } = await import("../../review/access.js");
        const task: FleetTask<AccessReport> = {
            verb: "access",
            run: (v) => withSimulator(() => accessReportOf(v.spec, v.security)),
            summarize: (r) => ({ result: `${r.grants.length} grants, ${r.assumers.length} assumers${r.sealed ? ", sealed" : ""}` }),
        };
        if (await runFleetCommand(vendor, opts, task, { conflicting: [["--spec", opts.spec]], json: (r) => r, text: renderAccessMarkdown })) return;
        const started = performance.now();
        const report = await withSimulator(() => accessReportFor(vendor, opts));
        // The report on stdout is the same bytes on every run (it gets committed and posted); timing goes to stderr.
        process.stderr.write(
            `enclave access ${report.vendorId}: ${report.stats.simulations} requests simulated in ${((performance.now() - started) / 1000).toFixed(2)} s\n`,
        );
        process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderAccessMarkdown(report));
    });
}
