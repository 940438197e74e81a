// decide (EventBridge, S3 Object Created under decisions/): tallies the request's decision objects with the two-person
// rule and, once it is decided, records the outcome and answers the review step's task token. Idempotent: the outcome is
// written before the token is answered, and a token already answered (or timed out) is not an error.
import { InvalidToken, SendTaskSuccessCommand, TaskDoesNotExist, TaskTimedOut } from "@aws-sdk/client-sfn";
import { AIRLOCK_PREFIX, type AirlockState } from "../../contract/airlock";
import { tally, type Outcome } from "../approval";
import { AirlockInputError } from "../errors";
import { advance, defaultDeps, loadRequestVersioned, objectCreated, storeOf, type AirlockDeps } from "./common";

export interface DecideOutput {
    requestId: string;
    outcome: Outcome;
    state: AirlockState;
    /** Whether this call answered the task token. */
    sent: boolean;
    /** Why a decision did not count, per slot. */
    ignored: { slot: string; why: string }[];
}

/** The request id of a decision object's key `decisions/<requestId>/<slot>`; a direct invoke may give `{requestId}`. */
export function decisionRequestId(event: unknown, controlBucket: string): string {
    if (typeof event === "object" && event !== null && typeof (event as { requestId?: unknown }).requestId === "string")
        return (event as { requestId: string }).requestId;
    const obj = objectCreated(event);
    if (obj.bucket !== controlBucket) throw new AirlockInputError(`the event names bucket ${obj.bucket}, not the control bucket ${controlBucket}`);
    const m = new RegExp(`^${AIRLOCK_PREFIX.decisions}([^/]+)/[^/]+$`).exec(obj.key);
    if (!m) throw new AirlockInputError(`${obj.key} is not a decision object (${AIRLOCK_PREFIX.decision("<request>", "<slot>")})`);
    return m[1];
}

const alreadyAnswered = (err: unknown) =>
    err instanceof TaskTimedOut ||
    err instanceof InvalidToken ||
    err instanceof TaskDoesNotExist ||
    ["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"].includes((err as { name?: string }).name ?? "");

export function makeHandler(deps: AirlockDeps) {
    return async (event: unknown): Promise<DecideOutput> => {
        const env = deps.env();
        const store = storeOf(deps);
        const loaded = await loadRequestVersioned(store, decisionRequestId(event, env.controlBucket));
        let request = loaded.request;
        let outcome: Outcome = request.state === "approved" ? "approved" : request.state === "rejected" ? "rejected" : "pending";
        let ignored: DecideOutput["ignored"] = [];
        if (request.state === "in-review") {
            const t = tally(request, await store.listDecisions(request.requestId), env.approvers);
            ignored = t.ignored;
            outcome = t.outcome;
            for (const i of t.ignored) deps.log(`request ${request.requestId}: decision ignored`, { requestId: request.requestId, ...i });
            if (t.outcome !== "pending") {
                const approvals = t.counted.map((c) => ({ approverArn: c.approverArn, decision: c.decision, at: c.at }));
                // Conditional on the record read above: a newer upload that cancelled the request meanwhile is not
                // overwritten (RecordChangedError; the decision event's retry reads the record again).
                request = await advance(deps, store, request, t.outcome, { approvals }, { decisions: t.counted }, loaded.etag);
            }
        }
        let sent = false;
        // Approved or rejected, by this call or by an earlier one whose answer may not have reached Step Functions.
        const taskToken = request.state === "approved" || request.state === "rejected" ? await store.getTaskToken(request.requestId) : null;
        if (taskToken) {
            try {
                await deps.sfn.send(
                    new SendTaskSuccessCommand({
                        taskToken,
                        output: JSON.stringify({ requestId: request.requestId, decision: request.state }),
                    }),
                );
                sent = true;
            } catch (err) {
                if (!alreadyAnswered(err)) throw err;
                deps.log(`request ${request.requestId}: the review step was already answered or timed out`, {
                    requestId: request.requestId,
                    error: (err as Error).name,
                });
            }
        }
        return { requestId: request.requestId, outcome, state: request.state, sent, ignored };
    };
}

export const handler = makeHandler(defaultDeps());
