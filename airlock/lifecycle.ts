// The request lifecycle as pure rules: which state may follow which. The handlers ask before every write, so a rerun,
// a duplicate event or a late step can never move a request backwards or out of a final state.
import { AIRLOCK_FINAL_STATES, type AirlockRequest, type AirlockState } from "../contract/airlock";

const NEXT: Record<AirlockState, readonly AirlockState[]> = {
    submitted: ["scanning", "blocked-scan", "cancelled"],
    // The scan step runs again while GuardDuty has not tagged the version yet.
    scanning: ["scanning", "in-review", "blocked-scan", "blocked-leak", "cancelled"],
    // A review that times out, or whose object was replaced, is cancelled.
    "in-review": ["approved", "rejected", "cancelled"],
    // Approved but not copied yet: the copy is retried (it fails while the seal freezes the released bucket). Two
    // approvers signed off on this pinned version: nothing but the release may follow, not even a newer upload of
    // the same key (that is a request of its own), so a copy under way can never end beside a record that says
    // cancelled.
    approved: ["released"],
    rejected: [],
    released: [],
    "blocked-scan": [],
    "blocked-leak": [],
    cancelled: [],
};

export const isFinal = (state: AirlockState) => AIRLOCK_FINAL_STATES.includes(state);

export class LifecycleError extends Error {
    constructor(
        readonly from: AirlockState,
        readonly to: AirlockState,
        readonly requestId: string,
    ) {
        super(`request ${requestId} is ${from}: it cannot become ${to}${isFinal(from) ? ` (${from} is final)` : ""}`);
        this.name = "LifecycleError";
    }
}

/** Whether `to` may follow `from`. The same state again is allowed (a rerun) except for a final state's own record. */
export function canMove(from: AirlockState, to: AirlockState): boolean {
    return from === to || NEXT[from].includes(to);
}

/** The request in its new state, or a LifecycleError; `changed` is false when it already was in that state (a rerun). */
export function move(request: AirlockRequest, to: AirlockState, at: string): { request: AirlockRequest; changed: boolean } {
    if (request.state === to) return { request, changed: false };
    if (!canMove(request.state, to)) throw new LifecycleError(request.state, to, request.requestId);
    return { request: { ...request, state: to, updatedAt: at }, changed: true };
}

/** The states a newer version of the same key supersedes: nobody has approved the older version yet. */
export const SUPERSEDABLE_STATES: readonly AirlockState[] = ["submitted", "scanning", "in-review"];

/**
 * A new version of a key is a new request: every request on an other version of the same key that is still before
 * its approval is superseded and must be cancelled. An approved version is pinned and stays approved (its release
 * copies that version, never the newer one). The request for the same version is the same request (a duplicate event).
 */
export function superseded(requests: readonly AirlockRequest[], key: string, versionId: string): AirlockRequest[] {
    return requests.filter((r) => r.key === key && r.versionId !== versionId && SUPERSEDABLE_STATES.includes(r.state));
}
