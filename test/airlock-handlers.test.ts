import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { slotOf } from "../airlock/approval";
import { readAirlockEnv } from "../airlock/env";
import { AirlockConfigError, AirlockInputError, IntegrityError, RecordChangedError, ReleaseDeniedError, RequestStateError } from "../airlock/errors";
import type { AirlockDeps } from "../airlock/handlers/common";
import { makeHandler as decideHandler } from "../airlock/handlers/decide";
import { makeHandler as fingerprintHandler } from "../airlock/handlers/fingerprint";
import { makeHandler as leakCheckHandler } from "../airlock/handlers/leakCheck";
import type { Canary } from "../airlock/fingerprint";
import { makeHandler as openReviewHandler } from "../airlock/handlers/openReview";
import { makeHandler as recordHandler } from "../airlock/handlers/record";
import { makeHandler as releaseHandler } from "../airlock/handlers/release";
import { makeHandler as reviewOutcomeHandler } from "../airlock/handlers/reviewOutcome";
import { makeHandler as scanHandler } from "../airlock/handlers/scan";
import { makeHandler as submitHandler } from "../airlock/handlers/submit";
import type { LeakVerdict } from "../airlock/fingerprint";
import { indexKeyOf, type AirlockRecord } from "../airlock/store";
import { AIRLOCK_HANDLERS, AIRLOCK_PREFIX, AIRLOCK_REVIEW_MAX_REWAITS, AIRLOCK_TAG, GUARDDUTY_SCAN_TAG, type AirlockRequest } from "../contract/airlock";
import { ACCOUNT, APPROVER_A, APPROVER_B, ENV, FakeAws, fakeDeps, PROMPTS_BUCKET, VENDOR, VENDOR_ROLE } from "./support/airlockFake";
import { fingerprintStream, leakCheck } from "../airlock/fingerprint";
import { INLINE_INDEX_MAX_OBJECTS, reindex } from "../airlock/coverage";
import { AirlockStore } from "../airlock/store";

// The handlers' flow of docs/airlock-operations.md, each handler called as Lambda would call it, with the real SDK
// clients answered by an in-memory S3 and Step Functions (aws-sdk-client-mock). The state machine is played by the
// test, step by step, as its definition would run. What this cannot prove: IAM (who may write which slot, the freeze's
// deny; here they are given), and GuardDuty (its scan tag is written by the test).

const OUT = ENV.OUTBOX_BUCKET;
const CONTROL = ENV.CONTROL_BUCKET;
const RELEASED = ENV.RELEASED_BUCKET;
const ARCHIVE = ENV.ARCHIVE_BUCKET;
const KEY = "submit/vendor/summary-2026-11.csv";
const CONTENT = "week,items,accuracy\n48,1200,0.97\n";

let fake: FakeAws;
let deps: AirlockDeps & { logs: string[] };
beforeEach(() => {
    fake = new FakeAws();
    deps = fakeDeps(fake);
});
afterEach(() => fake.restore());

const h = (d: AirlockDeps = deps) => ({
    submit: submitHandler(d),
    scan: scanHandler(d),
    leakCheck: leakCheckHandler(d),
    openReview: openReviewHandler(d),
    reviewOutcome: reviewOutcomeHandler(d),
    decide: decideHandler(d),
    release: releaseHandler(d),
    record: recordHandler(d),
    fingerprint: fingerprintHandler(d),
});
const request = (id: string) => fake.json<AirlockRequest>(CONTROL, AIRLOCK_PREFIX.request(id));
const records = (id: string) => fake.keys(ARCHIVE, `vendors/${VENDOR}/airlock/${id}/`).map((k) => fake.json<AirlockRecord>(ARCHIVE, k));
const decide = async (id: string, approver: string, decision: "approve" | "reject", d: AirlockDeps = deps) => {
    const key = AIRLOCK_PREFIX.decision(id, slotOf(approver));
    fake.put(CONTROL, key, JSON.stringify({ decision }));
    return h(d).decide(FakeAws.created(CONTROL, key, fake.version(CONTROL, key).versionId));
};

/** A vendor put, then the steps up to an open review (the scan tag written as GuardDuty would). Returns the request id. */
async function toReview(content = CONTENT, d: AirlockDeps = deps, key = KEY): Promise<{ id: string; versionId: string; token: string }> {
    const { VersionId } = fake.put(OUT, key, content);
    const sub = await h(d).submit(FakeAws.created(OUT, key, VersionId, content.length));
    const id = sub.requestId;
    fake.version(OUT, key, VersionId).tags[GUARDDUTY_SCAN_TAG] = "NO_THREATS_FOUND";
    expect((await h(d).scan({ requestId: id, attempt: 1 })).scan).toBe("NO_THREATS_FOUND");
    expect((await h(d).leakCheck({ requestId: id })).leak).toBe("clean");
    const token = `token-${id}`;
    fake.tokens.set(token, null);
    await h(d).openReview({ requestId: id, taskToken: token });
    return { id, versionId: VersionId, token };
}

describe("airlock handlers: the flow", () => {
    it("submit pins the version and its SHA-256, tags it, starts one execution named by the request, records it", async () => {
        const { VersionId } = fake.put(OUT, KEY, CONTENT);
        const event = FakeAws.created(OUT, KEY, VersionId, CONTENT.length);
        const first = await h().submit(event);
        const r = request(first.requestId);
        expect(r).toMatchObject({ state: "submitted", requester: "vendor", requesterArn: VENDOR_ROLE, key: KEY, versionId: VersionId, size: CONTENT.length });
        expect(r.sha256).toBe(createHash("sha256").update(CONTENT).digest("hex"));
        expect(fake.version(OUT, KEY, VersionId).tags).toEqual({
            [AIRLOCK_TAG.request]: first.requestId,
            [AIRLOCK_TAG.state]: "submitted",
            [AIRLOCK_TAG.sha256]: r.sha256,
        });
        expect(JSON.parse(fake.executions.get(first.requestId)!.input)).toEqual({ requestId: first.requestId, bucket: OUT, key: KEY, versionId: VersionId });
        expect(first.started).toBe(true);
        // EventBridge delivers at least once: the same event again starts nothing and writes no second record.
        const again = await h().submit(event);
        expect(again).toMatchObject({ requestId: first.requestId, started: false });
        expect(fake.executions.size).toBe(1);
        expect(records(first.requestId).map((x) => x.event)).toEqual(["submitted"]);
    });

    it("a replayed submit event that raced the first delivery leaves the advanced record as it is (the first write is If-None-Match)", async () => {
        const { id, versionId } = await toReview();
        await decide(id, APPROVER_A, "approve");
        await decide(id, APPROVER_B, "approve");
        const approved = fake.version(CONTROL, AIRLOCK_PREFIX.request(id)).body.toString();
        // The replay read no record (its first read came before the first delivery wrote one), hashed the version, and
        // meanwhile the first delivery's execution took the request to approved: modelled by holding the record back
        // until the replay's own put.
        fake.bucket(CONTROL).delete(AIRLOCK_PREFIX.request(id));
        fake.before = (op, bucket, key) => {
            if (op === "put" && bucket === CONTROL && key === AIRLOCK_PREFIX.request(id) && !fake.bucket(CONTROL).has(key)) fake.put(CONTROL, key, approved);
        };
        const replay = await h().submit(FakeAws.created(OUT, KEY, versionId, CONTENT.length));
        fake.before = undefined;
        expect(replay).toMatchObject({ requestId: id, state: "approved", started: false });
        expect(request(id)).toMatchObject({ state: "approved", approvals: [{ approverArn: APPROVER_A }, { approverArn: APPROVER_B }] });
        expect(fake.bucket(CONTROL).get(AIRLOCK_PREFIX.request(id))!.at(-1)!.body.toString()).toBe(approved);
        expect(fake.version(OUT, KEY, versionId).tags[AIRLOCK_TAG.state]).toBe("approved");
        expect(deps.logs.some((l) => l.includes("already submitted by another delivery of the event; left approved"))).toBe(true);
        // And the release still goes through.
        expect((await h().release({ requestId: id })).state).toBe("released");
    });

    it("scan reports PENDING until GuardDuty has tagged the version, then its value", async () => {
        const { VersionId } = fake.put(OUT, KEY, CONTENT);
        const { requestId } = await h().submit(FakeAws.created(OUT, KEY, VersionId));
        expect(await h().scan({ requestId, attempt: 1 })).toEqual({ requestId, attempt: 1, scan: "PENDING" });
        expect(request(requestId).state).toBe("scanning");
        fake.version(OUT, KEY, VersionId).tags[GUARDDUTY_SCAN_TAG] = "THREATS_FOUND";
        expect(await h().scan({ requestId, attempt: 2 })).toEqual({ requestId, attempt: 2, scan: "THREATS_FOUND" });
        // The state machine records anything but NO_THREATS_FOUND as blocked-scan; nothing reaches review.
        await h().record({ requestId, event: "blocked-scan" });
        expect(request(requestId)).toMatchObject({ state: "blocked-scan", scan: { status: "THREATS_FOUND" } });
        expect(fake.version(OUT, KEY, VersionId).tags[AIRLOCK_TAG.state]).toBe("blocked-scan");
        // GuardDuty's tag survives the airlock's own tag writes.
        expect(fake.version(OUT, KEY, VersionId).tags[GUARDDUTY_SCAN_TAG]).toBe("THREATS_FOUND");
        await expect(h().leakCheck({ requestId })).rejects.toThrow(RequestStateError);
    });

    it("one approval is not enough, two distinct ones release exactly the submitted version", async () => {
        const { id, versionId, token } = await toReview();
        expect(request(id)).toMatchObject({ state: "in-review" });
        // The token lives apart from the record approvers read.
        expect(request(id)).not.toHaveProperty("taskToken");
        expect(fake.version(CONTROL, AIRLOCK_PREFIX.token(id)).body.toString()).toBe(token);
        const first = await decide(id, APPROVER_A, "approve");
        expect(first).toMatchObject({ outcome: "pending", state: "in-review", sent: false });
        expect(fake.tokens.get(token)).toBeNull();
        const second = await decide(id, APPROVER_B, "approve");
        expect(second).toMatchObject({ outcome: "approved", state: "approved", sent: true });
        expect(JSON.parse(fake.tokens.get(token)!)).toEqual({ requestId: id, decision: "approved" });
        expect(request(id).approvals!.map((a) => a.approverArn)).toEqual([APPROVER_A, APPROVER_B]);

        const out = await h().release({ requestId: id });
        expect(out.releasedKey).toBe(`released/${id}/summary-2026-11.csv`);
        expect(fake.version(RELEASED, out.releasedKey).body.toString()).toBe(CONTENT);
        expect(fake.calls.filter((c) => c.startsWith("copy"))).toEqual([`copy ${KEY}@${versionId} -> ${out.releasedKey}`]);
        expect(request(id)).toMatchObject({ state: "released", releasedKey: out.releasedKey });
        expect(fake.version(OUT, KEY, versionId).tags[AIRLOCK_TAG.state]).toBe("released");
        expect(records(id).map((x) => x.event)).toEqual(["submitted", "scanning", "in-review", "approved", "released"]);
        // Records carry the hashes and approvers, never the task token.
        const approved = records(id).find((x) => x.event === "approved")!;
        expect(approved).toMatchObject({ sha256: request(id).sha256, approvals: [{ approverArn: APPROVER_A }, { approverArn: APPROVER_B }] });
        expect(JSON.stringify(records(id))).not.toContain(token);

        // A rerun of release, or a late duplicate decision event, releases nothing twice.
        await h().release({ requestId: id });
        expect(fake.calls.filter((c) => c.startsWith("copy"))).toHaveLength(1);
        expect(fake.bucket(RELEASED).get(out.releasedKey)).toHaveLength(1);
        expect(await h().decide({ requestId: id })).toMatchObject({ state: "released", sent: false });
    });

    it("a forged review answer decides nothing: with the record in review, 'rejected' is recorded as tampering and the review goes on", async () => {
        const { id, token } = await toReview();
        const week = 7 * 86400;
        // Anyone who read the token from the execution history and may call SendTaskSuccess.
        fake.tokens.set(token, JSON.stringify({ decision: "rejected" }));
        const forged = await h().reviewOutcome({ requestId: id, answer: { decision: "rejected" }, reviewTimeoutSeconds: week });
        expect(forged).toMatchObject({ requestId: id, outcome: "waiting" });
        // What is left of the week: the fake clock ticked a few seconds since the review opened.
        expect(forged.reviewTimeoutSeconds).toBeGreaterThan(week - 60);
        expect(forged.reviewTimeoutSeconds).toBeLessThan(week);
        expect(request(id).state).toBe("in-review");
        const tampered = records(id).filter((x) => x.event === "review-tampered");
        expect(tampered.map((x) => x.detail)).toEqual([
            { answer: '{"decision":"rejected"}', recordState: "in-review", rewaits: 1, maxRewaits: AIRLOCK_REVIEW_MAX_REWAITS },
        ]);
        expect(records(id).map((x) => x.event)).not.toContain("rejected");
        // A forged "approved" is no approval either.
        expect(await h().reviewOutcome({ requestId: id, answer: { decision: "approved" }, reviewTimeoutSeconds: week })).toMatchObject({ outcome: "waiting" });
        await expect(h().release({ requestId: id })).rejects.toThrow("is in-review, not approved");

        // The review step runs again with a new token; the approvers' decisions answer it and the record decides.
        fake.tokens.set("t2", null);
        await h().openReview({ requestId: id, taskToken: "t2" });
        await decide(id, APPROVER_A, "approve");
        expect(await decide(id, APPROVER_B, "approve")).toMatchObject({ state: "approved", sent: true });
        expect(JSON.parse(fake.tokens.get("t2")!)).toEqual({ requestId: id, decision: "approved" });
        expect(await h().reviewOutcome({ requestId: id, answer: { requestId: id, decision: "approved" }, reviewTimeoutSeconds: week })).toEqual({
            requestId: id,
            outcome: "approved",
            rewaits: 0,
        });
    });

    it("a forged failure (SendTaskFailure, any error name) on the review token is recorded and the review waits; two real approvals release", async () => {
        const { id, versionId } = await toReview();
        const week = 7 * 86400;
        // What the review step's Catch hands on for SendTaskFailure(error "Anything"): the record is still in review.
        const forged = await h().reviewOutcome({ requestId: id, answer: { Error: "Anything", Cause: "stop it" }, reviewTimeoutSeconds: week, rewaits: 0 });
        expect(forged).toMatchObject({ requestId: id, outcome: "waiting", rewaits: 1 });
        expect(forged.reviewTimeoutSeconds).toBeGreaterThan(week - 60);
        expect(request(id).state).toBe("in-review");
        expect(
            records(id)
                .filter((x) => x.event === "review-tampered")
                .map((x) => x.detail),
        ).toEqual([{ answer: '{"Error":"Anything","Cause":"stop it"}', recordState: "in-review", rewaits: 1, maxRewaits: AIRLOCK_REVIEW_MAX_REWAITS }]);
        // The review step again, with a new token; both approvers approve and the record decides.
        fake.tokens.set("t2", null);
        await h().openReview({ requestId: id, taskToken: "t2" });
        await decide(id, APPROVER_A, "approve");
        expect(await decide(id, APPROVER_B, "approve")).toMatchObject({ state: "approved", sent: true });
        expect(
            await h().reviewOutcome({ requestId: id, answer: { requestId: id, decision: "approved" }, reviewTimeoutSeconds: week, rewaits: forged.rewaits }),
        ).toEqual({ requestId: id, outcome: "approved", rewaits: 1 });
        const out = await h().release({ requestId: id });
        expect(request(id)).toMatchObject({ state: "released", releasedKey: out.releasedKey });
        expect(fake.calls.filter((c) => c.startsWith("copy"))).toEqual([`copy ${KEY}@${versionId} -> ${out.releasedKey}`]);
    });

    it("a failure sent before openReview wrote in-review (both checks passed) waits too; past the bound the review is stopped, cancelled and explained", async () => {
        const { VersionId } = fake.put(OUT, KEY, CONTENT);
        const { requestId: id } = await h().submit(FakeAws.created(OUT, KEY, VersionId, CONTENT.length));
        fake.version(OUT, KEY, VersionId).tags[GUARDDUTY_SCAN_TAG] = "NO_THREATS_FOUND";
        await h().scan({ requestId: id, attempt: 1 });
        await h().leakCheck({ requestId: id });
        expect(request(id).state).toBe("scanning");
        expect(await h().reviewOutcome({ requestId: id, answer: { Error: "Forged" }, reviewTimeoutSeconds: 3600, rewaits: 2 })).toMatchObject({
            outcome: "waiting",
            rewaits: 3,
        });
        await expect(h().reviewOutcome({ requestId: id, answer: { Error: "Forged" }, reviewTimeoutSeconds: 3600, rewaits: -1 })).rejects.toThrow(
            AirlockInputError,
        );
        // The state machine stops the review past AIRLOCK_REVIEW_MAX_REWAITS: the record step cancels it for good, so
        // approvals written later leave no approved record that nothing releases.
        await h().record({ requestId: id, event: "review-stuck", error: "ReviewStuck", cause: "too many" });
        expect(request(id)).toMatchObject({ state: "cancelled", reviewStuck: { rewaits: AIRLOCK_REVIEW_MAX_REWAITS + 1 } });
        expect(records(id).at(-1)).toMatchObject({ event: "cancelled", detail: { event: "review-stuck", error: "ReviewStuck" } });
        // Only an open review can be stopped: a direct invoke cannot cancel an approved request this way.
        const other = await toReview("other content\n", deps, "submit/vendor/other.csv");
        await decide(other.id, APPROVER_A, "approve");
        await decide(other.id, APPROVER_B, "approve");
        await expect(h().record({ requestId: other.id, event: "review-stuck" })).rejects.toThrow("only a review still open can be stopped");
        expect(request(other.id).state).toBe("approved");
    });

    it("review outcome: the record routes whatever the answer, a timeout cancels an undecided review, a decided review reopened answers itself", async () => {
        const { id } = await toReview();
        expect(await h().reviewOutcome({ requestId: id, answer: { Error: "States.Timeout" }, reviewTimeoutSeconds: 60 })).toEqual({
            requestId: id,
            outcome: "cancelled",
            error: "States.Timeout",
            rewaits: 0,
        });
        // No time left: even a forged answer ends the review (recorded), it cannot stretch it.
        expect(await h().reviewOutcome({ requestId: id, answer: "approve it", reviewTimeoutSeconds: 1 })).toMatchObject({ outcome: "cancelled" });
        expect(
            records(id)
                .filter((x) => x.event === "review-tampered")
                .map((x) => x.detail),
        ).toEqual([{ answer: '"approve it"', recordState: "in-review" }]);

        await decide(id, APPROVER_A, "approve");
        await decide(id, APPROVER_B, "reject");
        // The record says rejected: a forged "approved" routes to the rejection, recorded.
        expect(await h().reviewOutcome({ requestId: id, answer: { decision: "approved" }, reviewTimeoutSeconds: 60 })).toEqual({
            requestId: id,
            outcome: "rejected",
            rewaits: 0,
        });
        expect(records(id).filter((x) => x.event === "review-tampered")).toHaveLength(2);
        // A review step opened again after the decision answers its own token with the record's state.
        fake.tokens.set("t3", null);
        expect(await h().openReview({ requestId: id, taskToken: "t3" })).toEqual({ requestId: id, state: "rejected" });
        expect(JSON.parse(fake.tokens.get("t3")!)).toEqual({ requestId: id, decision: "rejected" });
        await expect(h().reviewOutcome({ requestId: id, answer: {}, reviewTimeoutSeconds: 0 })).rejects.toThrow(AirlockInputError);
    });

    it("the same approver twice is one approval", async () => {
        const { id, token } = await toReview();
        await decide(id, APPROVER_A, "approve");
        const again = await decide(id, APPROVER_A, "approve");
        expect(again).toMatchObject({ outcome: "pending", state: "in-review", sent: false });
        expect(fake.tokens.get(token)).toBeNull();
        await expect(h().release({ requestId: id })).rejects.toThrow(RequestStateError);
        expect(fake.keys(RELEASED)).toEqual([]);
    });

    it("the requester cannot approve, even if listed as an approver", async () => {
        const d = fakeDeps(fake);
        const env = readAirlockEnv({ ...ENV, APPROVERS: JSON.stringify([APPROVER_A, VENDOR_ROLE]) });
        d.env = () => env;
        const { id, token } = await toReview(CONTENT, d);
        await decide(id, APPROVER_A, "approve", d);
        const r = await decide(id, VENDOR_ROLE, "approve", d);
        expect(r).toMatchObject({ outcome: "pending", state: "in-review", sent: false });
        expect(r.ignored).toEqual([{ slot: slotOf(VENDOR_ROLE), why: `${VENDOR_ROLE} is the requester` }]);
        expect(fake.tokens.get(token)).toBeNull();
    });

    it("a rejection ends the request: the review is answered rejected, later approvals change nothing, nothing is released", async () => {
        const { id, token } = await toReview();
        await decide(id, APPROVER_A, "approve");
        const r = await decide(id, APPROVER_B, "reject");
        expect(r).toMatchObject({ outcome: "rejected", state: "rejected", sent: true });
        expect(JSON.parse(fake.tokens.get(token)!)).toEqual({ requestId: id, decision: "rejected" });
        // The state machine's rejected branch records it (already rejected: the same record, not a second one).
        await h().record({ requestId: id, event: "rejected" });
        expect(records(id).filter((x) => x.event === "rejected")).toHaveLength(1);
        const late = await decide(id, APPROVER_A, "approve");
        expect(late).toMatchObject({ outcome: "rejected", state: "rejected", sent: false });
        await expect(h().release({ requestId: id })).rejects.toThrow("is rejected, not approved");
        expect(fake.keys(RELEASED)).toEqual([]);
        expect(fake.version(OUT, KEY).tags[AIRLOCK_TAG.state]).toBe("rejected");
    });

    it("decisions written before the review opens count for nothing, then or later", async () => {
        const { VersionId } = fake.put(OUT, KEY, CONTENT);
        const { requestId } = await h().submit(FakeAws.created(OUT, KEY, VersionId));
        await decide(requestId, APPROVER_A, "approve");
        expect(await decide(requestId, APPROVER_B, "approve")).toMatchObject({ outcome: "pending", state: "submitted", sent: false });
        fake.version(OUT, KEY, VersionId).tags[GUARDDUTY_SCAN_TAG] = "NO_THREATS_FOUND";
        await h().scan({ requestId, attempt: 1 });
        await h().leakCheck({ requestId });
        fake.tokens.set("t1", null);
        await h().openReview({ requestId, taskToken: "t1" });
        // The early approvals are still in their slots once the review is open: the tally leaves them out.
        const r = await h().decide({ requestId });
        expect(r).toMatchObject({ outcome: "pending", state: "in-review", sent: false });
        expect(r.ignored.map((i) => i.slot)).toEqual([slotOf(APPROVER_A), slotOf(APPROVER_B)]);
        expect(r.ignored[0].why).toMatch(/before the review opened/);
        await decide(requestId, APPROVER_A, "approve");
        expect(await decide(requestId, APPROVER_B, "approve")).toMatchObject({ outcome: "approved", sent: true });
    });

    it("release refuses an approved record that does not show two distinct approvers other than the requester", async () => {
        const { id } = await toReview();
        await decide(id, APPROVER_A, "approve");
        await decide(id, APPROVER_B, "approve");
        const r = request(id);
        const forged = {
            ...r,
            approvals: [
                r.approvals![0],
                { ...r.approvals![0], at: "2026-11-30T13:00:00Z" },
                { approverArn: VENDOR_ROLE, decision: "approve" as const, at: r.updatedAt },
            ],
        };
        fake.put(CONTROL, AIRLOCK_PREFIX.request(id), JSON.stringify(forged));
        await expect(h().release({ requestId: id })).rejects.toThrow("holds 1 distinct approvals by others than the requester");
        expect(fake.keys(RELEASED)).toEqual([]);
    });

    it("release copies the pinned version only while its airlock:sha256 tag and its bytes match", async () => {
        const { id, versionId } = await toReview();
        await decide(id, APPROVER_A, "approve");
        await decide(id, APPROVER_B, "approve");
        fake.version(OUT, KEY, versionId).tags[AIRLOCK_TAG.sha256] = "0".repeat(64);
        await expect(h().release({ requestId: id })).rejects.toThrow(IntegrityError);
        fake.version(OUT, KEY, versionId).tags[AIRLOCK_TAG.sha256] = request(id).sha256;
        // S3 versions are immutable; a changed body stands for any read that does not return the pinned bytes.
        fake.version(OUT, KEY, versionId).body = Buffer.from(CONTENT + "prompt: secret\n");
        await expect(h().release({ requestId: id })).rejects.toThrow(/hashes to [0-9a-f]{64}, not the pinned/);
        expect(fake.keys(RELEASED)).toEqual([]);
        expect(request(id).state).toBe("approved");
    });

    it("release while the seal's freeze denies the put fails, is recorded, and succeeds on a rerun once unsealed", async () => {
        const { id } = await toReview();
        await decide(id, APPROVER_A, "approve");
        await decide(id, APPROVER_B, "approve");
        fake.deny.add(RELEASED);
        await expect(h().release({ requestId: id })).rejects.toThrow(ReleaseDeniedError);
        expect(request(id).state).toBe("approved");
        const denied = records(id).filter((x) => x.event === "release-denied");
        expect(denied).toHaveLength(1);
        expect(denied[0].detail).toMatchObject({ releasedKey: `released/${id}/summary-2026-11.csv`, error: "AccessDenied" });
        expect(fake.keys(RELEASED)).toEqual([]);
        fake.deny.delete(RELEASED);
        expect((await h().release({ requestId: id })).state).toBe("released");
    });

    it("the leak check blocks before review and records the dataset, the object and the score", async () => {
        const d = fakeDeps(fake, (c): LeakVerdict =>
            Buffer.from(c).toString().includes("rubric")
                ? { verdict: "blocked", reason: "lines", dataset: "rubrics", key: "v3/rubric.md", score: 0.82 }
                : { verdict: "clean" },
        );
        const { VersionId } = fake.put(OUT, KEY, "rubric: score 1-5 for helpfulness\n");
        const { requestId } = await h(d).submit(FakeAws.created(OUT, KEY, VersionId));
        fake.version(OUT, KEY, VersionId).tags[GUARDDUTY_SCAN_TAG] = "NO_THREATS_FOUND";
        await h(d).scan({ requestId, attempt: 1 });
        expect(await h(d).leakCheck({ requestId })).toEqual({ requestId, leak: "blocked" });
        expect(request(requestId)).toMatchObject({ state: "blocked-leak", leak: { verdict: "blocked", reason: "lines", dataset: "rubrics", score: 0.82 } });
        const rec = records(requestId).find((x) => x.event === "blocked-leak")!;
        expect(rec.detail).toEqual({ reason: "lines", dataset: "rubrics", datasetKey: "v3/rubric.md", score: 0.82 });
        await expect(h(d).openReview({ requestId, taskToken: "t" })).rejects.toThrow(RequestStateError);
    });

    it("the leak check reads the index and the canaries from the control bucket", async () => {
        fake.put(
            CONTROL,
            indexKeyOf("prompts", "a.jsonl", "v0"),
            JSON.stringify({ dataset: "prompts", key: "a.jsonl", versionId: "v0", sha256: "x", size: 1, lines: ["ab"], minhash: [1] }),
        );
        // As the program writes it (components/airlock.ts): one {dataset, key, token} per readable dataset.
        fake.put(CONTROL, "index/_canaries.json", JSON.stringify([{ dataset: "prompts", key: "batch/x.jsonl", token: "CANARY-7f3a" }]));
        const seen: { index: number; canaries: Canary[] }[] = [];
        const d = fakeDeps(fake);
        d.leakCheck = (_c, index, canaries) => (seen.push({ index: index.length, canaries: [...canaries] }), { verdict: "clean" });
        await toReview(CONTENT, d);
        expect(seen).toEqual([{ index: 1, canaries: [{ dataset: "prompts", key: "batch/x.jsonl", token: "CANARY-7f3a" }] }]);
    });

    it("a replaced object is a new request and the old one is cancelled (its execution stopped)", async () => {
        const old = await toReview();
        const { VersionId } = fake.put(OUT, KEY, CONTENT + "48,1300,0.98\n");
        const next = await h().submit(FakeAws.created(OUT, KEY, VersionId));
        expect(next.requestId).not.toBe(old.id);
        expect(next.cancelled).toEqual([old.id]);
        expect(request(old.id).state).toBe("cancelled");
        expect(fake.executions.get(old.id)!.status).toBe("ABORTED");
        expect(fake.version(OUT, KEY, old.versionId).tags[AIRLOCK_TAG.state]).toBe("cancelled");
        expect(records(old.id).find((x) => x.event === "cancelled")!.detail).toEqual({ replacedBy: next.requestId });
        // Approvals arriving for the cancelled request do nothing.
        await decide(old.id, APPROVER_A, "approve");
        expect(await decide(old.id, APPROVER_B, "approve")).toMatchObject({ state: "cancelled", sent: false });
    });

    it("a newer upload of the key leaves an approved version approved, and its release copies that version", async () => {
        const old = await toReview();
        await decide(old.id, APPROVER_A, "approve");
        await decide(old.id, APPROVER_B, "approve");
        const { VersionId } = fake.put(OUT, KEY, CONTENT + "48,1300,0.98\n");
        const next = await h().submit(FakeAws.created(OUT, KEY, VersionId));
        expect(next.cancelled).toEqual([]);
        expect(request(old.id).state).toBe("approved");
        expect(fake.executions.get(old.id)!.status).toBe("RUNNING");
        const out = await h().release({ requestId: old.id });
        expect(fake.version(RELEASED, out.releasedKey).body.toString()).toBe(CONTENT);
        expect(request(old.id).state).toBe("released");
        expect(request(next.requestId).state).toBe("submitted");
    });

    it("a request approved while a newer upload supersedes it stays approved (the cancel is conditional on the record read)", async () => {
        const old = await toReview();
        const { VersionId } = fake.put(OUT, KEY, CONTENT + "48,1300,0.98\n");
        const recordKey = AIRLOCK_PREFIX.request(old.id);
        let raced = false;
        fake.before = (op, bucket, key) => {
            // The two approvals land between submit's read of the old record and its write of "cancelled".
            if (op !== "put" || bucket !== CONTROL || key !== recordKey || raced) return;
            raced = true;
            fake.put(CONTROL, recordKey, JSON.stringify({ ...request(old.id), state: "approved", approvals: [] }));
        };
        const next = await h().submit(FakeAws.created(OUT, KEY, VersionId));
        expect(raced).toBe(true);
        expect(next.cancelled).toEqual([]);
        expect(request(old.id).state).toBe("approved");
        expect(fake.executions.get(old.id)!.status).toBe("RUNNING");
        expect(records(old.id).map((x) => x.event)).not.toContain("cancelled");
    });

    it("release claims the record before copying: a change after its read stops it before anything is copied, recorded", async () => {
        const { id } = await toReview();
        await decide(id, APPROVER_A, "approve");
        await decide(id, APPROVER_B, "approve");
        const recordKey = AIRLOCK_PREFIX.request(id);
        let raced = false;
        fake.before = (op, bucket, key) => {
            if (op !== "put" || bucket !== CONTROL || key !== recordKey || raced) return;
            raced = true;
            // Any write of the record by someone else between release's read and its claim.
            fake.put(CONTROL, recordKey, JSON.stringify({ ...request(id), state: "cancelled" }));
        };
        await expect(h().release({ requestId: id })).rejects.toThrow(RecordChangedError);
        expect(fake.keys(RELEASED)).toEqual([]);
        expect(request(id).state).toBe("cancelled");
        expect(
            records(id)
                .filter((x) => x.event === "release-conflict")
                .map((x) => x.detail),
        ).toEqual([{ releasedKey: `released/${id}/summary-2026-11.csv`, copied: false, recordState: "cancelled" }]);
    });

    it("a record changed during the release copy is never overwritten with released: the archive says what was copied", async () => {
        const { id } = await toReview();
        await decide(id, APPROVER_A, "approve");
        await decide(id, APPROVER_B, "approve");
        fake.before = (op, bucket) => {
            if (op === "copy" && bucket === RELEASED) fake.put(CONTROL, AIRLOCK_PREFIX.request(id), JSON.stringify({ ...request(id), state: "cancelled" }));
        };
        await expect(h().release({ requestId: id })).rejects.toThrow(RecordChangedError);
        const releasedKey = `released/${id}/summary-2026-11.csv`;
        expect(fake.version(RELEASED, releasedKey).body.toString()).toBe(CONTENT);
        // The record keeps what the other writer wrote; the archive holds that the file left while it said so.
        expect(request(id).state).toBe("cancelled");
        expect(records(id).map((x) => x.event)).not.toContain("released");
        expect(
            records(id)
                .filter((x) => x.event === "release-conflict")
                .map((x) => x.detail),
        ).toEqual([{ releasedKey, copied: true, recordState: "cancelled" }]);
    });

    it("a review that times out is cancelled by the state machine's record step", async () => {
        const { id } = await toReview();
        await h().record({ requestId: id, event: "cancelled", error: "States.Timeout" });
        expect(request(id).state).toBe("cancelled");
        expect(records(id).at(-1)).toMatchObject({ event: "cancelled", detail: { error: "States.Timeout" } });
        await expect(h().record({ requestId: id, event: "in-review" })).rejects.toThrow("event in-review is not one the state machine records");
    });

    it("the record step, invoked directly, cannot approve, release, reject or reopen a request, nor write a record of another name", async () => {
        const { id } = await toReview();
        for (const event of ["approved", "released", "in-review", "scanning", "review-tampered", "submitted"])
            await expect(h().record({ requestId: id, event })).rejects.toThrow(`event ${event} is not one the state machine records`);
        await expect(h().record({ requestId: id, event: "rejected" })).rejects.toThrow("only an approver's rejection rejects it");
        expect(request(id).state).toBe("in-review");
        expect(records(id).map((x) => x.event)).not.toContain("rejected");
        // With two real approvals the record is approved: a direct "released" still cannot mark it released uncopied.
        await decide(id, APPROVER_A, "approve");
        await decide(id, APPROVER_B, "approve");
        await expect(h().record({ requestId: id, event: "released" })).rejects.toThrow("is not one the state machine records");
        expect(request(id).state).toBe("approved");
    });

    it("the fingerprint handler writes one index entry per dataset object, and refuses any other bucket", async () => {
        const ds = `${VENDOR}--prompts--${ACCOUNT}`;
        fake.buckets.set(ds, new Map());
        const versions: Record<string, string> = {};
        for (const k of ["batch-1/a.jsonl", "batch-1/b.jsonl"]) {
            const { VersionId } = fake.put(ds, k, `{"prompt":"${k}"}\n`);
            versions[k] = VersionId;
            expect(await h().fingerprint(FakeAws.created(ds, k, VersionId))).toEqual({
                dataset: "prompts",
                key: k,
                versionId: VersionId,
                indexKey: indexKeyOf("prompts", k, VersionId),
            });
        }
        expect(fake.keys(CONTROL, "index/")).toEqual(
            [
                indexKeyOf("prompts", "batch-1/a.jsonl", versions["batch-1/a.jsonl"]),
                indexKeyOf("prompts", "batch-1/b.jsonl", versions["batch-1/b.jsonl"]),
            ].sort(),
        );
        expect(fake.json(CONTROL, indexKeyOf("prompts", "batch-1/a.jsonl", versions["batch-1/a.jsonl"]))).toMatchObject({
            dataset: "prompts",
            key: "batch-1/a.jsonl",
            versionId: versions["batch-1/a.jsonl"],
            size: Buffer.byteLength('{"prompt":"batch-1/a.jsonl"}\n'),
        });
        await expect(h().fingerprint(FakeAws.created(`other-vendor--prompts--${ACCOUNT}`, "x", "v"))).rejects.toThrow(AirlockInputError);
        await expect(h().fingerprint(FakeAws.created(OUT, "submit/vendor/x", "v"))).rejects.toThrow("is not a dataset bucket");
    });

    it("submit finds a key the event URL-encoded, and pins the key as S3 stores it", async () => {
        const key = "submit/vendor/week 48 (final).csv";
        const { VersionId } = fake.put(OUT, key, CONTENT);
        const { requestId } = await h().submit(FakeAws.created(OUT, "submit/vendor/week+48+%28final%29.csv", VersionId));
        expect(request(requestId).key).toBe(key);
        expect(fake.version(OUT, key, VersionId).tags[AIRLOCK_TAG.request]).toBe(requestId);
    });

    it("submit refuses keys outside the submit prefixes and events of other buckets", async () => {
        const { VersionId } = fake.put(OUT, "elsewhere/x.csv", "x");
        await expect(h().submit(FakeAws.created(OUT, "elsewhere/x.csv", VersionId))).rejects.toThrow("is not under submit/vendor/ or submit/workload/");
        await expect(h().submit(FakeAws.created(CONTROL, KEY, "v1"))).rejects.toThrow(`not the outbox ${OUT}`);
        await expect(h().submit({ detail: {} })).rejects.toThrow("not an S3 Object Created event");
    });
});

describe("airlock handler environment", () => {
    it("names every missing variable in one error", () => {
        const rest: Record<string, string> = { ...ENV };
        delete rest.OUTBOX_BUCKET;
        delete rest.APPROVERS;
        expect(() => readAirlockEnv(rest)).toThrow(
            new AirlockConfigError("airlock handler environment: OUTBOX_BUCKET, APPROVERS are not set (components/airlock.ts sets them)"),
        );
    });

    it("refuses malformed approvers, recipient and state machine ARN", () => {
        expect(() => readAirlockEnv({ ...ENV, APPROVERS: JSON.stringify([APPROVER_A, APPROVER_A]) })).toThrow("fewer than 2 distinct approvers");
        expect(() => readAirlockEnv({ ...ENV, APPROVERS: "alice,bob" })).toThrow("APPROVERS is not a JSON array of IAM role or user ARNs");
        expect(() => readAirlockEnv({ ...ENV, RECIPIENT: "someone" })).toThrow('RECIPIENT is neither "vendor" nor an IAM principal ARN: got "someone"');
        expect(() => readAirlockEnv({ ...ENV, STATE_MACHINE_ARN: "enclave" })).toThrow("STATE_MACHINE_ARN is not a state machine ARN");
    });

    it("derives the requesters' role ARNs from the vendor id and the account", () => {
        expect(readAirlockEnv(ENV)).toMatchObject({
            accountId: ACCOUNT,
            requesterArns: { vendor: VENDOR_ROLE, workload: `arn:aws:iam::${ACCOUNT}:role/enclave-${VENDOR}-workload` },
        });
    });

    it("every handler of the contract has a module exporting handler and makeHandler, importable without environment", async () => {
        for (const name of AIRLOCK_HANDLERS) {
            const m = (await import(`../airlock/handlers/${name}.ts`)) as { handler?: unknown; makeHandler?: unknown };
            expect(typeof m.handler, name).toBe("function");
            expect(typeof m.makeHandler, name).toBe("function");
        }
    });
});

describe("airlock handlers: the index fails closed", () => {
    // The real leak check over the real index; the dataset bucket is the fake S3's. What this cannot prove: that S3
    // lists every version (the moto test lists a real implementation), nor the listing bound against a huge bucket.
    const DATA = '{"prompt":"Rate the answer for factual accuracy on a scale of one to seven","id":"p-0042"}\n'.repeat(3);
    const real = () => Object.assign(fakeDeps(fake), { leakCheck });
    const submitToLeak = async (content: string | Buffer, d: AirlockDeps, key = KEY) => {
        const { VersionId } = fake.put(OUT, key, content);
        const { requestId } = await h(d).submit(FakeAws.created(OUT, key, VersionId));
        fake.version(OUT, key, VersionId).tags[GUARDDUTY_SCAN_TAG] = "NO_THREATS_FOUND";
        await h(d).scan({ requestId, attempt: 1 });
        return { requestId, out: await h(d).leakCheck({ requestId }) };
    };

    it("a verbatim copy of a dataset object that no event ever indexed is indexed on the spot and blocked", async () => {
        // Written before the airlock existed: no Object Created event reached the fingerprint handler.
        const { VersionId } = fake.put(PROMPTS_BUCKET, "legacy/prompts.jsonl", DATA);
        expect(fake.keys(CONTROL, "index/")).toEqual([]);
        const d = real();
        const { requestId, out } = await submitToLeak(DATA, d);
        expect(out).toEqual({ requestId, leak: "blocked" });
        expect(request(requestId).leak).toMatchObject({ verdict: "blocked", reason: "exact", dataset: "prompts", key: "legacy/prompts.jsonl", score: 1 });
        expect(fake.keys(CONTROL, "index/")).toEqual([indexKeyOf("prompts", "legacy/prompts.jsonl", VersionId)]);
    });

    it("an index missing more than the leak check may fingerprint blocks as index-incomplete, and a reindex fills it", async () => {
        const n = INLINE_INDEX_MAX_OBJECTS + 1;
        for (let i = 0; i < n; i++)
            fake.put(PROMPTS_BUCKET, `batch/${String(i).padStart(3, "0")}.jsonl`, `{"prompt":"unrelated record number ${i} of many"}\n`);
        const d = real();
        const first = await submitToLeak(CONTENT, d);
        expect(first.out).toEqual({ requestId: first.requestId, leak: "blocked" });
        expect(request(first.requestId)).toMatchObject({
            state: "blocked-leak",
            leak: { verdict: "blocked", reason: "index-incomplete", dataset: "prompts", missing: n },
        });
        expect(records(first.requestId).find((x) => x.event === "blocked-leak")!.detail).toEqual({
            reason: "index-incomplete",
            dataset: "prompts",
            missing: n,
        });
        // Nothing was indexed by the check: it reached no review.
        expect(fake.keys(CONTROL, "index/")).toEqual([]);

        // The backfill: one line per object; a second run finds nothing left to do.
        const store = new AirlockStore(d.s3, { control: CONTROL }, VENDOR);
        const lines: string[] = [];
        const run = await reindex(store, [{ dataset: "prompts", bucket: PROMPTS_BUCKET }], { onObject: (l) => lines.push(`${l.key} ${l.outcome}`) });
        expect(run.datasets).toEqual([{ dataset: "prompts", listed: n, covered: 0, truncated: false }]);
        expect(run.objects.every((o) => o.outcome === "indexed")).toBe(true);
        expect(lines).toHaveLength(n);
        expect(fake.keys(CONTROL, "index/prompts/")).toHaveLength(n);
        const again = await reindex(store, [{ dataset: "prompts", bucket: PROMPTS_BUCKET }]);
        expect(again).toEqual({ datasets: [{ dataset: "prompts", listed: n, covered: n, truncated: false }], objects: [], remaining: 0 });

        // The same export again (a new version, a new request) now passes the check.
        const second = await submitToLeak(CONTENT + "49,1250,0.96\n", d);
        expect(second.out).toEqual({ requestId: second.requestId, leak: "clean" });
    });

    it("a reindex reports a failed object and goes on; the rerun finishes it", async () => {
        fake.put(PROMPTS_BUCKET, "a.jsonl", DATA);
        fake.put(PROMPTS_BUCKET, "b.jsonl", "second object of the dataset, some text\n");
        const store = new AirlockStore(fakeDeps(fake).s3, { control: CONTROL }, VENDOR);
        const ds = [{ dataset: "prompts", bucket: PROMPTS_BUCKET }];
        // One read of a.jsonl fails (as a throttled or interrupted GetObject would, after the SDK's retries).
        fake.failNextRead.add(`${PROMPTS_BUCKET}/a.jsonl`);
        const first = await reindex(store, ds);
        expect(first.objects.map((o) => [o.key, o.outcome, o.error])).toEqual([
            ["a.jsonl", "failed", "We encountered an internal error"],
            ["b.jsonl", "indexed", undefined],
        ]);
        const second = await reindex(store, ds);
        expect(second.datasets).toEqual([{ dataset: "prompts", listed: 2, covered: 1, truncated: false }]);
        expect(second.objects.map((o) => [o.key, o.outcome])).toEqual([["a.jsonl", "indexed"]]);
    });

    it("a copy wrapped in text is blocked by what it decodes to, and bytes it cannot read are blocked as unscannable, both recorded", async () => {
        const d = real();
        fake.put(PROMPTS_BUCKET, "legacy/prompts.jsonl", DATA);
        const wrapped = await submitToLeak(`payload:\n${Buffer.from(DATA).toString("base64")}#\n`, d);
        expect(wrapped.out).toEqual({ requestId: wrapped.requestId, leak: "blocked" });
        expect(request(wrapped.requestId).leak).toMatchObject({ verdict: "blocked", via: "base64", dataset: "prompts", key: "legacy/prompts.jsonl" });
        const opaque = await submitToLeak(
            Buffer.concat(Array.from({ length: 8 }, (_, i) => createHash("sha512").update(`weights-${i}`).digest())),
            d,
            "submit/vendor/weights.bin",
        );
        expect(opaque.out).toEqual({ requestId: opaque.requestId, leak: "blocked" });
        expect(request(opaque.requestId)).toMatchObject({ state: "blocked-leak", leak: { verdict: "blocked", reason: "unscannable", via: "binary" } });
        expect(records(opaque.requestId).find((x) => x.event === "blocked-leak")!.detail).toMatchObject({ reason: "unscannable" });
    });

    it("a big object indexed past its sketch cap covers its version, and rows copied from past the cap are blocked by lines", async () => {
        const rows = Array.from({ length: 40_000 }, (_, i) => `{"id": ${i}, "prompt": "lab prompt ${i} on topic ${i % 97}", "label": ${i % 5}}`);
        const obj = Buffer.from(rows.join("\n"));
        const { VersionId } = fake.put(PROMPTS_BUCKET, "shards/big.jsonl", obj);
        const d = real();
        const store = new AirlockStore(d.s3, { control: CONTROL }, VENDOR);
        // The cap scaled down to 1 MiB (the fingerprint handler uses 256 MiB): the same code path as a shard past it.
        const fp = await fingerprintStream(
            (async function* () {
                yield obj;
            })(),
            1024 * 1024,
        );
        expect(fp.partial).toBe(true);
        await store.putIndexEntry({ dataset: "prompts", key: "shards/big.jsonl", versionId: VersionId, ...fp });
        const { requestId, out } = await submitToLeak(rows.slice(36_000, 38_000).join("\n"), d);
        expect(out).toEqual({ requestId, leak: "blocked" });
        expect(request(requestId).leak).toMatchObject({ verdict: "blocked", reason: "lines", dataset: "prompts", key: "shards/big.jsonl" });
        // The partial entry covered its version: nothing was fingerprinted on the spot.
        expect(d.logs.some((l) => l.includes("on the spot"))).toBe(false);
    });

    it("an overwrite keeps the old version's fingerprint: a copy of the old content is still blocked", async () => {
        const d = real();
        const v1 = fake.put(PROMPTS_BUCKET, "batch/p.jsonl", DATA);
        await h(d).fingerprint(FakeAws.created(PROMPTS_BUCKET, "batch/p.jsonl", v1.VersionId));
        // A read-write vendor overwrites the object it read with something harmless.
        const v2 = fake.put(PROMPTS_BUCKET, "batch/p.jsonl", "nothing to see here\n");
        await h(d).fingerprint(FakeAws.created(PROMPTS_BUCKET, "batch/p.jsonl", v2.VersionId));
        expect(fake.keys(CONTROL, "index/")).toEqual(
            [indexKeyOf("prompts", "batch/p.jsonl", v1.VersionId), indexKeyOf("prompts", "batch/p.jsonl", v2.VersionId)].sort(),
        );
        const { requestId, out } = await submitToLeak(DATA, d);
        expect(out).toEqual({ requestId, leak: "blocked" });
        expect(request(requestId).leak).toMatchObject({ reason: "exact", dataset: "prompts", key: "batch/p.jsonl" });
        // Both versions were indexed by their events: nothing had to be fingerprinted on the spot.
        expect(d.logs.some((l) => l.includes("on the spot"))).toBe(false);
    });
});
