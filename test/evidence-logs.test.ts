import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { logGroupEvents } from "../runbook/aws/logs";
import { buildBundle } from "../runbook/evidence";

// The workload log group read into the evidence bundle before a destroy (through the SDK, against a client mock).
// What this cannot prove: that CloudWatch Logs serves a group encrypted with the archive key to the deployer (KMS and
// IAM are not evaluated here), or how long FilterLogEvents takes on a large group.

const logs = mockClient(CloudWatchLogsClient);
afterEach(() => logs.reset());
const client = () => new CloudWatchLogsClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
const GROUP = "/enclave/acme-labeling/workload";

describe("workload logs into the evidence", () => {
    it("reads every page of the group, oldest first", async () => {
        logs.on(FilterLogEventsCommand, { logGroupName: GROUP })
            .resolvesOnce({ events: [{ logStreamName: "b", timestamp: 20, message: "second" }], nextToken: "t1" })
            .resolvesOnce({ events: [{ logStreamName: "a", timestamp: 10, message: "first" }] });
        expect(await logGroupEvents(client(), GROUP, 1_000_000)).toEqual({
            events: [
                { stream: "a", timestamp: 10, message: "first" },
                { stream: "b", timestamp: 20, message: "second" },
            ],
            truncated: false,
        });
        // Two pages, the second asked for by the first's token (the paginator reuses one input object, so only the last
        // token is visible on the recorded calls).
        expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(2);
        expect(logs.commandCalls(FilterLogEventsCommand)[1].args[0].input.nextToken).toBe("t1");
    });

    it("answers null for a group that does not exist, and a one-line error naming the group when access is denied", async () => {
        logs.on(FilterLogEventsCommand).rejectsOnce(Object.assign(new Error("gone"), { name: "ResourceNotFoundException" }));
        expect(await logGroupEvents(client(), GROUP, 1_000_000)).toBeNull();
        logs.on(FilterLogEventsCommand).rejectsOnce(Object.assign(new Error("no"), { name: "AccessDeniedException" }));
        await expect(logGroupEvents(client(), GROUP, 1_000_000)).rejects.toThrow(`log group ${GROUP}`);
    });

    it("stops at its byte limit and says the rest stayed in CloudWatch", async () => {
        logs.on(FilterLogEventsCommand).resolves({
            events: Array.from({ length: 10 }, (_, i) => ({ logStreamName: "s", timestamp: i, message: "x".repeat(100) })),
        });
        // Each event counts its message, stream and 32 bytes of framing: 133 bytes, so three fit in 400.
        const r = await logGroupEvents(client(), GROUP, 400);
        expect([r?.events.length, r?.truncated]).toEqual([3, true]);
    });

    it("the bundle keeps the events as JSON lines, hashed in the manifest, or says why they are missing", () => {
        const parts = { vendor: "acme-labeling", exported: {}, outputs: {}, sealRecord: {}, operator: { user: "u", awsIdentity: "a" }, timestamps: {} };
        const kept = buildBundle({ ...parts, workloadLogs: { group: GROUP, events: [{ stream: "s", timestamp: 1, message: "m" }], truncated: false } });
        expect(kept.files["workload-logs.jsonl"]).toBe('{"stream":"s","timestamp":1,"message":"m"}\n');
        const manifest = JSON.parse(kept.files["manifest.json"]);
        expect(manifest.workloadLogs).toEqual({ group: GROUP, events: 1, truncated: false });
        expect(Object.keys(manifest.sha256)).toContain("workload-logs.jsonl");
        const missing = buildBundle({ ...parts, workloadLogs: { group: GROUP, missing: "no such log group" } });
        expect(missing.files["workload-logs.jsonl"]).toBeUndefined();
        expect(JSON.parse(missing.files["manifest.json"]).workloadLogs).toEqual({ group: GROUP, missing: "no such log group" });
    });
});
