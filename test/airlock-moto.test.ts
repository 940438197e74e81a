import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import {
    CreateBucketCommand,
    GetObjectCommand,
    GetObjectTaggingCommand,
    PutBucketVersioningCommand,
    PutObjectCommand,
    PutObjectTaggingCommand,
    S3Client,
    ListObjectsV2Command,
} from "@aws-sdk/client-s3";
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAirlockEnv } from "../airlock/env";
import { RequestStateError } from "../airlock/errors";
import type { AirlockDeps } from "../airlock/handlers/common";
import { makeHandler as decideHandler } from "../airlock/handlers/decide";
import { makeHandler as fingerprintHandler } from "../airlock/handlers/fingerprint";
import { makeHandler as leakCheckHandler } from "../airlock/handlers/leakCheck";
import { makeHandler as openReviewHandler } from "../airlock/handlers/openReview";
import { makeHandler as reviewOutcomeHandler } from "../airlock/handlers/reviewOutcome";
import { makeHandler as releaseHandler } from "../airlock/handlers/release";
import { makeHandler as scanHandler } from "../airlock/handlers/scan";
import { makeHandler as submitHandler } from "../airlock/handlers/submit";
import { airlockDefinition } from "../airlock/stateMachine";
import { fingerprint, leakCheck } from "../airlock/fingerprint";
import { indexKeyOf } from "../airlock/store";
import type { ReindexResult } from "../airlock/coverage";
import { runAirlock, type AirlockCliDeps } from "../cli/commands/airlockRun";
import { AIRLOCK_HANDLERS, AIRLOCK_PREFIX, AIRLOCK_TAG, airlockNames, GUARDDUTY_SCAN_TAG, type AirlockRequest } from "../contract/airlock";
import { archiveBucketName, vendorNames } from "../iam/names";
import { MOTO_CREDENTIALS, motoMissing, startMoto, type Moto } from "./support/moto";

// The airlock end to end against moto_server: the buckets (an Object Lock archive among them), one IAM role per actor,
// the state machine, then a vendor's put, the handlers in the order the state machine runs them, and `enclave airlock
// approve` as two approvers whose identities come from moto's STS (AssumeRole, then GetCallerIdentity returns the
// assumed-role ARN). What moto cannot prove, and where the test stands in for AWS:
// - IAM is not evaluated (moto does not enforce policies): who may write which slot is proven by the simulation tests.
// - GuardDuty Malware Protection is not emulated: its scan tag is written by the test with PutObjectTagging, as the
//   service would; that the service really tags, and that unscanned objects stay unreadable, moto cannot show.
// - moto's Step Functions (in its default mode) does not run the definition: executions stay RUNNING and SendTaskSuccess
//   accepts any token and changes nothing. So the test calls the handlers as the definition would, and checks that
//   decide answers the stored token with the right output (seen on the wire by an SDK middleware).
// - Lambda and EventBridge are not involved: the events are built as EventBridge delivers S3 Object Created.

const ACCOUNT = "111122223333";
const REGION = "us-east-1";
const VENDOR = "acme-labeling";
const NAMES = airlockNames(VENDOR, ACCOUNT);
const ARCHIVE = archiveBucketName(ACCOUNT, REGION);
const DATASET = `${VENDOR}--prompts--${ACCOUNT}`;
const ROLE = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const APPROVER_A = ROLE("lab-airlock-approver-a");
const APPROVER_B = ROLE("lab-airlock-approver-b");
const STATE_MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${NAMES.stateMachine}`;
const MISSING = motoMissing();
if (MISSING) console.warn(`airlock-moto.test.ts skipped: ${MISSING}`);

/** The state machine's definition, exactly as the component renders it (with this test's function ARNs). */
function definition(): string {
    const functionArns = Object.fromEntries(AIRLOCK_HANDLERS.map((h) => [h, `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${NAMES.functions[h]}`])) as Record<
        (typeof AIRLOCK_HANDLERS)[number],
        string
    >;
    return JSON.stringify(airlockDefinition({ functionArns, reviewTimeoutSeconds: 7 * 86400, scanPollSeconds: 30, scanMaxAttempts: 20 }));
}

describe.skipIf(MISSING !== null)(`the export airlock against moto_server${MISSING ? ` (skipped: ${MISSING})` : ""}`, () => {
    let moto: Moto;
    let admin: { s3: S3Client; iam: IAMClient; sts: STSClient; sfn: SFNClient };
    let deps: AirlockDeps;
    let vendorS3: S3Client;
    const answered: { taskToken?: string; output?: string }[] = [];
    const clientCfg = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => ({
        region: REGION,
        endpoint: moto.endpoint,
        credentials,
        forcePathStyle: true,
        maxAttempts: 2,
    });
    /** Credentials of an IAM role, from moto's STS: moto then answers GetCallerIdentity with the assumed-role ARN. */
    const assume = async (roleArn: string, session: string) => {
        const c = (await admin.sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: session }))).Credentials!;
        return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    };
    const cliAs = async (roleArn: string, session: string): Promise<AirlockCliDeps & { text: () => string }> => {
        const creds = await assume(roleArn, session);
        let out = "";
        return {
            settings: { vendorId: VENDOR, accountId: ACCOUNT, region: REGION, approvers: [APPROVER_A, APPROVER_B], file: "stacks/acme-labeling.yaml" },
            s3: new S3Client(clientCfg(creds)),
            sts: new STSClient(clientCfg(creds)),
            out: (t) => void (out += t),
            text: () => out,
        };
    };
    const created = (bucket: string, key: string, versionId?: string) => ({
        version: "0",
        "detail-type": "Object Created",
        source: "aws.s3",
        account: ACCOUNT,
        region: REGION,
        resources: [`arn:aws:s3:::${bucket}`],
        detail: { version: "0", bucket: { name: bucket }, object: { key, size: 0, ...(versionId ? { "version-id": versionId } : {}) }, reason: "PutObject" },
    });
    const request = async (id: string) =>
        JSON.parse(
            await (await admin.s3.send(new GetObjectCommand({ Bucket: NAMES.controlBucket, Key: AIRLOCK_PREFIX.request(id) }))).Body!.transformToString(),
        ) as AirlockRequest;
    const tags = async (key: string, versionId: string) =>
        Object.fromEntries(
            ((await admin.s3.send(new GetObjectTaggingCommand({ Bucket: NAMES.outboxBucket, Key: key, VersionId: versionId }))).TagSet ?? []).map((t) => [
                t.Key,
                t.Value,
            ]),
        );
    /** GuardDuty Malware Protection's result, as the service writes it: its own tag added beside the object's others. */
    const guardDutyTags = async (key: string, versionId: string, status: string) => {
        const current = await tags(key, versionId);
        await admin.s3.send(
            new PutObjectTaggingCommand({
                Bucket: NAMES.outboxBucket,
                Key: key,
                VersionId: versionId,
                Tagging: { TagSet: Object.entries({ ...current, [GUARDDUTY_SCAN_TAG]: status }).map(([Key, Value]) => ({ Key, Value: String(Value) })) },
            }),
        );
    };
    /** A vendor's put, then submit, the scan, the leak check and the review step, as the state machine runs them. */
    const toReview = async (key: string, content: string) => {
        const put = await vendorS3.send(new PutObjectCommand({ Bucket: NAMES.outboxBucket, Key: key, Body: content }));
        const sub = await submitHandler(deps)(created(NAMES.outboxBucket, key, put.VersionId));
        expect(sub.started).toBe(true);
        expect((await scanHandler(deps)({ requestId: sub.requestId, attempt: 1 })).scan).toBe("PENDING");
        await guardDutyTags(key, put.VersionId!, "NO_THREATS_FOUND");
        expect((await scanHandler(deps)({ requestId: sub.requestId, attempt: 2 })).scan).toBe("NO_THREATS_FOUND");
        expect((await leakCheckHandler(deps)({ requestId: sub.requestId })).leak).toBe("clean");
        const token = `moto-task-token-${sub.requestId}`;
        await openReviewHandler(deps)({ requestId: sub.requestId, taskToken: token });
        return { id: sub.requestId, versionId: put.VersionId!, token };
    };
    /** An approver's decision through the CLI, then the decide handler on the event of the object it wrote. */
    const decideAs = async (roleArn: string, session: string, action: "approve" | "reject", id: string, reason?: string) => {
        const cli = await cliAs(roleArn, session);
        await runAirlock(action, VENDOR, id, { json: true, ...(reason ? { reason } : {}) }, cli);
        const written = JSON.parse(cli.text()) as { key: string; approverArn: string; callerArn: string };
        expect(written.callerArn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/${roleArn.split("/").pop()}/${session}`);
        expect(written.approverArn).toBe(roleArn);
        return decideHandler(deps)(created(NAMES.controlBucket, written.key));
    };

    beforeAll(async () => {
        moto = await startMoto(ACCOUNT);
        admin = {
            s3: new S3Client(clientCfg(MOTO_CREDENTIALS)),
            iam: new IAMClient(clientCfg(MOTO_CREDENTIALS)),
            sts: new STSClient(clientCfg(MOTO_CREDENTIALS)),
            sfn: new SFNClient(clientCfg(MOTO_CREDENTIALS)),
        };
        for (const b of [NAMES.outboxBucket, NAMES.controlBucket, NAMES.releasedBucket, DATASET]) await admin.s3.send(new CreateBucketCommand({ Bucket: b }));
        await admin.s3.send(new CreateBucketCommand({ Bucket: ARCHIVE, ObjectLockEnabledForBucket: true }));
        // The outbox and every dataset bucket are versioned (secureBucket): the index is kept per version.
        for (const b of [NAMES.outboxBucket, DATASET])
            await admin.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: "Enabled" } }));
        const trust = JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" }],
        });
        for (const name of [NAMES.role, vendorNames(VENDOR).vendorRole, "lab-airlock-approver-a", "lab-airlock-approver-b", "data-scientist"])
            await admin.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
        await admin.sfn.send(
            new CreateStateMachineCommand({ name: NAMES.stateMachine, roleArn: ROLE(NAMES.role), definition: definition(), type: "STANDARD" }),
        );

        // The handlers run as the airlock role, with the SDK clients they use in Lambda.
        const airlockCreds = await assume(ROLE(NAMES.role), "airlock-handlers");
        const sfn = new SFNClient(clientCfg(airlockCreds));
        sfn.middlewareStack.add(
            (next, context) => async (args) => {
                if (context.commandName === "SendTaskSuccessCommand") answered.push(args.input as { taskToken?: string; output?: string });
                return next(args);
            },
            { step: "initialize", name: "recordTaskAnswers" },
        );
        const env = readAirlockEnv({
            VENDOR_ID: VENDOR,
            OUTBOX_BUCKET: NAMES.outboxBucket,
            CONTROL_BUCKET: NAMES.controlBucket,
            RELEASED_BUCKET: NAMES.releasedBucket,
            ARCHIVE_BUCKET: ARCHIVE,
            STATE_MACHINE_ARN,
            APPROVERS: JSON.stringify([APPROVER_A, APPROVER_B]),
            RECIPIENT: "vendor",
            READABLE_DATASETS: JSON.stringify(["prompts"]),
        });
        deps = {
            s3: new S3Client(clientCfg(airlockCreds)),
            sfn,
            env: () => env,
            now: () => new Date(),
            leakCheck,
            fingerprint,
            log: () => undefined,
        };
        vendorS3 = new S3Client(clientCfg(await assume(ROLE(vendorNames(VENDOR).vendorRole), "vendor")));
    }, 60_000);

    afterAll(async () => {
        await moto?.stop();
    });

    it("a vendor's export is released after two distinct approvers, byte for byte the submitted version", async () => {
        const key = "submit/vendor/weekly-summary.csv";
        const content = "week,items,agreement\n48,1200,0.97\n";
        const { id, versionId, token } = await toReview(key, content);
        const execution = await admin.sfn.send(
            new DescribeExecutionCommand({ executionArn: `${STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:")}:${id}` }),
        );
        expect(JSON.parse(execution.input!)).toEqual({ requestId: id, bucket: NAMES.outboxBucket, key, versionId });
        expect(await tags(key, versionId)).toMatchObject({
            [AIRLOCK_TAG.request]: id,
            [AIRLOCK_TAG.state]: "in-review",
            [GUARDDUTY_SCAN_TAG]: "NO_THREATS_FOUND",
        });

        expect(await decideAs(APPROVER_A, "alice", "approve", id)).toMatchObject({ outcome: "pending", state: "in-review", sent: false });
        expect(answered).toEqual([]);
        // A second approval by the same approver is the same slot: still one.
        expect(await decideAs(APPROVER_A, "alice-again", "approve", id)).toMatchObject({ outcome: "pending", sent: false });
        expect(await decideAs(APPROVER_B, "bob", "approve", id)).toMatchObject({ outcome: "approved", state: "approved", sent: true });
        expect(answered).toEqual([{ taskToken: token, output: JSON.stringify({ requestId: id, decision: "approved" }) }]);
        // moto took the answer (HTTP 200 for any token) and left the execution where it was: it does not run definitions.
        const after = await admin.sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
        expect(after.status).toBe("RUNNING");

        // The next step routes on the request record, with what the review step keeps of any answer: its constant
        // ResultSelector (test/airlock-state-machine.test.ts holds it), never the answer's content.
        expect(JSON.parse(answered[0].output!)).toEqual({ requestId: id, decision: "approved" });
        const answer = { answered: true };
        expect(await reviewOutcomeHandler(deps)({ requestId: id, answer, reviewTimeoutSeconds: 604800 })).toEqual({
            requestId: id,
            outcome: "approved",
            rewaits: 0,
        });

        const released = await releaseHandler(deps)({ requestId: id });
        const got = await admin.s3.send(new GetObjectCommand({ Bucket: NAMES.releasedBucket, Key: released.releasedKey }));
        expect(await got.Body!.transformToString()).toBe(content);
        expect(released.releasedKey).toBe(`released/${id}/weekly-summary.csv`);
        // S3 keeps decision times to the second: two in the same second have no order, so compare as a set.
        expect((await request(id)).approvals!.map((a) => a.approverArn).sort()).toEqual([APPROVER_A, APPROVER_B]);
        expect(await tags(key, versionId)).toMatchObject({ [AIRLOCK_TAG.state]: "released", [AIRLOCK_TAG.sha256]: (await request(id)).sha256 });

        // Every step left its record in the Object Lock archive, written once.
        const recs = await admin.s3.send(new ListObjectsV2Command({ Bucket: ARCHIVE, Prefix: `vendors/${VENDOR}/airlock/${id}/` }));
        expect((recs.Contents ?? []).map((o) => o.Key!.replace(/^.*\/[^/]*Z-/, "").replace(/\.json$/, "")).sort()).toEqual(
            ["approved", "in-review", "released", "scanning", "submitted"].sort(),
        );
        // The CLI lists it as released.
        const cli = await cliAs(APPROVER_A, "alice");
        await runAirlock("list", VENDOR, undefined, { json: true }, cli);
        expect((JSON.parse(cli.text()) as AirlockRequest[]).map((r) => [r.requestId, r.state])).toContainEqual([id, "released"]);
    });

    it("a rejection ends the request and nothing is released; a non-approver and a closed request are refused", async () => {
        const key = "submit/workload/model-outputs.jsonl";
        const { id, token } = await toReview(key, '{"output":"ok"}\n');
        const stranger = await cliAs(ROLE("data-scientist"), "eve");
        await expect(runAirlock("approve", VENDOR, id, {}, stranger)).rejects.toThrow(
            `arn:aws:sts::${ACCOUNT}:assumed-role/data-scientist/eve is not an approver of ${VENDOR}'s airlock`,
        );
        expect(await decideAs(APPROVER_A, "alice", "approve", id)).toMatchObject({ outcome: "pending" });
        expect(await decideAs(APPROVER_B, "bob", "reject", id, "raw model outputs hold prompts")).toMatchObject({
            outcome: "rejected",
            state: "rejected",
            sent: true,
        });
        expect(answered.at(-1)).toEqual({ taskToken: token, output: JSON.stringify({ requestId: id, decision: "rejected" }) });
        await expect(releaseHandler(deps)({ requestId: id })).rejects.toThrow(RequestStateError);
        const listed = await admin.s3.send(new ListObjectsV2Command({ Bucket: NAMES.releasedBucket, Prefix: `released/${id}/` }));
        expect(listed.Contents ?? []).toEqual([]);
        const late = await cliAs(APPROVER_A, "alice");
        await expect(runAirlock("approve", VENDOR, id, {}, late)).rejects.toThrow(`request ${id} is rejected, not in review`);
    });

    it("the fingerprint handler indexes a dataset object in the control bucket", async () => {
        const put = await admin.s3.send(new PutObjectCommand({ Bucket: DATASET, Key: "batch-7/prompts.jsonl", Body: '{"prompt":"rate this answer"}\n' }));
        const r = await fingerprintHandler(deps)(created(DATASET, "batch-7/prompts.jsonl", put.VersionId));
        expect(r).toEqual({
            dataset: "prompts",
            key: "batch-7/prompts.jsonl",
            versionId: put.VersionId,
            indexKey: indexKeyOf("prompts", "batch-7/prompts.jsonl", put.VersionId!),
        });
        const entry = JSON.parse(await (await admin.s3.send(new GetObjectCommand({ Bucket: NAMES.controlBucket, Key: r.indexKey }))).Body!.transformToString());
        expect(entry).toMatchObject({ dataset: "prompts", key: "batch-7/prompts.jsonl", size: 30 });
    });

    it("reindex fingerprints every version moto lists (old versions of an overwritten key too), then finds nothing to do", async () => {
        // Pre-existing data, never seen by the fingerprint handler: two keys, one of them overwritten.
        const old = await admin.s3.send(new PutObjectCommand({ Bucket: DATASET, Key: "legacy/a.jsonl", Body: '{"prompt":"the original record"}\n' }));
        const cur = await admin.s3.send(new PutObjectCommand({ Bucket: DATASET, Key: "legacy/a.jsonl", Body: '{"prompt":"its replacement"}\n' }));
        const other = await admin.s3.send(new PutObjectCommand({ Bucket: DATASET, Key: "legacy/b.jsonl", Body: '{"prompt":"another record"}\n' }));
        const run = (await fingerprintHandler(deps)({ reindex: true })) as ReindexResult;
        // batch-7/prompts.jsonl was indexed by the previous test's event: covered, not redone.
        expect(run.datasets).toEqual([{ dataset: "prompts", listed: 4, covered: 1, truncated: false }]);
        expect(run.remaining).toBe(0);
        expect(run.objects.map((o) => [o.key, o.versionId, o.outcome]).sort()).toEqual(
            [
                ["legacy/a.jsonl", old.VersionId, "indexed"],
                ["legacy/a.jsonl", cur.VersionId, "indexed"],
                ["legacy/b.jsonl", other.VersionId, "indexed"],
            ].sort(),
        );
        for (const o of run.objects) {
            const got = await admin.s3.send(new GetObjectCommand({ Bucket: NAMES.controlBucket, Key: indexKeyOf("prompts", o.key, o.versionId) }));
            expect(JSON.parse(await got.Body!.transformToString())).toMatchObject({ dataset: "prompts", key: o.key, versionId: o.versionId });
        }
        const again = (await fingerprintHandler(deps)({ reindex: true })) as ReindexResult;
        expect(again).toEqual({ datasets: [{ dataset: "prompts", listed: 4, covered: 4, truncated: false }], objects: [], remaining: 0 });
    });
});
