import type { Command } from "commander";
import { renderFleetTable, runFleet } from "../../fleet/runner";
import { accessReportFor, accessReportOf, renderAccessMarkdown } from "../../review/access";
import { SimulatorMissingError } from "../../review/simulate";
import { CliError, EXIT } from "../../spec/errors";

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
        if (err instanceof SimulatorMissingError) throw new CliError(err.message, EXIT.failure);
        throw err;
    }
}

export function register(program: Command): void {
    program
        .command("access")
        .description("Effective-access report of a vendor, derived by IAM simulation over its offline plan (Markdown, or --json)")
        .argument("[vendor]", "vendor id: reports on stacks/<vendor>.yaml")
        .option("--spec <file>", "report on this vendor spec file instead of stacks/<vendor>.yaml")
        .option("--security-spec <file>", "security stack spec (default: stacks/security.yaml)")
        .option("--json", "print the report as JSON")
        .option("--all", "report on every vendor spec in the stacks folder, one after another, with a summary table")
        .option("--stacks-dir <dir>", "with --all: the folder of vendor specs (default: stacks/)")
        .action(async (vendor: string | undefined, opts: AccessOptions) => {
            if (opts.all) {
                if (vendor || opts.spec) throw new CliError("--all reports on every vendor in the stacks folder: give no vendor or --spec with it", EXIT.invalidInput);
                const fleet = await runFleet(
                    {
                        verb: "access",
                        run: (v) => withSimulator(() => accessReportOf(v.spec, v.security)),
                        summarize: (r) => ({ result: `${r.grants.length} grants, ${r.assumers.length} assumers${r.sealed ? ", sealed" : ""}` }),
                    },
                    { stacksDir: opts.stacksDir, securitySpec: opts.securitySpec },
                );
                const ok = fleet.outcomes.flatMap((o) => (o.ok ? [o.value] : []));
                process.stdout.write(opts.json ? `${JSON.stringify(Object.fromEntries(fleet.outcomes.map((o) => [o.vendor, o.ok ? o.value : { error: o.error }])), null, 2)}\n` : ok.map(renderAccessMarkdown).join("\n"));
                process.stderr.write(`${renderFleetTable(fleet, Boolean(process.stderr.isTTY))}\n`);
                process.exitCode = fleet.exitCode;
                return;
            }
            const report = await withSimulator(() => accessReportFor(vendor, opts));
            process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderAccessMarkdown(report));
        });
}
