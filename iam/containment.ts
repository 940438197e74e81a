import { TAG } from "../contract/tags";
import { vendorNames } from "./names";

// What the runbook's contain step needs to end a vendor's sessions and isolate its workspace, as pure functions over
// what AWS returns: the step itself (runbook/) does the calls. Sealing already denies ssm:StartSession and
// ResumeSession to the vendor role and cuts the agent's endpoints; an open session's data channel may outlive that
// while IAM propagates, so containment terminates it explicitly.

/**
 * The query for ssm:DescribeSessions: every active session of the account and region, whatever its target. Contain
 * asks in the same round as it looks for the instances, so their ids are not known yet (and DescribeSessions takes one
 * Target filter at a time); sessionsToTerminate keeps the ones on this enclave's instances.
 */
export const activeSessionsQuery = () => ({ State: "Active" as const });

/**
 * The filter for ec2:DescribeInstances that finds every instance of this enclave by tag, so one the stack made is
 * found in the same round as the VPC (an instance in the VPC without the tag is found by the VPC sweep that runs
 * alongside the writes).
 */
export const enclaveInstancesQuery = (vendorId: string) => ({
    Filters: [
        { Name: `tag:${TAG.vendor}`, Values: [vendorId] },
        { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
    ],
});

export interface ObservedSession {
    SessionId?: string;
    Target?: string;
    Owner?: string;
    DocumentName?: string;
}

/**
 * The sessions to terminate: every active session whose target is one of the enclave's instances, whoever owns it
 * and whatever document it runs (a session opened through a path the policies should have refused is exactly the one
 * to end). Sorted by id so a rerun terminates in the same order and a partial run finishes where it stopped.
 */
export function sessionsToTerminate(sessions: ObservedSession[], instanceIds: string[]): string[] {
    const targets = new Set(instanceIds);
    return [...new Set(sessions.filter((s) => s.SessionId && s.Target && targets.has(s.Target)).map((s) => s.SessionId!))].sort();
}

/**
 * For each instance, the security groups it should hold after isolation: only the vendor's rule-less isolation group
 * (iam/names.ts isolationGroup). Instances already isolated are left out, so the step is idempotent.
 */
export function isolationChanges(
    instances: { InstanceId: string; GroupIds: string[] }[],
    isolationGroupId: string,
): { instanceId: string; groups: string[] }[] {
    return instances
        .filter((i) => !(i.GroupIds.length === 1 && i.GroupIds[0] === isolationGroupId))
        .map((i) => ({ instanceId: i.InstanceId, groups: [isolationGroupId] }))
        .sort((a, b) => a.instanceId.localeCompare(b.instanceId));
}

/** The name of the group isolation moves instances into (deployed with the vendor stack; created by contain if an older stack lacks it). */
export const isolationGroupName = (vendorId: string) => vendorNames(vendorId).isolationGroup;
