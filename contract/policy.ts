// The IAM policy-document shape, defined once for every room: the builders (iam/), the CrossGuard pack (guardrails/),
// the simulator harness (review/) and the runbook's reads from AWS (runbook/). Dependency-free, like all of contract/.

/** A condition value as IAM accepts it: a string, a number or a boolean, or a list of them. */
export type ConditionValue = string | number | boolean | (string | number | boolean)[];

/** `{ Operator: { "context-key": value } }`, e.g. `{ StringEquals: { "aws:SourceVpce": "vpce-1" } }`. */
export type Condition = Record<string, Record<string, ConditionValue>>;

export type Principal = "*" | { AWS?: string | string[]; Service?: string | string[]; Federated?: string | string[]; CanonicalUser?: string | string[] };

/** One statement. Read back from a plan or an AWS API, a Sid may be missing; the builders always write one. */
export interface Statement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: Principal;
    NotPrincipal?: Principal;
    /** Exactly one of Action and NotAction. */
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Condition?: Condition;
}

/** A policy document with its statements as a list (IAM also allows a single statement object; readers normalise it). */
export interface PolicyDocument<S extends Statement = Statement> {
    Version?: string;
    Statement: S[];
}

/** What the builders write: every statement named by a fixed Sid, the current policy language version. */
export interface WrittenStatement extends Statement {
    Sid: string;
}
export interface WrittenPolicy extends PolicyDocument<WrittenStatement> {
    Version: "2012-10-17";
}

const asList = <V>(v: V | V[]): V[] => (Array.isArray(v) ? v : [v]);

/**
 * Reads a policy document from a plan input (JSON string), an API answer or an object; undefined when the value is
 * not one (absent, redacted, not JSON, no Statement). IAM allows a single statement object: it becomes a list.
 * Statements are taken as IAM would accept them; their fields are not validated here.
 */
export function parsePolicyDocument(value: unknown): PolicyDocument | undefined {
    let doc: unknown = value;
    if (typeof value === "string") {
        try {
            doc = JSON.parse(value);
        } catch {
            return undefined;
        }
    }
    if (!doc || typeof doc !== "object" || Array.isArray(doc) || !("Statement" in doc)) return undefined;
    const st = (doc as { Statement: unknown }).Statement;
    if (st === null || st === undefined) return undefined;
    return { ...(doc as object), Statement: asList(st) as Statement[] };
}
