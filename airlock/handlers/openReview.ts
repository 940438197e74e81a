// openReview (task, lambda:invoke.waitForTaskToken): keeps the review step's task token under tokens/ in the control
// bucket, apart from the request record approvers read (the decide handler answers it) and opens the request to the approvers. The execution then waits for the decision.
import { SendTaskSuccessCommand } from "@aws-sdk/client-sfn";
import { SCAN_CLEAN } from "../../contract/airlock";
import { AirlockInputError, RequestStateError } from "../errors";
import { advance, defaultDeps, loadRequest, storeOf, taskInput, type AirlockDeps } from "./common";

export interface OpenReviewOutput {
    requestId: string;
    state: "in-review" | "approved" | "rejected";
}

export function makeHandler(deps: AirlockDeps) {
    return async (event: unknown): Promise<OpenReviewOutput> => {
        const input = taskInput(event);
        if (typeof input.taskToken !== "string" || !input.taskToken) throw new AirlockInputError(`request ${input.requestId}: the task input has no taskToken`);
        const store = storeOf(deps);
        const request = await loadRequest(store, input.requestId);
        // Only a request that passed both checks reaches the people who review it.
        if (request.state === "scanning" && (request.scan?.status !== SCAN_CLEAN || request.leak?.verdict !== "clean"))
            throw new RequestStateError(
                `request ${request.requestId}: scan ${request.scan?.status ?? "none"}, leak check ${request.leak?.verdict ?? "none"}: review opens after both pass`,
            );
        // The review step runs again after an answer the record did not bear out (reviewOutcome). If the decide
        // handler decided meanwhile, its answer went to the old token: answer this one with the record's state.
        if (request.state === "approved" || request.state === "rejected") {
            await store.putTaskToken(request.requestId, input.taskToken);
            await deps.sfn.send(
                new SendTaskSuccessCommand({ taskToken: input.taskToken, output: JSON.stringify({ requestId: request.requestId, decision: request.state }) }),
            );
            return { requestId: request.requestId, state: request.state };
        }
        if (request.state !== "scanning" && request.state !== "in-review")
            throw new RequestStateError(`request ${request.requestId} is ${request.state}: it cannot go to review`);
        // A retried review step brings a new token: keep the latest.
        await store.putTaskToken(request.requestId, input.taskToken);
        await advance(deps, store, request, "in-review", {});
        return { requestId: request.requestId, state: "in-review" };
    };
}

export const handler = makeHandler(defaultDeps());
