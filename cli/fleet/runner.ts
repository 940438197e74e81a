import * as fs from "node:fs";
import * as path from "node:path";
import Table from "cli-table3";
import pc from "picocolors";
import { CliError, describeFailure, EXIT } from "../../contract/errors";
import { checkVendorAgainstSecurity, listVendorIds, loadSecuritySpec, loadVendorSpec, STACKS_DIR, vendorSpecPath } from "../../config/load";
import { resolveSecuritySpecFile } from "../../config/select";
import { checkUniquePrincipals } from "../../config/fleet";
import type { SecuritySpec, VendorSpec } from "../../config/schema";

/** One vendor, validated, with the security spec it depends on. */
export interface FleetVendor {
    id: string;
    file: string;
    spec: VendorSpec;
    security: SecuritySpec;
}

/** What the summary table shows for a vendor whose task finished. */
export interface TaskSummary {
    /** Short result text; default "ok". */
    result?: string;
    resources?: number;
    monthlyUsd?: number;
    /** Non-zero for a finding (e.g. 3 for a policy violation); the fleet exits with the highest. */
    exitCode?: number;
}

export interface FleetTask<T> {
    /** Shown in the progress display, e.g. "plan". */
    verb: string;
    run(vendor: FleetVendor): Promise<T>;
    summarize?(value: T): TaskSummary;
}

export type FleetOutcome<T> =
    | { vendor: string; ok: true; value: T; summary: TaskSummary; durationMs: number }
    | { vendor: string; ok: false; error: { message: string; exitCode: number }; durationMs: number };

export interface FleetReport<T> {
    outcomes: FleetOutcome<T>[];
    exitCode: number;
}

export interface FleetOptions {
    /** Folder of vendor specs (every *.yaml except security.yaml); default stacks/. */
    stacksDir?: string;
    /** Security spec; default <stacksDir>/security.yaml, else the repository's. */
    securitySpec?: string;
    /** Where progress goes (default stderr); null for none. */
    progress?: NodeJS.WritableStream | null;
}

/** 2 if every failure is invalid input, 1 if any other failure, else the highest finding code (0 when clean). */
export function fleetExitCode(outcomes: FleetOutcome<unknown>[]): number {
    const failures = outcomes.filter((o) => !o.ok);
    if (failures.length > 0) return failures.every((f) => !f.ok && f.error.exitCode === EXIT.invalidInput) ? EXIT.invalidInput : EXIT.failure;
    return Math.max(EXIT.ok, ...outcomes.map((o) => (o.ok ? (o.summary.exitCode ?? 0) : 0)));
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/**
 * Whether to colour output to a stream: never with NO_COLOR set or --no-color given (as picocolors itself decides
 * for single-vendor output), always with FORCE_COLOR, else only at a terminal. `pc.createColors(tty)` alone would
 * skip the NO_COLOR check.
 */
export function useColor(tty: boolean, env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv): boolean {
    if ("NO_COLOR" in env || argv.includes("--no-color")) return false;
    if ("FORCE_COLOR" in env && env.FORCE_COLOR !== "0") return true;
    return tty;
}

class Progress {
    private readonly tty: boolean;
    private readonly c: ReturnType<typeof pc.createColors>;
    constructor(
        private readonly out: NodeJS.WritableStream | null,
        private readonly total: number,
        private readonly verb: string,
    ) {
        this.tty = Boolean(out && (out as NodeJS.WriteStream).isTTY) && !process.env.CI;
        this.c = pc.createColors(useColor(this.tty));
    }
    start(i: number, vendor: string): void {
        if (this.out && this.tty) this.out.write(`\r\x1b[2K${this.c.cyan(`[${i}/${this.total}]`)} ${this.verb} ${vendor} ...`);
    }
    done(i: number, o: FleetOutcome<unknown>): void {
        if (!this.out) return;
        const c = this.c;
        const detail = o.ok
            ? `${o.summary.result ?? "ok"}${o.summary.resources !== undefined ? `, ${o.summary.resources} resources` : ""}${o.summary.monthlyUsd !== undefined ? `, $${o.summary.monthlyUsd.toFixed(2)}/month` : ""}`
            : `failed: ${o.error.message}`;
        const mark = o.ok ? (o.summary.exitCode ? c.yellow("!") : c.green("ok")) : c.red("FAILED");
        const line = this.tty
            ? `\r\x1b[2K${c.cyan(`[${i}/${this.total}]`)} ${mark} ${o.vendor}: ${o.ok ? detail : c.red(detail)} ${c.dim(`(${seconds(o.durationMs)})`)}\n`
            : `[${i}/${this.total}] ${this.verb} ${o.vendor}: ${detail} (${seconds(o.durationMs)})\n`;
        this.out.write(line);
    }
}

/** Vendor ids in the folder, or an invalid-input error naming the folder. */
export function fleetVendorIds(dir: string): string[] {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new CliError(`--stacks-dir ${dir}: no such folder`, EXIT.invalidInput);
    const ids = listVendorIds(dir);
    if (ids.length === 0) throw new CliError(`${dir}: no vendor specs (*.yaml other than security.yaml)`, EXIT.invalidInput);
    return ids;
}

/**
 * Runs one task per vendor spec, strictly one after another in this process (offline plans share the SDK's global
 * state). A vendor that fails (a broken spec, a failed plan) is reported and the others still run.
 */
export async function runFleet<T>(task: FleetTask<T>, opts: FleetOptions = {}): Promise<FleetReport<T>> {
    const dir = path.resolve(opts.stacksDir ?? STACKS_DIR);
    const ids = fleetVendorIds(dir);
    // Principals must be unique across the folder before any vendor runs: exit 2 naming both files.
    checkUniquePrincipals(
        ids.flatMap((id) => {
            try {
                return [{ file: vendorSpecPath(id, dir), spec: loadVendorSpec(vendorSpecPath(id, dir), id) }];
            } catch {
                return []; // a broken spec is reported by its own run below
            }
        }),
    );
    const securityFile = resolveSecuritySpecFile(opts.securitySpec, dir);
    let security: SecuritySpec | undefined;
    const progress = new Progress(opts.progress === undefined ? process.stderr : opts.progress, ids.length, task.verb);
    const outcomes: FleetOutcome<T>[] = [];
    for (const [index, id] of ids.entries()) {
        progress.start(index + 1, id);
        const started = performance.now();
        let outcome: FleetOutcome<T>;
        try {
            const file = vendorSpecPath(id, dir);
            const spec = loadVendorSpec(file, id);
            security ??= loadSecuritySpec(securityFile);
            checkVendorAgainstSecurity(spec, file, security);
            const value = await task.run({ id, file, spec, security });
            outcome = { vendor: id, ok: true, value, summary: task.summarize?.(value) ?? {}, durationMs: performance.now() - started };
        } catch (err) {
            outcome = { vendor: id, ok: false, error: describeFailure(err), durationMs: performance.now() - started };
        }
        outcomes.push(outcome);
        progress.done(index + 1, outcome);
    }
    return { outcomes, exitCode: fleetExitCode(outcomes) };
}

/** The summary table: vendor, result, resources, monthly estimate, duration. */
export function renderFleetTable(report: FleetReport<unknown>, color = false): string {
    const c = pc.createColors(color && useColor(color));
    const table = new Table({
        head: ["vendor", "result", "resources", "monthly estimate", "duration"],
        style: { head: [], border: [] },
        colAligns: ["left", "left", "right", "right", "right"],
        wordWrap: true,
        colWidths: [22, 50, 11, 18, 10],
    });
    for (const o of report.outcomes) {
        if (o.ok) {
            const s = o.summary;
            table.push([
                o.vendor,
                s.exitCode ? c.yellow(s.result ?? "finding") : c.green(s.result ?? "ok"),
                s.resources ?? "-",
                s.monthlyUsd !== undefined ? `$${s.monthlyUsd.toFixed(2)}` : "-",
                seconds(o.durationMs),
            ]);
        } else {
            table.push([o.vendor, c.red(`FAILED (exit ${o.error.exitCode}): ${o.error.message}`), "-", "-", seconds(o.durationMs)]);
        }
    }
    const failed = report.outcomes.filter((o) => !o.ok).length;
    const costs = report.outcomes.map((o) => (o.ok ? o.summary.monthlyUsd : undefined)).filter((n): n is number => n !== undefined);
    const total = costs.length ? `; estimated total $${costs.reduce((a, b) => a + b, 0).toFixed(2)}/month` : "";
    return `${table.toString()}\n${report.outcomes.length} vendors, ${report.outcomes.length - failed} ok, ${failed} failed${total}; exit ${report.exitCode}`;
}
