import { CliError, describeFailure, EXIT } from "../contract/errors";
import { loadSecuritySpec } from "../config/load";
import { resolveSecuritySpecFile } from "../config/select";
import { contain, containLines, type OperatorArns } from "./contain";
import { iso, secs, type Ctx, type Step } from "./engine";
import { retryUntilClean } from "./retry";
import { DEFAULT_RETRY, type StackOutput } from "./types";
import { observe, sealFindings, targetsFor } from "./verify";
import { accountQuarantine, accountQuarantineFindings } from "./quarantine";
import { enclaveOperators } from "../iam/organization";

// The seal's first minute as runbook steps: contain (the seal written directly to AWS), verify-contain (read back by
// content), then the reconcile gate in front of the Pulumi steps. Each write of contain gets its own incident-log line
// ("contain:<write id>") as it succeeds, so a rerun of the same run applies only what is still missing.

const CONTAIN_PREFIX = "contain:";

/**
 * The operator roles the key and bucket policies must keep: from stacks/security.yaml, else from the security stack's
 * outputs when a Pulumi backend answers. Neither: the writes that need them are reported failed, the rest still run.
 */
export async function operatorArns(ctx: Ctx): Promise<OperatorArns | { error: string }> {
    let specError: string;
    try {
        const sec = loadSecuritySpec(resolveSecuritySpecFile(undefined, ctx.deps.stacksDir));
        // Account mode: the member account's deployer and break-glass (the documents the plan renders name those).
        return enclaveOperators(ctx.spec(), {
            deployerRoleArn: sec.deployerRoleArn,
            breakGlassRoleArn: sec.breakGlassRoleArn,
            source: "stacks/security.yaml",
        });
    } catch (err) {
        specError = describeFailure(err).message;
    }
    try {
        await ctx.deps.stacks.checkTooling("seal");
        const outputs = await (await ctx.deps.stacks.select("security")).outputs();
        const d = outputs.deployerRoleArn?.value;
        const b = outputs.breakGlassRoleArn?.value;
        if (typeof d === "string" && typeof b === "string" && d && b)
            return enclaveOperators(ctx.spec(), { deployerRoleArn: d, breakGlassRoleArn: b, source: "the security stack's outputs" });
        return { error: `${specError}; the security stack's outputs carry no deployerRoleArn/breakGlassRoleArn` };
    } catch (err) {
        return { error: `${specError}; the security stack's outputs are not reachable either (${describeFailure(err).message})` };
    }
}

/** Writes of this run an earlier invocation applied, and the sealedAt they were rendered for. */
function earlierWrites(ctx: Ctx): { done: Set<string>; sealedAt?: string } {
    const run = ctx.resumed?.run;
    const mine = run ? ctx.journal.filter((e) => e.run === run && e.step.startsWith(CONTAIN_PREFIX) && e.result === "ok") : [];
    return {
        done: new Set(mine.map((e) => e.step.slice(CONTAIN_PREFIX.length))),
        sealedAt: mine.map((e) => e.data?.sealedAt).find((x): x is string => typeof x === "string"),
    };
}

export const containStep: Step = {
    name: "contain",
    destructive: true,
    async run(ctx) {
        const { deps, vendor } = ctx;
        if (!deps.contain) throw new CliError(`seal ${vendor}: no AWS clients to contain with`);
        const spec = ctx.spec();
        const earlier = earlierWrites(ctx);
        // Re-sealing keeps the original seal time; a resumed contain keeps the time its first writes carry.
        const sealedAt = spec.sealed && spec.sealedAt ? spec.sealedAt : (earlier.sealedAt ?? iso(deps.clock.now()));
        const operators = await operatorArns(ctx);
        if ("error" in operators) deps.out(`    operator roles unknown: ${operators.error}`);
        const [outcome, quarantine] = await Promise.all([
            contain({
                clients: deps.contain.clients,
                spec,
                sealedAt,
                operators,
                incident: ctx.run,
                done: earlier.done,
                onApplied: (r) => ctx.record(`${CONTAIN_PREFIX}${r.id}`, { sealedAt, resource: r.resource, action: r.action }),
                afterWrite: deps.contain.afterWrite,
            }),
            accountQuarantine(ctx, spec),
        ]);
        outcome.results.push(...quarantine);
        for (const line of containLines(outcome.results)) deps.out(line);
        const failed = outcome.results.filter((r) => !r.ok);
        const applied = outcome.results.filter((r) => r.ok && !r.skipped).length;
        if (failed.length) {
            throw new CliError(
                `contain ${vendor}: ${failed.length} of ${outcome.results.length} writes failed (${failed.map((r) => r.error).join("; ")}); the other ${outcome.results.length - failed.length} are applied. Fix the cause (RUNBOOK.md "a call keeps failing") and rerun \`enclave seal ${vendor}\`: it applies only what is missing`,
            );
        }
        const l = outcome.lookup;
        return {
            sealedAt,
            applied,
            skipped: outcome.results.length - applied,
            keyArn: l.keyArn ?? null,
            s3EndpointId: l.s3EndpointId ?? null,
            vpcId: l.vpcId ?? null,
            operators: "error" in operators ? null : operators.source,
        };
    },
};

/** verify-seal by content against what contain found, with the runbook's retries (IAM propagation). */
export const verifyContain: Step = {
    name: "verify-contain",
    destructive: false,
    async run(ctx) {
        const { deps } = ctx;
        const c = ctx.data.contain as { sealedAt: string; keyArn: string | null; s3EndpointId: string | null; vpcId: string | null };
        const v = (value: string | null): StackOutput => ({ value: value ?? undefined, secret: false });
        const operators = await operatorArns(ctx);
        const targets = targetsFor(
            ctx.spec(),
            { keyArn: v(c.keyArn), s3EndpointId: v(c.s3EndpointId), vpcId: v(c.vpcId) },
            "error" in operators ? undefined : operators,
        );
        const policy = deps.retry ?? DEFAULT_RETRY;
        const { findings, attempts } = await retryUntilClean(
            async () => [...sealFindings(await observe(deps.aws, targets), targets, c.sealedAt), ...(await accountQuarantineFindings(ctx))],
            policy,
            deps.clock,
            (attempt, f, delay) =>
                deps.out(`    verify-contain: ${f.length} gap(s), e.g. ${f[0]}; retrying in ${secs(delay)} (attempt ${attempt}/${policy.attempts})`),
        );
        if (findings.length) throw new CliError(`verify-contain: still not confirmed after ${attempts} reads: ${findings.join("; ")}`);
        return { attempts, sealedAt: c.sealedAt };
    },
};

/**
 * The reconcile needs the Pulumi CLI and a backend. Without them the seal is contained and verified but the stack and
 * the spec have not caught up: one line, its own exit code, and how to finish.
 */
export const reconcileGate: Step = {
    name: "reconcile",
    destructive: false,
    gate: true,
    async run(ctx) {
        try {
            await ctx.deps.stacks.checkTooling("seal");
        } catch (err) {
            const why = describeFailure(err).message;
            ctx.refuse(
                `seal ${ctx.vendor}: contained and verified against AWS; reconcile pending (${why}): run \`enclave seal ${ctx.vendor}\` again where the Pulumi CLI and backend are reachable, and commit stacks/${ctx.vendor}.yaml`,
                EXIT.reconcilePending,
            );
        }
    },
};
