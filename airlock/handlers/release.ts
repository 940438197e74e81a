// release (task): copies the approved version, and only it, to the released bucket under released/<request>/<file>,
// after checking that its airlock:sha256 tag and its bytes still match the SHA-256 pinned at submission. While the
// vendor is sealed the released bucket's policy denies the put: the failure is recorded and raised as
// ReleaseDeniedError, which the state machine retries with backoff and then ends the execution failed.
import { AIRLOCK_PREFIX, AIRLOCK_REQUIRED_APPROVALS, AIRLOCK_TAG } from "../../contract/airlock";
import { IntegrityError, isAccessDenied, ReleaseDeniedError, RequestStateError } from "../errors";
import { advance, defaultDeps, iso, loadRequest, storeOf, taskInput, type AirlockDeps } from "./common";

export interface ReleaseOutput {
    requestId: string;
    state: "released";
    releasedKey: string;
}

export const releasedKeyOf = (requestId: string, key: string) => AIRLOCK_PREFIX.released(requestId, key.slice(key.lastIndexOf("/") + 1));

export function makeHandler(deps: AirlockDeps) {
    return async (event: unknown): Promise<ReleaseOutput> => {
        const input = taskInput(event);
        const store = storeOf(deps);
        const request = await loadRequest(store, input.requestId);
        const releasedKey = releasedKeyOf(request.requestId, request.key);
        // Released once: a rerun finds the state and copies nothing again.
        if (request.state === "released") return { requestId: request.requestId, state: "released", releasedKey: request.releasedKey ?? releasedKey };
        if (request.state !== "approved") throw new RequestStateError(`request ${request.requestId} is ${request.state}, not approved: nothing is released`);
        // The record must show the two-person rule itself: distinct approvers, none of them the requester.
        const approvers = new Set(
            (request.approvals ?? []).filter((a) => a.decision === "approve" && a.approverArn !== request.requesterArn).map((a) => a.approverArn),
        );
        if (approvers.size < AIRLOCK_REQUIRED_APPROVALS || request.approvals?.some((a) => a.decision === "reject"))
            throw new RequestStateError(
                `request ${request.requestId} is approved but its record holds ${approvers.size} distinct approvals by others than the requester: nothing is released`,
            );

        const tag = (await store.getTags("outbox", request.key, request.versionId))[AIRLOCK_TAG.sha256];
        if (tag !== request.sha256)
            throw new IntegrityError(
                `request ${request.requestId}: the version's ${AIRLOCK_TAG.sha256} tag is ${tag ?? "missing"}, not the pinned ${request.sha256}`,
            );
        const { sha256, etag } = await store.hashVersion("outbox", request.key, request.versionId);
        if (sha256 !== request.sha256)
            throw new IntegrityError(
                `request ${request.requestId}: ${request.key} version ${request.versionId} hashes to ${sha256}, not the pinned ${request.sha256}`,
            );

        try {
            await store.copyToReleased(request.key, request.versionId, etag, releasedKey);
        } catch (err) {
            if (!isAccessDenied(err)) throw err;
            const at = iso(deps.now());
            await store.putRecord(request, "release-denied", at, { releasedKey, error: (err as Error).name, message: (err as Error).message });
            deps.log(`request ${request.requestId}: release denied`, { requestId: request.requestId, releasedKey, error: (err as Error).name });
            throw new ReleaseDeniedError(
                `request ${request.requestId}: the released bucket denied the copy (${(err as Error).name}); while the vendor is sealed nothing is released`,
            );
        }
        await advance(deps, store, request, "released", { releasedKey }, { releasedKey });
        return { requestId: request.requestId, state: "released", releasedKey };
    };
}

export const handler = makeHandler(defaultDeps());
