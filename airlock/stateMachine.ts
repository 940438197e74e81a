// The airlock's Step Functions (Standard) definition: scan, leak check, two-person review, release.
// (Signature settled; the definition lands in its own commit.)
import type { AirlockHandler } from "../contract/airlock";

export interface AirlockDefinitionArgs {
    functionArns: Record<AirlockHandler, string>;
    /** How long a request may wait for its approvals before it is cancelled. */
    reviewTimeoutSeconds: number;
    /** Seconds between two reads of the scan tag, and how many reads before the request is blocked. */
    scanPollSeconds: number;
    scanMaxAttempts: number;
}

export function airlockDefinition(args: AirlockDefinitionArgs): Record<string, unknown> {
    void args;
    throw new Error("airlockDefinition: not built yet");
}
