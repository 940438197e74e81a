// record (task, the state machine's terminal steps): puts the request in its final state (blocked-scan, rejected,
// cancelled on a review timeout, ...) and appends the archive record; an event that is no state (an execution that
// failed) is recorded without a state change.
import { AIRLOCK_REVIEW_MAX_REWAITS, AIRLOCK_STATES, type AirlockState } from "../../contract/airlock";
import { AirlockInputError, RequestStateError } from "../errors";
import { AIRLOCK_RECORD_EVENTS } from "../stateMachine";
import { reviewState } from "./reviewOutcome";
import { advance, defaultDeps, iso, loadRequest, storeOf, taskInput, type AirlockDeps } from "./common";

export interface RecordOutput {
    requestId: string;
    event: string;
    state: AirlockState;
    recordKey?: string;
}

const EVENT = /^[a-z][a-z-]{0,39}$/;

export function makeHandler(deps: AirlockDeps) {
    return async (event: unknown): Promise<RecordOutput> => {
        const input = taskInput(event);
        const name = input.event;
        if (typeof name !== "string" || !EVENT.test(name))
            throw new AirlockInputError(`event is not an event name (lowercase letters and hyphens): got ${JSON.stringify(name)}`);
        const detail: Record<string, unknown> = {};
        for (const k of ["scan", "error", "cause"] as const) if (typeof input[k] === "string") detail[k] = input[k];
        // Only the events the definition records: anyone allowed to invoke this function directly must not be able to
        // move a request to approved, released or back to review, nor write an archive record of any other name.
        if (!(AIRLOCK_RECORD_EVENTS as readonly string[]).includes(name))
            throw new AirlockInputError(`event ${name} is not one the state machine records (${AIRLOCK_RECORD_EVENTS.join(", ")})`);
        const store = storeOf(deps);
        const request = await loadRequest(store, input.requestId);
        // A rejection is decided by the decide handler from an approver's decision; this step only records it.
        if (name === "rejected" && request.state !== "rejected")
            throw new RequestStateError(`request ${request.requestId} is ${request.state}: only an approver's rejection rejects it`);
        // A review stopped past its rewaits bound ends cancelled (final: approvals written later cannot leave an
        // approved record that no execution releases), and the record says why, for `enclave airlock show`.
        if (name === "review-stuck") {
            if (reviewState(request) !== "in-review")
                throw new RequestStateError(`request ${request.requestId} is ${request.state}: only a review still open can be stopped`);
            const at = iso(deps.now());
            const next = await advance(
                deps,
                store,
                request,
                "cancelled",
                { reviewStuck: { at, rewaits: AIRLOCK_REVIEW_MAX_REWAITS + 1 } },
                { ...detail, event: name },
            );
            return { requestId: next.requestId, event: name, state: next.state };
        }
        if ((AIRLOCK_STATES as readonly string[]).includes(name)) {
            const to = name as AirlockState;
            // A scan that timed out (or a scan status the state machine saw) is kept on the request it blocked.
            const patch =
                to === "blocked-scan" && typeof input.scan === "string" && request.scan?.status !== input.scan
                    ? { scan: { status: input.scan, at: iso(deps.now()) } }
                    : {};
            const next = await advance(deps, store, request, to, patch, Object.keys(detail).length ? detail : undefined);
            return { requestId: next.requestId, event: name, state: next.state };
        }
        const rec = await store.putRecord(request, name, iso(deps.now()), Object.keys(detail).length ? detail : undefined);
        deps.log(`request ${request.requestId}: ${name}`, { requestId: request.requestId, event: name, ...detail });
        return { requestId: request.requestId, event: name, state: request.state, recordKey: rec.key };
    };
}

export const handler = makeHandler(defaultDeps());
