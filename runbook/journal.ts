import * as fs from "node:fs";
import * as path from "node:path";

// The incident log: incidents/<vendor>.jsonl, append-only JSON lines. Every step writes a "started" line before it
// runs and an "ok"/"failed" line after, so a crash leaves a "started" without an end. A rerun of the same command
// resumes the latest unfinished run at its first step without an "ok" line and never repeats a finished step (in
// particular never a finished destructive one). The log is also the audit record of who did what when.

export type StepResult = "started" | "ok" | "failed" | "skipped";

export interface JournalEntry {
    run: string;
    command: string;
    vendor: string;
    step: string;
    start: string;
    end: string | null;
    result: StepResult;
    operator: string;
    identity?: string;
    durationMs?: number;
    data?: Record<string, unknown>;
    error?: string;
}

export const RUN_DONE = "done";

export function journalPath(dir: string, vendor: string): string {
    return path.join(dir, `${vendor}.jsonl`);
}

export function readJournal(file: string): JournalEntry[] {
    if (!fs.existsSync(file)) return [];
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .flatMap((l) => {
            try {
                return [JSON.parse(l) as JournalEntry];
            } catch {
                return []; // a line torn by a crash mid-write is ignored; its step counts as unfinished
            }
        });
}

export function appendJournal(file: string, entry: JournalEntry): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

export interface OpenRun {
    run: string;
    /** Steps with an "ok" line, and the data each recorded. */
    finished: Map<string, Record<string, unknown>>;
    startedAt: string;
}

/** The latest run of the vendor if it belongs to `command` and has not reached "done". */
export function openRun(all: JournalEntry[], command: string): OpenRun | undefined {
    // Refusals (bad flags, no confirmation) are logged but are not runs: they never hide an unfinished run.
    const entries = all.filter((e) => e.step !== "refusal");
    const last = entries[entries.length - 1];
    if (!last || last.command !== command) return undefined;
    const mine = entries.filter((e) => e.run === last.run);
    if (mine.some((e) => e.step === RUN_DONE && e.result === "ok")) return undefined;
    const finished = new Map<string, Record<string, unknown>>();
    for (const e of mine) if (e.result === "ok") finished.set(e.step, e.data ?? {});
    return { run: last.run, finished, startedAt: mine[0].start };
}
