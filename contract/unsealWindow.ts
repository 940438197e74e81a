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
