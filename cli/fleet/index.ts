import * as fs from "node:fs";
import type { Command } from "commander";
import type { FleetTask } from "./runner";
import { CliError, EXIT } from "../../contract/errors";

/** The options every command that can run over the whole fleet shares. */
export interface FleetCliOptions {
    all?: boolean;
    stacksDir?: string;
    securitySpec?: string;
    json?: boolean;
}

/** Adds --all and --stacks-dir, worded the same on every command. */
export function addFleetOptions(cmd: Command, verb: string): Command {
    return cmd
        .option("--all", `${verb} every vendor spec in the stacks folder, one after another, with a summary table`)
        .option("--stacks-dir <dir>", "with --all: the folder of vendor specs (default: stacks/)");
}

export interface FleetOutput<T> {
    /** The options that select one vendor or plan and therefore cannot go with --all, as the user wrote them. */
    conflicting: [string, unknown][];
    /** Per-vendor JSON under --json. */
    json(value: T): unknown;
    /** Per-vendor text on stdout; without it the summary table is the output (on stdout). */
    text?(value: T): string | undefined;
}

/**
 * Runs `task` over the fleet when --all is given (returns true) and refuses fleet options used without it. Results go
 * to stdout (JSON keyed by vendor, or text); the summary table to stderr, unless it is the only output.
 */
export async function runFleetCommand<T>(vendor: string | undefined, opts: FleetCliOptions, task: FleetTask<T>, output: FleetOutput<T>): Promise<boolean> {
    if (!opts.all) {
        if (opts.stacksDir) throw new CliError("--stacks-dir goes with --all", EXIT.invalidInput);
        return false;
    }
    const given = [...(vendor ? [`the vendor id (${vendor})`] : []), ...output.conflicting.filter(([, v]) => v).map(([name]) => name)];
    if (given.length) throw new CliError(`--all runs ${task.verb} on every vendor in the stacks folder: drop ${given.join(" and ")}`, EXIT.invalidInput);
    if (opts.stacksDir && fs.existsSync(opts.stacksDir) && !fs.statSync(opts.stacksDir).isDirectory()) {
        throw new CliError(
            `--stacks-dir ${opts.stacksDir}: is a file, not a folder. Fix: give the folder that holds the vendor specs (<vendor-id>.yaml), e.g. stacks/`,
            EXIT.invalidInput,
        );
    }
    // The runner (and with it the spec loader) loads only when --all runs, not for every command's --help.
    const { renderFleetTable, runFleet } = await import("./runner.js");
    const report = await runFleet(task, { stacksDir: opts.stacksDir, securitySpec: opts.securitySpec });
    const table = (tty: boolean) => `${renderFleetTable(report, tty)}\n`;
    if (opts.json) {
        process.stdout.write(
            `${JSON.stringify(Object.fromEntries(report.outcomes.map((o) => [o.vendor, o.ok ? output.json(o.value) : { error: o.error }])), null, 2)}\n`,
        );
        process.stderr.write(table(Boolean(process.stderr.isTTY)));
    } else if (output.text) {
        const texts = report.outcomes.flatMap((o) => (o.ok ? [output.text!(o.value)] : [])).filter((t): t is string => Boolean(t));
        process.stdout.write(texts.join("\n"));
        process.stderr.write(table(Boolean(process.stderr.isTTY)));
    } else {
        process.stdout.write(table(Boolean(process.stdout.isTTY)));
    }
    process.exitCode = report.exitCode;
    return true;
}
