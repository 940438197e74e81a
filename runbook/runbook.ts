import * as fs from "node:fs";
import * as path from "node:path";
import { CliError, EXIT } from "../spec/errors";
import { archiveBucketName, archivePrefixes } from "../policies/names";
import { checkVendorAgainstSecurity, loadSecuritySpec, loadVendorSpec } from "../spec/load";
import { resolveSecuritySpecFile, vendorFileById } from "../spec/select";
import type { VendorSpec } from "../spec/schema";
import { buildBundle, evidenceStamp, writeBundle } from "./evidence";
import { appendJournal, journalPath, openRun, readJournal, RUN_DONE, type JournalEntry } from "./journal";
import { retryUntilClean } from "./retry";
import { writeSealState } from "./specFile";
import { DEFAULT_RETRY, type CallerIdentity, type RunbookDeps, type StackHandle } from "./types";
import { observe, remainingStateResources, sealFindings, targetsFor, teardownFindings, unsealFindings } from "./verify";

// The breach runbook as code: seal, unseal and destroy are ordered lists of steps, each recorded in the incident log
// before and after it runs. A rerun resumes the unfinished run at its first unfinished step; finished steps are never
// repeated (preflight, which only checks the environment, runs on every invocation, and preview, which checks the
// working tree, runs again until the `up` it guards has finished).

export type Command = "seal" | "unseal" | "destroy";

interface Ctx {
    vendor: string;
    file: string;
    deps: RunbookDeps;
    stack?: StackHandle;
    identity?: CallerIdentity;
    runStartedAt: string;
    /** Data recorded by finished steps of this run (from the journal on resume). */
    data: Record<string, Record<string, unknown>>;
    spec(): VendorSpec;
}

interface Step {
    name: string;
    /** Changes AWS or the spec: recorded, and never repeated once finished. */
    destructive: boolean;
    always?: boolean;
    /** A check of something that may change between invocations: on resume it runs again until this step has finished. */
    rerunUntil?: string;
    run(ctx: Ctx): Promise<Record<string, unknown> | void>;
}

export interface DestroyOptions {
    yes?: boolean;
    sealFirst?: boolean;
}

/**
 * How long a session issued before the seal can stay valid. The vendor role's sessions last at most
 * spec.access.maxSessionSeconds (<= 3600). The workload role's credentials come from the EC2 instance profile, which
 * AWS issues for up to 6 hours (observed behaviour, not a documented bound: if AWS ever issues longer ones, raise this).
 * Plus a margin for clock skew between AWS's token issuer and the operator's clock.
 */
export const INSTANCE_PROFILE_CREDENTIALS_MAX_SECONDS = 6 * 3600;
export const CLOCK_SKEW_MARGIN_SECONDS = 5 * 60;

/** The earliest moment an unseal cannot revive a session issued before sealedAt (unseal lifts SealRevokeOlderSessions). */
export function unsealNotBefore(spec: VendorSpec): Date | undefined {
    if (!spec.sealed || !spec.sealedAt) return undefined;
    const lifetime = Math.max(spec.access.maxSessionSeconds, INSTANCE_PROFILE_CREDENTIALS_MAX_SECONDS);
    return new Date(Date.parse(spec.sealedAt) + (lifetime + CLOCK_SKEW_MARGIN_SECONDS) * 1000);
}

/** Only in-place updates (and reads, e.g. the StackReference to the security stack) may run mid-incident. */
export const PREVIEW_ALLOWED_OPS = ["same", "update", "read"] as const;

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Offline refusals, before anything is touched: the security stack, unknown vendors, invalid specs (exit 2). */
export function selectVendor(vendor: string, stacksDir: string): { file: string; spec: VendorSpec } {
    const file = vendorFileById(vendor, stacksDir, "the runbook never seals or destroys the log archive");
    const spec = loadVendorSpec(file, vendor);
    // The evidence goes to the archive named after the account and region: they must be the security stack's.
    checkVendorAgainstSecurity(spec, file, loadSecuritySpec(resolveSecuritySpecFile(undefined, stacksDir)));
    return { file, spec };
}

// ---- steps ---------------------------------------------------------------------------------------------------------

const preflight = (command: Command): Step => ({
    name: "preflight",
    destructive: false,
    always: true,
    async run(ctx) {
        const { deps, vendor } = ctx;
        const tooling = await deps.stacks.checkTooling(command);
        const identity = await deps.aws.callerIdentity();
        const spec = ctx.spec();
        if (identity.account !== spec.account.id) {
            throw new CliError(`the AWS credentials are for account ${identity.account} (${identity.arn}); ${vendor}'s enclave is in ${spec.account.id}: use the deployer role of that account`);
        }
        const stacks = await deps.stacks.listStacks();
        if (!stacks.some((s) => s === vendor || s.endsWith(`/${vendor}`))) {
            throw new CliError(`stack "${vendor}" does not exist in the backend ${tooling.backend}: check \`pulumi login\` (and PULUMI_BACKEND_URL)`);
        }
        ctx.stack = await deps.stacks.select(vendor);
        ctx.identity = identity;
        return { pulumi: tooling.pulumiVersion, backend: tooling.backend, identity: identity.arn };
    },
});

const writeSpec = (seal: boolean): Step => ({
    name: "write-spec",
    destructive: true,
    async run(ctx) {
        const spec = ctx.spec();
        // Re-sealing keeps the original seal time: sessions were revoked as of the first seal.
        const sealedAt = seal ? (spec.sealed && spec.sealedAt ? spec.sealedAt : iso(ctx.deps.clock.now())) : undefined;
        writeSealState(ctx.file, sealedAt);
        const after = ctx.spec(); // validates the edited file
        return { sealed: after.sealed, sealedAt: after.sealedAt ?? null, file: path.relative(path.dirname(ctx.deps.stacksDir), ctx.file) };
    },
});

// The seal's `up` deploys the whole program from the working tree: an uncommitted or unreviewed change would go out
// mid-incident with it. The preview refuses anything but in-place updates; it is not destructive, and on resume it runs
// again before `up` because the working tree may have changed since.
const preview = (command: Command): Step => ({
    name: "preview",
    destructive: false,
    rerunUntil: "up",
    async run(ctx) {
        const changes = await ctx.stack!.preview();
        const counts = Object.entries(changes).filter(([, n]) => n > 0);
        if (counts.some(([op]) => !(PREVIEW_ALLOWED_OPS as readonly string[]).includes(op))) {
            throw new CliError(
                `refusing to deploy ${ctx.vendor}: the preview shows more than in-place updates (${counts.map(([op, n]) => `${op} ${n}`).join(", ")}); the working tree holds changes beyond the seal fields: revert them, then rerun \`enclave ${command} ${ctx.vendor}\` to resume`,
            );
        }
        return { changes };
    },
});

const up: Step = {
    name: "up",
    destructive: true,
    async run(ctx) {
        return { changes: await ctx.stack!.up() };
    },
};

async function verifyLoop(ctx: Ctx, step: string, check: () => Promise<string[]>): Promise<Record<string, unknown>> {
    const policy = ctx.deps.retry ?? DEFAULT_RETRY;
    const { findings, attempts } = await retryUntilClean(check, policy, ctx.deps.clock, (attempt, f, delay) =>
        ctx.deps.out(`    ${step}: ${f.length} gap(s), e.g. ${f[0]}; retrying in ${secs(delay)} (attempt ${attempt}/${policy.attempts})`),
    );
    if (findings.length) {
        throw new CliError(`${step}: still not confirmed after ${attempts} reads: ${findings.join("; ")}`);
    }
    return { attempts };
}

const verifySeal = (command: Command): Step => ({
    name: "verify-seal",
    destructive: false,
    async run(ctx) {
        const spec = ctx.spec();
        const outputs = await ctx.stack!.outputs();
        if (outputs.sealed?.value !== true || outputs.sealedAt?.value !== spec.sealedAt) {
            const msg = `the deployed stack ${ctx.vendor} is not sealed as stacks/${ctx.vendor}.yaml says (deployed sealed=${JSON.stringify(outputs.sealed?.value ?? null)}, sealedAt=${JSON.stringify(outputs.sealedAt?.value ?? null)})`;
            if (command === "destroy") throw new CliError(`${msg}: run \`enclave seal ${ctx.vendor}\` first, or pass --seal-first`, EXIT.invalidInput);
            throw new CliError(msg);
        }
        const targets = targetsFor(spec, outputs);
        const result = await verifyLoop(ctx, "verify-seal", async () => sealFindings(await observe(ctx.deps.aws, targets), targets, spec.sealedAt!));
        return { ...result, sealedAt: spec.sealedAt, keyArn: targets.keyId ?? null };
    },
});

const verifyUnseal: Step = {
    name: "verify-unseal",
    destructive: false,
    async run(ctx) {
        const outputs = await ctx.stack!.outputs();
        if (outputs.sealed?.value !== false) throw new CliError(`the deployed stack ${ctx.vendor} still reports sealed=${JSON.stringify(outputs.sealed?.value ?? null)} after up`);
        const targets = targetsFor(ctx.spec(), outputs);
        return verifyLoop(ctx, "verify-unseal", async () => unsealFindings(await observe(ctx.deps.aws, targets), targets));
    },
};

const exportEvidence: Step = {
    name: "export-evidence",
    destructive: false,
    async run(ctx) {
        const { deps, vendor } = ctx;
        const stamp = evidenceStamp(new Date(ctx.runStartedAt));
        const dir = path.join(deps.evidenceDir, vendor, stamp);
        const exported = await ctx.stack!.exportStack();
        const outputs = await ctx.stack!.outputs();
        const spec = ctx.spec();
        const sealRuns = readJournal(journalPath(deps.incidentsDir, vendor)).filter((e) => e.step === "write-spec" || e.step === "up" || e.step === "verify-seal");
        const bundle = buildBundle({
            vendor,
            exported,
            outputs,
            sealRecord: {
                spec: { sealed: spec.sealed, sealedAt: spec.sealedAt ?? null },
                deployed: { sealed: outputs.sealed?.value ?? null, sealedAt: outputs.sealedAt?.value ?? null },
                incidentLog: sealRuns,
            },
            operator: { user: deps.operator, awsIdentity: ctx.identity?.arn ?? "unknown" },
            timestamps: { runStarted: ctx.runStartedAt, evidenceCollected: iso(deps.clock.now()) },
        });
        writeBundle(dir, bundle);
        const keyArn = typeof outputs.keyArn?.value === "string" ? outputs.keyArn.value : null;
        return { dir, stamp, files: Object.keys(bundle.files), keyArn };
    },
};

const archiveEvidence: Step = {
    name: "archive-evidence",
    destructive: false,
    async run(ctx) {
        const ev = ctx.data["export-evidence"] as { dir: string; stamp: string; files: string[] };
        const spec = ctx.spec();
        const bucket = archiveBucketName(spec.account.id, spec.account.region);
        const prefix = `${archivePrefixes.evidence(ctx.vendor)}${ev.stamp}/`;
        for (const name of ev.files) {
            const file = path.join(ev.dir, name);
            if (!fs.existsSync(file)) throw new CliError(`evidence file ${file} is missing; it was written by an earlier run and must not be regenerated after a partial destroy`);
            await ctx.deps.archive.put(bucket, `${prefix}${name}`, fs.readFileSync(file, "utf8"));
        }
        return { bucket, prefix };
    },
};

const refresh: Step = {
    name: "refresh",
    destructive: false,
    async run(ctx) {
        await ctx.stack!.refresh();
    },
};

const destroy: Step = {
    name: "destroy",
    destructive: true,
    async run(ctx) {
        return { changes: await ctx.stack!.destroy() };
    },
};

const verifyTeardown: Step = {
    name: "verify-teardown",
    destructive: false,
    async run(ctx) {
        const keyArn = (ctx.data["export-evidence"]?.keyArn as string | null) ?? undefined;
        const result = await verifyLoop(ctx, "verify-teardown", async () => {
            const left = remainingStateResources(await ctx.stack!.exportStack());
            const tagged = (await ctx.deps.aws.taggedResources("enclave:vendor", ctx.vendor)).map((r) => r.arn);
            const keyState = keyArn ? await ctx.deps.aws.keyState(keyArn) : "NotFound";
            return teardownFindings(left, tagged, keyArn, keyState);
        });
        return { ...result, keyArn: keyArn ?? null, keyState: "PendingDeletion" };
    },
};

export function stepsFor(command: Command, opts: DestroyOptions = {}): Step[] {
    switch (command) {
        case "seal":
            return [preflight("seal"), writeSpec(true), preview("seal"), up, verifySeal("seal")];
        case "unseal":
            return [preflight("unseal"), writeSpec(false), preview("unseal"), up, verifyUnseal];
        case "destroy":
            return [
                preflight("destroy"),
                ...(opts.sealFirst ? [writeSpec(true), preview("destroy"), up] : []),
                verifySeal("destroy"),
                exportEvidence,
                archiveEvidence,
                refresh,
                destroy,
                verifyTeardown,
            ];
    }
}

// ---- the engine ----------------------------------------------------------------------------------------------------

export async function runCommand(command: Command, vendor: string, deps: RunbookDeps, opts: DestroyOptions = {}): Promise<void> {
    const { file, spec } = selectVendor(vendor, deps.stacksDir);
    const journal = journalPath(deps.incidentsDir, vendor);
    const entries = readJournal(journal);
    const resumed = openRun(entries, command);
    const refuse = (message: string, code: number = EXIT.invalidInput): never => {
        const now = iso(deps.clock.now());
        appendJournal(journal, { run: `refused-${now}`, command, vendor, step: "refusal", start: now, end: now, result: "failed", operator: deps.operator, error: message });
        throw new CliError(message, code);
    };
    if (command === "destroy") {
        // Refuse before touching anything: a destroy needs a sealed vendor and a human's (or --yes) confirmation.
        if (!opts.yes && !deps.confirm.interactive) refuse(`refusing to destroy ${vendor} without confirmation: stdin is not a terminal; pass --yes to confirm`);
        if (!spec.sealed && !opts.sealFirst && !resumed) refuse(`refusing to destroy ${vendor}: it is not sealed (stacks/${vendor}.yaml has sealed: false); run \`enclave seal ${vendor}\` first or pass --seal-first`);
    }
    if (command === "unseal") {
        // Unsealing lifts SealRevokeOlderSessions: every session issued before sealedAt (a stolen one included) would
        // work again at once. So no unseal until the longest of them has expired. (A resumed unseal past write-spec
        // has an unsealed spec: it passed this check when it started.)
        const notBefore = unsealNotBefore(spec);
        if (notBefore && deps.clock.now() < notBefore) {
            refuse(
                `refusing to unseal ${vendor} before ${iso(notBefore)}: sessions issued before the seal (${spec.sealedAt}) may be valid until then (vendor role ${spec.access.maxSessionSeconds} s, workload instance-profile credentials up to ${INSTANCE_PROFILE_CREDENTIALS_MAX_SECONDS / 3600} h, plus ${CLOCK_SKEW_MARGIN_SECONDS / 60} min clock skew) and unsealing would let them work again`,
            );
        }
    }

    const startedAt = resumed?.startedAt ?? iso(deps.clock.now());
    const run = resumed?.run ?? `${command}-${evidenceStamp(new Date(startedAt))}`;
    const ctx: Ctx = {
        vendor,
        file,
        deps,
        runStartedAt: startedAt,
        data: Object.fromEntries(resumed?.finished ?? []),
        spec: () => loadVendorSpec(file, vendor),
    };
    const steps = stepsFor(command, opts);
    const finished = (s: Step) => !s.always && !!resumed?.finished.has(s.name) && (!s.rerunUntil || resumed.finished.has(s.rerunUntil));
    const firstTodo = steps.find((s) => !s.always && !finished(s));
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

    let confirmed = false;
    for (const step of steps) {
        if (command === "destroy" && !step.always && !confirmed) {
            // After preflight (so the operator sees the run and the identity), before anything else, on every rerun.
            await confirmDestroy(vendor, deps, opts, refuse);
            confirmed = true;
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

async function confirmDestroy(vendor: string, deps: RunbookDeps, opts: DestroyOptions, refuse: (m: string, c?: number) => never): Promise<void> {
    if (opts.yes) return;
    if (!deps.confirm.interactive) refuse(`refusing to destroy ${vendor} without confirmation: stdin is not a terminal; pass --yes to confirm`);
    const answer = (await deps.confirm.ask(`Type the vendor id (${vendor}) to destroy its enclave (evidence is kept; the key is scheduled for deletion): `)).trim();
    if (answer !== vendor) refuse(`confirmation "${answer}" does not match ${vendor}; nothing was destroyed`);
}
