import * as fs from "node:fs";
import * as path from "node:path";
import { CliError, describeFailure, EXIT } from "../contract/errors";
import { SEAL_FIELDS, sealEntryOf } from "../contract/seal";
import { CLOCK_SKEW_MARGIN_SECONDS, INSTANCE_PROFILE_CREDENTIALS_MAX_SECONDS, unsealNotBefore, type SealMoment } from "../contract/unsealWindow";
import { archiveBucketName, archivePrefixes, vendorNames } from "../iam/names";
import { checkVendorAgainstSecurity, loadOrganizationSpec, loadSecuritySpec, loadVendorSpec, organizationSpecPath } from "../config/load";
import { accountOfArn, memberProviderRoleArn, memberProviderSessionName, roleNameOfArn } from "../contract/operators";
import { resolveSecuritySpecFile, vendorFileById } from "../config/select";
import type { VendorSpec } from "../config/schema";
import { iso, secs, type CommandPlan, type Ctx, type Step } from "./engine";
import { buildBundle, evidenceStamp, writeBundle } from "./evidence";
import { journalPath, readJournal, type JournalEntry } from "./journal";
import { retryUntilClean } from "./retry";
import { writeSealState } from "./specFile";
import { DEFAULT_RETRY, type CallerIdentity, type PreviewStep, type RunbookDeps, type StackOutput } from "./types";
import { containStep, operatorArns, reconcileGate, verifyContain } from "./containSteps";
import { isAccountMode, organizationRelease, retireMemberAccount } from "./quarantine";
import { contentOffence, isSealOnly, maskedDocuments, PROVIDER_TYPE, providerOffence, sealStatements, type SealStatements } from "./previewGuard";
import { observe, remainingStateResources, sealFindings, targetsFor, teardownFindings, unsealFindings } from "./verify";

// The breach runbook's commands: seal, unseal and destroy as ordered lists of steps (run by runbook/engine.ts), with
// their gates (the unseal window, the destroy confirmation) and admission checks. What the seal changes comes from the
// seal catalogue (contract/seal.ts): the preview guard admits exactly that.

export type Command = "seal" | "unseal" | "destroy";

// The window itself lives in contract/unsealWindow.ts: the vendor stack program enforces it too.
export { CLOCK_SKEW_MARGIN_SECONDS, INSTANCE_PROFILE_CREDENTIALS_MAX_SECONDS, unsealNotBefore, type SealMoment };

export interface DestroyOptions {
    yes?: boolean;
    sealFirst?: boolean;
    /** Account mode: keep the member account in the Quarantine OU instead of closing it. */
    park?: boolean;
}

/** How a command is planned: `contain` puts the direct AWS containment in front of the seal's Pulumi reconcile. */
export interface PlanOptions extends DestroyOptions {
    contain?: boolean;
    /** The vendor is an account-mode enclave: the organization steps of runbook/quarantine.ts join unseal and destroy. */
    accountMode?: boolean;
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
    if (outputs.sealed?.value === true && typeof outputs.sealedAt?.value === "string")
        moments.push({ at: outputs.sealedAt.value, source: "the deployed stack's sealedAt" });
    for (const e of journal) {
        if (e.vendor === vendor && e.command === "seal" && e.step === "verify-seal" && e.result === "ok" && e.end)
            moments.push({ at: e.end, source: `verify-seal of run ${e.run}` });
    }
    return moments.filter((m) => !Number.isNaN(Date.parse(m.at)));
}

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
            throw new CliError(
                `the AWS credentials are for account ${identity.account} (${identity.arn}); ${vendor}'s enclave is in ${spec.account.id}: use the deployer role of that account`,
            );
        }
        const stacks = await deps.stacks.listStacks();
        if (!stacks.some((s) => s === vendor || s.endsWith(`/${vendor}`))) {
            throw new CliError(`stack "${vendor}" does not exist in the backend ${tooling.backend}: check \`pulumi login\` (and PULUMI_BACKEND_URL)`);
        }
        ctx.stack = await deps.stacks.select(vendor);
        ctx.identity = identity;
        if (isAccountMode(spec)) await requireBreakGlass(ctx, identity);
        return { pulumi: tooling.pulumiVersion, backend: tooling.backend, identity: identity.arn };
    },
});

/** The role name of a caller: `arn:aws:sts::<account>:assumed-role/<name>/<session>` or a role ARN. */
const callerRoleName = (arn: string): string => (arn.includes(":assumed-role/") ? (arn.split("/")[1] ?? "") : roleNameOfArn(arn));

/**
 * Account mode: the runbook acts in the member account as its break-glass role, the one principal the quarantine SCP
 * lets act in a quarantined account (contain, verify, the evidence reads; the stack's provider assumes it while
 * sealed). Any other caller is refused before a step touches the account: as the deployer every in-account read and
 * write of a quarantined account would fail half-way.
 */
async function requireBreakGlass(ctx: Ctx, identity: CallerIdentity): Promise<void> {
    const operators = await operatorArns(ctx);
    if ("error" in operators) throw new CliError(`${ctx.vendor} is an account-mode enclave: its break-glass role is unknown (${operators.error})`);
    const name = roleNameOfArn(operators.breakGlassRoleArn);
    if (callerRoleName(identity.arn) !== name)
        throw new CliError(
            `the AWS credentials are ${identity.arn}; ${ctx.vendor} is an account-mode enclave, and in its account the runbook acts as ${operators.breakGlassRoleArn}, the only role the quarantine SCP lets act there: use that role's credentials`,
        );
}

const writeSpec = (seal: boolean): Step => ({
    name: "write-spec",
    destructive: true,
    async run(ctx) {
        const spec = ctx.spec();
        // Re-sealing keeps the original seal time: sessions were revoked as of the first seal. After contain, the time
        // its documents carry, so that Pulumi renders exactly what contain wrote.
        const contained = ctx.data.contain?.sealedAt as string | undefined;
        const sealedAt = seal ? (spec.sealed && spec.sealedAt ? spec.sealedAt : (contained ?? iso(ctx.deps.clock.now()))) : undefined;
        writeSealState(ctx.file, sealedAt);
        const after = ctx.spec(); // validates the edited file
        return { sealed: after.sealed, sealedAt: after.sealedAt ?? null, file: path.relative(path.dirname(ctx.deps.stacksDir), ctx.file) };
    },
});

/** Only in-place updates (and reads, e.g. the StackReference to the security stack) may run mid-incident, plus the seal-only resources' create (seal) or delete (unseal). */
export const PREVIEW_ALLOWED_OPS = ["same", "update", "read"] as const;

export { SEAL_FIELDS };

/** Why a preview step is not the seal's (or the unseal's); undefined when it is (or changes nothing). */
function offendingStep(
    s: PreviewStep,
    vendor: string,
    sealing: boolean,
    expected: SealStatements | undefined,
    provider?: { accountMode: boolean; change?: { from: string; to: string; sessionName: string } },
): string | undefined {
    if (s.op === "same" || s.op === "read") return undefined;
    // Account mode: the provider's assumed role follows the seal (break-glass while sealed); nothing else of it changes.
    if (provider?.accountMode && s.type === PROVIDER_TYPE) return providerOffence(s, vendor, provider.change);
    const entry = sealEntryOf(s.type);
    // A seal-only resource (the role seal policies): its create holds only the seal statements, as rendered.
    if (isSealOnly(s, vendor, sealing)) return contentOffence(s, entry!.kind, sealing, expected);
    const allowed = entry?.fields;
    const fields = s.diffs?.length ? ` of ${s.diffs.join(", ")}` : "";
    if (s.op !== "update" || !allowed) return `${s.op}${fields} of ${s.urn}`;
    // An engine that does not say which inputs change cannot show the update is the seal's: fail closed.
    if (!s.diffs?.length)
        return `update of ${s.urn} without the changed inputs in the engine's event (an older Pulumi CLI?), so it cannot be shown to touch only the seal fields`;
    const extra = s.diffs.filter((d) => !allowed.includes(d));
    if (extra.length) return `update of ${extra.join(", ")} of ${s.urn} (a seal changes only ${allowed.join(", ")})`;
    // The right fields: now what they change to. A policy field may carry anything.
    return contentOffence(s, entry!.kind, sealing, expected);
}

// The seal's `up` deploys the whole program from the working tree: an uncommitted or unreviewed change would go out
// mid-incident with it. The preview refuses every resource step but an in-place update of seal fields (an unreviewed
// in-place change, e.g. a widened policy elsewhere, is as dangerous as a replacement) and the create (seal) or delete
// (unseal) of the seal-only resources the catalogue names; within a seal field, the old and new documents may differ
// only by the seal statements as the builders render them (runbook/previewGuard.ts); the change summary is checked
// too, as a second line of defence. It is not destructive, and on resume it runs again before `up` because the working tree may have changed.
const preview = (command: Command): Step => ({
    name: "preview",
    destructive: false,
    rerunUntil: "up",
    async run(ctx) {
        const { changes, steps } = await ctx.stack!.preview();
        const sealing = command !== "unseal";
        const fix = `revert them, then rerun \`enclave ${command} ${ctx.vendor}\` to resume`;
        // What the seal statements must say: the builders' rendering for the sealed spec and the deployed ids.
        const spec = ctx.spec();
        const accountMode = isAccountMode(spec) && spec.memberAccount !== undefined;
        const operators = (sealing && spec.sealedAt) || accountMode ? await operatorArns(ctx) : undefined;
        const expected =
            sealing && spec.sealedAt
                ? sealStatements(spec, await ctx.stack!.outputs(), spec.sealedAt, operators && !("error" in operators) ? operators : undefined)
                : undefined;
        // Account mode: sealing moves the provider from the member account's deployer to its break-glass, unsealing back.
        const known = operators && !("error" in operators) ? operators : undefined;
        const provider = {
            accountMode,
            change: known && {
                from: memberProviderRoleArn(!sealing, known),
                to: memberProviderRoleArn(sealing, known),
                sessionName: memberProviderSessionName(ctx.vendor),
            },
        };
        const offending = steps.map((s) => offendingStep(s, ctx.vendor, sealing, expected, provider)).find((o) => o !== undefined);
        if (offending)
            throw new CliError(
                `refusing to deploy ${ctx.vendor}: the preview shows a change beyond the seal fields: ${offending}; the working tree holds unreviewed changes: ${fix}`,
            );
        // The seal-only op (create on seal, delete on unseal) may be counted, but no more of it than the steps that are
        // the seal-only resources'; every other op but same, update and read is refused outright.
        const sealOnlyOp = sealing ? "create" : "delete";
        const sealOnlyDescribed = steps.filter((s) => isSealOnly(s, ctx.vendor, sealing)).length;
        const counts = Object.entries(changes).filter(([, n]) => n > 0);
        if (counts.some(([op, n]) => !(PREVIEW_ALLOWED_OPS as readonly string[]).includes(op) && !(op === sealOnlyOp && n <= sealOnlyDescribed))) {
            throw new CliError(
                `refusing to deploy ${ctx.vendor}: the preview shows more than in-place updates (${counts.map(([op, n]) => `${op} ${n}`).join(", ")}); the working tree holds changes beyond the seal fields: ${fix}`,
            );
        }
        // Updates the summary counts but no event described could be anything: fail closed.
        const described = steps.filter((s) => s.op === "update").length;
        if ((changes.update ?? 0) > described) {
            throw new CliError(
                `refusing to deploy ${ctx.vendor}: the preview counts ${changes.update} update(s) but the engine described ${described}, so they cannot be shown to touch only the seal fields; rerun \`enclave ${command} ${ctx.vendor}\` to resume`,
            );
        }
        const masked = steps.flatMap(maskedDocuments);
        if (masked.length) ctx.deps.out(`    preview: checked by field only (the engine masks them as secret): ${masked.join("; ")}`);
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
        // The operator roles the sealed documents keep, from the security spec (or the security stack's outputs).
        const operators = await operatorArns(ctx);
        const targets = targetsFor(spec, outputs, "error" in operators ? undefined : operators);
        const result = await verifyLoop(ctx, "verify-seal", async () => sealFindings(await observe(ctx.deps.aws, targets), targets, spec.sealedAt!));
        return { ...result, sealedAt: spec.sealedAt, keyArn: targets.keyId ?? null };
    },
});

const verifyUnseal: Step = {
    name: "verify-unseal",
    destructive: false,
    async run(ctx) {
        const outputs = await ctx.stack!.outputs();
        if (outputs.sealed?.value !== false)
            throw new CliError(`the deployed stack ${ctx.vendor} still reports sealed=${JSON.stringify(outputs.sealed?.value ?? null)} after up`);
        const targets = targetsFor(ctx.spec(), outputs);
        return verifyLoop(ctx, "verify-unseal", async () => unsealFindings(await observe(ctx.deps.aws, targets), targets));
    },
};

/**
 * The workload log group (workload logs and session transcripts): destroy deletes it with the stack, so its events go
 * into the bundle first. It is encrypted with the archive key, not the vendor's, so it stays readable after the seal
 * disabled the vendor key. A reader without log access leaves it out, and the manifest says why.
 */
async function workloadLogsOf(deps: RunbookDeps, group: string) {
    if (!deps.aws.logEvents) return { group, missing: "this runbook's AWS reader does not read logs" };
    const r = await deps.aws.logEvents(group);
    return r ? { group, ...r } : { group, missing: "no such log group" };
}

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
        const sealRuns = readJournal(journalPath(deps.incidentsDir, vendor)).filter(
            (e) => e.step === "write-spec" || e.step === "up" || e.step === "verify-seal" || e.step === "verify-contain" || e.step.startsWith("contain"),
        );
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
            workloadLogs: await workloadLogsOf(deps, vendorNames(vendor).workloadLogGroup),
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
        // Account mode: the archive is the log-archive account's, not one named after the member account.
        const logArchive = isAccountMode(spec) ? await logArchiveTarget(ctx) : undefined;
        const bucket = logArchive?.bucket ?? archiveBucketName(spec.account.id, spec.account.region);
        const prefix = `${archivePrefixes.evidence(ctx.vendor)}${ev.stamp}/`;
        for (const name of ev.files) {
            const file = path.join(ev.dir, name);
            if (!fs.existsSync(file))
                throw new CliError(`evidence file ${file} is missing; it was written by an earlier run and must not be regenerated after a partial destroy`);
            await ctx.deps.archive.put(bucket, `${prefix}${name}`, fs.readFileSync(file, "utf8"));
        }
        return logArchive ? { bucket, prefix, account: logArchive.account, uploader: logArchive.uploader ?? null } : { bucket, prefix };
    },
};

/**
 * Account mode: the evidence archive is the security stack's bucket in the log-archive account (the organization
 * spec's logArchiveAccountId, which must be the security stack's account), written as that account's deployer: the
 * archive's bucket and key policies admit evidence writes from it alone (DeployerWritesEvidenceOnly, DenyForgedLogs,
 * DeployerEncryptsEvidenceViaS3), each put with If-None-Match (EvidenceNeverOverwritten). No member-account principal
 * is granted anything on the archive for it. An uploader that is not that deployer is refused before the first put.
 */
async function logArchiveTarget(ctx: Ctx): Promise<{ bucket: string; account: string; uploader?: string }> {
    const security = loadSecuritySpec(resolveSecuritySpecFile(undefined, ctx.deps.stacksDir));
    const org = loadOrganizationSpec(organizationSpecPath(ctx.deps.stacksDir));
    const account = org.logArchiveAccountId;
    if (account !== security.account.id)
        throw new CliError(
            `stacks/organization.yaml: logArchiveAccountId is ${account} but the security stack (the log archive) is in ${security.account.id}: the evidence of ${ctx.vendor} would go to an archive that does not exist. Fix: set logArchiveAccountId: "${security.account.id}"`,
            EXIT.invalidInput,
        );
    const bucket = archiveBucketName(account, security.account.region);
    const who = ctx.deps.archive.uploader ? await ctx.deps.archive.uploader() : undefined;
    if (who && (accountOfArn(who.arn) !== account || callerRoleName(who.arn) !== roleNameOfArn(security.deployerRoleArn)))
        throw new CliError(
            `the evidence archive s3://${bucket} admits evidence writes from ${security.deployerRoleArn} alone, but the archive credentials are ${who.arn}: set ENCLAVE_ARCHIVE_PROFILE to a profile of that role, then rerun \`enclave destroy ${ctx.vendor}\` to resume`,
        );
    return { bucket, account, ...(who ? { uploader: who.arn } : {}) };
}

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

/** The unseal window as a gate: after preflight (it needs the deployed stack's outputs), before write-spec. */
const unsealWindow: Step = {
    name: "unseal-window",
    destructive: false,
    gate: true,
    async run(ctx) {
        // A resumed unseal that reached write-spec (even one killed inside it) may have unsealed the spec already: it
        // passed this check before write-spec started.
        const resumed = ctx.resumed;
        if (resumed && ctx.journal.some((e) => e.run === resumed.run && e.step === "write-spec")) return;
        await checkUnsealWindow(ctx);
    },
};

/** The destroy confirmation as a gate: after preflight (so the operator sees the run and the identity), before anything else, on every rerun. */
const confirmDestroyGate = (opts: DestroyOptions): Step => ({
    name: "confirm-destroy",
    destructive: false,
    gate: true,
    async run(ctx) {
        await confirmDestroy(ctx, opts);
    },
});

/** Refuse before touching anything: a destroy needs the archive its evidence goes to, a sealed vendor and a human's (or --yes) confirmation. */
function admitDestroy(opts: DestroyOptions) {
    return (ctx: Ctx): void => {
        const { vendor, deps } = ctx;
        const spec = ctx.spec();
        try {
            checkArchiveAccount(spec, ctx.file, deps.stacksDir);
        } catch (err) {
            ctx.refuse(describeFailure(err).message);
        }
        if (!opts.yes && !deps.confirm.interactive)
            ctx.refuse(`refusing to destroy ${vendor} without confirmation: stdin is not a terminal; pass --yes to confirm`);
        if (!spec.sealed && !opts.sealFirst && !ctx.resumed)
            ctx.refuse(
                `refusing to destroy ${vendor}: it is not sealed (stacks/${vendor}.yaml has sealed: false); run \`enclave seal ${vendor}\` first or pass --seal-first`,
            );
    };
}

/** A command's admission checks, gates and steps. */
export function commandPlan(command: Command, opts: PlanOptions = {}): CommandPlan {
    switch (command) {
        case "seal":
            // Contain first (seconds, AWS only), then the reconcile through Pulumi; without Pulumi the run stops at the
            // reconcile gate with its own exit code, contained and verified.
            if (opts.contain)
                return { steps: [containStep, verifyContain, writeSpec(true), reconcileGate, preflight("seal"), preview("seal"), up, verifySeal("seal")] };
            return { steps: [preflight("seal"), writeSpec(true), preview("seal"), up, verifySeal("seal")] };
        case "unseal":
            // Account mode: the quarantine is lifted first; in the Quarantine OU nothing but break-glass can act.
            if (opts.accountMode)
                return { steps: [preflight("unseal"), unsealWindow, organizationRelease, writeSpec(false), preview("unseal"), up, verifyUnseal] };
            return { steps: [preflight("unseal"), unsealWindow, writeSpec(false), preview("unseal"), up, verifyUnseal] };
        case "destroy":
            return {
                admit: admitDestroy(opts),
                steps: [
                    preflight("destroy"),
                    confirmDestroyGate(opts),
                    ...(opts.sealFirst ? [writeSpec(true), preview("destroy"), up] : []),
                    verifySeal("destroy"),
                    exportEvidence,
                    archiveEvidence,
                    // Account mode: closing (or parking) the quarantined account after the evidence replaces the
                    // Pulumi destroy, which the quarantine SCP would refuse to every role but break-glass.
                    ...(opts.accountMode ? [retireMemberAccount(opts.park ? "park" : "close")] : [refresh, destroy, verifyTeardown]),
                ],
            };
    }
}

/** The recorded steps of a command, in order (gates are not steps of the run). */
export function stepsFor(command: Command, opts: PlanOptions = {}): Step[] {
    return commandPlan(command, opts).steps.filter((s) => !s.gate);
}

/**
 * Unsealing lifts SealRevokeOlderSessions: every session issued before the seal took effect (a stolen one included)
 * would work again at once. So no unseal until the longest of them has expired, counted from the latest moment the
 * seal may have taken effect (sealMoments). And no unseal from a checkout that does not know the seal: its spec would
 * not be the desired state, and the wait could not be computed from it.
 */
async function checkUnsealWindow(ctx: Ctx): Promise<void> {
    const { vendor, deps, refuse } = ctx;
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

async function confirmDestroy(ctx: Ctx, opts: DestroyOptions): Promise<void> {
    const { vendor, deps, refuse } = ctx;
    if (opts.yes) return;
    if (!deps.confirm.interactive) refuse(`refusing to destroy ${vendor} without confirmation: stdin is not a terminal; pass --yes to confirm`);
    const answer = (
        await deps.confirm.ask(`Type the vendor id (${vendor}) to destroy its enclave (evidence is kept; the key is scheduled for deletion): `)
    ).trim();
    if (answer !== vendor) refuse(`confirmation "${answer}" does not match ${vendor}; nothing was destroyed`);
}
