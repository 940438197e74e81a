import { describe, expect, it } from "vitest";
import { canMove, isFinal, LifecycleError, move, superseded } from "../airlock/lifecycle";
import { AIRLOCK_FINAL_STATES, AIRLOCK_STATES, type AirlockRequest, type AirlockState } from "../contract/airlock";

const base: AirlockRequest = {
    requestId: "r1",
    vendorId: "acme-labeling",
    requester: "vendor",
    requesterArn: "arn:aws:iam::111122223333:role/enclave-acme-labeling-vendor",
    key: "submit/vendor/report.csv",
    versionId: "v1",
    sha256: "ab".repeat(32),
    size: 10,
    submittedAt: "2026-11-30T10:00:00Z",
    state: "submitted",
    updatedAt: "2026-11-30T10:00:00Z",
};
const at = "2026-11-30T11:00:00Z";

describe("request lifecycle", () => {
    it.each(AIRLOCK_FINAL_STATES)("a %s request never changes state", (from) => {
        for (const to of AIRLOCK_STATES.filter((s) => s !== from)) {
            expect(canMove(from, to)).toBe(false);
            expect(() => move({ ...base, state: from }, to, at)).toThrow(LifecycleError);
        }
    });

    it("the happy path: submitted, scanning, in review, approved, released", () => {
        let r = base;
        for (const to of ["scanning", "in-review", "approved", "released"] as AirlockState[]) {
            const m = move(r, to, at);
            expect(m.changed).toBe(true);
            r = m.request;
        }
        expect(r.state).toBe("released");
        expect(r.updatedAt).toBe(at);
        expect(isFinal(r.state)).toBe(true);
    });

    it("a rerun into the same state changes nothing (and is no error, even for a final state)", () => {
        const r = { ...base, state: "released" as AirlockState };
        expect(move(r, "released", at)).toEqual({ request: r, changed: false });
    });

    it.each([
        ["submitted", "in-review"],
        ["submitted", "approved"],
        ["scanning", "approved"],
        ["scanning", "released"],
        ["in-review", "released"],
        ["in-review", "scanning"],
        ["approved", "rejected"],
        ["approved", "in-review"],
    ] as [AirlockState, AirlockState][])("%s cannot become %s", (from, to) => {
        expect(canMove(from, to)).toBe(false);
        expect(() => move({ ...base, state: from }, to, at)).toThrow(`request r1 is ${from}: it cannot become ${to}`);
    });

    it("every state before approval may be cancelled; an approved request may only be released", () => {
        for (const s of ["submitted", "scanning", "in-review"] as AirlockState[]) expect(canMove(s, "cancelled")).toBe(true);
        expect(AIRLOCK_STATES.filter((to) => to !== "approved" && canMove("approved", to))).toEqual(["released"]);
        expect(() => move({ ...base, state: "approved" }, "cancelled", at)).toThrow("request r1 is approved: it cannot become cancelled");
    });

    it("the checks block only before review", () => {
        expect(canMove("scanning", "blocked-leak")).toBe(true);
        expect(canMove("in-review", "blocked-leak")).toBe(false);
        expect(canMove("approved", "blocked-scan")).toBe(false);
    });
});

describe("a replaced object is a new request", () => {
    const open = (id: string, versionId: string, state: AirlockState, key = base.key): AirlockRequest => ({ ...base, requestId: id, versionId, state, key });

    it("cancels the unapproved requests on older versions of the same key, and only those", () => {
        const requests = [
            open("old-submitted", "v4", "submitted"),
            open("old-scanning", "v5", "scanning"),
            open("old-review", "v1", "in-review"),
            open("old-approved", "v2", "approved"),
            open("old-done", "v0", "released"),
            open("same", "v3", "submitted"),
            open("other-key", "v1", "in-review", "submit/vendor/other.csv"),
        ];
        // An approved version is pinned: a newer upload is a request of its own and never cancels it.
        expect(superseded(requests, base.key, "v3").map((r) => r.requestId)).toEqual(["old-submitted", "old-scanning", "old-review"]);
    });
});
