// submit: an object arrived under the outbox's submit/ prefix (EventBridge, S3 Object Created). Pins the version and
// its SHA-256 in a request record, tags the version, cancels the unapproved requests of older versions of the key, starts
// the request's execution (named by the request id, so a duplicate event starts nothing new) and records it.
import { ExecutionAlreadyExists, ExecutionDoesNotExist, StartExecutionCommand, StopExecutionCommand } from "@aws-sdk/client-sfn";
import { AIRLOCK_PREFIX, requestIdOf, type AirlockRequest, type AirlockRequester } from "../../contract/airlock";
import { sha256hex } from "../approval";
import { AirlockInputError, RecordChangedError } from "../errors";
import { isFinal, superseded } from "../lifecycle";
import { advance, defaultDeps, executionArnOf, iso, objectCreated, storeOf, type AirlockDeps } from "./common";

export interface SubmitOutput {
    requestId: string;
    state: AirlockRequest["state"];
    /** Whether this call started the execution (false: it already existed, or the request is closed). */
    started: boolean;
    cancelled: string[];
}

/** The requester is the prefix the bucket policy let it write, never anything it typed. */
export function requesterOf(key: string): AirlockRequester {
    for (const r of ["vendor", "workload"] as const) if (key.startsWith(AIRLOCK_PREFIX.submitBy(r)) && key.length > AIRLOCK_PREFIX.submitBy(r).length) return r;
    throw new AirlockInputError(`${key} is not under ${AIRLOCK_PREFIX.submitBy("vendor")} or ${AIRLOCK_PREFIX.submitBy("workload")}: not a submission`);
}

export const requestIdFor = (key: string, versionId: string) => requestIdOf(sha256hex(`${key}\n${versionId}`));

export function makeHandler(deps: AirlockDeps) {
    return async (event: unknown): Promise<SubmitOutput> => {
        const env = deps.env();
        const store = storeOf(deps);
        const obj = objectCreated(event);
        if (obj.bucket !== env.outboxBucket) throw new AirlockInputError(`the event names bucket ${obj.bucket}, not the outbox ${env.outboxBucket}`);
        if (!obj.versionId) throw new AirlockInputError(`the event for ${obj.key} has no version id: the outbox must be versioned`);
        obj.key = await store.resolveEventKey(obj.bucket, obj.key, obj.versionId);
        const requester = requesterOf(obj.key);
        const requestId = requestIdFor(obj.key, obj.versionId);

        let request = await store.getRequest(requestId);
        if (!request) {
            // Hash the version itself (streamed), not the event's size or ETag: the pin is what the approvers review.
            const { sha256, size } = await store.hashVersion("outbox", obj.key, obj.versionId);
            const at = iso(deps.now());
            request = {
                requestId,
                vendorId: env.vendorId,
                requester,
                requesterArn: env.requesterArns[requester],
                key: obj.key,
                versionId: obj.versionId,
                sha256,
                size,
                submittedAt: at,
                state: "submitted",
                updatedAt: at,
            };
            const created = request;
            if (await store.createRequest(created))
                deps.log(`request ${requestId}: submitted`, { requestId, key: obj.key, versionId: obj.versionId, sha256, size, requester });
            else {
                // Another delivery of the same event created it while this one hashed (EventBridge delivers at least
                // once): its record, maybe advanced since, is the request; this delivery goes on with it.
                request = await store.getRequest(requestId);
                if (!request) throw new RecordChangedError(requestId, created.state);
                deps.log(`request ${requestId}: already submitted by another delivery of the event; left ${request.state}`, {
                    requestId,
                    state: request.state,
                });
            }
        }
        await store.setAirlockTags(request.key, request.versionId, { request: requestId, state: request.state, sha256: request.sha256 });
        await store.putRecord(request, "submitted", request.submittedAt);

        // A newer version replaces the older submissions of the key that nobody has approved yet. Each is read again
        // and cancelled only while its record is still what was read (If-Match): a decision that approves it in the
        // meantime wins, and the approved version keeps its release. Its execution is stopped only once it is cancelled.
        const cancelled: string[] = [];
        for (const listed of superseded(await store.listRequests(), request.key, request.versionId)) {
            const current = await store.getRequestVersioned(listed.requestId);
            if (!current || superseded([current.request], request.key, request.versionId).length === 0) continue;
            try {
                await advance(deps, store, current.request, "cancelled", {}, { replacedBy: requestId }, current.etag);
            } catch (err) {
                if (!(err instanceof RecordChangedError)) throw err;
                deps.log(`request ${listed.requestId}: changed while being superseded; left as it is`, { requestId: listed.requestId, replacedBy: requestId });
                continue;
            }
            try {
                await deps.sfn.send(
                    new StopExecutionCommand({ executionArn: executionArnOf(env.stateMachineArn, listed.requestId), cause: `replaced by ${requestId}` }),
                );
            } catch (err) {
                if (!(err instanceof ExecutionDoesNotExist) && (err as { name?: string }).name !== "ExecutionDoesNotExist") throw err;
            }
            cancelled.push(listed.requestId);
        }

        let started = false;
        if (!isFinal(request.state)) {
            try {
                await deps.sfn.send(
                    new StartExecutionCommand({
                        stateMachineArn: env.stateMachineArn,
                        name: requestId,
                        input: JSON.stringify({ requestId, bucket: obj.bucket, key: request.key, versionId: request.versionId }),
                    }),
                );
                started = true;
            } catch (err) {
                // Started by an earlier delivery of the same event: the execution is the request's, nothing to do.
                if (!(err instanceof ExecutionAlreadyExists) && (err as { name?: string }).name !== "ExecutionAlreadyExists") throw err;
            }
        }
        return { requestId, state: request.state, started, cancelled };
    };
}

export const handler = makeHandler(defaultDeps());
