// reviewOutcome (task, after the review step): decides where the execution goes from the request record, never from
// the answer the review step received. The review's task token passes through the execution's input, which
// states:GetExecutionHistory shows: anyone holding that and states:SendTaskSuccess can answer the review. So an answer
// is only a wake-up call. The record is the gate: approved or rejected there only by the decide handler, from two
// distinct approvals or one rejection. An answer that disagrees with the record is recorded as `review-tampered` in
// the archive and the request goes back to waiting, for what is left of its review time (a forged answer neither
// rejects nor approves, nor extends the review).
import type { AirlockState } from "../../contract/airlock";
import { AirlockInputError, RequestStateError } from "../errors";
import { defaultDeps, iso, loadRequest, storeOf, taskInput, type AirlockDeps } from "./common";

export type ReviewRoute = "approved" | "rejected" | "cancelled" | "waiting";

export interface ReviewOutcomeOutput {
    requestId: string;
    outcome: ReviewRoute;
    /** waiting: the seconds left of the review's time, counted from when it opened (the next review step's timeout). */
    reviewTimeoutSeconds?: number;
    /** cancelled: why (the state machine's record step keeps it). */
    error?: string;
}

/** What the review step received: the decide handler's `{decision}`, a timeout (the step's Catch puts the error there), or anything a forger sent. */
export function answerOf(review: unknown): { kind: "answer"; decision: string } | { kind: "timeout" } | { kind: "unreadable" } {
    if (typeof review === "object" && review !== null && !Array.isArray(review)) {
        const r = review as Record<string, unknown>;
        if (r.Error === "States.Timeout") return { kind: "timeout" };
        if (typeof r.decision === "string") return { kind: "answer", decision: r.decision };
    }
    return { kind: "unreadable" };
}

/**
 * The route, as a pure rule: from the record's state, what the review step received and the seconds left of the
 * review, where the execution goes and whether the answer disagreed with the record (tampered).
 */
/**
 * How early a timeout may arrive and still be one: the review step's clock starts a moment before openReview stamps the
 * record in review. A "timeout" with more time left than this was sent: SendTaskFailure with the error name
 * States.Timeout lands in the same Catch as a real one.
 */
export const TIMEOUT_SLACK_SECONDS = 300;

export function routeReview(
    state: AirlockState,
    answer: ReturnType<typeof answerOf>,
    secondsLeft: number,
): { outcome: ReviewRoute; tampered: boolean; error?: string } {
    const timedOut = answer.kind === "timeout" && secondsLeft <= TIMEOUT_SLACK_SECONDS;
    const agrees = timedOut || (answer.kind === "answer" && answer.decision === state);
    // Decided by the decide handler: that is where the execution goes, whatever the answer said (a timeout here is a
    // decision whose answer was lost).
    if (state === "approved" || state === "rejected") return { outcome: state, tampered: !agrees };
    if (state === "cancelled") return { outcome: "cancelled", tampered: false, error: "the request was cancelled during its review" };
    if (state !== "in-review") throw new RequestStateError(`the request is ${state}: it has no review to conclude`);
    // Nobody decided, yet the review step was answered: not by the decide handler, which answers only after it wrote
    // the outcome to the record.
    const tampered = !timedOut;
    if (timedOut || secondsLeft < 1) return { outcome: "cancelled", tampered, error: "States.Timeout" };
    return { outcome: "waiting", tampered };
}

export function makeHandler(deps: AirlockDeps) {
    return async (event: unknown): Promise<ReviewOutcomeOutput> => {
        const input = taskInput(event);
        const total = input.reviewTimeoutSeconds;
        if (typeof total !== "number" || !Number.isInteger(total) || total < 1)
            throw new AirlockInputError(`reviewTimeoutSeconds is not a whole number >= 1: got ${JSON.stringify(total)}`);
        const store = storeOf(deps);
        const request = await loadRequest(store, input.requestId);
        const id = request.requestId;
        const now = deps.now();
        // While in review, updatedAt is when the review opened: the deadline is counted from there.
        const left = Math.ceil(total - (now.getTime() - Date.parse(request.updatedAt)) / 1000);
        let route: ReturnType<typeof routeReview>;
        try {
            route = routeReview(request.state, answerOf(input.answer), left);
        } catch (err) {
            if (err instanceof RequestStateError) throw new RequestStateError(`request ${id}: ${err.message}`);
            throw err;
        }
        if (route.tampered) {
            const shown = JSON.stringify(input.answer ?? null).slice(0, 500);
            await store.putRecord(request, "review-tampered", iso(now), { answer: shown, recordState: request.state });
            deps.log(`request ${id}: the review was answered ${shown} but the record is ${request.state}`, {
                requestId: id,
                answer: shown,
                state: request.state,
            });
        }
        return {
            requestId: id,
            outcome: route.outcome,
            ...(route.outcome === "waiting" ? { reviewTimeoutSeconds: left } : {}),
            ...(route.error ? { error: route.error } : {}),
        };
    };
}

export const handler = makeHandler(defaultDeps());
