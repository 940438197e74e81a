// The export airlock (components/airlock.ts): what its three bucket policies must say, whatever a later change does.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { TAG } from "../../contract/tags";
import {
    conditionsOf,
    coversAction,
    isAirlockTagged,
    isLabSideRole,
    isVendorStack,
    ofType,
    resourcesOf,
    statementsOf,
    strings,
    T,
    tagsOf,
    type Statement,
} from "./util";

const docs = (r: PolicyResource | undefined) => (r ? (statementsOf(r.props.policy) ?? []) : []);
const arnConditions = (s: Statement, ops: RegExp) => conditionsOf(s).filter((c) => ops.test(c.op) && c.key.toLowerCase() === "aws:principalarn");
/**
 * A Deny naming some of `roles` by aws:PrincipalArn (equality operators) that covers `action`, whatever the request
 * carries: a statement with any other condition (a network perimeter, a tag) denies only sometimes.
 */
const deniesTo = (statements: Statement[], roles: string[], action: string) =>
    statements.some(
        (s) =>
            s.Effect === "Deny" &&
            coversAction(s, action) &&
            conditionsOf(s).every((c) => c.key.toLowerCase() === "aws:principalarn") &&
            arnConditions(s, /^(String|Arn)(Equals|Like)$/).some((c) => c.values.some((v) => roles.includes(v))),
    );
const isSealDenyAll = (s: Statement) =>
    s.Effect === "Deny" && strings(s.Action).includes("*") && strings(s.Resource).includes("*") && s.Condition === undefined && s.NotAction === undefined;

export const airlockExportControls: StackValidationPolicy = {
    name: "airlock-export-controls",
    description:
        "Invariant 34 (the seal freezes the airlock; docs/invariants.md), export airlock (docs/airlock.md): the outbox denies the vendor-side roles every read, list, tag and delete (put only); the released bucket denies " +
        "reads to everyone but one recipient and break-glass, and never to the workload or airlock roles; every approver's decision slot in the control " +
        "bucket is pinned to that one approver (ArnNotEquals aws:PrincipalArn), at least two of them; the control bucket denies the vendor-side roles " +
        "everything; and while the stack is sealed both the control and released bucket policies hold the freeze. Why: the vendor must lose a file once " +
        "submitted, no one approves in another's name, and nothing is decided or released while sealed. Every airlock EventBridge target dead-letters to the airlock's encrypted queue with a retry policy: a lost " +
        "dataset fingerprint event must be seen, never dropped silently.",
    remediationSteps: "Build the three bucket policies with iam/airlock.ts (outboxBucketPolicy, releasedBucketPolicy, controlBucketPolicy) from the spec.",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["Invariant-34"],
    validateStack: (args, report) => {
        if (!isVendorStack(args.resources)) return;
        const buckets = ofType(args.resources, T.bucket).filter(isAirlockTagged);
        if (buckets.length === 0) return;
        const policyOf = (part: string) => {
            const b = buckets.find((x) => tagsOf(x.props)[TAG.airlock] === part);
            return b && ofType(args.resources, T.bucketPolicy).find((p) => p.props.bucket === b.props.bucket);
        };
        const roles = ofType(args.resources, T.role);
        const vendorSide = roles
            .filter((r) => tagsOf(r.props)[TAG.vendor] !== undefined && tagsOf(r.props)[TAG.vendor] !== "security" && !isLabSideRole(r))
            .map((r) => r.props.arn as string | undefined)
            .filter((a): a is string => Boolean(a));
        const labSide = roles.filter(isAirlockTagged).map((r) => r.props.arn as string | undefined);
        const workload = vendorSide.filter((a) => a.endsWith("-workload"));

        for (const part of ["outbox", "released", "control"]) if (!policyOf(part)) report(`the airlock's ${part} bucket has no bucket policy`);

        const outbox = policyOf("outbox");
        if (outbox)
            for (const action of ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:PutObjectTagging", "s3:DeleteObject"])
                if (!deniesTo(docs(outbox), vendorSide, action))
                    report(
                        `${outbox.name}: the outbox does not deny ${action} to the vendor-side roles (a submitted file must be out of their reach)`,
                        outbox.urn,
                    );

        const released = policyOf("released");
        if (released) {
            const readDenies = docs(released).filter(
                (s) => s.Effect === "Deny" && coversAction(s, "s3:GetObject") && arnConditions(s, /^(String|Arn)Not(Equals|Like)(IfExists)?$/).length > 0,
            );
            if (readDenies.length === 0)
                report(`${released.name}: released files are readable beyond the recipient (no Deny of s3:GetObject to all but it)`, released.urn);
            else {
                // Denies add up: who may read is whoever every one of them exempts.
                const exempts = readDenies.map((s) => arnConditions(s, /^(String|Arn)Not(Equals|Like)(IfExists)?$/).flatMap((c) => c.values));
                const readers = exempts.reduce((acc, e) => acc.filter((a) => e.includes(a)));
                const wrong = readers.filter((a) => workload.includes(a) || labSide.includes(a) || a.includes("*"));
                if (wrong.length || readers.length > 2)
                    report(`${released.name}: ${readers.join(", ")} may read released files (only the recipient and break-glass may)`, released.urn);
            }
        }

        const control = policyOf("control");
        if (control) {
            const statements = docs(control);
            const slots = statements.filter(
                (s) => s.Effect === "Deny" && coversAction(s, "s3:PutObject") && resourcesOf(s).some((r) => /\/decisions\/\*\/[^/*]+$/.test(r)),
            );
            if (slots.length < 2) report(`${control.name}: ${slots.length} decision slot(s) pinned to an approver; a release needs two`, control.urn);
            for (const s of slots) {
                const pinned = arnConditions(s, /^ArnNotEquals$|^StringNotEquals$/).flatMap((c) => c.values);
                if (pinned.length !== 1 || pinned[0].includes("*"))
                    report(
                        `${control.name}: decision slot statement "${s.Sid ?? "?"}" is not pinned to exactly one approver (got ${JSON.stringify(pinned)})`,
                        control.urn,
                    );
            }
            if (!deniesTo(statements, vendorSide, "s3:PutObject") || !deniesTo(statements, vendorSide, "s3:GetObject"))
                report(`${control.name}: the control bucket does not deny the vendor-side roles (decisions, records and the index are the lab's)`, control.urn);
        }

        const sealed = ofType(args.resources, T.rolePolicy).some((p) => docs(p).some(isSealDenyAll));
        if (sealed) {
            const frozen = (r: PolicyResource | undefined, actions: string[], path: RegExp) =>
                docs(r).some(
                    (s) =>
                        s.Effect === "Deny" &&
                        actions.every((a) => coversAction(s, a)) &&
                        resourcesOf(s).some((x) => path.test(x)) &&
                        // Everyone: no condition, or only an exemption list (break-glass) by a negated aws:PrincipalArn.
                        conditionsOf(s).every((c) => c.key.toLowerCase() === "aws:principalarn" && /Not/.test(c.op)),
                );
            if (control && !frozen(control, ["s3:PutObject"], /\/(decisions\/)?\*$/))
                report(`${control.name}: sealed, but the control bucket still accepts decisions (no freeze)`, control.urn);
            if (released && !frozen(released, ["s3:PutObject", "s3:GetObject"], /\/\*$/))
                report(`${released.name}: sealed, but the released bucket still accepts or serves files (no freeze)`, released.urn);
        }

        // Airlock events are never dropped silently: every target dead-letters to the airlock's queue, with retries.
        const queues = ofType(args.resources, T.sqsQueue).filter(isAirlockTagged);
        for (const q of queues)
            if (q.props.sqsManagedSseEnabled !== true && !q.props.kmsMasterKeyId) report(`${q.name}: the airlock's dead-letter queue is not encrypted`, q.urn);
        for (const t of ofType(args.resources, T.eventTarget).filter((x) => /-airlock-/.test(String(x.props.rule ?? "")))) {
            const dlq = (t.props.deadLetterConfig as { arn?: unknown } | undefined)?.arn;
            if (typeof dlq !== "string" || !queues.some((q) => q.props.arn === dlq))
                report(`${t.name}: the airlock event target has no dead-letter queue of the airlock (a failed delivery would be dropped silently)`, t.urn);
            if (typeof (t.props.retryPolicy as { maximumRetryAttempts?: unknown } | undefined)?.maximumRetryAttempts !== "number")
                report(`${t.name}: the airlock event target has no retry policy`, t.urn);
        }
    },
};
