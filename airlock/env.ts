// The handlers' configuration, read and validated in one place: every function gets the same environment from
// components/airlock.ts, and a missing or malformed variable is one error naming all of them.
import { vendorNames, roleArn } from "../iam/names";
import type { AirlockRequester } from "../contract/airlock";
import { AirlockConfigError } from "./errors";

export interface AirlockEnv {
    vendorId: string;
    outboxBucket: string;
    controlBucket: string;
    releasedBucket: string;
    archiveBucket: string;
    stateMachineArn: string;
    /** The spec's approvers (IAM role or user ARNs), in spec order. */
    approvers: string[];
    /** `vendor` or one lab principal ARN. */
    recipient: string;
    /** The account of the enclave (from the state machine's ARN). */
    accountId: string;
    /** The role that may write each submit prefix: the bucket policy pins it, so the prefix names the requester. */
    requesterArns: Record<AirlockRequester, string>;
    /** The datasets the vendor may read: the leak check requires the index to cover every object version of each. */
    readableDatasets: string[];
}

export const AIRLOCK_ENV_VARS = [
    "VENDOR_ID",
    "OUTBOX_BUCKET",
    "CONTROL_BUCKET",
    "RELEASED_BUCKET",
    "ARCHIVE_BUCKET",
    "STATE_MACHINE_ARN",
    "APPROVERS",
    "RECIPIENT",
    "READABLE_DATASETS",
] as const;

const STATE_MACHINE_ARN = /^arn:aws[\w-]*:states:[a-z0-9-]+:(\d{12}):stateMachine:[\w-]{1,80}$/;
const PRINCIPAL_ARN = /^arn:aws[\w-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/;

export function readAirlockEnv(env: Record<string, string | undefined> = process.env): AirlockEnv {
    const missing = AIRLOCK_ENV_VARS.filter((k) => !env[k]?.trim());
    if (missing.length)
        throw new AirlockConfigError(
            `airlock handler environment: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set (components/airlock.ts sets them)`,
        );
    const get = (k: (typeof AIRLOCK_ENV_VARS)[number]) => env[k]!.trim();
    const problems: string[] = [];
    const sm = STATE_MACHINE_ARN.exec(get("STATE_MACHINE_ARN"));
    if (!sm) problems.push(`STATE_MACHINE_ARN is not a state machine ARN: got ${JSON.stringify(get("STATE_MACHINE_ARN"))}`);
    let approvers: string[] = [];
    try {
        const v: unknown = JSON.parse(get("APPROVERS"));
        if (!Array.isArray(v) || !v.every((a) => typeof a === "string" && PRINCIPAL_ARN.test(a))) throw new Error();
        approvers = v as string[];
        if (new Set(approvers).size < 2) problems.push(`APPROVERS names fewer than 2 distinct approvers: got ${get("APPROVERS")}`);
    } catch {
        problems.push(`APPROVERS is not a JSON array of IAM role or user ARNs: got ${JSON.stringify(get("APPROVERS"))}`);
    }
    const recipient = get("RECIPIENT");
    if (recipient !== "vendor" && !PRINCIPAL_ARN.test(recipient))
        problems.push(`RECIPIENT is neither "vendor" nor an IAM principal ARN: got ${JSON.stringify(recipient)}`);
    let readableDatasets: string[] = [];
    try {
        const v: unknown = JSON.parse(get("READABLE_DATASETS"));
        if (!Array.isArray(v) || !v.every((d) => typeof d === "string" && /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(d) && !d.includes("--"))) throw new Error();
        readableDatasets = v as string[];
    } catch {
        problems.push(`READABLE_DATASETS is not a JSON array of dataset names: got ${JSON.stringify(get("READABLE_DATASETS"))}`);
    }
    if (problems.length) throw new AirlockConfigError(`airlock handler environment: ${problems.join("; ")}`);
    const accountId = sm![1];
    const vendorId = get("VENDOR_ID");
    const names = vendorNames(vendorId);
    return {
        vendorId,
        outboxBucket: get("OUTBOX_BUCKET"),
        controlBucket: get("CONTROL_BUCKET"),
        releasedBucket: get("RELEASED_BUCKET"),
        archiveBucket: get("ARCHIVE_BUCKET"),
        stateMachineArn: get("STATE_MACHINE_ARN"),
        approvers,
        recipient,
        accountId,
        requesterArns: { vendor: roleArn(accountId, names.vendorRole), workload: roleArn(accountId, names.workloadRole) },
        readableDatasets,
    };
}

/** Reads the environment once, on first use (not at import: a test that imports a handler sets no environment). */
export function lazyEnv(env: Record<string, string | undefined> = process.env): () => AirlockEnv {
    let cached: AirlockEnv | undefined;
    return () => (cached ??= readAirlockEnv(env));
}
