import {
    CopyObjectCommand,
    GetObjectCommand,
    GetObjectTaggingCommand,
    HeadObjectCommand,
    ListObjectsV2Command,
    ListObjectVersionsCommand,
    PutObjectCommand,
    PutObjectTaggingCommand,
    S3Client,
    type Tag,
} from "@aws-sdk/client-s3";
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from "@aws-sdk/client-sfn";
import { sdkStreamMixin } from "@smithy/util-stream";
import { mockClient } from "aws-sdk-client-mock";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { AirlockDeps } from "../../airlock/handlers/common";
import { readAirlockEnv } from "../../airlock/env";
import type { LeakVerdict } from "../../airlock/fingerprint";

// An in-memory S3 (versions, object tags, conditional puts, copies of one version) and Step Functions (executions by
// name, task tokens) behind aws-sdk-client-mock, so the handlers run their real SDK calls. It models what the handlers
// rely on; it does not model IAM: a denied put is injected with `deny`, as the seal's bucket policy would answer it.

export const ACCOUNT = "111122223333";
export const VENDOR = "acme-labeling";
export const APPROVER_A = `arn:aws:iam::${ACCOUNT}:role/lab-airlock-approver-a`;
export const APPROVER_B = `arn:aws:iam::${ACCOUNT}:role/lab-airlock-approver-b`;
export const VENDOR_ROLE = `arn:aws:iam::${ACCOUNT}:role/enclave-${VENDOR}-vendor`;
export const ENV = {
    VENDOR_ID: VENDOR,
    OUTBOX_BUCKET: `${VENDOR}--airlock--outbox--${ACCOUNT}`,
    CONTROL_BUCKET: `${VENDOR}--airlock--control--${ACCOUNT}`,
    RELEASED_BUCKET: `${VENDOR}--airlock--released--${ACCOUNT}`,
    ARCHIVE_BUCKET: `enclave-log-archive-${ACCOUNT}-us-east-1`,
    STATE_MACHINE_ARN: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:enclave-${VENDOR}-airlock`,
    APPROVERS: JSON.stringify([APPROVER_A, APPROVER_B]),
    RECIPIENT: "vendor",
    READABLE_DATASETS: JSON.stringify(["prompts"]),
};
/** The one readable dataset's bucket (empty unless a test puts objects in it). */
export const PROMPTS_BUCKET = `${VENDOR}--prompts--${ACCOUNT}`;

interface Version {
    versionId: string;
    body: Buffer;
    etag: string;
    tags: Record<string, string>;
    at: Date;
}

const err = (name: string, status: number, message = name) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
const body = (b: Buffer) => sdkStreamMixin(Readable.from([b]));

export class FakeAws {
    readonly buckets = new Map<string, Map<string, Version[]>>();
    /** Buckets whose PutObject (and copy into them) is denied, as the seal's freeze denies the released bucket. */
    readonly deny = new Set<string>();
    /** `bucket/key` whose next GetObject fails once with a 500 (as an interrupted read would, after the SDK's retries). */
    readonly failNextRead = new Set<string>();
    readonly executions = new Map<string, { input: string; status: "RUNNING" | "ABORTED" }>();
    readonly tokens = new Map<string, string | null>();
    readonly calls: string[] = [];
    /** Runs before every PutObject and CopyObject the handlers send (a test writes a concurrent change there). */
    before?: (op: "put" | "copy", bucket: string, key: string) => void;
    private seq = 0;
    private clock = Date.parse("2026-11-30T10:00:00Z");
    readonly s3 = mockClient(S3Client);
    readonly sfn = mockClient(SFNClient);

    constructor() {
        for (const b of Object.values(ENV).filter((v) => v.includes("--airlock--") || v.startsWith("enclave-log-archive"))) this.buckets.set(b, new Map());
        this.buckets.set(PROMPTS_BUCKET, new Map());
        this.s3.on(PutObjectCommand).callsFake((i) => {
            this.before?.("put", i.Bucket!, i.Key!);
            return this.put(i.Bucket!, i.Key!, Buffer.from(i.Body as string), i.IfNoneMatch, i.IfMatch);
        });
        this.s3.on(GetObjectCommand).callsFake((i) => {
            if (this.failNextRead.delete(`${i.Bucket}/${i.Key}`)) throw err("InternalError", 500, "We encountered an internal error");
            const v = this.version(i.Bucket!, i.Key!, i.VersionId);
            return { Body: body(v.body), ETag: v.etag, VersionId: v.versionId, ContentLength: v.body.length };
        });
        this.s3.on(HeadObjectCommand).callsFake((i) => {
            const v = this.version(i.Bucket!, i.Key!, i.VersionId);
            return { ETag: v.etag, VersionId: v.versionId, ContentLength: v.body.length };
        });
        this.s3
            .on(GetObjectTaggingCommand)
            .callsFake((i) => ({ TagSet: Object.entries(this.version(i.Bucket!, i.Key!, i.VersionId).tags).map(([Key, Value]) => ({ Key, Value })) }));
        this.s3.on(PutObjectTaggingCommand).callsFake((i) => {
            this.calls.push(`tag ${i.Key}`);
            this.version(i.Bucket!, i.Key!, i.VersionId).tags = Object.fromEntries((i.Tagging!.TagSet as Tag[]).map((t) => [t.Key!, t.Value!]));
            return {};
        });
        this.s3.on(ListObjectsV2Command).callsFake((i) => {
            const b = this.bucket(i.Bucket!);
            const keys = [...b.keys()].filter((k) => k.startsWith(i.Prefix ?? "")).sort();
            return { Contents: keys.map((Key) => ({ Key, LastModified: b.get(Key)!.at(-1)!.at })), IsTruncated: false };
        });
        // Every version of every key, newest first per key, one page (the listing bound is tested on the store itself).
        this.s3.on(ListObjectVersionsCommand).callsFake((i) => {
            this.calls.push(`list-versions ${i.Bucket}`);
            const b = this.bucket(i.Bucket!);
            const Versions = [...b.keys()].sort().flatMap((Key) =>
                b
                    .get(Key)!
                    .map((v, n, all) => ({ Key, VersionId: v.versionId, Size: v.body.length, IsLatest: n === all.length - 1, LastModified: v.at }))
                    .reverse(),
            );
            return { Versions, IsTruncated: false };
        });
        this.s3.on(CopyObjectCommand).callsFake((i) => {
            this.before?.("copy", i.Bucket!, i.Key!);
            const m = /^([^/]+)\/(.+)\?versionId=(.+)$/.exec(i.CopySource!)!;
            const src = this.version(m[1], decodeURIComponent(m[2]), decodeURIComponent(m[3]));
            if (i.CopySourceIfMatch && i.CopySourceIfMatch !== src.etag) throw err("PreconditionFailed", 412);
            this.calls.push(`copy ${m[2]}@${m[3]} -> ${i.Key}`);
            return this.put(i.Bucket!, i.Key!, src.body);
        });
        this.sfn.on(StartExecutionCommand).callsFake((i) => {
            this.calls.push(`start ${i.name}`);
            if (this.executions.has(i.name!)) throw err("ExecutionAlreadyExists", 400);
            this.executions.set(i.name!, { input: i.input!, status: "RUNNING" });
            return { executionArn: `${i.stateMachineArn!.replace(":stateMachine:", ":execution:")}:${i.name}`, startDate: new Date() };
        });
        this.sfn.on(StopExecutionCommand).callsFake((i) => {
            const name = i.executionArn!.split(":").pop()!;
            const e = this.executions.get(name);
            if (!e) throw err("ExecutionDoesNotExist", 400);
            e.status = "ABORTED";
            this.calls.push(`stop ${name}`);
            return { stopDate: new Date() };
        });
        this.sfn.on(SendTaskSuccessCommand).callsFake((i) => {
            if (!this.tokens.has(i.taskToken!)) throw err("InvalidToken", 400);
            if (this.tokens.get(i.taskToken!) !== null) throw err("TaskTimedOut", 400, "Task Timed Out: already answered");
            this.tokens.set(i.taskToken!, i.output!);
            this.calls.push(`answer ${i.output}`);
            return {};
        });
    }

    /** The one clock of the fake AWS and of the handlers: one second per read, so every time is distinct and ordered. */
    tick(): Date {
        return new Date((this.clock += 1000));
    }

    bucket(name: string) {
        const b = this.buckets.get(name);
        if (!b) throw err("NoSuchBucket", 404);
        return b;
    }

    version(bucket: string, key: string, versionId?: string): Version {
        const vs = this.bucket(bucket).get(key);
        const v = versionId ? vs?.find((x) => x.versionId === versionId) : vs?.at(-1);
        if (!v) throw err("NoSuchKey", 404);
        return v;
    }

    put(bucket: string, key: string, data: Buffer | string, ifNoneMatch?: string, ifMatch?: string) {
        const b = this.bucket(bucket);
        if (this.deny.has(bucket)) throw err("AccessDenied", 403, "Access Denied");
        if (ifNoneMatch === "*" && b.has(key)) throw err("PreconditionFailed", 412);
        // S3's conditional write: If-Match succeeds only while the current version has that ETag (404 when there is none).
        if (ifMatch !== undefined && !b.has(key)) throw err("NoSuchKey", 404);
        if (ifMatch !== undefined && b.get(key)!.at(-1)!.etag !== ifMatch) throw err("PreconditionFailed", 412);
        const buf = Buffer.from(data);
        const v: Version = {
            versionId: `v${++this.seq}`,
            body: buf,
            etag: `"${createHash("md5").update(buf).digest("hex")}"`,
            tags: {},
            at: this.tick(),
        };
        b.set(key, [...(b.get(key) ?? []), v]);
        return { VersionId: v.versionId, ETag: v.etag };
    }

    json<T>(bucket: string, key: string): T {
        return JSON.parse(this.version(bucket, key).body.toString()) as T;
    }

    keys(bucket: string, prefix = ""): string[] {
        return [...this.bucket(bucket).keys()].filter((k) => k.startsWith(prefix)).sort();
    }

    /** The event EventBridge delivers for an S3 Object Created (only the fields it always carries). */
    static created(bucket: string, key: string, versionId: string, size = 0) {
        return {
            version: "0",
            id: "7f1a1b3e-0000-0000-0000-000000000000",
            "detail-type": "Object Created",
            source: "aws.s3",
            account: ACCOUNT,
            time: "2026-11-30T10:00:00Z",
            region: "us-east-1",
            resources: [`arn:aws:s3:::${bucket}`],
            detail: { version: "0", bucket: { name: bucket }, object: { key, size, etag: "x", "version-id": versionId, sequencer: "0" }, reason: "PutObject" },
        };
    }

    restore() {
        this.s3.restore();
        this.sfn.restore();
    }
}

/** Handler dependencies over the fake: a fixed clock that ticks per read, and the leak check given (the lead's lands later). */
export function fakeDeps(fake: FakeAws, leak: (content: Uint8Array) => LeakVerdict = () => ({ verdict: "clean" })): AirlockDeps & { logs: string[] } {
    const logs: string[] = [];
    const env = readAirlockEnv(ENV);
    return {
        s3: new S3Client({ region: "us-east-1" }),
        sfn: new SFNClient({ region: "us-east-1" }),
        env: () => env,
        now: () => fake.tick(),
        leakCheck: (c) => leak(c),
        fingerprint: (c) => ({ sha256: createHash("sha256").update(c).digest("hex"), size: c.length, lines: [], minhash: [] }),
        log: (m) => void logs.push(m),
        logs,
    };
}
