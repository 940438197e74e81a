// The export airlock's contract: names, key layout, tags, states and the two-person rule's inputs, shared by the
// Pulumi components (components/airlock.ts), the pure policy builders (iam/airlock.ts), the handlers that run in AWS
// (airlock/) and the `enclave airlock` commands. Dependency-free on purpose: the handlers are bundled on their own and
// the CrossGuard pack may import it too.

/** Every state an export request can be in. Kept in the outbox object's tags, which only the airlock role may change. */
export const AIRLOCK_STATES = ["submitted", "scanning", "in-review", "approved", "rejected", "released", "blocked-scan", "blocked-leak", "cancelled"] as const;
export type AirlockState = (typeof AIRLOCK_STATES)[number];

/** States a request never leaves. */
export const AIRLOCK_FINAL_STATES: readonly AirlockState[] = ["rejected", "released", "blocked-scan", "blocked-leak", "cancelled"];

/** The tags on an outbox object version. GuardDuty Malware Protection for S3 adds its own scan tag beside them. */
export const AIRLOCK_TAG = {
    request: "airlock:request",
    state: "airlock:state",
    sha256: "airlock:sha256",
} as const;

/** The tag GuardDuty Malware Protection for S3 writes on every scanned object, and the one value that proceeds. */
export const GUARDDUTY_SCAN_TAG = "GuardDutyMalwareScanStatus";
export const SCAN_CLEAN = "NO_THREATS_FOUND";

/**
 * Key prefixes. The outbox holds only submissions: the vendor role puts under `submit/vendor/`, the workload role under
 * `submit/workload/` (the bucket policy pins each role to its own prefix, so the prefix names the requester without
 * trusting anything the requester typed). The control bucket holds what the vendor must never reach.
 */
export const AIRLOCK_PREFIX = {
    submit: "submit/",
    submitBy: (requester: AirlockRequester) => `submit/${requester}/`,
    /** control bucket: one record per request, written by the airlock role (state, pins, scan, leak result, task token). */
    requests: "requests/",
    request: (requestId: string) => `requests/${requestId}.json`,
    /**
     * control bucket: the review step's task token, apart from the request record. Approvers read request records; a
     * token in them would let an approver who also holds states:SendTaskSuccess answer the review alone. Only the
     * airlock role reads this prefix.
     */
    token: (requestId: string) => `tokens/${requestId}`,
    /** control bucket: one object per approver per request; the bucket policy lets only that approver write its slot. */
    decisions: "decisions/",
    decision: (requestId: string, approverKey: string) => `decisions/${requestId}/${approverKey}`,
    /**
     * control bucket: the fingerprint index of the vendor's datasets (the leak check reads it). One entry per object
     * version, so a vendor that overwrites an object it once read leaves the old version's fingerprint in place.
     */
    index: "index/",
    indexEntry: (dataset: string, objectKeyHash: string, versionIdHash: string) => `index/${dataset}/${objectKeyHash}/${versionIdHash}.json`,
    /** released bucket: what the recipient may read, under the request id. */
    released: (requestId: string, fileName: string) => `released/${requestId}/${fileName}`,
    /** archive bucket (Object Lock): one record per event, never overwritten. */
    record: (vendorId: string, requestId: string, event: string, at: string) => `vendors/${vendorId}/airlock/${requestId}/${at}-${event}.json`,
} as const;

export type AirlockRequester = "vendor" | "workload";

/**
 * Why the leak check blocked. `index-incomplete`: the fingerprint index did not cover every object version of a
 * readable dataset and the missing ones were too many or too big to fingerprint on the spot (the check fails closed).
 */
export type LeakReason = "exact" | "lines" | "near-copy" | "canary" | "unscannable" | "index-incomplete";

/** Physical names, from the vendor id (and the account for globally unique buckets) only. */
export interface AirlockNames {
    outboxBucket: string;
    releasedBucket: string;
    controlBucket: string;
    /** The role the handlers and the state machine run as: the only principal that may change request tags. */
    role: string;
    /** GuardDuty Malware Protection's own role for the outbox (it reads objects and writes the scan tag). */
    scanRole: string;
    stateMachine: string;
    /** The dead-letter queue of every airlock event target and of the handlers EventBridge invokes (alarmed). */
    deadLetterQueue: string;
    /** Lambda function names, one per handler. */
    functions: Record<AirlockHandler, string>;
}

/** The EventBridge rules, by key (rule `enclave-<vendor>-airlock-<key>`), and the handler each invokes. */
export const AIRLOCK_RULES = { submit: "submit", decide: "decide", fingerprint: "fingerprint" } as const;
export type AirlockRule = keyof typeof AIRLOCK_RULES;

export const AIRLOCK_HANDLERS = ["submit", "scan", "leakCheck", "openReview", "reviewOutcome", "decide", "release", "record", "fingerprint"] as const;
export type AirlockHandler = (typeof AIRLOCK_HANDLERS)[number];

/** `--airlock--` cannot be a dataset name (the schema forbids `--` inside one), so these never collide with a dataset bucket. */
export function airlockNames(vendorId: string, accountId: string): AirlockNames {
    const fn = (h: string) => `enclave-${vendorId}-airlock-${h.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return {
        outboxBucket: `${vendorId}--airlock--outbox--${accountId}`,
        releasedBucket: `${vendorId}--airlock--released--${accountId}`,
        controlBucket: `${vendorId}--airlock--control--${accountId}`,
        role: `enclave-${vendorId}-airlock`,
        scanRole: `enclave-${vendorId}-airlock-scan`,
        stateMachine: `enclave-${vendorId}-airlock`,
        deadLetterQueue: `enclave-${vendorId}-airlock-dlq`,
        functions: Object.fromEntries(AIRLOCK_HANDLERS.map((h) => [h, fn(h)])) as Record<AirlockHandler, string>,
    };
}

/**
 * An approver's slot in the decisions prefix: derived from its ARN (a stable key), never from its position in the spec.
 * The control bucket policy denies a put to `decisions/<any>/<slot>` unless `aws:PrincipalArn` is that approver's ARN,
 * so a decision object's key is the approver's identity as IAM established it. Implemented by the caller with its own
 * SHA-256 (node:crypto) so this file stays dependency-free: `approverKey(sha256hex(arn))`.
 */
export const approverKey = (sha256HexOfArn: string) => sha256HexOfArn.slice(0, 16);

/**
 * A request id pins the object version: `sha256hex(key + "\n" + versionId)` shortened. A replaced object is a new
 * version, hence a new request; the old one is cancelled.
 */
export const requestIdOf = (sha256HexOfKeyAndVersion: string) => sha256HexOfKeyAndVersion.slice(0, 20);

export type Decision = "approve" | "reject";

/** The body of a decision object (the identity is the key, never a field here). */
export interface DecisionBody {
    decision: Decision;
    reason?: string;
}

/** The request record in the control bucket (and, per event, in the archive). */
export interface AirlockRequest {
    requestId: string;
    vendorId: string;
    requester: AirlockRequester;
    /** The requester's role ARN, from the prefix the bucket policy pinned it to. */
    requesterArn: string;
    key: string;
    versionId: string;
    sha256: string;
    size: number;
    submittedAt: string;
    state: AirlockState;
    scan?: { status: string; at: string };
    leak?: {
        verdict: "clean" | "blocked";
        reason?: LeakReason;
        /** index-incomplete: object versions of `dataset` the index did not cover (a lower bound when `missingAtLeast`). */
        missing?: number;
        missingAtLeast?: boolean;
        dataset?: string;
        key?: string;
        score?: number;
        via?: string;
        at: string;
    };
    approvals?: { approverArn: string; decision: Decision; at: string }[];
    releasedKey?: string;
    /** When the release last claimed the record (a conditional write) before copying. */
    releaseAttemptedAt?: string;
    /**
     * Set when the review was answered more often than AIRLOCK_REVIEW_MAX_REWAITS by something other than the
     * approvals (forged answers or failures, or a review step that kept failing): the request was cancelled, nothing
     * released, and it is submitted again as a new upload.
     */
    reviewStuck?: { at: string; rewaits: number };
    updatedAt: string;
}

/**
 * How many times one review may go back to waiting after an answer the request record does not bear out (a forged
 * SendTaskSuccess or SendTaskFailure, or a review step that failed). A genuine review never goes back: only the decide
 * handler answers, after it wrote the record. The bound stops a review step that fails every time from looping for the
 * whole review time; past it the request is cancelled, recorded `review-stuck`, and must be submitted again.
 */
export const AIRLOCK_REVIEW_MAX_REWAITS = 5;

/** Approvals a release needs: distinct spec approvers, none the requester. One rejection rejects. */
export const AIRLOCK_REQUIRED_APPROVALS = 2;
