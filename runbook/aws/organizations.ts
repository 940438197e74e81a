import {
    AttachPolicyCommand,
    CloseAccountCommand,
    DescribeAccountCommand,
    DetachPolicyCommand,
    ListParentsCommand,
    MoveAccountCommand,
    OrganizationsClient,
    paginateListPolicies,
    paginateListPoliciesForTarget,
    type PolicyType,
} from "@aws-sdk/client-organizations";
import { CliError } from "../../contract/errors";
import { DEFAULT_MAX_ATTEMPTS, type AwsClientConfig } from "./clients";
import type { ActionResult } from "./containment";
import { awsCall } from "./errors";

// The seal of an account-per-vendor enclave, at the organization level. Run from the management account (or the
// delegated administrator for Organizations policies), with credentials the vendor's account cannot touch:
//
//   contain = ONE call, organizations:MoveAccount into the Quarantine OU. From that moment the quarantine SCP applies
//             to every principal of the account but break-glass (the Vendors OU's SCPs no longer do: the quarantine
//             SCP denies everything they deny, and more). Then the vendor's prepared quarantine RCP is attached to
//             the account: the vendor's own principals, outside the organization, are refused by S3, STS, KMS, SQS
//             and Secrets Manager of the account whatever its resource policies say.
//   verify  = read the account's parent and the policies attached to it and to its parent.
//
// The in-account steps (deny-all inline policies, key disable, DNS Firewall, instance isolation) still run after
// this, as break-glass, as defence in depth; they are not here. Every action is reported per resource, a failing
// call does not stop the next, and a rerun skips what is already done.

/** Organizations is a global service answered from us-east-1. */
export const ORGANIZATIONS_REGION = "us-east-1";

export function organizationsClient(cfg: Omit<AwsClientConfig, "region"> & { region?: string }): OrganizationsClient {
    return new OrganizationsClient({
        region: cfg.region ?? ORGANIZATIONS_REGION,
        retryMode: "standard",
        maxAttempts: cfg.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
        ...(cfg.credentials ? { credentials: cfg.credentials } : {}),
    });
}

export interface QuarantineTarget {
    client: OrganizationsClient;
    /** The vendor's member account. */
    accountId: string;
    /** The Quarantine OU (ou-...). */
    quarantineOuId: string;
    /** The prepared quarantine RCP's name (iam/organization.ts orgPolicyNames.vendorQuarantine). */
    quarantineRcpName: string;
    /** The quarantine SCP's name, attached to the Quarantine OU by the organization stack. */
    quarantineScpName: string;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0];

export async function accountParent(client: OrganizationsClient, accountId: string): Promise<string> {
    const r = await awsCall(`account ${accountId}`, "organizations:ListParents", () => client.send(new ListParentsCommand({ ChildId: accountId })));
    const parent = r.Parents?.[0]?.Id;
    if (!parent) throw new CliError(`account ${accountId}: Organizations returned no parent (is it a member of this organization?)`);
    return parent;
}

/** Policy id by name; null when no policy of that type has that name. */
export async function policyIdByName(client: OrganizationsClient, name: string, type: PolicyType): Promise<string | null> {
    return awsCall(`policy ${name}`, "organizations:ListPolicies", async () => {
        for await (const page of paginateListPolicies({ client }, { Filter: type })) {
            const hit = (page.Policies ?? []).find((p) => p.Name === name);
            if (hit?.Id) return hit.Id;
        }
        return null;
    });
}

/** Names and ids of the policies of `type` attached directly to a root, OU or account. */
export async function attachedPolicies(client: OrganizationsClient, targetId: string, type: PolicyType): Promise<{ id: string; name: string }[]> {
    return awsCall(`target ${targetId}`, "organizations:ListPoliciesForTarget", async () => {
        const out: { id: string; name: string }[] = [];
        for await (const page of paginateListPoliciesForTarget({ client }, { TargetId: targetId, Filter: type })) {
            for (const p of page.Policies ?? []) out.push({ id: p.Id ?? "", name: p.Name ?? "" });
        }
        return out;
    });
}

/**
 * Contain: move the account into the Quarantine OU (one call), then attach the vendor's quarantine RCP. The move comes
 * first because it alone cuts every principal inside the account; the RCP then closes the outside principals' door.
 */
export async function quarantineAccount(t: QuarantineTarget): Promise<ActionResult[]> {
    const results: ActionResult[] = [];
    const account = `account ${t.accountId}`;
    try {
        const parent = await accountParent(t.client, t.accountId);
        if (parent === t.quarantineOuId) results.push({ resource: account, action: "move to the Quarantine OU", ok: true, skipped: true, id: parent });
        else {
            await awsCall(account, "organizations:MoveAccount", () =>
                t.client.send(new MoveAccountCommand({ AccountId: t.accountId, SourceParentId: parent, DestinationParentId: t.quarantineOuId })),
            );
            results.push({ resource: account, action: `move from ${parent} to the Quarantine OU`, ok: true, id: t.quarantineOuId });
        }
    } catch (err) {
        results.push({ resource: account, action: "move to the Quarantine OU", ok: false, error: message(err) });
    }
    results.push(await attachOnce(t.client, t.quarantineRcpName, "RESOURCE_CONTROL_POLICY", t.accountId));
    return results;
}

async function attachOnce(client: OrganizationsClient, name: string, type: PolicyType, targetId: string): Promise<ActionResult> {
    const resource = `policy ${name}`;
    const action = `attach to ${targetId}`;
    try {
        const id = await policyIdByName(client, name, type);
        if (!id)
            return {
                resource,
                action,
                ok: false,
                error: `${resource}: not found; deploy the organization stack (it prepares every account-mode vendor's quarantine policy)`,
            };
        if ((await attachedPolicies(client, targetId, type)).some((p) => p.id === id)) return { resource, action, ok: true, skipped: true, id };
        await awsCall(resource, "organizations:AttachPolicy", () => client.send(new AttachPolicyCommand({ PolicyId: id, TargetId: targetId })));
        return { resource, action, ok: true, id };
    } catch (err) {
        return { resource, action, ok: false, error: message(err) };
    }
}

export interface Check {
    check: string;
    ok: boolean;
    detail: string;
}

/** Verify reads what AWS holds: the account's parent, the SCP on that parent, the RCP on the account. */
export async function verifyQuarantine(t: QuarantineTarget): Promise<Check[]> {
    const checks: Check[] = [];
    const attempt = async (check: string, run: () => Promise<[boolean, string]>) => {
        try {
            const [ok, detail] = await run();
            checks.push({ check, ok, detail });
        } catch (err) {
            checks.push({ check, ok: false, detail: message(err) });
        }
    };
    await attempt("account is in the Quarantine OU", async () => {
        const parent = await accountParent(t.client, t.accountId);
        return [parent === t.quarantineOuId, `parent ${parent}`];
    });
    await attempt("the quarantine SCP is attached to the Quarantine OU", async () => {
        const names = (await attachedPolicies(t.client, t.quarantineOuId, "SERVICE_CONTROL_POLICY")).map((p) => p.name);
        return [names.includes(t.quarantineScpName), `attached: ${names.join(", ") || "none"}`];
    });
    await attempt("the quarantine RCP is attached to the account", async () => {
        const names = (await attachedPolicies(t.client, t.accountId, "RESOURCE_CONTROL_POLICY")).map((p) => p.name);
        return [names.includes(t.quarantineRcpName), `attached: ${names.join(", ") || "none"}`];
    });
    return checks;
}

/** Unseal at the organization level: detach the quarantine RCP, then move the account back to the Vendors OU. */
export async function releaseAccount(t: QuarantineTarget & { vendorsOuId: string }): Promise<ActionResult[]> {
    const results: ActionResult[] = [];
    const resource = `policy ${t.quarantineRcpName}`;
    try {
        const id = await policyIdByName(t.client, t.quarantineRcpName, "RESOURCE_CONTROL_POLICY");
        const attached = id !== null && (await attachedPolicies(t.client, t.accountId, "RESOURCE_CONTROL_POLICY")).some((p) => p.id === id);
        if (!attached) results.push({ resource, action: `detach from ${t.accountId}`, ok: true, skipped: true });
        else {
            await awsCall(resource, "organizations:DetachPolicy", () => t.client.send(new DetachPolicyCommand({ PolicyId: id!, TargetId: t.accountId })));
            results.push({ resource, action: `detach from ${t.accountId}`, ok: true, id: id! });
        }
    } catch (err) {
        results.push({ resource, action: `detach from ${t.accountId}`, ok: false, error: message(err) });
    }
    const account = `account ${t.accountId}`;
    try {
        const parent = await accountParent(t.client, t.accountId);
        if (parent === t.vendorsOuId) results.push({ resource: account, action: "move back to the Vendors OU", ok: true, skipped: true });
        else {
            await awsCall(account, "organizations:MoveAccount", () =>
                t.client.send(new MoveAccountCommand({ AccountId: t.accountId, SourceParentId: parent, DestinationParentId: t.vendorsOuId })),
            );
            results.push({ resource: account, action: "move back to the Vendors OU", ok: true, id: t.vendorsOuId });
        }
    } catch (err) {
        results.push({ resource: account, action: "move back to the Vendors OU", ok: false, error: message(err) });
    }
    return results;
}

/** AWS keeps a closed account, suspended and reopenable through support, for this many days, then closes it for good. */
export const POST_CLOSURE_DAYS = 90;

export type AccountDisposal = "close" | "park";

export interface RetireRequest {
    client: OrganizationsClient;
    accountId: string;
    quarantineOuId: string;
    /** close: CloseAccount (suspended, reopenable for 90 days); park: leave it quarantined, closed later by hand. */
    disposal: AccountDisposal;
    /** The evidence bundle's location; nothing is closed before evidence is collected. */
    evidence: string | undefined;
}

/**
 * Destroy in account mode, after evidence: the account is either closed (AWS suspends it for 90 days, during which
 * support can reopen it and the evidence in it stays readable to break-glass; then it is gone) or parked, kept in the
 * Quarantine OU where nothing but break-glass can act. Both refuse an account that is not quarantined: a closed
 * account still in the Vendors OU would skip the quarantine's evidence guarantees during the post-closure window.
 */
export async function retireAccount(r: RetireRequest): Promise<ActionResult[]> {
    const resource = `account ${r.accountId}`;
    if (!r.evidence) throw new CliError(`${resource}: no evidence recorded; collect evidence (enclave evidence) before closing or parking the account`);
    const parent = await accountParent(r.client, r.accountId);
    if (parent !== r.quarantineOuId) throw new CliError(`${resource}: is in ${parent}, not the Quarantine OU ${r.quarantineOuId}; seal it first`);
    if (r.disposal === "park") return [{ resource, action: "park in the Quarantine OU", ok: true, skipped: true, id: parent }];
    try {
        const described = await awsCall(resource, "organizations:DescribeAccount", () => r.client.send(new DescribeAccountCommand({ AccountId: r.accountId })));
        const state = String(described.Account?.State ?? described.Account?.Status ?? "");
        if (state === "SUSPENDED" || state === "PENDING_CLOSURE" || state === "CLOSED")
            return [{ resource, action: `close (${POST_CLOSURE_DAYS}-day post-closure window)`, ok: true, skipped: true, id: state }];
        await awsCall(resource, "organizations:CloseAccount", () => r.client.send(new CloseAccountCommand({ AccountId: r.accountId })));
        return [{ resource, action: `close (${POST_CLOSURE_DAYS}-day post-closure window)`, ok: true }];
    } catch (err) {
        return [{ resource, action: `close (${POST_CLOSURE_DAYS}-day post-closure window)`, ok: false, error: message(err) }];
    }
}
