import * as fs from "node:fs";
import * as path from "node:path";
import { CliError, describeFailure, EXIT } from "../contract/errors";
import { archiveBucketName, archivePrefixes } from "../iam/names";
import { checkVendorAgainstSecurity, loadSecuritySpec, loadVendorSpec } from "../config/load";
import { resolveSecuritySpecFile, vendorFileById } from "../config/select";
import type { VendorSpec } from "../config/schema";
import { buildBundle, evidenceStamp, writeBundle } from "./evidence";
import { appendJournal, journalPath, openRun, readJournal, RUN_DONE, type JournalEntry } from "./journal";
import { retryUntilClean } from "./retry";
import { writeSealState } from "./specFile";
import { DEFAULT_RETRY, type CallerIdentity, type PreviewStep, type RunbookDeps, type StackHandle, type StackOutput } from "./types";
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

/** A moment the seal may have taken effect, and where the runbook read it. */
export interface SealMoment {
    at: string;
    source: string;
}

/**
 * Every moment the seal may have taken effect: the spec's sealedAt (when write-spec ran), the deployed stack's
 * sealedAt output, and the end of each successful verify-seal of a seal run in the incident log. Credentials issued
 * between write-spec and the moment the seal really applied (a seal resumed hours later) are newer than sealedAt, so
 * only the seal's deny statements stop them, and they live up to 6 h from issue: the unseal must wait from the latest
 * of these moments. Each may be missing (a spec without sealedAt, another machine's incident log).
 */
export function sealMoments(spec: VendorSpec, outputs: Record<string, StackOutput>, journal: JournalEntry[], vendor: string): SealMoment[] {
    const moments: SealMoment[] = [];
    if (spec.sealed && spec.sealedAt) moments.push({ at: spec.sealedAt, source: `sealedAt in stacks/${vendor}.yaml` });
    if (outputs.sealed?.value === true && typeof outputs.sealedAt?.value === "string") moments.push({ at: outputs.sealedAt.value, source: "the deployed stack's sealedAt" });
    for (const e of journal) {
        if (e.vendor === vendor && e.command === "seal" && e.step === "verify-seal" && e.result === "ok" && e.end) moments.push({ at: e.end, source: `verify-seal of run ${e.run}` });
    }
    return moments.filter((m) => !Number.isNaN(Date.parse(m.at)));
}

/** The earliest moment an unseal cannot revive a session issued before the seal took effect (unseal lifts SealRevokeOlderSessions). */
export function unsealNotBefore(maxSessionSeconds: number, moments: SealMoment[]): { notBefore: Date; from: SealMoment } | undefined {
    if (!moments.length) return undefined;
    const from = moments.reduce((a, b) => (Date.parse(b.at) > Date.parse(a.at) ? b : a));
    const lifetime = Math.max(maxSessionSeconds, INSTANCE_PROFILE_CREDENTIALS_MAX_SECONDS);
    return { notBefore: new Date(Date.parse(from.at) + (lifetime + CLOCK_SKEW_MARGIN_SECONDS) * 1000), from };
}

/** Only in-place updates (and reads, e.g. the StackReference to the security stack) may run mid-incident. */
export const PREVIEW_ALLOWED_OPS = ["same", "update", "read"] as const;

/**
 * The only inputs a seal or unseal may change, by resource type (test/seal-plan.test.ts proves the offline plan of a
 * seal changes exactly these). A preview update of any other type or input is not the seal and is refused.
 */
export const SEAL_FIELDS: Readonly<Record<string, readonly string[]>> = {
    "aws:iam/rolePolicy:RolePolicy": ["policy"],
    "aws:iam/role:Role": ["assumeRolePolicy"],
    "aws:s3/bucketPolicy:BucketPolicy": ["policy"],
    "aws:ec2/vpcEndpoint:VpcEndpoint": ["policy"],
    "aws:kms/key:Key": ["isEnabled", "policy"],
    "aws:route53/resolverFirewallRule:ResolverFirewallRule": ["action", "blockResponse"],
};

/** Why a preview step is not an in-place update of seal fields only; undefined when it is (or changes nothing). */
function offendingStep(s: PreviewStep): string | undefined {
    if (s.op === "same" || s.op === "read") return undefined;
    const allowed = SEAL_FIELDS[s.type];
    const fields = s.diffs?.length ? ` of ${s.diffs.join(", ")}` : "";
    if (s.op !== "update" || !allowed) return `${s.op}${fields} of ${s.urn}`;
    // An engine that does not say which inputs change cannot show the update is the seal's: fail closed.
    if (!s.diffs?.length) return `update of ${s.urn} without the changed inputs in the engine's event (an older Pulumi CLI?), so it cannot be shown to touch only the seal fields`;
    const extra = s.diffs.filter((d) => !allowed.includes(d));
    return extra.length ? `update of ${extra.join(", ")} of ${s.urn} (a seal changes only ${allowed.join(", ")})` : undefined;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Offline refusals, before anything is touched: the security stack, unknown vendors, invalid specs (exit 2). It does
 * not read the security spec: the kill switch (seal) must work with stacks/security.yaml missing or broken; only
 * destroy needs it (checkArchiveAccount).
 */
export function selectVendor(vendor: string, stacksDir: string): { file: string; spec: VendorSpec } {
    const file = vendorFileById(vendor, stacksDir, "the runbook never seals or destroys the log archive");
    return { file, spec: loadVendorSpec(file, vendor) };
}

/** Destroy's evidence goes to the archive named after the account and region: they must be the security stack's. */
function checkArchiveAccount(spec: VendorSpec, file: string, stacksDir: string): void {
    checkVendorAgainstSecurity(spec, file, loadSecuritySpec(resolveSecuritySpecFile(undefined, stacksDir)));
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
// mid-incident with it. The preview refuses every resource step but an in-place update of seal fields (an unreviewed
// in-place change, e.g. a widened policy elsewhere, is as dangerous as a replacement); the change summary is checked
// too, as a second line of defence. It is not destructive, and on resume it runs again before `up` because the working
// tree may have changed since.
const preview = (command: Command): Step => ({
    name: "preview",
    destructive: false,
    rerunUntil: "up",
    async run(ctx) {
        const { changes, steps } = await ctx.stack!.preview();
        const fix = `revert them, then rerun \`enclave ${command} ${ctx.vendor}\` to resume`;
        const offending = steps.map(offendingStep).find((o) => o !== undefined);
        if (offending) throw new CliError(`refusing to deploy ${ctx.vendor}: the preview shows a change beyond the seal fields: ${offending}; the working tree holds unreviewed changes: ${fix}`);
        const counts = Object.entries(changes).filter(([, n]) => n > 0);
        if (counts.some(([op]) => !(PREVIEW_ALLOWED_OPS as readonly string[]).includes(op))) {
            throw new CliError(
                `refusing to deploy ${ctx.vendor}: the preview shows more than in-place updates (${counts.map(([op, n]) => `${op} ${n}`).join(", ")}); the working tree holds changes beyond the seal fields: ${fix}`,
            );
        }
        // Updates the summary counts but no event described could be anything: fail closed.
        const described = steps.filter((s) => s.op === "update").length;
        if ((changes.update ?? 0) > described) {
            throw new CliError(`refusing to deploy ${ctx.vendor}: the preview counts ${changes.update} update(s) but the engine described ${described}, so they cannot be shown to touch only the seal fields; rerun \`enclave ${command} ${ctx.vendor}\` to resume`);
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
        // Refuse before touching anything: a destroy needs the archive its evidence goes to, a sealed vendor and a
        // human's (or --yes) confirmation.
        try {
            checkArchiveAccount(spec, file, deps.stacksDir);
        } catch (err) {
            refuse(describeFailure(err).message);
        }
        if (!opts.yes && !deps.confirm.interactive) refuse(`refusing to destroy ${vendor} without confirmation: stdin is not a terminal; pass --yes to confirm`);
        if (!spec.sealed && !opts.sealFirst && !resumed) refuse(`refusing to destroy ${vendor}: it is not sealed (stacks/${vendor}.yaml has sealed: false); run \`enclave seal ${vendor}\` first or pass --seal-first`);
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
    let windowChecked = false;
    for (const step of steps) {
        if (command === "destroy" && !step.always && !confirmed) {
            // After preflight (so the operator sees the run and the identity), before anything else, on every rerun.
            await confirmDestroy(vendor, deps, opts, refuse);
            confirmed = true;
        }
        if (command === "unseal" && !step.always && !windowChecked) {
            // After preflight (it needs the deployed stack's outputs; preflight changes nothing), before write-spec.
            // A resumed unseal that reached write-spec (even one killed inside it) may have unsealed the spec already:
            // it passed this check before write-spec started.
            if (!resumed || !entries.some((e) => e.run === resumed.run && e.step === "write-spec")) await checkUnsealWindow(ctx, refuse);
            windowChecked = true;
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

/**
 * Unsealing lifts SealRevokeOlderSessions: every session issued before the seal took effect (a stolen one included)
 * would work again at once. So no unseal until the longest of them has expired, counted from the latest moment the
 * seal may have taken effect (sealMoments). And no unseal from a checkout that does not know the seal: its spec would
 * not be the desired state, and the wait could not be computed from it.
 */
async function checkUnsealWindow(ctx: Ctx, refuse: (m: string, c?: number) => never): Promise<void> {
    const { vendor, deps } = ctx;
    const spec = ctx.spec();
    const outputs = await ctx.stack!.outputs();
    if (outputs.sealed?.value === true && !spec.sealed) {
        refuse(
            `refusing to unseal ${vendor}: the deployed stack is sealed (sealedAt ${JSON.stringify(outputs.sealedAt?.value ?? null)}) but stacks/${vendor}.yaml is not: this checkout lacks the seal commit; pull it (\`git pull\`) first, then rerun \`enclave unseal ${vendor}\``,
        );
    }
    const window = unsealNotBefore(spec.access.maxSessionSeconds, sealMoments(spec, outputs, readJournal(journalPath(deps.incidentsDir, vendor)), vendor));
    if (window && deps.clock.now() < window.notBefore) {
        refuse(
            `refusing to unseal ${vendor} before ${iso(window.notBefore)}: sessions issued before the seal took effect (${window.from.at}, ${window.from.source}) may be valid until then (vendor role ${spec.access.maxSessionSeconds} s, workload instance-profile credentials up to ${INSTANCE_PROFILE_CREDENTIALS_MAX_SECONDS / 3600} h, plus ${CLOCK_SKEW_MARGIN_SECONDS / 60} min clock skew) and unsealing would let them work again`,
        );
    }
}

async function confirmDestroy(vendor: string, deps: RunbookDeps, opts: DestroyOptions, refuse: (m: string, c?: number) => never): Promise<void> {
    if (opts.yes) return;
    if (!deps.confirm.interactive) refuse(`refusing to destroy ${vendor} without confirmation: stdin is not a terminal; pass --yes to confirm`);
    const answer = (await deps.confirm.ask(`Type the vendor id (${vendor}) to destroy its enclave (evidence is kept; the key is scheduled for deletion): `)).trim();
    if (answer !== vendor) refuse(`confirmation "${answer}" does not match ${vendor}; nothing was destroyed`);
}
