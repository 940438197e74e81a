import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { slotOf } from "../airlock/approval";
import { approverOf, runAirlock, settingsFromSpec, type AirlockCliDeps } from "../cli/commands/airlockRun";
import { AIRLOCK_PREFIX, type AirlockRequest, type AirlockState } from "../contract/airlock";
import { CliError, EXIT } from "../contract/errors";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { makeHandler as fingerprintHandler } from "../airlock/handlers/fingerprint";
import { ACCOUNT, APPROVER_A, APPROVER_B, ENV, FakeAws, fakeDeps, PROMPTS_BUCKET, VENDOR, VENDOR_ROLE } from "./support/airlockFake";
import { runCli } from "./support/cli";
import { fixtureFile } from "./support/fixtures";

// `enclave airlock` over an in-memory control bucket and a mocked STS: who the caller is comes only from
// GetCallerIdentity. What this cannot prove: that IAM lets an approver write its own slot and nothing else (the control
// bucket policy's job, proven by simulation); the end-to-end run against moto_server is test/airlock-moto.test.ts.

const ID = "0123456789abcdef0123";
const CONTROL = ENV.CONTROL_BUCKET;
const session = (roleArn: string, name = "alice") => roleArn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + `/${name}`;

let fake: FakeAws;
const sts = mockClient(STSClient);
let out = "";
let caller = session(APPROVER_A);
const deps = (approvers = [APPROVER_A, APPROVER_B]): AirlockCliDeps => ({
    settings: { vendorId: VENDOR, accountId: ACCOUNT, region: "us-east-1", approvers, file: "stacks/acme-labeling.yaml" },
    s3: new S3Client({ region: "us-east-1" }),
    sts: new STSClient({ region: "us-east-1" }),
    out: (t) => void (out += t),
});
const seed = (state: AirlockState, id = ID, extra: Partial<AirlockRequest> = {}) => {
    const r: AirlockRequest = {
        requestId: id,
        vendorId: VENDOR,
        requester: "vendor",
        requesterArn: VENDOR_ROLE,
        key: "submit/vendor/summary.csv",
        versionId: "v1",
        sha256: "ab".repeat(32),
        size: 42,
        submittedAt: "2026-11-30T10:00:00Z",
        state,
        scan: { status: "NO_THREATS_FOUND", at: "2026-11-30T10:01:00Z" },
        leak: { verdict: "clean", at: "2026-11-30T10:02:00Z" },
        updatedAt: "2026-11-30T10:02:00Z",
        ...extra,
    };
    fake.put(CONTROL, AIRLOCK_PREFIX.request(id), JSON.stringify(r));
    // The review step's token sits beside the record, where openReview keeps it: the CLI must never read or show it.
    fake.put(CONTROL, AIRLOCK_PREFIX.token(id), "secret-task-token");
};
const refused = async (p: Promise<unknown>) => {
    const err = await p.then(
        () => null,
        (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(EXIT.invalidInput);
    return (err as CliError).message;
};

beforeEach(() => {
    fake = new FakeAws();
    out = "";
    caller = session(APPROVER_A);
    sts.on(GetCallerIdentityCommand).callsFake(() => ({ Arn: caller, Account: ACCOUNT, UserId: "AROA:alice" }));
});
afterEach(() => {
    fake.restore();
    sts.reset();
});

describe("enclave airlock approve / reject", () => {
    it("writes the caller's own slot, identified by STS, with the decision and the reason", async () => {
        seed("in-review");
        await runAirlock("approve", VENDOR, ID, { reason: "aggregates only" }, deps());
        const key = AIRLOCK_PREFIX.decision(ID, slotOf(APPROVER_A));
        expect(fake.json(CONTROL, key)).toEqual({ decision: "approve", reason: "aggregates only" });
        expect(out).toBe(`Approved request ${ID} as ${APPROVER_A} (${key}). It is released once 2 distinct approvers have approved and none rejected.\n`);
        caller = session(APPROVER_B, "bob");
        out = "";
        await runAirlock("reject", VENDOR, ID, { reason: "holds a rubric", json: true }, deps());
        expect(JSON.parse(out)).toEqual({
            requestId: ID,
            decision: "reject",
            approverArn: APPROVER_B,
            callerArn: session(APPROVER_B, "bob"),
            key: AIRLOCK_PREFIX.decision(ID, slotOf(APPROVER_B)),
        });
    });

    it("refuses a caller that is no approver, naming its ARN", async () => {
        seed("in-review");
        caller = session(`arn:aws:iam::${ACCOUNT}:role/data-scientist`);
        expect(await refused(runAirlock("approve", VENDOR, ID, {}, deps()))).toBe(
            `${caller} is not an approver of ${VENDOR}'s airlock (stacks/acme-labeling.yaml: airlock.approvers ${APPROVER_A}, ${APPROVER_B}). Fix: run as one of them.`,
        );
        expect(fake.keys(CONTROL, "decisions/")).toEqual([]);
    });

    it("refuses the requester, even when the spec lists its role as an approver", async () => {
        seed("in-review");
        caller = session(VENDOR_ROLE, "vendor-session");
        expect(await refused(runAirlock("approve", VENDOR, ID, {}, deps([APPROVER_A, VENDOR_ROLE])))).toBe(
            `${VENDOR_ROLE} submitted request ${ID}: the requester cannot decide its own export.`,
        );
        expect(fake.keys(CONTROL, "decisions/")).toEqual([]);
    });

    it.each(["submitted", "scanning", "approved", "rejected", "released", "blocked-leak", "cancelled"] as AirlockState[])(
        "refuses a request that is %s",
        async (state) => {
            seed(state);
            expect(await refused(runAirlock("approve", VENDOR, ID, {}, deps()))).toMatch(
                new RegExp(`^request ${ID} is ${state}, not in review: there is nothing to approve`),
            );
            expect(fake.keys(CONTROL, "decisions/")).toEqual([]);
        },
    );

    it("refuses a malformed request id, an unknown request and an empty rejection reason", async () => {
        expect(await refused(runAirlock("approve", VENDOR, "../x", {}, deps()))).toBe(
            `"../x" is not a request id: an id is 20 hex digits. Fix: copy it from enclave airlock list <vendor>.`,
        );
        expect(await refused(runAirlock("approve", VENDOR, ID, {}, deps()))).toBe(
            `${VENDOR} has no airlock request ${ID}. Fix: see enclave airlock list ${VENDOR}.`,
        );
        expect(await refused(runAirlock("reject", VENDOR, ID, { reason: "  " }, deps()))).toBe(
            `--reason is empty: a rejection says why. Fix: --reason "<why>".`,
        );
    });
});

describe("enclave airlock list / show", () => {
    it("lists every request newest first, as text and JSON, never showing the task token", async () => {
        seed("released", "00000000000000000001", { submittedAt: "2026-11-29T10:00:00Z" });
        seed("in-review", "00000000000000000002", { submittedAt: "2026-11-30T10:00:00Z" });
        await runAirlock("list", VENDOR, undefined, {}, deps());
        expect(out.split("\n")[0]).toBe(`${VENDOR}: 2 export requests, 1 open.`);
        expect(out.indexOf("00000000000000000002")).toBeLessThan(out.indexOf("00000000000000000001"));
        out = "";
        await runAirlock("list", VENDOR, undefined, { json: true }, deps());
        const listed = JSON.parse(out) as AirlockRequest[];
        expect(listed.map((r) => [r.requestId, r.state])).toEqual([
            ["00000000000000000002", "in-review"],
            ["00000000000000000001", "released"],
        ]);
        expect(out).not.toContain("secret-task-token");
    });

    it("shows one request with its pins and checks", async () => {
        seed("approved", ID, { approvals: [{ approverArn: APPROVER_A, decision: "approve", at: "2026-11-30T11:00:00Z" }] });
        await runAirlock("show", VENDOR, ID, {}, deps());
        expect(out).toContain("ab".repeat(32));
        expect(out).toContain("NO_THREATS_FOUND");
        expect(out).toContain(`approved by`);
        expect(out).toContain(APPROVER_A);
        expect(out).not.toContain("secret-task-token");
    });
});

describe("caller identity -> approver", () => {
    it("maps an assumed-role session to its role, whatever the role's path; a user by its ARN", () => {
        const withPath = `arn:aws:iam::${ACCOUNT}:role/airlock/reviewers/lab-approver`;
        expect(approverOf(`arn:aws:sts::${ACCOUNT}:assumed-role/lab-approver/s1`, [withPath])).toBe(withPath);
        expect(approverOf(`arn:aws:sts::${ACCOUNT}:assumed-role/lab-approver-2/s1`, [withPath])).toBeNull();
        expect(approverOf(`arn:aws:sts::999999999999:assumed-role/lab-approver/s1`, [withPath])).toBeNull();
        expect(approverOf(`arn:aws:iam::${ACCOUNT}:user/carol`, [`arn:aws:iam::${ACCOUNT}:user/carol`])).toBe(`arn:aws:iam::${ACCOUNT}:user/carol`);
        expect(approverOf(`arn:aws:iam::${ACCOUNT}:root`, [`arn:aws:iam::${ACCOUNT}:user/carol`])).toBeNull();
    });

    it("a spec without an airlock block is refused in one line", () => {
        expect(() => settingsFromSpec({ id: VENDOR, account: { id: ACCOUNT, region: "us-east-1" } }, "/x/stacks/acme-labeling.yaml")).toThrow(
            /has no airlock: the export airlock is opt-in/,
        );
    });
});

describe("enclave airlock: the command line", () => {
    it("a rejection without --reason is a usage error (exit 2, one line)", async () => {
        const r = await runCli(["airlock", "reject", VENDOR, ID]);
        expect(r.code).toBe(EXIT.invalidInput);
        expect(r.err.trim().split("\n")).toHaveLength(1);
        expect(r.err).toBe(`enclave: required option '--reason <text>' not specified (see enclave airlock reject --help)\n`);
    });

    it("a malformed request id is refused before the spec or AWS is touched (exit 2, one line)", async () => {
        const r = await runCli(["airlock", "approve", "no-such-vendor", "123"]);
        expect(r.code).toBe(EXIT.invalidInput);
        expect(r.err).toBe(`enclave: "123" is not a request id: an id is 20 hex digits. Fix: copy it from enclave airlock list <vendor>.\n`);
    });

    it("a vendor spec without an airlock is refused (exit 2, one line, no AWS call)", async () => {
        const r = await runCli(["airlock", "list", VENDOR, "--spec", fixtureFile(VENDOR)]);
        expect(r.code).toBe(EXIT.invalidInput);
        expect(r.err).toMatch(/^enclave: .*acme-labeling\.yaml has no airlock: the export airlock is opt-in\. Fix: .*\n$/);
    });
});

describe("enclave airlock reindex", () => {
    // The command invokes the fingerprint function; here the mocked Lambda runs the real handler in-process over the
    // fake S3, with a clock that runs out after a few objects so the run takes several invocations. What this cannot
    // prove: that IAM lets the caller invoke the function (lambda:InvokeFunction is the deployer's or an operator's).
    const lambda = mockClient(LambdaClient);
    afterEach(() => lambda.reset());

    it("invokes the fingerprint function until nothing is missing, one line per object, and shows index-incomplete", async () => {
        for (let i = 0; i < 5; i++) fake.put(PROMPTS_BUCKET, `batch/${i}.jsonl`, `{"prompt":"record ${i} of the dataset"}\n`);
        const handler = fingerprintHandler(fakeDeps(fake));
        const invoked: string[] = [];
        lambda.on(InvokeCommand).callsFake(async (i) => {
            invoked.push(`${i.FunctionName} ${Buffer.from(i.Payload as Uint8Array).toString()}`);
            // Two objects per invocation: the third sees less than the margin left.
            let calls = 0;
            const result = await handler(JSON.parse(Buffer.from(i.Payload as Uint8Array).toString()) as { reindex: true }, {
                getRemainingTimeInMillis: () => (calls++ < 2 ? 600_000 : 1_000),
            });
            return { StatusCode: 200, Payload: Buffer.from(JSON.stringify(result)) };
        });
        const d = { ...deps(), lambda: new LambdaClient({ region: "us-east-1" }) };
        process.exitCode = undefined;
        await runAirlock("reindex", VENDOR, undefined, {}, d);
        expect(invoked).toEqual(Array.from({ length: 3 }, () => `enclave-${VENDOR}-airlock-fingerprint {"reindex":true}`));
        expect(out.split("\n").filter((l) => l.startsWith("indexed "))).toHaveLength(5);
        expect(out).toContain(`${VENDOR}: 5 indexed (0 partial: bigger than the sketch cap), 0 failed, 0 not yet attempted.`);
        expect(process.exitCode).toBeUndefined();
        expect(fake.keys(CONTROL, "index/prompts/")).toHaveLength(5);
    });

    it("show says why a review was stopped past its rewaits bound, and how to submit again", async () => {
        seed("cancelled", ID, { reviewStuck: { at: "2026-11-30T12:00:00Z", rewaits: 6 } });
        await runAirlock("show", VENDOR, ID, {}, deps());
        expect(out).toContain(
            "at 2026-11-30T12:00:00Z: the review was answered or failed 6 times by something other than the approvals (see its review-tampered records in the archive; find the SendTaskSuccess/SendTaskFailure callers in CloudTrail); nothing was released. Fix: the requester uploads submit/vendor/summary.csv again (a new version is a new request, scanned and reviewed from the start).",
        );
    });

    it("show names the dataset and the missing count of an index-incomplete block, and the way out", async () => {
        seed("blocked-leak", ID, { leak: { verdict: "blocked", reason: "index-incomplete", dataset: "prompts", missing: 21, at: "2026-11-30T10:02:00Z" } });
        await runAirlock("show", VENDOR, ID, {}, deps());
        expect(out).toContain(
            `blocked (index-incomplete, dataset prompts, 21 object versions not fingerprinted: run enclave airlock reindex ${VENDOR}, then submit again) at 2026-11-30T10:02:00Z`,
        );
    });
});
