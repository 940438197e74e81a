// Typed IAM policy documents. Every builder in this folder is a pure function from plain strings to one of these, so
// documents can be unit-tested and fed to an IAM simulator without running Pulumi.

import type { Condition, ConditionValue, PolicyDocument as AnyPolicyDocument, Principal, WrittenPolicy, WrittenStatement } from "../contract/policy";

// The document shape itself is contract/policy.ts, shared with the pack, the review harness and the runbook. Here,
// `Statement` and `PolicyDocument` are what the builders write: every statement named, Version 2012-10-17.
export type { Condition, ConditionValue, Principal };
export type Statement = WrittenStatement;
export type PolicyDocument = WrittenPolicy;

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

/** A policy document as read back from a plan or an AWS API: Statement always a list, Sids not guaranteed. */
export type ParsedPolicy = AnyPolicyDocument;
export { parsePolicyDocument } from "../contract/policy";

export const S3_READ_OBJECT_ACTIONS = ["s3:GetObject"];
export const S3_LIST_ACTIONS = ["s3:ListBucket"];
export const S3_WRITE_ACTIONS = ["s3:PutObject"];

export function s3ServiceHost(region: string): string {
    return `s3.${region}.amazonaws.com`;
}
