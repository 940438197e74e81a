// The two-person rule, as a pure function: whether the decisions written so far release, reject or leave a request
// waiting. Identities come only from the decision objects' keys (the control bucket's policy lets an approver write
// nothing but its own slot), never from a name typed into a body.
import { createHash } from "node:crypto";
import { AIRLOCK_REQUIRED_APPROVALS, approverKey, type AirlockRequest, type Decision, type DecisionBody } from "../contract/airlock";

export const sha256hex = (text: string | Uint8Array) => createHash("sha256").update(text).digest("hex");

/** An approver's slot in `decisions/<request>/`, from its ARN exactly as IAM reports it as aws:PrincipalArn. */
export const slotOf = (approverArn: string) => approverKey(sha256hex(approverArn));

/** One decision object as read from the control bucket: its slot (the last key segment) and its parsed body. */
export interface DecisionObject {
    slot: string;
    /** null: the body was not a DecisionBody (it is ignored, never guessed at). */
    body: DecisionBody | null;
    at: string;
}

export type Outcome = "approved" | "rejected" | "pending";

export interface Tally {
    outcome: Outcome;
    /** The approvers whose decision counts, by ARN, in the order of their decisions. */
    counted: { approverArn: string; decision: Decision; reason?: string; at: string }[];
    /** Decisions that do not count, each with why. */
    ignored: { slot: string; why: string }[];
}

/** Parses a decision object's body; anything but `{decision: "approve"|"reject", reason?: string}` is null. */
export function parseDecisionBody(text: string): DecisionBody | null {
    let v: unknown;
    try {
        v = JSON.parse(text);
    } catch {
        return null;
    }
    if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
    const o = v as Record<string, unknown>;
    if (o.decision !== "approve" && o.decision !== "reject") return null;
    if (o.reason !== undefined && typeof o.reason !== "string") return null;
    return o.reason === undefined ? { decision: o.decision } : { decision: o.decision, reason: o.reason };
}

/**
 * The two-person rule: AIRLOCK_REQUIRED_APPROVALS distinct approvers of the spec, none of them the requester, approve;
 * one rejection by an approver rejects (whatever the approvals). Decisions on a request that is not in review count
 * for nothing, and so do decisions written before its review opened: nobody decides before the scan and the leak check
 * passed (an approver may read the object only once it is scanned clean), and a decision after the outcome changes
 * nothing.
 */
export function tally(
    request: Pick<AirlockRequest, "state" | "requesterArn" | "updatedAt">,
    decisions: readonly DecisionObject[],
    approvers: readonly string[],
): Tally {
    const ignored: Tally["ignored"] = [];
    if (request.state !== "in-review") {
        return { outcome: "pending", counted: [], ignored: decisions.map((d) => ({ slot: d.slot, why: `the request is ${request.state}, not in review` })) };
    }
    const bySlot = new Map<string, string>();
    for (const arn of new Set(approvers)) bySlot.set(slotOf(arn), arn);
    // While in review, updatedAt is when the review opened. S3 keeps a decision's time to the second: compare seconds,
    // so a decision written in the second the review opened still counts.
    const opened = request.updatedAt.slice(0, 19);
    const counted: Tally["counted"] = [];
    const seen = new Set<string>();
    for (const d of [...decisions].sort((a, b) => a.at.localeCompare(b.at))) {
        const arn = bySlot.get(d.slot);
        if (!arn) ignored.push({ slot: d.slot, why: "no approver of the spec has this slot" });
        else if (arn === request.requesterArn) ignored.push({ slot: d.slot, why: `${arn} is the requester` });
        else if (!d.body) ignored.push({ slot: d.slot, why: "the body is not a decision" });
        else if (d.at.slice(0, 19) < opened) ignored.push({ slot: d.slot, why: `written at ${d.at}, before the review opened at ${request.updatedAt}` });
        else if (seen.has(arn)) ignored.push({ slot: d.slot, why: `${arn} already decided` });
        else {
            seen.add(arn);
            counted.push({ approverArn: arn, decision: d.body.decision, ...(d.body.reason !== undefined ? { reason: d.body.reason } : {}), at: d.at });
        }
    }
    if (counted.some((c) => c.decision === "reject")) return { outcome: "rejected", counted, ignored };
    const approvals = counted.filter((c) => c.decision === "approve").length;
    return { outcome: approvals >= AIRLOCK_REQUIRED_APPROVALS ? "approved" : "pending", counted, ignored };
}
