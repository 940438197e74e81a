import aslValidator from "asl-validator";
import { describe, expect, it } from "vitest";
import { AIRLOCK_HANDLERS, AIRLOCK_REVIEW_MAX_REWAITS, SCAN_CLEAN, type AirlockHandler, type AirlockState } from "../contract/airlock";
import { answerOf, routeReview } from "../airlock/handlers/reviewOutcome";
import { AIRLOCK_RECORD_EVENTS, airlockDefinition } from "../airlock/stateMachine";

// The definition is checked two ways: asl-validator (the schema AWS's own tooling uses) and a walk of its paths with
// the handlers' answers scripted. What this cannot prove: how Step Functions itself times a Wait or a task token; the
// moto end-to-end test creates the machine, and a real account runs it.

const arns = Object.fromEntries(AIRLOCK_HANDLERS.map((h) => [h, `arn:aws:lambda:eu-west-1:111111111111:function:enclave-acme-airlock-${h}`])) as Record<
    AirlockHandler,
    string
>;
const def = airlockDefinition({ functionArns: arns, reviewTimeoutSeconds: 7 * 86400, scanPollSeconds: 30, scanMaxAttempts: 4 }) as {
    StartAt: string;
    States: Record<string, Record<string, unknown>>;
};
const handlerOf = (state: Record<string, unknown>) =>
    Object.entries(arns).find(([, a]) => a === (state.Parameters as { FunctionName?: string } | undefined)?.FunctionName)?.[0];

/**
 * One round of review: what answers the task token (undefined: nobody, the step times out) and the request record's
 * state when reviewOutcome reads it. `decision` alone is the genuine flow: the decide handler wrote the record, then
 * answered with the same word; any other word leaves the record in review.
 */
type Review = { answer?: unknown; failure?: string; record: AirlockState; secondsLeft?: number };
type Answers = {
    scan: string[];
    leak?: string;
    decision?: string;
    reviews?: Review[];
    releaseFails?: boolean;
    throwsAt?: "scan" | "leakCheck" | "openReview" | "reviewOutcome";
};

/** Follows the definition from StartAt with scripted handler answers; returns the visited states and the record events. */
function walk(answers: Answers): { path: string[]; records: string[]; end: "succeeded" | "failed" } {
    const path: string[] = [];
    const records: string[] = [];
    let data: Record<string, unknown> = { requestId: "r1", bucket: "b", key: "submit/vendor/x", versionId: "v1" };
    let name = def.StartAt;
    const scans = [...answers.scan];
    const reviews: Review[] =
        answers.reviews ??
        (answers.decision === undefined
            ? [{ record: "in-review" }]
            : [
                  {
                      answer: { requestId: "r1", decision: answers.decision },
                      record: answers.decision === "approved" || answers.decision === "rejected" ? answers.decision : "in-review",
                  },
              ]);
    let review: Review = { record: "in-review" };
    /** Where an error of the task goes: the first Catch naming it or States.ALL (the order Step Functions reads them in). */
    const caught = (s: Record<string, unknown>, error: string) =>
        (s.Catch as { ErrorEquals: string[]; Next: string; ResultPath: string }[]).find(
            (c) => c.ErrorEquals.includes(error) || c.ErrorEquals.includes("States.ALL"),
        )!;
    for (let steps = 0; steps < 100; steps++) {
        path.push(name);
        const s = def.States[name];
        let next = s.Next as string | undefined;
        if (s.Type === "Pass") {
            const p = s.Parameters as Record<string, unknown>;
            const out: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(p)) {
                if (!k.endsWith(".$")) out[k] = v;
                else if (v === "$.requestId") out[k.slice(0, -2)] = data.requestId;
                else if (v === "States.MathAdd($.attempt, 1)") out[k.slice(0, -2)] = (data.attempt as number) + 1;
                else throw new Error(`walker: unknown path ${String(v)}`);
            }
            data = out;
        } else if (s.Type === "Wait") {
            // time passes
        } else if (s.Type === "Task") {
            const h = handlerOf(s);
            const payload = (s.Parameters as { Payload: Record<string, unknown> }).Payload;
            if (h === "openReview") review = reviews.shift() ?? { record: "in-review" };
            if (h === answers.throwsAt) {
                // The handler threw (after the Lambda retries): Step Functions names the error after the exception.
                const c = caught(s, "RequestStateError");
                data = { ...data, [c.ResultPath.slice(2)]: { Error: "RequestStateError", Cause: "the handler failed" } };
                next = c.Next;
            } else if (h === "scan") data = { ...data, scan: scans.shift() ?? "PENDING" };
            else if (h === "leakCheck") data = { requestId: data.requestId, leak: answers.leak };
            else if (h === "openReview") {
                expect(payload["taskToken.$"]).toBe("$$.Task.Token");
                // The review's timeout comes from the execution's data: the whole time first, then what is left.
                expect([s.TimeoutSecondsPath, typeof data.reviewTimeoutSeconds]).toEqual(["$.reviewTimeoutSeconds", "number"]);
                if (review.failure !== undefined || review.answer === undefined) {
                    // SendTaskFailure with the token (any error name), or no answer at all: the step times out.
                    const error = review.failure ?? "States.Timeout";
                    const c = caught(s, error);
                    expect(c.ResultPath).toBe("$.review");
                    next = c.Next;
                    data = { ...data, review: { Error: error, Cause: review.failure === undefined ? "timed out" : "sent with the task token" } };
                } else {
                    // Whatever was sent, the step keeps only its constant selector (no path into the answer: a large
                    // answer cannot overflow the execution's data, and its content reaches nothing).
                    const selector = s.ResultSelector as Record<string, unknown>;
                    expect(Object.keys(selector).some((k) => k.endsWith(".$"))).toBe(false);
                    data = { ...data, review: selector };
                }
            } else if (h === "reviewOutcome") {
                // The handler's own rule, on what the definition hands it: the record decides, the answer does not.
                expect(payload).toMatchObject({
                    "requestId.$": "$.requestId",
                    "answer.$": "$.review",
                    reviewTimeoutSeconds: 7 * 86400,
                    "rewaits.$": "$.rewaits",
                });
                expect(typeof data.rewaits, "the execution carries its rewaits count into every review").toBe("number");
                // A real timeout arrives with the review's time used up; an answer or a failure, with time left.
                const timeout = review.answer === undefined && review.failure === undefined && answers.throwsAt !== "openReview";
                const route = routeReview(review.record, answerOf(data.review), review.secondsLeft ?? (timeout ? 0 : 3600));
                if (route.tampered) records.push("review-tampered");
                data = {
                    requestId: data.requestId,
                    outcome: route.outcome,
                    ...(route.outcome === "waiting" ? { reviewTimeoutSeconds: review.secondsLeft ?? 3600 } : {}),
                    ...(route.error ? { error: route.error } : {}),
                    rewaits: (data.rewaits as number) + (route.outcome === "waiting" ? 1 : 0),
                };
            } else if (h === "release") {
                if (answers.releaseFails) next = (s.Catch as { Next: string }[])[0].Next;
            } else if (h === "record") records.push(payload.event as string);
            else throw new Error(`walker: unknown task ${name}`);
            if (s.End && next === undefined) return { path, records, end: "succeeded" };
        } else if (s.Type === "Choice") {
            const choices = s.Choices as Record<string, unknown>[];
            const get = (p: string) =>
                p
                    .slice(2)
                    .split(".")
                    .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], data);
            const test = (c: Record<string, unknown>): boolean =>
                c.And
                    ? (c.And as Record<string, unknown>[]).every(test)
                    : "StringEquals" in c
                      ? get(c.Variable as string) === c.StringEquals
                      : "NumericLessThanEquals" in c
                        ? (get(c.Variable as string) as number) <= (c.NumericLessThanEquals as number)
                        : (get(c.Variable as string) as number) < (c.NumericLessThan as number);
            next = (choices.find(test)?.Next as string | undefined) ?? (s.Default as string);
        } else if (s.Type === "Fail") return { path, records, end: "failed" };
        if (!next) throw new Error(`walker: ${name} has no next state`);
        name = next;
    }
    throw new Error("walker: no end after 100 states");
}

describe("airlock state machine", () => {
    it("is a valid Amazon States Language document", () => {
        const { isValid, errorsText } = aslValidator(def);
        expect(isValid, errorsText("\n")).toBe(true);
    });

    it("releases only after a clean scan, a clean leak check and an approval, in that order", () => {
        const r = walk({ scan: ["PENDING", SCAN_CLEAN], leak: "clean", decision: "approved" });
        expect(r.path).toEqual([
            "Start",
            "Scan",
            "ScanResult",
            "ScanWait",
            "ScanAgain",
            "Scan",
            "ScanResult",
            "LeakCheck",
            "LeakResult",
            "OpenReview",
            "Review",
            "ReviewOutcome",
            "Decision",
            "Release",
        ]);
        expect(r).toMatchObject({ records: [], end: "succeeded" });
    });

    it("blocks a threat, a failed scan, and a scan that never answers, without review", () => {
        for (const scan of [["THREATS_FOUND"], ["FAILED"], ["UNSUPPORTED"], ["ACCESS_DENIED"], Array(10).fill("PENDING")]) {
            const r = walk({ scan, leak: "clean", decision: "approved" });
            expect(r.records).toEqual(["blocked-scan"]);
            expect(r.path).not.toContain("Review");
            expect(r.path).not.toContain("Release");
        }
        // scanMaxAttempts = 4: the 5th PENDING read (attempt 4) gives up.
        expect(walk({ scan: Array(10).fill("PENDING") }).path.filter((s) => s === "Scan")).toHaveLength(5);
    });

    it("blocks a leak (or any leak answer but clean) before review", () => {
        for (const leak of ["blocked", "error", undefined]) {
            const r = walk({ scan: [SCAN_CLEAN], leak, decision: "approved" });
            expect(r.records).toEqual(["blocked-leak"]);
            expect(r.path).not.toContain("Review");
        }
    });

    it("releases nothing on a rejection, an unknown answer or a review timeout", () => {
        expect(walk({ scan: [SCAN_CLEAN], leak: "clean", decision: "rejected" }).records).toEqual(["rejected"]);
        // An answer no decision stands behind is recorded and the review goes on (here until it times out).
        const unknown = walk({ scan: [SCAN_CLEAN], leak: "clean", decision: "maybe" });
        expect(unknown.records).toEqual(["review-tampered", "cancelled"]);
        expect(unknown.path).not.toContain("Release");
        const timedOut = walk({ scan: [SCAN_CLEAN], leak: "clean" });
        expect(timedOut.records).toEqual(["cancelled"]);
        expect(timedOut.path).not.toContain("Release");
    });

    it("a forged answer does not decide: rejected or approved with the record in review, the review goes on and the record decides", () => {
        const clean = { scan: [SCAN_CLEAN], leak: "clean" };
        // Someone with the token (it is in the execution history) answers "rejected"; the approvers then approve.
        const forgedReject = walk({
            ...clean,
            reviews: [
                { answer: { decision: "rejected" }, record: "in-review" },
                { answer: { requestId: "r1", decision: "approved" }, record: "approved" },
            ],
        });
        expect(forgedReject.records).toEqual(["review-tampered"]);
        expect(forgedReject.path.filter((n) => n === "Review")).toHaveLength(2);
        expect(forgedReject.path.at(-1)).toBe("Release");
        expect(forgedReject.end).toBe("succeeded");
        // A forged "approved" is no approval either; the review then times out.
        const forgedApprove = walk({ ...clean, reviews: [{ answer: { decision: "approved" }, record: "in-review" }, { record: "in-review" }] });
        expect(forgedApprove.records).toEqual(["review-tampered", "cancelled"]);
        expect(forgedApprove.path).not.toContain("Release");
        // A forged "rejected" after the approvers approved (before decide's own answer) still releases: the record is
        // approved. What an answer said is not kept (the step keeps a constant), so this one is not told apart from
        // decide's own: what it cannot show is who answered once the record was decided.
        const late = walk({ ...clean, reviews: [{ answer: { decision: "rejected" }, record: "approved" }] });
        expect(late.records).toEqual([]);
        expect(late.path.at(-1)).toBe("Release");
        // A decision whose answer was lost: the step times out, the record says approved, the version is released.
        expect(walk({ ...clean, reviews: [{ record: "approved" }] }).path.at(-1)).toBe("Release");
        // Forgeries cannot stretch the review: with no time left the request is cancelled.
        expect(walk({ ...clean, reviews: [{ answer: { decision: "rejected" }, record: "in-review", secondsLeft: 0 }] }).records).toEqual([
            "review-tampered",
            "cancelled",
        ]);
    });

    it("a forged timeout (SendTaskFailure named States.Timeout, days before the deadline) cancels nothing: recorded, the review goes on", () => {
        const clean = { scan: [SCAN_CLEAN], leak: "clean" };
        // No answer: the walker takes the States.Timeout Catch, as a failure sent with that error name would.
        const forged = walk({
            ...clean,
            reviews: [
                { record: "in-review", secondsLeft: 3 * 86400 },
                { answer: { decision: "approved" }, record: "approved" },
            ],
        });
        expect(forged.records).toEqual(["review-tampered"]);
        expect(forged.path.at(-1)).toBe("Release");
        expect(routeReview("in-review", answerOf({ Error: "States.Timeout", Cause: "x" }), 3 * 86400)).toEqual({ outcome: "waiting", tampered: true });
        // A real timeout arrives with the time used up (a moment's slack for the step starting before the record said so).
        expect(routeReview("in-review", answerOf({ Error: "States.Timeout", Cause: "x" }), 2)).toEqual({
            outcome: "cancelled",
            tampered: false,
            error: "States.Timeout",
        });
    });

    it("records a scan, leak check or review step that keeps failing and ends the execution failed, releasing nothing", () => {
        for (const throwsAt of ["scan", "leakCheck", "reviewOutcome"] as const) {
            const r = walk({ scan: [SCAN_CLEAN], leak: "clean", decision: "approved", throwsAt });
            expect([throwsAt, r.records, r.end]).toEqual([throwsAt, ["step-failed"], "failed"]);
            expect(r.path).not.toContain("Release");
        }
        // openReview's failure reaches the review's Catch, as a forged failure would (the two look alike): each is
        // recorded, and the bound stops the loop.
        const r = walk({ scan: [SCAN_CLEAN], leak: "clean", throwsAt: "openReview" });
        expect(r.records).toEqual([...Array(AIRLOCK_REVIEW_MAX_REWAITS + 1).fill("review-tampered"), "review-stuck"]);
        expect(r.path.filter((n) => n === "Review")).toHaveLength(AIRLOCK_REVIEW_MAX_REWAITS + 1);
        expect(r.path.at(-1)).toBe("Failed-review-stuck");
        expect(r.end).toBe("failed");
        expect(r.path).not.toContain("Release");
    });

    it("a forged failure (SendTaskFailure on the review token, any error name) ends nothing: recorded, the review waits, two real approvals release", () => {
        const clean = { scan: [SCAN_CLEAN], leak: "clean" };
        // Every error of the review step goes to the step that reads the record; none ends the execution.
        expect(def.States.Review.Catch).toEqual([{ ErrorEquals: ["States.ALL"], ResultPath: "$.review", Next: "ReviewOutcome" }]);
        for (const failure of ["Anything", "States.TaskFailed", "Lambda.Unknown", "StepFailed"]) {
            const r = walk({
                ...clean,
                reviews: [
                    { failure, record: "in-review", secondsLeft: 3 * 86400 },
                    // The decide handler wrote approved from two distinct approvals, then answered the new token.
                    { answer: { requestId: "r1", decision: "approved" }, record: "approved" },
                ],
            });
            expect([failure, r.records]).toEqual([failure, ["review-tampered"]]);
            expect(r.path.filter((n) => n === "Review")).toHaveLength(2);
            expect(r.path.slice(-4)).toEqual(["Review", "ReviewOutcome", "Decision", "Release"]);
            expect(r.end).toBe("succeeded");
        }
        // A failure after the approvers decided is routed by the record: approved releases, rejected rejects.
        expect(walk({ ...clean, reviews: [{ failure: "Anything", record: "approved" }] }).path.at(-1)).toBe("Release");
        expect(walk({ ...clean, reviews: [{ failure: "Anything", record: "rejected" }] }).records).toEqual(["review-tampered", "rejected"]);
        // A failure sent with no review time left cannot stretch it: cancelled, recorded.
        expect(walk({ ...clean, reviews: [{ failure: "Anything", record: "in-review", secondsLeft: 0 }] }).records).toEqual(["review-tampered", "cancelled"]);
        expect(routeReview("in-review", answerOf({ Error: "Anything", Cause: "x" }), 3 * 86400)).toEqual({ outcome: "waiting", tampered: true });
    });

    it("bounds the returns to waiting: the last allowed one still releases on approval, one more stops the review recorded", () => {
        const clean = { scan: [SCAN_CLEAN], leak: "clean" };
        const forged = (n: number): Review[] =>
            Array.from({ length: n }, (_, i) => ({
                failure: i % 2 ? "Anything" : undefined,
                answer: i % 2 ? undefined : { decision: "rejected" },
                record: "in-review" as const,
                secondsLeft: 86400,
            }));
        const within = walk({ ...clean, reviews: [...forged(AIRLOCK_REVIEW_MAX_REWAITS), { answer: { decision: "approved" }, record: "approved" }] });
        expect(within.records).toEqual(Array(AIRLOCK_REVIEW_MAX_REWAITS).fill("review-tampered"));
        expect(within.path.at(-1)).toBe("Release");
        const past = walk({ ...clean, reviews: [...forged(AIRLOCK_REVIEW_MAX_REWAITS + 1), { answer: { decision: "approved" }, record: "approved" }] });
        expect(past.records).toEqual([...Array(AIRLOCK_REVIEW_MAX_REWAITS + 1).fill("review-tampered"), "review-stuck"]);
        expect(past.path).not.toContain("Release");
        expect(past).toMatchObject({ end: "failed" });
        expect(past.path.at(-1)).toBe("Failed-review-stuck");
    });

    it("records a release that keeps failing (sealed) and ends the execution failed", () => {
        const r = walk({ scan: [SCAN_CLEAN], leak: "clean", decision: "approved", releaseFails: true });
        expect(r).toMatchObject({ records: ["release-failed"], end: "failed" });
    });

    it("gives every path to Release a Review and a LeakCheck (graph check, whatever the answers)", () => {
        const succ = (n: string): string[] => {
            const s = def.States[n];
            const out = [
                s.Next,
                s.Default,
                ...((s.Choices as { Next: string }[] | undefined) ?? []).map((c) => c.Next),
                ...((s.Catch as { Next: string }[] | undefined) ?? []).map((c) => c.Next),
            ];
            return out.filter((x): x is string => typeof x === "string");
        };
        // Remove the gate and see whether Release is still reachable.
        for (const gate of ["Review", "ReviewOutcome", "LeakCheck"]) {
            const seen = new Set<string>();
            const stack = [def.StartAt];
            while (stack.length) {
                const n = stack.pop()!;
                if (n === gate || seen.has(n)) continue;
                seen.add(n);
                stack.push(...succ(n));
            }
            expect(seen.has("Release"), `Release reachable without ${gate}`).toBe(false);
        }
    });

    it("retries Lambda faults on every task, waits for the task token, and times the review out", () => {
        for (const [name, s] of Object.entries(def.States).filter(([, s]) => s.Type === "Task")) {
            expect((s.Retry as { ErrorEquals: string[] }[])[0].ErrorEquals, name).toContain("Lambda.TooManyRequestsException");
        }
        expect(def.States.Review).toMatchObject({
            Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
            TimeoutSecondsPath: "$.reviewTimeoutSeconds",
            ResultSelector: { answered: true },
            ResultPath: "$.review",
            Next: "ReviewOutcome",
        });
        expect(def.States.OpenReview).toMatchObject({ Type: "Pass", Parameters: { reviewTimeoutSeconds: 604800 }, Next: "Review" });
        // Only the record-reading step leads to Decision, and Decision reads only what that step returned.
        const intoDecision = Object.entries(def.States)
            .filter(([, s]) => s.Next === "Decision")
            .map(([n]) => n);
        expect(intoDecision).toEqual(["ReviewOutcome"]);
        const variables = (c: { Variable?: string; And?: { Variable: string }[] }): string[] => (c.And ? c.And.flatMap(variables) : [c.Variable!]);
        expect((def.States.Decision.Choices as { Variable: string }[]).flatMap(variables)).toEqual([
            "$.outcome",
            "$.outcome",
            "$.outcome",
            "$.rewaits",
            "$.outcome",
        ]);
        const events = Object.values(def.States)
            .filter((s) => handlerOf(s) === "record")
            .map((s) => (s.Parameters as { Payload: { event: string } }).Payload.event)
            .sort();
        expect(events).toEqual([...AIRLOCK_RECORD_EVENTS].sort());
    });
});
