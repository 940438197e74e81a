import { CloudWatchLogsClient, paginateFilterLogEvents } from "@aws-sdk/client-cloudwatch-logs";
import type { LogEvent } from "../types";
import { orNull } from "./errors";

/**
 * Every event of a log group, oldest first, for the evidence bundle before a destroy deletes the group (workload logs
 * and session transcripts). Read through the API rather than an export task: an export needs the logs service admitted
 * to the archive, and the bundle then holds its SHA-256 in the manifest like every other file. null: no such group.
 * `limitBytes` bounds what a very large group costs the runbook's memory; the caller records a truncation.
 */
export async function logGroupEvents(
    client: CloudWatchLogsClient,
    logGroup: string,
    limitBytes: number,
): Promise<{ events: LogEvent[]; truncated: boolean } | null> {
    return orNull(`log group ${logGroup}`, "logs:FilterLogEvents", async () => {
        const events: LogEvent[] = [];
        let bytes = 0;
        for await (const page of paginateFilterLogEvents({ client }, { logGroupName: logGroup })) {
            for (const e of page.events ?? []) {
                const event = { stream: e.logStreamName ?? "", timestamp: e.timestamp ?? 0, message: e.message ?? "" };
                bytes += event.message.length + event.stream.length + 32;
                if (bytes > limitBytes) return { events, truncated: true };
                events.push(event);
            }
        }
        return { events: events.sort((a, b) => a.timestamp - b.timestamp), truncated: false };
    });
}

export const newLogsClient = (region: string, cfg: { endpoint?: string; credentials?: unknown; maxAttempts?: number }) =>
    new CloudWatchLogsClient({
        region,
        retryMode: "standard",
        maxAttempts: cfg.maxAttempts ?? 5,
        ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
        ...(cfg.credentials ? { credentials: cfg.credentials as never } : {}),
    });
