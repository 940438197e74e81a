// reviewOutcome (task, after the review step): decides where the execution goes from the request record, never from
// the answer the review step received. The review's task token passes through the execution's input, which
// states:GetExecutionHistory shows: anyone holding that and states:SendTaskSuccess can answer the review. So an answer
// is only a wake-up call. The record is the gate: approved or rejected there only by the decide handler, from two
// distinct approvals or one rejection. An answer that disagrees with the record is recorded as `review-tampered` in
// the archive and the request goes back to waiting, for what is left of its review time (a forged answer neither
// rejects nor approves, nor extends the review). The same holds for a failure: SendTaskFailure takes the same token
// and any error name, and the review step's Catch hands every error here, so a forged failure cannot end the review
// either. Each return to waiting is counted; past AIRLOCK_REVIEW_MAX_REWAITS the state machine stops the review
// (review-stuck) instead of looping on a review step that fails every time.
import { AIRLOCK_REVIEW_MAX_REWAITS, SCAN_CLEAN, type AirlockRequest, type AirlockState } from "../../contract/airlock";
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
    /** How many times this review went back to waiting (the state machine stops it past AIRLOCK_REVIEW_MAX_REWAITS). */
    rewaits: number;
}

/**
 * What the review step received: an answer (the step keeps only `{answered: true}` of it: its content is no decision,
 * and a large one would overflow the execution's data), a timeout or any other failure (the step's Catch puts
 * `{Error, Cause}` there), or anything else.
 */
export function answerOf(review: unknown): { kind: "answered" } | { kind: "timeout" } | { kind: "failure"; error: string } | { kind: "unreadable" } {
    if (typeof review === "object" && review !== null && !Array.isArray(review)) {
        const r = review as Record<string, unknown>;
        if (r.Error === "States.Timeout") return { kind: "timeout" };
        if (typeof r.Error === "string") return { kind: "failure", error: r.Error };
        if (r.answered === true) return { kind: "answered" };
    }
    return { kind: "unreadable" };
}

/**
 * How early a timeout may arrive and still be one: the review step's clock starts a moment before openReview stamps the
 * record in review. A "timeout" with more time left than this was sent: SendTaskFailure with the error name
 * States.Timeout lands in the same Catch as a real one.
 */
export const TIMEOUT_SLACK_SECONDS = 300;

/**
 * The route, as a pure rule: from the record's state, what the review step received and the seconds left of the
 * review, where the execution goes and whether the answer disagreed with the record (tampered). A failure is never a
 * decision: only the record's approved or rejected is.
 */
export function routeReview(
    state: AirlockState,
    answer: ReturnType<typeof answerOf>,
    secondsLeft: number,
): { outcome: ReviewRoute; tampered: boolean; error?: string } {
    const timedOut = answer.kind === "timeout" && secondsLeft <= TIMEOUT_SLACK_SECONDS;
    // The decide handler answers only once it has written approved or rejected: an answer then agrees with the record.
    const agrees = timedOut || answer.kind === "answered";
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

/**
 * The record's state as the review sees it: a request that passed both checks is under review once the review step
 * runs, even if the step was failed (SendTaskFailure) before openReview wrote in-review.
 */
export function reviewState(request: AirlockRequest): AirlockState {
    return request.state === "scanning" && request.scan?.status === SCAN_CLEAN && request.leak?.verdict === "clean" ? "in-review" : request.state;
}

/** The count of returns to waiting the state machine carries (0 before the first; a missing one is 0). */
export function rewaitsOf(v: unknown): number {
    if (v === undefined) return 0;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new AirlockInputError(`rewaits is not a whole number >= 0: got ${JSON.stringify(v)}`);
    return v;
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
            route = routeReview(reviewState(request), answerOf(input.answer), left);
        } catch (err) {
            if (err instanceof RequestStateError) throw new RequestStateError(`request ${id}: ${err.message}`);
            throw err;
        }
        const rewaits = rewaitsOf(input.rewaits) + (route.outcome === "waiting" ? 1 : 0);
        if (route.tampered) {
            const shown = JSON.stringify(input.answer ?? null).slice(0, 500);
            await store.putRecord(request, "review-tampered", iso(now), {
                answer: shown,
                recordState: request.state,
                ...(route.outcome === "waiting" ? { rewaits, maxRewaits: AIRLOCK_REVIEW_MAX_REWAITS } : {}),
            });
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
            rewaits,
        };
    };
}

export const handler = makeHandler(defaultDeps());
