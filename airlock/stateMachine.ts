// The airlock's Step Functions (Standard) definition: scan, leak check, two-person review, release.
//
// Standard, not Express: a request can wait days for its approvers, and Standard keeps every execution's history for
// 90 days, a second record beside the archive's. The review is a wait-for-task-token step: the execution sleeps at no
// cost until the decide handler, triggered by an approver's decision object, answers with the token. The answer only
// wakes the execution: the reviewOutcome step routes on the request record, which only the decide handler moves to
// approved or rejected, because the token also appears in the execution's history and a lab principal allowed
// GetExecutionHistory and SendTaskSuccess could answer with it.
// Pure: the component renders it with the functions' ARNs; test/airlock-state-machine.test.ts validates it with
// asl-validator and walks its paths.
import type { AirlockHandler } from "../contract/airlock";
import { AIRLOCK_REVIEW_MAX_REWAITS, SCAN_CLEAN } from "../contract/airlock";

export interface AirlockDefinitionArgs {
    functionArns: Record<AirlockHandler, string>;
    /** How long a request may wait for its approvals before it is cancelled. */
    reviewTimeoutSeconds: number;
    /** Seconds between two reads of the scan tag, and how many reads before the request is blocked. */
    scanPollSeconds: number;
    scanMaxAttempts: number;
}

/** The events the definition hands to the record handler (the request's final word, or why it stopped). */
export const AIRLOCK_RECORD_EVENTS = ["blocked-scan", "blocked-leak", "rejected", "cancelled", "review-stuck", "release-failed", "step-failed"] as const;
export type AirlockRecordEvent = (typeof AIRLOCK_RECORD_EVENTS)[number];

// A Lambda that throttles or restarts is retried; a handler's own error (a typed failure) is not, except where a
// state says so.
const LAMBDA_RETRY = {
    ErrorEquals: ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"],
    IntervalSeconds: 2,
    MaxAttempts: 6,
    BackoffRate: 2,
    JitterStrategy: "FULL",
};

/** `next`: the state after this one, or null where the execution ends here. */
function invoke(functionArn: string, payload: Record<string, unknown>, next: string | null, extra: Record<string, unknown> = {}) {
    return {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: functionArn, Payload: payload },
        // Only the function's own answer goes on: the invoke metadata (status code, headers) is noise in the history.
        OutputPath: "$.Payload",
        Retry: [LAMBDA_RETRY],
        ...extra,
        ...(next === null ? { End: true } : { Next: next }),
    };
}

/** `detail`: what the record keeps of why (the scan status, or the error a Catch put under $.error). */
function record(arns: Record<AirlockHandler, string>, event: AirlockRecordEvent, then: "end" | "fail", detail: Record<string, string> = {}) {
    return invoke(arns.record, { "requestId.$": "$.requestId", event, ...detail }, then === "end" ? null : `Failed-${event}`);
}
const STEP_FAILED = { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "StepFailed" };
const CAUGHT = { "error.$": "$.error.Error", "cause.$": "$.error.Cause" };

export function airlockDefinition(args: AirlockDefinitionArgs): Record<string, unknown> {
    const f = args.functionArns;
    const states: Record<string, unknown> = {
        Start: {
            Type: "Pass",
            Comment: "Only the request id and a scan counter go on: every handler reads the pinned version from the request record, never from the event.",
            Parameters: { "requestId.$": "$.requestId", attempt: 0 },
            Next: "Scan",
        },
        // A step that keeps failing (after the Lambda retries) ends the request recorded, never silently in progress.
        Scan: invoke(f.scan, { "requestId.$": "$.requestId", "attempt.$": "$.attempt" }, "ScanResult", { Catch: [STEP_FAILED] }),
        ScanResult: {
            Type: "Choice",
            Choices: [
                { Variable: "$.scan", StringEquals: SCAN_CLEAN, Next: "LeakCheck" },
                {
                    And: [
                        { Variable: "$.scan", StringEquals: "PENDING" },
                        { Variable: "$.attempt", NumericLessThan: args.scanMaxAttempts },
                    ],
                    Next: "ScanWait",
                },
            ],
            // A threat, a failed or unsupported scan, or no verdict after the last attempt: nothing unscanned is reviewed.
            Default: "BlockedScan",
        },
        ScanWait: { Type: "Wait", Seconds: args.scanPollSeconds, Next: "ScanAgain" },
        ScanAgain: {
            Type: "Pass",
            Parameters: { "requestId.$": "$.requestId", "attempt.$": "States.MathAdd($.attempt, 1)" },
            Next: "Scan",
        },
        BlockedScan: record(f, "blocked-scan", "end", { "scan.$": "$.scan" }),
        LeakCheck: invoke(f.leakCheck, { "requestId.$": "$.requestId" }, "LeakResult", { Catch: [STEP_FAILED] }),
        LeakResult: {
            Type: "Choice",
            Choices: [{ Variable: "$.leak", StringEquals: "clean", Next: "OpenReview" }],
            Default: "BlockedLeak",
        },
        OpenReview: {
            Type: "Pass",
            Comment: "The review's whole time; after an answer the record does not bear out, the review waits only for what is left of it.",
            Parameters: { "requestId.$": "$.requestId", reviewTimeoutSeconds: args.reviewTimeoutSeconds, rewaits: 0 },
            Next: "Review",
        },
        BlockedLeak: record(f, "blocked-leak", "end"),
        Review: {
            Type: "Task",
            Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
            Parameters: { FunctionName: f.openReview, Payload: { "requestId.$": "$.requestId", "taskToken.$": "$$.Task.Token" } },
            // Whatever answers the token lands here; every error lands here too (the Catch), so one step judges all of
            // them on the record: a timeout, and any failure, since SendTaskFailure takes the same token and any error
            // name. A failure sent to end the review is recorded and the review waits again; a review step that fails
            // every time (openReview) is stopped by the rewaits bound.
            // The answer is kept as a constant, never as sent: whoever holds the token could answer with up to 256 KiB,
            // which merged into the execution's data would raise States.DataLimitExceeded, an error no Catch catches
            // (the execution would fail with the request left in review). Its content decides nothing anyway.
            ResultSelector: { answered: true },
            ResultPath: "$.review",
            TimeoutSecondsPath: "$.reviewTimeoutSeconds",
            Retry: [LAMBDA_RETRY],
            Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.review", Next: "ReviewOutcome" }],
            Next: "ReviewOutcome",
        },
        // The token is in this execution's history (GetExecutionHistory shows the Review step's input), so its answer
        // is no decision: the request record is, written by the decide handler from the two-person rule. An answer the
        // record does not bear out is recorded (review-tampered) and the review goes on for what is left of its time.
        ReviewOutcome: invoke(
            f.reviewOutcome,
            { "requestId.$": "$.requestId", "answer.$": "$.review", reviewTimeoutSeconds: args.reviewTimeoutSeconds, "rewaits.$": "$.rewaits" },
            "Decision",
            { Catch: [STEP_FAILED] },
        ),
        Decision: {
            Type: "Choice",
            Choices: [
                { Variable: "$.outcome", StringEquals: "approved", Next: "Release" },
                { Variable: "$.outcome", StringEquals: "rejected", Next: "Rejected" },
                {
                    And: [
                        { Variable: "$.outcome", StringEquals: "waiting" },
                        { Variable: "$.rewaits", NumericLessThanEquals: AIRLOCK_REVIEW_MAX_REWAITS },
                    ],
                    Next: "Review",
                },
                // Answered past the bound by something other than the approvals: stopped and recorded, never looping.
                { Variable: "$.outcome", StringEquals: "waiting", Next: "ReviewStuck" },
            ],
            // Cancelled (timed out, or replaced by a newer upload), or an outcome the definition does not know: nothing is released.
            Default: "Cancelled",
        },
        Rejected: record(f, "rejected", "end"),
        Cancelled: record(f, "cancelled", "end", { "error.$": "$.error" }),
        ReviewStuck: record(f, "review-stuck", "fail", {
            error: "ReviewStuck",
            cause: `the review went back to waiting more than ${AIRLOCK_REVIEW_MAX_REWAITS} times on answers the record did not bear out`,
        }),
        Release: invoke(f.release, { "requestId.$": "$.requestId" }, null, {
            // While sealed the released bucket refuses the copy: a few tries cover a seal lifted minutes later,
            // then the request stays approved and the failure is recorded; nothing retries behind the seal.
            Retry: [LAMBDA_RETRY, { ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 30, MaxAttempts: 3, BackoffRate: 2 }],
            Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "ReleaseFailed" }],
        }),
        ReleaseFailed: record(f, "release-failed", "fail", CAUGHT),
        StepFailed: record(f, "step-failed", "fail", CAUGHT),
        "Failed-step-failed": { Type: "Fail", Error: "StepFailed", Cause: "A step kept failing; see the request's archive records." },
        "Failed-review-stuck": {
            Type: "Fail",
            Error: "ReviewStuck",
            Cause: "The review was answered or failed too often by something other than the approvals; the request is cancelled, see its review-tampered records.",
        },
        "Failed-release-failed": {
            Type: "Fail",
            Error: "ReleaseFailed",
            Cause: "The release kept failing (sealed, or the object changed); see the request record.",
        },
    };
    return {
        Comment: "Enclave export airlock: malware scan, lab-data leak check, two-person review, release.",
        StartAt: "Start",
        States: states,
    };
}
