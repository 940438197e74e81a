// The organization layers of a simulated world, for account-per-vendor enclaves: which SCPs apply to a principal of
// each account and which RCPs to a resource in it, root first (iam-simulate evaluates them level by level, as AWS
// does: every level must allow, any deny wins). Policies come from iam/organization.ts, the same builders the
// organization stack deploys. Accounts outside the model are outside the organization: no SCP or RCP of ours
// applies to them, and they have no aws:PrincipalOrgID. The management account is left out on purpose (SCPs and RCPs
// never apply there).
import type { OrganizationPolicySet, OrgPolicy } from "../iam/organization";
import { FULL_ACCESS_RCP, FULL_ACCESS_SCP } from "../iam/organization";
import type { PolicyDocument as PolicyDoc } from "../contract/policy";

export interface ControlLevel {
    orgIdentifier: string;
    policies: { name: string; policy: PolicyDoc }[];
}

export interface OrganizationModel {
    id: string;
    /** Member account -> SCP levels (root, OU, account). */
    scps: Map<string, ControlLevel[]>;
    /** Member account -> RCP levels (root, OU, account). */
    rcps: Map<string, ControlLevel[]>;
}

/** Where an account sits: the Vendors OU, the Quarantine OU (its prepared RCP attached) or another OU of the lab. */
export type Placement = "vendors" | "quarantine" | "other";

const FULL_ACCESS: PolicyDoc = { Version: "2012-10-17", Statement: [{ Sid: "FullAccess", Effect: "Allow", Action: "*", Resource: "*" }] };

export function organizationModel(
    organizationId: string,
    set: OrganizationPolicySet,
    accounts: { accountId: string; placement: Placement }[],
): OrganizationModel {
    const model: OrganizationModel = { id: organizationId, scps: new Map(), rcps: new Map() };
    const of = (ps: OrgPolicy[], type: OrgPolicy["type"]) => ps.filter((p) => p.type === type).map((p) => ({ name: p.name, policy: p.document as PolicyDoc }));
    const level = (id: string, ps: OrgPolicy[], type: OrgPolicy["type"]): ControlLevel => ({
        orgIdentifier: id,
        // iam-simulate adds RCPFullAWSAccess at every level itself (and refuses an Allow in an RCP); SCPs need theirs.
        policies: [...(type === "SERVICE_CONTROL_POLICY" ? [{ name: FULL_ACCESS_SCP, policy: FULL_ACCESS }] : []), ...of(ps, type)],
    });
    for (const { accountId, placement } of accounts) {
        const ou = placement === "vendors" ? set.vendorsOu : placement === "quarantine" ? set.quarantineOu : [];
        const own = set.accounts.find((a) => a.accountId === accountId);
        const acct = own ? [...own.attached, ...(placement === "quarantine" ? own.prepared : [])] : [];
        for (const type of ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"] as const) {
            const levels = [level("r-root", [], type), level(`ou-${placement}`, ou, type), level(accountId, acct, type)];
            (type === "SERVICE_CONTROL_POLICY" ? model.scps : model.rcps).set(accountId, levels);
        }
    }
    return model;
}

/** The SCP and RCP names that apply to an account, for the access report (root first). */
export function controlPolicyNames(model: OrganizationModel, accountId: string): { scps: string[]; rcps: string[] } {
    const names = (levels: ControlLevel[] | undefined, implicit: string[]) => (levels ?? []).flatMap((l) => [...implicit, ...l.policies.map((p) => p.name)]);
    return { scps: names(model.scps.get(accountId), []), rcps: names(model.rcps.get(accountId), [FULL_ACCESS_RCP]) };
}
