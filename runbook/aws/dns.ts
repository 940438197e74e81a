import {
    paginateListFirewallRuleGroupAssociations,
    paginateListFirewallRuleGroups,
    paginateListFirewallRules,
    type FirewallRule,
    type Route53ResolverClient,
} from "@aws-sdk/client-route53resolver";
import type { DnsFirewallRuleGroup } from "../types";
import { awsCall, orNull } from "./errors";

export async function listRules(resolver: Route53ResolverClient, groupId: string): Promise<FirewallRule[] | null> {
    return orNull(`DNS firewall rule group ${groupId}`, "route53resolver:ListFirewallRules", async () => {
        const rules: FirewallRule[] = [];
        for await (const page of paginateListFirewallRules({ client: resolver }, { FirewallRuleGroupId: groupId })) rules.push(...(page.FirewallRules ?? []));
        return rules;
    });
}

/** Every DNS Firewall rule group associated with the VPC (by the stack or not), with all its rules, read in parallel. */
export async function dnsFirewallRuleGroups(resolver: Route53ResolverClient, vpcId: string): Promise<DnsFirewallRuleGroup[]> {
    const groupIds = await awsCall(`DNS firewall of ${vpcId}`, "route53resolver:ListFirewallRuleGroupAssociations", async () => {
        const ids: string[] = [];
        for await (const page of paginateListFirewallRuleGroupAssociations({ client: resolver }, { VpcId: vpcId })) {
            for (const a of page.FirewallRuleGroupAssociations ?? []) {
                // An association being removed no longer filters this VPC's queries.
                if (a.FirewallRuleGroupId && !["DELETING"].includes(String(a.Status ?? ""))) ids.push(a.FirewallRuleGroupId);
            }
        }
        return ids;
    });
    const groups = await Promise.all(
        groupIds.map(async (id) => {
            // A rule group can only be deleted once disassociated: gone since the first call, it no longer filters this VPC.
            const rules = await listRules(resolver, id);
            return rules ? { id, rules: rules.map((r) => ({ name: r.Name ?? "", action: String(r.Action ?? "") })) } : null;
        }),
    );
    return groups.filter((g): g is DnsFirewallRuleGroup => g !== null);
}

/** Rule groups of the account with this name (names are not unique in the resolver API). */
export async function ruleGroupsByName(resolver: Route53ResolverClient, name: string): Promise<{ id: string; arn: string }[]> {
    return awsCall(`DNS firewall rule group ${name}`, "route53resolver:ListFirewallRuleGroups", async () => {
        const out: { id: string; arn: string }[] = [];
        for await (const page of paginateListFirewallRuleGroups({ client: resolver }, {})) {
            for (const g of page.FirewallRuleGroups ?? []) if (g.Name === name && g.Id) out.push({ id: g.Id, arn: g.Arn ?? "" });
        }
        return out;
    });
}
