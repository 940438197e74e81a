// release (task): copies the approved version, and only it, to the released bucket under released/<request>/<file>,
// after checking that its airlock:sha256 tag and its bytes still match the SHA-256 pinned at submission. While the
// vendor is sealed the released bucket's policy denies the put: the failure is recorded and raised as
// ReleaseDeniedError, which the state machine retries with backoff and then ends the execution failed.
// Every write of the record is conditional on the ETag it was read at (If-Match): a change to the request between the
// read and the copy stops the release before anything is copied, and a change during the copy is recorded as what it
// is (a `release-conflict` record naming the copied key and the state the record was found in), never hidden.
import { AIRLOCK_PREFIX, AIRLOCK_REQUIRED_APPROVALS, AIRLOCK_TAG } from "../../contract/airlock";
import { IntegrityError, isAccessDenied, RecordChangedError, ReleaseDeniedError, RequestStateError } from "../errors";
import { advance, defaultDeps, iso, loadRequestVersioned, storeOf, taskInput, type AirlockDeps } from "./common";

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
        const { request, etag: readAt } = await loadRequestVersioned(store, input.requestId);
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

        // Claim the record before copying: a conditional write of the approved record with the attempt's time. If
        // anything changed the record since it was read, S3 refuses (412) and nothing is copied.
        const attemptAt = iso(deps.now());
        let claimedAt: string | undefined;
        try {
            claimedAt = await store.putRequest({ ...request, releaseAttemptedAt: attemptAt }, readAt);
        } catch (err) {
            if (!(err instanceof RecordChangedError)) throw err;
            const now = (await store.getRequest(request.requestId)) ?? request;
            await store.putRecord(now, "release-conflict", attemptAt, { releasedKey, copied: false, recordState: now.state });
            throw new RecordChangedError(request.requestId, "released");
        }
        const claimed = { ...request, releaseAttemptedAt: attemptAt };

        try {
            await store.copyToReleased(request.key, request.versionId, etag, releasedKey);
        } catch (err) {
            if (!isAccessDenied(err)) throw err;
            const at = iso(deps.now());
            await store.putRecord(claimed, "release-denied", at, { releasedKey, error: (err as Error).name, message: (err as Error).message });
            deps.log(`request ${request.requestId}: release denied`, { requestId: request.requestId, releasedKey, error: (err as Error).name });
            throw new ReleaseDeniedError(
                `request ${request.requestId}: the released bucket denied the copy (${(err as Error).name}); while the vendor is sealed nothing is released`,
            );
        }
        try {
            await advance(deps, store, claimed, "released", { releasedKey }, { releasedKey }, claimedAt);
        } catch (err) {
            if (!(err instanceof RecordChangedError)) throw err;
            // The file is out and the record moved under the copy. Whatever it says now, the archive gets the truth:
            // this version was copied to releasedKey while the record said something else.
            const now = (await store.getRequest(request.requestId)) ?? claimed;
            if (now.state === "released") return { requestId: request.requestId, state: "released", releasedKey: now.releasedKey ?? releasedKey };
            await store.putRecord(now, "release-conflict", iso(deps.now()), { releasedKey, copied: true, recordState: now.state });
            deps.log(`request ${request.requestId}: copied while the record changed to ${now.state}`, { requestId: request.requestId, releasedKey });
            throw err;
        }
        return { requestId: request.requestId, state: "released", releasedKey };
    };
}

export const handler = makeHandler(defaultDeps());
