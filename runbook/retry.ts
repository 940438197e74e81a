import type { Clock, RetryPolicy } from "./types";

/** Delay before attempt n+1 (n from 1): initial * factor^(n-1), capped. */
export function backoffDelays(p: RetryPolicy): number[] {
    return Array.from({ length: Math.max(0, p.attempts - 1) }, (_, i) => Math.min(p.maxDelayMs, p.initialDelayMs * p.factor ** i));
}

/**
 * Runs `check` until it reports no findings, sleeping with exponential backoff in between. AWS's control planes are
 * eventually consistent and give no bound, so the runbook verifies instead of assuming. Returns the last findings
 * (empty = verified) and the number of attempts made.
 */
export async function retryUntilClean(
    check: () => Promise<string[]>,
    policy: RetryPolicy,
    clock: Clock,
    onRetry: (attempt: number, findings: string[], delayMs: number) => void,
): Promise<{ findings: string[]; attempts: number }> {
    const delays = backoffDelays(policy);
    for (let attempt = 1; ; attempt++) {
        let findings: string[];
        try {
            findings = await check();
        } catch (err) {
            findings = [`read failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`];
        }
        if (findings.length === 0 || attempt >= policy.attempts) return { findings, attempts: attempt };
        const delay = delays[attempt - 1];
        onRetry(attempt, findings, delay);
        await clock.sleep(delay);
    }
}
