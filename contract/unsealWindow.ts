// The unseal window, defined once: the runbook (`enclave unseal`) and the vendor stack program itself (any
// `pulumi up`, CI's included) refuse an unseal before it. Dependency-free, so both can use it.

/**
 * How long a session issued before the seal can stay valid. The vendor role's sessions last at most
 * spec.access.maxSessionSeconds (<= 3600). The workload role's credentials come from the EC2 instance profile, which
 * AWS issues for up to 6 hours (observed behaviour, not a documented bound: if AWS ever issues longer ones, raise this).
 * Plus a margin for clock skew between AWS's token issuer and the clock of the machine that decides (the operator's,
 * or the CI runner's for a plain `pulumi up`).
 */
export const INSTANCE_PROFILE_CREDENTIALS_MAX_SECONDS = 6 * 3600;
export const CLOCK_SKEW_MARGIN_SECONDS = 5 * 60;

/** A moment the seal may have taken effect, and where it was read. */
export interface SealMoment {
    at: string;
    source: string;
}

/** The earliest moment an unseal cannot revive a session issued before the seal took effect (unseal lifts SealRevokeOlderSessions). */
export function unsealNotBefore(maxSessionSeconds: number, moments: SealMoment[]): { notBefore: Date; from: SealMoment } | undefined {
    if (!moments.length) return undefined;
    const from = moments.reduce((a, b) => (Date.parse(b.at) > Date.parse(a.at) ? b : a));
    const lifetime = Math.max(maxSessionSeconds, INSTANCE_PROFILE_CREDENTIALS_MAX_SECONDS);
    return { notBefore: new Date(Date.parse(from.at) + (lifetime + CLOCK_SKEW_MARGIN_SECONDS) * 1000), from };
}

/** Why the window is what it is, in one clause (shared by the runbook's and the program's refusals). */
export function unsealWindowReason(maxSessionSeconds: number): string {
    return `vendor role ${maxSessionSeconds} s, workload instance-profile credentials up to ${INSTANCE_PROFILE_CREDENTIALS_MAX_SECONDS / 3600} h, plus ${CLOCK_SKEW_MARGIN_SECONDS / 60} min clock skew`;
}

/**
 * The resource name of the vendor stack's StackReference to itself (the stack's own outputs as last deployed). Readers
 * of a plan that want the security stack's reference skip this one.
 */
export const SELF_STACK_REFERENCE = "deployed-self";

/** The deployed stack's seal outputs as the self-reference reads them (absent on a stack never deployed). */
export interface DeployedSeal {
    sealed?: unknown;
    sealedAt?: unknown;
}

/**
 * How far before the deploying machine's clock a first seal's sealedAt may lie. The seal time is written into the spec
 * by `enclave seal` on the operator's machine and then reaches the program through its own preview and `pulumi up`
 * (minutes), possibly on a CI runner whose clock differs from the operator's by a few minutes more. Fifteen minutes
 * covers that with room to spare, and is all a backdated sealedAt can take off the unseal window (which counts from
 * it): a session issued that much before the real seal outlives an unseal by at most those minutes. A reconcile that
 * comes later than that (a seal contained hours before, reconciled where Pulumi is reachable) is refused too, with
 * the fix: a later sealedAt only revokes more sessions and starts the window later.
 */
export const SEAL_TIME_SKEW_ALLOWANCE_SECONDS = 15 * 60;

/**
 * The deploy-side guard on the seal time itself, so that the window below cannot be moved: a sealed deployed stack
 * keeps its sealedAt (a spec that stays sealed with another sealedAt is refused), and a first seal of a deployed stack
 * may not claim a moment before `now` minus the allowance above. One line, or undefined when the run may go on. A
 * stack never deployed (no `sealed` output) has no session from before its seal to protect, and is not checked: that
 * is also how offline plans run. A sealed deployed stack whose sealedAt is unreadable takes a new one like a first
 * seal (that is its repair).
 */
export function deployedSealTimeRefusal(vendor: string, deployed: DeployedSeal, specSealedAt: string | undefined, now: Date): string | undefined {
    if (specSealedAt === undefined || deployed.sealed === undefined) return undefined;
    const spec = Date.parse(specSealedAt);
    const was = typeof deployed.sealedAt === "string" ? Date.parse(deployed.sealedAt) : NaN;
    if (deployed.sealed === true && !Number.isNaN(was)) {
        if (spec === was) return undefined;
        return `refusing to deploy ${vendor}: sealedAt in stacks/${vendor}.yaml is ${specSealedAt} but the deployed stack was sealed at ${String(deployed.sealedAt)}; the seal time of a sealed stack never changes (the unseal window counts from it). Fix: set sealedAt: "${String(deployed.sealedAt)}" in stacks/${vendor}.yaml`;
    }
    const earliest = now.getTime() - SEAL_TIME_SKEW_ALLOWANCE_SECONDS * 1000;
    if (spec >= earliest) return undefined;
    return `refusing to seal ${vendor}: sealedAt in stacks/${vendor}.yaml is ${specSealedAt}, more than ${SEAL_TIME_SKEW_ALLOWANCE_SECONDS / 60} min before now (${now.toISOString()}), and the unseal window would count from it. Fix: set sealedAt in stacks/${vendor}.yaml to the current UTC time (a later seal time only revokes more sessions and starts the window later)`;
}

/**
 * The deploy-side refusal: the deployed stack is sealed, the spec being deployed is not, and `now` is before the
 * window counted from the deployed sealedAt. One line, or undefined when the run may go on (first deploy, deployed
 * stack not sealed, spec still sealed, or the window has passed). A sealed deployed stack without a readable
 * sealedAt is refused too: its window cannot be computed, and failing open would be the bypass this check closes.
 */
export function deployedUnsealRefusal(vendor: string, deployed: DeployedSeal, specSealed: boolean, maxSessionSeconds: number, now: Date): string | undefined {
    if (deployed.sealed !== true || specSealed) return undefined;
    const at = typeof deployed.sealedAt === "string" ? deployed.sealedAt : "";
    const window = Number.isNaN(Date.parse(at)) ? undefined : unsealNotBefore(maxSessionSeconds, [{ at, source: "the deployed stack's sealedAt" }]);
    if (!window) {
        return `refusing to unseal ${vendor}: the deployed stack is sealed but its sealedAt output is ${JSON.stringify(deployed.sealedAt ?? null)}, so the unseal window cannot be computed; run \`enclave unseal ${vendor}\` (it also reads the incident log) or repair the stack's sealedAt output`;
    }
    if (now.getTime() >= window.notBefore.getTime()) return undefined;
    return `refusing to unseal ${vendor} before ${window.notBefore.toISOString()}: the deployed stack was sealed at ${at} and sessions issued before the seal may be valid until then (${unsealWindowReason(maxSessionSeconds)}); unsealing now would let them work again. Keep sealed: true in stacks/${vendor}.yaml and run \`enclave unseal ${vendor}\` after that time`;
}
