// The request lifecycle as pure rules: which state may follow which. The handlers ask before every write, so a rerun,
// a duplicate event or a late step can never move a request backwards or out of a final state.
import { AIRLOCK_FINAL_STATES, type AirlockRequest, type AirlockState } from "../contract/airlock";

const NEXT: Record<AirlockState, readonly AirlockState[]> = {
    submitted: ["scanning", "blocked-scan", "cancelled"],
    // The scan step runs again while GuardDuty has not tagged the version yet.
    scanning: ["scanning", "in-review", "blocked-scan", "blocked-leak", "cancelled"],
    // A review that times out, or whose object was replaced, is cancelled.
    "in-review": ["approved", "rejected", "cancelled"],
    // Approved but not copied yet: the copy is retried (it fails while the seal freezes the released bucket).
    approved: ["released", "cancelled"],
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

/**
 * A new version of a key is a new request: every open (not final) request on an other version of the same key is
 * superseded and must be cancelled. The request for the same version is the same request (a duplicate event).
 */
export function superseded(requests: readonly AirlockRequest[], key: string, versionId: string): AirlockRequest[] {
    return requests.filter((r) => r.key === key && r.versionId !== versionId && !isFinal(r.state));
}
