import { simulate, type SimResult } from "./simulate";
import type { World } from "./world";

// The session path as AWS authorises it: one ssm:StartSession request is checked against the target instance AND the
// session document (SessionDocumentAccessCheck); both must allow. Simulated as the two requests AWS evaluates.

export interface SessionRequest {
    principal: string;
    /** The instance ARN and the enclave:vendor tag it carries (iam-simulate sees tags only as context). */
    instanceArn: string;
    instanceVendorTag: string;
    documentArn: string;
    tokenIssueTime?: string;
    currentTime?: string;
}

export interface SessionVerdict {
    allowed: boolean;
    instance: SimResult;
    document: SimResult;
}

export async function simulateStartSession(world: World, r: SessionRequest): Promise<SessionVerdict> {
    const context = { "ssm:resourceTag/enclave:vendor": r.instanceVendorTag, "ssm:SessionDocumentAccessCheck": "true" };
    const base = { principal: r.principal, action: "ssm:StartSession", context, tokenIssueTime: r.tokenIssueTime, currentTime: r.currentTime };
    const instance = await simulate(world, { ...base, resource: r.instanceArn });
    const document = await simulate(world, { ...base, resource: r.documentArn, context: { "ssm:SessionDocumentAccessCheck": "true" } });
    return { allowed: instance.allowed && document.allowed, instance, document };
}
