import * as path from "node:path";
import { CliError, EXIT } from "../contract/errors";
import type { VendorSpec } from "../config/schema";
import { appendJournal, journalPath, openRun, readJournal, RUN_DONE, type JournalEntry, type OpenRun } from "./journal";
import { evidenceStamp } from "./evidence";
import type { CallerIdentity, RunbookDeps, StackHandle } from "./types";

// The generic runbook engine: runs an ordered list of steps, each recorded in the incident log before and after it
// runs. A rerun resumes the unfinished run at its first unfinished step; finished steps are never repeated (steps
// marked `always` run on every invocation, and a `rerunUntil` step runs again until the step it guards has finished).
// It knows nothing about seal, unseal or destroy: their steps and gates live in runbook/steps.ts.

export interface Ctx {
    command: string;
    vendor: string;
    file: string;
    deps: RunbookDeps;
    stack?: StackHandle;
    identity?: CallerIdentity;
    runStartedAt: string;
    /** The run's id in the incident log. */
    run: string;
    /** Appends an "ok" line for a sub-step (e.g. one write of contain), so that a rerun of this run can skip it. */
    record(step: string, data: Record<string, unknown>): void;
    /** Data recorded by finished steps of this run (from the journal on resume). */
    data: Record<string, Record<string, unknown>>;
    /** The unfinished run this invocation resumes, if any, and every incident-log line of the vendor read at start. */
    resumed?: OpenRun;
    journal: JournalEntry[];
    spec(): VendorSpec;
    /** Ends the command with a refusal (exit 2 by default): logged as a "refusal" line, never as a step of the run. */
    refuse(message: string, code?: number): never;
}

export interface Step {
    name: string;
    /** Changes AWS or the spec: recorded, and never repeated once finished. */
    destructive: boolean;
    always?: boolean;
    /**
     * A gate: a check that runs on every invocation where it stands in the list, is not itself a step of the run (no
     * journal lines unless it refuses) and ends the command through ctx.refuse.
     */
    gate?: boolean;
    /** A check of something that may change between invocations: on resume it runs again until this step has finished. */
    rerunUntil?: string;
    run(ctx: Ctx): Promise<Record<string, unknown> | void>;
}

/** What a command is: its admission checks (before anything is touched) and its steps. */
export interface CommandPlan {
    /** Offline refusals before the run starts (no step has run yet). */
    admit?(ctx: Ctx): void;
    steps: Step[];
}

export const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
export const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export interface RunArgs {
    command: string;
    vendor: string;
    file: string;
    deps: RunbookDeps;
    plan: CommandPlan;
    loadSpec(): VendorSpec;
}

export async function runSteps({ command, vendor, file, deps, plan, loadSpec }: RunArgs): Promise<void> {
    const journal = journalPath(deps.incidentsDir, vendor);
    const entries = readJournal(journal);
    const resumed = openRun(entries, command);
    const refuse = (message: string, code: number = EXIT.invalidInput): never => {
        const now = iso(deps.clock.now());
        appendJournal(journal, {
            run: `refused-${now}`,
            command,
            vendor,
            step: "refusal",
            start: now,
            end: now,
            result: "failed",
            operator: deps.operator,
            error: message,
        });
        throw new CliError(message, code);
    };
    const startedAt = resumed?.startedAt ?? iso(deps.clock.now());
    const run = resumed?.run ?? `${command}-${evidenceStamp(new Date(startedAt))}`;
    const ctx: Ctx = {
        command,
        vendor,
        file,
        deps,
        runStartedAt: startedAt,
        run,
        record: (step, data) => {
            const now = iso(deps.clock.now());
            log({ step, start: now, end: now, result: "ok", data });
        },
        data: Object.fromEntries(resumed?.finished ?? []),
        resumed,
        journal: entries,
        spec: loadSpec,
        refuse,
    };
    plan.admit?.(ctx);

    const steps = plan.steps;
    const finished = (s: Step) => !s.always && !s.gate && !!resumed?.finished.has(s.name) && (!s.rerunUntil || resumed.finished.has(s.rerunUntil));
    const firstTodo = steps.find((s) => !s.always && !s.gate && !finished(s));
    // The run is announced once preflight passes: a run that cannot start (no Pulumi CLI, wrong account) prints only
    // the one line saying why; the incident log still records the attempt.
    let announced = false;
    const out = (line: string) => {
        if (!announced) {
            deps.out(
                resumed
                    ? `enclave ${command} ${vendor}: resuming run ${run} at ${firstTodo?.name ?? "the end"} (incident log ${path.basename(deps.incidentsDir)}/${vendor}.jsonl)`
                    : `enclave ${command} ${vendor}: run ${run} (incident log ${path.basename(deps.incidentsDir)}/${vendor}.jsonl)`,
            );
            announced = true;
        }
        deps.out(line);
    };

    const log = (e: Omit<JournalEntry, "run" | "command" | "vendor" | "operator">) =>
        appendJournal(journal, { run, command, vendor, operator: deps.operator, ...(ctx.identity ? { identity: ctx.identity.arn } : {}), ...e });

    for (const step of steps) {
        if (step.gate) {
            await step.run(ctx);
            continue;
        }
        if (finished(step)) {
            const now = iso(deps.clock.now());
            log({ step: step.name, start: now, end: now, result: "skipped" });
            out(`  skip ${step.name} (finished earlier in this run)`);
            continue;
        }
        const t0 = deps.clock.now();
        log({ step: step.name, start: iso(t0), end: null, result: "started" });
        try {
            deps.onStep?.(step.name);
            const data = (await step.run(ctx)) ?? {};
            const t1 = deps.clock.now();
            ctx.data[step.name] = data;
            log({ step: step.name, start: iso(t0), end: iso(t1), result: "ok", durationMs: t1.getTime() - t0.getTime(), data });
            out(`  ok   ${step.name.padEnd(16)} ${secs(t1.getTime() - t0.getTime())}`);
        } catch (err) {
            const t1 = deps.clock.now();
            const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
            log({ step: step.name, start: iso(t0), end: iso(t1), result: "failed", durationMs: t1.getTime() - t0.getTime(), error: message });
            if (!step.always) out(`  FAIL ${step.name.padEnd(16)} ${secs(t1.getTime() - t0.getTime())}`);
            if (err instanceof CliError) throw err;
            throw new CliError(`${command} ${vendor}: step ${step.name} failed: ${message}. Rerun \`enclave ${command} ${vendor}\` to resume at this step.`);
        }
    }
    const now = iso(deps.clock.now());
    log({ step: RUN_DONE, start: now, end: now, result: "ok" });
    out(`enclave ${command} ${vendor}: done`);
}
