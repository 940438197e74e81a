import { paginateDescribeSessions, TerminateSessionCommand } from "@aws-sdk/client-ssm";
import { activeSessionsQuery, type ObservedSession } from "../../iam/containment";
import type { AwsClients } from "./clients";
import { awsCall } from "./errors";

// Session Manager, as contain uses it: the active sessions of the account and region (filtered to the enclave's
// instances by iam/containment.ts), and the end of one. Terminating a session closes its data channel at once; the
// seal's deny of ssm:StartSession and ResumeSession (and the session endpoints' policy) keeps a new one from opening.

/** Every active session of the region, whatever its target (the caller keeps the enclave's). */
export async function activeSessions(clients: AwsClients): Promise<ObservedSession[]> {
    return awsCall("Session Manager sessions", "ssm:DescribeSessions", async () => {
        const out: ObservedSession[] = [];
        for await (const page of paginateDescribeSessions({ client: clients.ssm }, activeSessionsQuery()))
            for (const s of page.Sessions ?? []) out.push({ SessionId: s.SessionId, Target: s.Target, Owner: s.Owner, DocumentName: s.DocumentName });
        return out;
    });
}

export async function terminateSession(clients: AwsClients, sessionId: string, target: string): Promise<void> {
    await awsCall(`session ${sessionId} on ${target}`, "ssm:TerminateSession", () => clients.ssm.send(new TerminateSessionCommand({ SessionId: sessionId })));
}
