import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseDecisionBody, slotOf, tally, type DecisionObject } from "../airlock/approval";
import { AIRLOCK_STATES, type AirlockState } from "../contract/airlock";

// The two-person rule on its own: which decision objects count. Who may write which slot is the control bucket
// policy's job (proven by the simulation tests); here a slot is taken as the identity it stands for.

const A = "arn:aws:iam::111122223333:role/airlock-approver-a";
const B = "arn:aws:iam::111122223333:role/airlock-approver-b";
const C = "arn:aws:iam::111122223333:user/carol";
const VENDOR = "arn:aws:iam::111122223333:role/enclave-acme-labeling-vendor";
const APPROVERS = [A, B, C];
const OPENED = "2026-11-30T09:59:59.500Z";
const inReview = { state: "in-review" as AirlockState, requesterArn: VENDOR, updatedAt: OPENED };
let t = 0;
const d = (arn: string, decision: "approve" | "reject", reason?: string): DecisionObject => ({
    slot: slotOf(arn),
    body: reason === undefined ? { decision } : { decision, reason },
    at: `2026-11-30T10:00:${String(t++).padStart(2, "0")}Z`,
});

describe("approver slots", () => {
    it("are the first 16 hex digits of the SHA-256 of the exact ARN", () => {
        expect(slotOf(A)).toBe(createHash("sha256").update(A).digest("hex").slice(0, 16));
        expect(slotOf(A)).not.toBe(slotOf(B));
        expect(slotOf(A)).not.toBe(slotOf(A.toUpperCase()));
    });
});

describe("tally: the two-person rule", () => {
    it("leaves a request with no decision pending", () => {
        expect(tally(inReview, [], APPROVERS).outcome).toBe("pending");
    });

    it("one approval is not enough", () => {
        const r = tally(inReview, [d(A, "approve")], APPROVERS);
        expect(r.outcome).toBe("pending");
        expect(r.counted.map((c) => c.approverArn)).toEqual([A]);
    });

    it("two distinct approvers approve", () => {
        const r = tally(inReview, [d(A, "approve"), d(C, "approve")], APPROVERS);
        expect(r.outcome).toBe("approved");
        expect(r.counted.map((c) => c.approverArn)).toEqual([A, C]);
    });

    it("the same approver twice is one approval", () => {
        const r = tally(inReview, [d(A, "approve"), d(A, "approve")], APPROVERS);
        expect(r.outcome).toBe("pending");
        expect(r.counted).toHaveLength(1);
        expect(r.ignored).toEqual([{ slot: slotOf(A), why: `${A} already decided` }]);
    });

    it("an approver listed twice in the spec is still one person", () => {
        expect(tally(inReview, [d(A, "approve"), d(A, "approve")], [A, A]).outcome).toBe("pending");
    });

    it("the requester never counts, even when the spec lists it as an approver", () => {
        const r = tally(inReview, [d(VENDOR, "approve"), d(A, "approve")], [...APPROVERS, VENDOR]);
        expect(r.outcome).toBe("pending");
        expect(r.ignored).toEqual([{ slot: slotOf(VENDOR), why: `${VENDOR} is the requester` }]);
    });

    it("a slot of no spec approver counts for nothing", () => {
        const stranger = "arn:aws:iam::111122223333:role/someone-else";
        const r = tally(inReview, [d(stranger, "approve"), d(A, "approve")], APPROVERS);
        expect(r.outcome).toBe("pending");
        expect(r.ignored[0]).toEqual({ slot: slotOf(stranger), why: "no approver of the spec has this slot" });
    });

    it("one rejection rejects, even after two approvals", () => {
        const r = tally(inReview, [d(A, "approve"), d(B, "approve"), d(C, "reject", "holds rubric text")], APPROVERS);
        expect(r.outcome).toBe("rejected");
        expect(r.counted.find((c) => c.decision === "reject")).toMatchObject({ approverArn: C, reason: "holds rubric text" });
    });

    it("a rejection by a slot that is no approver rejects nothing", () => {
        const r = tally(inReview, [{ slot: "0000000000000000", body: { decision: "reject" }, at: "2026-11-30T10:00:00Z" }, d(A, "approve")], APPROVERS);
        expect(r.outcome).toBe("pending");
    });

    it("a body that is not a decision is ignored, never read as an approval", () => {
        const r = tally(inReview, [{ slot: slotOf(A), body: null, at: "2026-11-30T10:00:00Z" }, d(B, "approve")], APPROVERS);
        expect(r.outcome).toBe("pending");
        expect(r.ignored).toEqual([{ slot: slotOf(A), why: "the body is not a decision" }]);
    });

    it("a decision written before the review opened counts for nothing; one in the same second counts", () => {
        const early = { ...d(A, "approve"), at: "2026-11-30T09:59:58Z" };
        const sameSecond = { ...d(B, "approve"), at: "2026-11-30T09:59:59Z" };
        const r = tally(inReview, [early, sameSecond], APPROVERS);
        expect(r.outcome).toBe("pending");
        expect(r.counted.map((c) => c.approverArn)).toEqual([B]);
        expect(r.ignored).toEqual([{ slot: slotOf(A), why: `written at 2026-11-30T09:59:58Z, before the review opened at ${OPENED}` }]);
        expect(tally(inReview, [early, sameSecond, d(A, "approve")], APPROVERS).outcome).toBe("approved");
    });

    it.each(AIRLOCK_STATES.filter((s) => s !== "in-review"))("ignores every decision on a request that is %s", (state) => {
        const r = tally({ state, requesterArn: VENDOR, updatedAt: OPENED }, [d(A, "approve"), d(B, "approve")], APPROVERS);
        expect(r.outcome).toBe("pending");
        expect(r.counted).toEqual([]);
        expect(r.ignored.map((i) => i.why)).toEqual([`the request is ${state}, not in review`, `the request is ${state}, not in review`]);
    });
});

describe("parseDecisionBody", () => {
    it.each([
        ['{"decision":"approve"}', { decision: "approve" }],
        ['{"decision":"reject","reason":"canary"}', { decision: "reject", reason: "canary" }],
        ['{"decision":"Approve"}', null],
        ['{"decision":"approve","reason":3}', null],
        ['["approve"]', null],
        ["approve", null],
        ["null", null],
    ])("%s -> %j", (text, want) => {
        expect(parseDecisionBody(text)).toEqual(want);
    });
});
