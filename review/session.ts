import { simulate, type Decision, type SimResult } from "./simulate";
import type { VendorFacts, World } from "./world";
import { FORWARDING_SESSION_DOCUMENTS } from "../iam/session";
import { sessionDocumentArn, vendorNames } from "../iam/names";
import { coversAction, type Statement } from "../guardrails/rules/util";

// The session path as AWS authorises it: one ssm:StartSession request is checked against the target instance AND the
// session document (SessionDocumentAccessCheck); both must allow. Simulated as the two requests AWS evaluates.
// What a session then gives its user is the document's, not a policy's: shell or port forwarding, as which user,
// logged where. That is read from the document the plan holds (or, for AWS-owned documents, from what AWS documents
// they do) and carried with each allowed row, so that a document that starts forwarding ports, or stops logging,
// changes the row as surely as a policy that admits another instance.

export interface SessionRequest {
    principal: string;
    /** The instance ARN and the enclave:vendor tag it carries (iam-simulate sees tags only as context); null: untagged. */
    instanceArn: string;
    instanceVendorTag: string | null;
    documentArn: string;
    tokenIssueTime?: string;
    currentTime?: string;
}

export interface SessionVerdict {
    allowed: boolean;
    instance: SimResult;
    document: SimResult;
}

export async function simulateStartSession(world: World, r: SessionRequest, action = "ssm:StartSession"): Promise<SessionVerdict> {
    const context = { "ssm:resourceTag/enclave:vendor": r.instanceVendorTag, "ssm:SessionDocumentAccessCheck": "true" };
    const base = { principal: r.principal, action, context, tokenIssueTime: r.tokenIssueTime, currentTime: r.currentTime };
    const instance = await simulate(world, { ...base, resource: r.instanceArn });
    const document = await simulate(world, { ...base, resource: r.documentArn, context: { "ssm:SessionDocumentAccessCheck": "true" } });
    return { allowed: instance.allowed && document.allowed, instance, document };
}

/** One row of the session path: may this principal do this Session Manager action on this target with this document. */
export interface SessionPath {
    principalLabel: string;
    /** ssm:StartSession, ssm:SendCommand, ssm:ResumeSession or ssm:TerminateSession. */
    action: string;
    target: string;
    /** The document the request names ("-" for resuming or ending a session). */
    document: string;
    /** What the document opens: "shell", "port forwarding", ... ("-" where no document is involved). */
    opens: string;
    /** What holds in a session the document opens (run-as user, transcript, stream, timeouts); empty if nothing is known to. */
    conditions: string[];
    decision: Decision;
    decidedBy: string;
}

/** What a session with a document gives, and what holds in it. */
export interface DocumentTerms {
    opens: string;
    conditions: string[];
}

const SESSION_TYPES: Record<string, string> = {
    Standard_Stream: "shell",
    Port: "port forwarding",
    InteractiveCommands: "interactive commands",
    NonInteractiveCommands: "commands",
};

/**
 * AWS-owned documents, by what AWS documents them to do. Nothing is known to hold in their sessions: the account's
 * preferences may log a shell, but the enclave does not own them, and a forwarded port has no transcript at all.
 */
const AWS_DOCUMENTS: Record<string, string> = {
    "SSM-SessionManagerRunShell": "shell (the account's preferences)",
    "AWS-StartPortForwardingSession": "port forwarding",
    "AWS-StartPortForwardingSessionToRemoteHost": "port forwarding to other hosts",
    "AWS-StartPortForwardingSessionToSocket": "port forwarding to a socket",
    "AWS-StartSSHSession": "SSH",
    "AWS-StartInteractiveCommand": "an interactive command",
    "AWS-StartNonInteractiveCommand": "a command",
    "AWS-RunShellScript": "commands as root, no transcript",
};

/** What a session document of the plan gives: its session type, and each logging and run-as term it enforces. */
export function termsOfDocument(content: Record<string, unknown>): DocumentTerms {
    const type = String(content.sessionType ?? "");
    const opens = SESSION_TYPES[type] ?? `session type ${JSON.stringify(type)}`;
    const i = (content.inputs ?? {}) as Record<string, unknown>;
    const conditions: string[] = [];
    if (i.runAsEnabled === true && typeof i.runAsDefaultUser === "string" && i.runAsDefaultUser && i.runAsDefaultUser !== "root")
        conditions.push(`runs as ${i.runAsDefaultUser}`);
    // Session Manager records no data of a port-forwarding session: whatever the inputs say, nothing is transcribed.
    if (type !== "Port") {
        if (i.s3BucketName && i.s3EncryptionEnabled === true)
            conditions.push(`transcript to s3://${String(i.s3BucketName)}/${String(i.s3KeyPrefix ?? "")} encrypted, or no session`);
        if (i.cloudWatchLogGroupName && i.cloudWatchEncryptionEnabled === true)
            conditions.push(
                `${i.cloudWatchStreamingEnabled === true ? "streamed" : "uploaded"} to CloudWatch ${String(i.cloudWatchLogGroupName)} encrypted, or no session`,
            );
    }
    if (i.idleSessionTimeout) conditions.push(`idle timeout ${String(i.idleSessionTimeout)} min`);
    if (i.maxSessionDuration) conditions.push(`at most ${String(i.maxSessionDuration)} min`);
    return { opens, conditions };
}

const decided = (r: SimResult) => `${r.decidedBy.layer}${r.decidedBy.sid ? `:${r.decidedBy.sid}` : ""}`;

/** Whether a role of the world has any Allow statement that reaches a Session Manager action. */
function maySession(world: World, roleArn: string): boolean {
    const role = world.roles.get(roleArn);
    return (role?.identity ?? []).some((i) =>
        i.policy.Statement.some(
            (st) => st.Effect === "Allow" && ["ssm:StartSession", "ssm:SendCommand"].some((a) => coversAction(st as unknown as Statement, a)),
        ),
    );
}

/**
 * The session path of one vendor, simulated: for the vendor role and the workload role (which a session user holds
 * through the instance's metadata service), every target (this enclave's instances, another vendor's, an untagged one,
 * one in another account, one in another region) with every document (the enclave's, any other session document in
 * the plans, the account default, each AWS forwarding, SSH and command document); SendCommand; resuming and ending
 * one's own session and another's. Undefined when the enclave has no workspace and no role may start a session.
 */
export async function sessionPathOf(
    world: World,
    v: VendorFacts,
    label: (arn: string) => string,
): Promise<{ rows: SessionPath[]; simulations: number } | undefined> {
    const principals = [v.vendorRoleArn, v.workloadRoleArn];
    if (!v.workspace && !principals.some((p) => maySession(world, p))) return undefined;
    const rows: SessionPath[] = [];
    let simulations = 0;
    const { region, accountId: acct, vendorId } = v;
    const instance = (r = region, a = acct) => `arn:aws:ec2:${r}:${a}:instance/i-0123456789abcdef0`;
    const others = world.vendors.filter((o) => o.vendorId !== vendorId).map((o) => o.vendorId);
    const otherRegion = region === "us-west-2" ? "eu-west-1" : "us-west-2";
    const targets: { label: string; arn: string; tag: string | null }[] = [
        { label: `this enclave's instances (enclave:vendor=${vendorId})`, arn: instance(), tag: vendorId },
        ...(others.length ? others : ["another-vendor"]).map((o) => ({ label: `another vendor's instance (enclave:vendor=${o})`, arn: instance(), tag: o })),
        { label: "an untagged instance in the account", arn: instance(), tag: null },
        { label: `an instance tagged enclave:vendor=${vendorId} in another account`, arn: instance(region, "999999999999"), tag: vendorId },
        { label: `an instance tagged enclave:vendor=${vendorId} in ${otherRegion}`, arn: instance(otherRegion), tag: vendorId },
    ];
    // AWS-owned documents have no account in their ARN; iam-simulate needs one, and the denies match any account.
    const docArn = (name: string) => sessionDocumentArn(region, acct, name);
    const planned = new Map<string, DocumentTerms>();
    for (const o of world.vendors) for (const d of o.workspace?.documents ?? []) planned.set(d.name, termsOfDocument(d.content));
    const own = vendorNames(vendorId).sessionDocument;
    const unknown: DocumentTerms = { opens: "unknown (not in the plan)", conditions: [] };
    const documents: { name: string; terms: DocumentTerms }[] = [
        { name: own, terms: planned.get(own) ?? unknown },
        ...[...planned].filter(([n]) => n !== own).map(([name, terms]) => ({ name, terms })),
        ...(others.length ? [] : [{ name: vendorNames("another-vendor").sessionDocument, terms: unknown }]),
        ...["SSM-SessionManagerRunShell", ...FORWARDING_SESSION_DOCUMENTS].map((name) => ({ name, terms: { opens: AWS_DOCUMENTS[name], conditions: [] } })),
    ];
    for (const principal of principals) {
        const principalLabel = label(principal);
        for (const t of targets) {
            for (const d of documents) {
                simulations += 2;
                const r = await simulateStartSession(world, { principal, instanceArn: t.arn, instanceVendorTag: t.tag, documentArn: docArn(d.name) });
                const first = !r.instance.allowed ? r.instance : r.document;
                rows.push({
                    principalLabel,
                    action: "ssm:StartSession",
                    target: t.label,
                    document: d.name,
                    opens: d.terms.opens,
                    conditions: r.allowed ? d.terms.conditions : [],
                    decision: r.allowed ? "Allowed" : first.decision,
                    decidedBy: decided(r.allowed ? r.document : first),
                });
            }
        }
        // SendCommand runs a document's commands as root with no session transcript: checked on the instance and the document.
        simulations += 2;
        const send = await simulateStartSession(
            world,
            { principal, instanceArn: targets[0].arn, instanceVendorTag: vendorId, documentArn: docArn("AWS-RunShellScript") },
            "ssm:SendCommand",
        );
        const firstSend = !send.instance.allowed ? send.instance : send.document;
        rows.push({
            principalLabel,
            action: "ssm:SendCommand",
            target: targets[0].label,
            document: "AWS-RunShellScript",
            opens: AWS_DOCUMENTS["AWS-RunShellScript"],
            conditions: [],
            decision: send.allowed ? "Allowed" : firstSend.decision,
            decidedBy: decided(send.allowed ? send.document : firstSend),
        });
        // A session's ARN carries its owner's user id: resuming someone else's session is taking over their shell.
        const userId = `AROAENCLAVESIMULATION:${vendorId}`;
        for (const [whose, owner] of [
            ["its own session", userId],
            ["another user's session", "AROAOTHERUSERSIMULATION:someone"],
        ]) {
            for (const action of ["ssm:ResumeSession", "ssm:TerminateSession"]) {
                simulations++;
                const r = await simulate(world, {
                    principal,
                    action,
                    resource: `arn:aws:ssm:${region}:${acct}:session/${owner}-0123456789abcdef0`,
                    context: { "aws:userid": userId, "ssm:resourceTag/aws:ssmmessages:session-id": owner },
                });
                rows.push({ principalLabel, action, target: whose, document: "-", opens: "-", conditions: [], decision: r.decision, decidedBy: decided(r) });
            }
        }
    }
    return { rows, simulations };
}
