// Typed IAM policy documents. Every builder in this folder is a pure function from plain strings to one of these, so
// documents can be unit-tested and fed to an IAM simulator without running Pulumi.

export type ConditionValue = string | string[] | boolean;
export type Condition = Record<string, Record<string, ConditionValue>>;
export type Principal = "*" | { AWS?: string | string[]; Service?: string | string[] };

export interface Statement {
    Sid: string;
    Effect: "Allow" | "Deny";
    Principal?: Principal;
    /** Exactly one of Action and NotAction (policy() refuses a statement with both or neither). */
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Condition?: Condition;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Statement[];
}

export function policy(statements: (Statement | false | undefined)[]): PolicyDocument {
    const kept = statements.filter((s): s is Statement => Boolean(s));
    const sids = new Set<string>();
    for (const s of kept) {
        if (sids.has(s.Sid)) throw new Error(`duplicate statement Sid ${s.Sid}`);
        if ((s.Action === undefined) === (s.NotAction === undefined)) throw new Error(`statement ${s.Sid} needs exactly one of Action and NotAction`);
        sids.add(s.Sid);
    }
    return { Version: "2012-10-17", Statement: kept };
}

export function render(doc: PolicyDocument): string {
    return JSON.stringify(doc);
}

/** A policy document as read back from a plan or an AWS API: loosely typed, Statement always a list. */
export interface ParsedPolicy {
    Version?: string;
    Statement: Record<string, unknown>[];
}

/**
 * Reads a policy document from a plan input (JSON string), an API answer or an object; undefined when the value is
 * not one (absent, redacted, not JSON, no Statement). IAM allows a single statement object: it becomes a list.
 */
export function parsePolicyDocument(value: unknown): ParsedPolicy | undefined {
    let doc: unknown = value;
    if (typeof value === "string") {
        try {
            doc = JSON.parse(value);
        } catch {
            return undefined;
        }
    }
    if (!doc || typeof doc !== "object" || !("Statement" in doc)) return undefined;
    const st = (doc as { Statement: unknown }).Statement;
    return { ...(doc as object), Statement: (Array.isArray(st) ? st : [st]) as Record<string, unknown>[] };
}

export const S3_READ_OBJECT_ACTIONS = ["s3:GetObject"];
export const S3_LIST_ACTIONS = ["s3:ListBucket"];
export const S3_WRITE_ACTIONS = ["s3:PutObject"];

export function s3ServiceHost(region: string): string {
    return `s3.${region}.amazonaws.com`;
}
