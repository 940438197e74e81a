// scan (task): reads GuardDuty Malware Protection's tag on the pinned version. PENDING until GuardDuty has written it;
// the state machine waits and asks again (it counts the attempts), and anything but NO_THREATS_FOUND blocks.
import { GUARDDUTY_SCAN_TAG } from "../../contract/airlock";
import { AirlockInputError, RequestStateError } from "../errors";
import { advance, defaultDeps, iso, loadRequest, storeOf, taskInput, type AirlockDeps } from "./common";

export interface ScanOutput {
    requestId: string;
    attempt: number;
    /** "PENDING", or GuardDuty's value (NO_THREATS_FOUND, THREATS_FOUND, UNSUPPORTED, ACCESS_DENIED, FAILED). */
    scan: string;
}

export function makeHandler(deps: AirlockDeps) {
    return async (event: unknown): Promise<ScanOutput> => {
        const input = taskInput(event);
        const attempt = input.attempt === undefined ? 1 : input.attempt;
        if (typeof attempt !== "number" || !Number.isInteger(attempt) || attempt < 1)
            throw new AirlockInputError(`attempt is not a whole number >= 1: got ${JSON.stringify(attempt)}`);
        const store = storeOf(deps);
        let request = await loadRequest(store, input.requestId);
        if (request.state !== "submitted" && request.state !== "scanning")
            throw new RequestStateError(`request ${request.requestId} is ${request.state}: there is nothing to scan`);
        const tags = await store.getTags("outbox", request.key, request.versionId);
        const scan = tags[GUARDDUTY_SCAN_TAG] ?? "PENDING";
        request = await advance(deps, store, request, "scanning", scan === "PENDING" ? {} : { scan: { status: scan, at: iso(deps.now()) } });
        deps.log(`request ${request.requestId}: scan ${scan}`, { requestId: request.requestId, attempt, scan });
        return { requestId: request.requestId, attempt, scan };
    };
}

export const handler = makeHandler(defaultDeps());
