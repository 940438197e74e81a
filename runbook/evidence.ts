import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { LogEvent, StackOutput } from "./types";

// The evidence bundle written before a destroy: what existed, how it was configured, when it was sealed and by whom.
// Secrets are redacted (the checkpoint's encrypted values and its secrets-provider key are dropped: ciphertext plus
// the passphrase would be the secret). The same files go to evidence/<vendor>/<timestamp>/ and to the central archive
// (Object Lock keeps them past the destroy).

export const REDACTED = "[redacted secret]";
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

export function redactState(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(redactState);
    if (value !== null && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (SECRET_SIG_KEY in obj) return REDACTED;
        return Object.fromEntries(
            Object.entries(obj).map(([k, v]) => [k, k === "secrets_providers" || k === "encryptedkey" || k === "encryptionsalt" ? REDACTED : redactState(v)]),
        );
    }
    return value;
}

export function redactOutputs(outputs: Record<string, StackOutput>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.secret ? REDACTED : o.value]));
}

export interface InventoryItem {
    urn: string;
    type: string;
    id?: string;
    arn?: string;
    protect: boolean;
}

export function inventory(exported: unknown): InventoryItem[] {
    const resources = ((exported as { deployment?: { resources?: Record<string, unknown>[] } })?.deployment?.resources ?? []) as Record<string, unknown>[];
    return resources.map((r) => {
        const outputs = (r.outputs ?? {}) as Record<string, unknown>;
        return {
            urn: String(r.urn),
            type: String(r.type),
            ...(typeof r.id === "string" && r.id ? { id: r.id } : {}),
            ...(typeof outputs.arn === "string" ? { arn: outputs.arn } : {}),
            protect: r.protect === true,
        };
    });
}

/** Filesystem- and S3-safe UTC timestamp: 2026-11-23T12-00-00Z. */
export function evidenceStamp(d: Date): string {
    return d
        .toISOString()
        .replace(/\.\d{3}Z$/, "Z")
        .replace(/:/g, "-");
}

export interface Bundle {
    files: Record<string, string>;
}

export function buildBundle(parts: {
    vendor: string;
    exported: unknown;
    outputs: Record<string, StackOutput>;
    sealRecord: unknown;
    operator: { user: string; awsIdentity: string };
    timestamps: Record<string, string>;
    /** The workload log group (workload logs and session transcripts), read before the destroy deletes it. */
    workloadLogs?: { group: string; events: LogEvent[]; truncated: boolean } | { group: string; missing: string };
}): Bundle {
    const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
    const files: Record<string, string> = {
        "stack-export.json": json(redactState(parts.exported)),
        "outputs.json": json(redactOutputs(parts.outputs)),
        "seal-record.json": json(parts.sealRecord),
        "inventory.json": json(inventory(parts.exported)),
    };
    const logs = parts.workloadLogs;
    if (logs && "events" in logs) files["workload-logs.jsonl"] = logs.events.map((e) => JSON.stringify(e)).join("\n") + (logs.events.length ? "\n" : "");
    const digests = Object.fromEntries(Object.entries(files).map(([n, body]) => [n, crypto.createHash("sha256").update(body).digest("hex")]));
    const workloadLogs = !logs
        ? undefined
        : "events" in logs
          ? { group: logs.group, events: logs.events.length, truncated: logs.truncated }
          : { group: logs.group, missing: logs.missing };
    files["manifest.json"] = json({
        vendor: parts.vendor,
        operator: parts.operator,
        timestamps: parts.timestamps,
        ...(workloadLogs ? { workloadLogs } : {}),
        sha256: digests,
    });
    return { files };
}

export function writeBundle(dir: string, bundle: Bundle): void {
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, body] of Object.entries(bundle.files)) fs.writeFileSync(path.join(dir, name), body);
}
