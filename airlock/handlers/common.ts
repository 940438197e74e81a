// What every airlock handler shares: its dependencies (SDK clients, clock, the leak check; injected in tests), the
// store over the vendor's buckets, and the one way a request changes state (record, tags, archive, in that order, each
// step safe to repeat so that a rerun finishes what a failed run started).
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import type { AirlockRequest, AirlockState } from "../../contract/airlock";
import { fingerprint, leakCheck } from "../fingerprint";
import { lazyEnv, type AirlockEnv } from "../env";
import { AirlockInputError, RequestNotFoundError } from "../errors";
import { move } from "../lifecycle";
import { AirlockStore } from "../store";

export interface AirlockDeps {
    s3: S3Client;
    sfn: SFNClient;
    env: () => AirlockEnv;
    now: () => Date;
    leakCheck: typeof leakCheck;
    fingerprint: typeof fingerprint;
    log: (message: string, fields?: Record<string, unknown>) => void;
}

/** Attempts per SDK call (first included), in the SDK's standard retry mode: backoff with jitter on throttling and 5xx. */
export const SDK_MAX_ATTEMPTS = 5;

/** The real dependencies: clients built on first use (the Lambda runtime gives region and credentials). */
export function defaultDeps(): AirlockDeps {
    let s3: S3Client | undefined;
    let sfn: SFNClient | undefined;
    const client = { retryMode: "standard", maxAttempts: SDK_MAX_ATTEMPTS } as const;
    return {
        get s3() {
            return (s3 ??= new S3Client(client));
        },
        get sfn() {
            return (sfn ??= new SFNClient(client));
        },
        env: lazyEnv(),
        now: () => new Date(),
        leakCheck,
        fingerprint,
        // One JSON line per event: CloudWatch Logs Insights reads the fields.
        log: (message, fields) => console.log(JSON.stringify({ message, ...fields })),
    };
}

export const storeOf = (deps: AirlockDeps) => {
    const env = deps.env();
    return new AirlockStore(
        deps.s3,
        { outbox: env.outboxBucket, control: env.controlBucket, released: env.releasedBucket, archive: env.archiveBucket },
        env.vendorId,
    );
};

export const iso = (d: Date) => d.toISOString();

export async function loadRequest(store: AirlockStore, requestId: unknown): Promise<AirlockRequest> {
    if (typeof requestId !== "string" || !/^[0-9a-f]{20}$/.test(requestId))
        throw new AirlockInputError(`requestId is not a request id: got ${JSON.stringify(requestId)}`);
    const r = await store.getRequest(requestId);
    if (!r) throw new RequestNotFoundError(requestId);
    return r;
}

/** The request and the ETag it was read at (for a conditional write with `advance(..., ifMatch)`). */
export async function loadRequestVersioned(store: AirlockStore, requestId: unknown): Promise<{ request: AirlockRequest; etag?: string }> {
    if (typeof requestId !== "string" || !/^[0-9a-f]{20}$/.test(requestId))
        throw new AirlockInputError(`requestId is not a request id: got ${JSON.stringify(requestId)}`);
    const r = await store.getRequestVersioned(requestId);
    if (!r) throw new RequestNotFoundError(requestId);
    return r;
}

/**
 * Moves a request to `to` (the lifecycle refuses what may not follow) and makes every copy of its state agree: the
 * request record, the outbox version's `airlock:state` tag and one archive record per state. `updatedAt` changes only
 * with the state, so a rerun finds the same record key and the archive's IfNoneMatch makes it a no-op.
 */
export async function advance(
    deps: AirlockDeps,
    store: AirlockStore,
    request: AirlockRequest,
    to: AirlockState,
    patch: Partial<AirlockRequest> = {},
    detail?: Record<string, unknown>,
    /** The ETag the record was read at: the write then fails (RecordChangedError) if the record changed since. */
    ifMatch?: string,
): Promise<AirlockRequest> {
    const moved = move(request, to, iso(deps.now()));
    const next = { ...moved.request, ...patch };
    if (moved.changed || Object.keys(patch).length) await store.putRequest(next, ifMatch);
    await store.setAirlockTags(next.key, next.versionId, { state: to });
    const rec = await store.putRecord(next, to, next.updatedAt, detail);
    if (moved.changed)
        deps.log(`request ${next.requestId}: ${request.state} -> ${to}`, { requestId: next.requestId, from: request.state, to, record: rec.key });
    return next;
}

/** The input of a Step Functions task: an object with a request id. */
export function taskInput(event: unknown): Record<string, unknown> & { requestId: string } {
    if (typeof event !== "object" || event === null || typeof (event as { requestId?: unknown }).requestId !== "string")
        throw new AirlockInputError(`the task input has no requestId: got ${JSON.stringify(event)?.slice(0, 200)}`);
    return event as Record<string, unknown> & { requestId: string };
}

/** An S3 "Object Created" event as EventBridge delivers it (only the fields the airlock reads). */
export interface S3ObjectCreatedEvent {
    "detail-type"?: string;
    source?: string;
    detail: { bucket: { name: string }; object: { key: string; size?: number; etag?: string; "version-id"?: string } };
}

export function objectCreated(event: unknown): { bucket: string; key: string; versionId?: string; size?: number } {
    const e = event as Partial<S3ObjectCreatedEvent> | null;
    const bucket = e?.detail?.bucket?.name;
    const key = e?.detail?.object?.key;
    if (typeof bucket !== "string" || typeof key !== "string")
        throw new AirlockInputError(`not an S3 Object Created event from EventBridge: got ${JSON.stringify(event)?.slice(0, 200)}`);
    const versionId = e!.detail!.object["version-id"];
    return { bucket, key, ...(versionId ? { versionId } : {}), ...(typeof e!.detail!.object.size === "number" ? { size: e!.detail!.object.size } : {}) };
}

/** The execution of a request: named by its request id (so starting it twice is one execution). */
export const executionArnOf = (stateMachineArn: string, requestId: string) => `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${requestId}`;
