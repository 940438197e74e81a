import {
    AttachPolicyCommand,
    CreateAccountCommand,
    CreateOrganizationalUnitCommand,
    CreateOrganizationCommand,
    CreatePolicyCommand,
    DescribeCreateAccountStatusCommand,
    EnablePolicyTypeCommand,
    ListRootsCommand,
    MoveAccountCommand,
    type OrganizationsClient,
} from "@aws-sdk/client-organizations";
import type { OrganizationSpec, VendorSpec } from "../../config/schema";
import { render } from "../../iam/document";
import { planOrganization } from "../../plan/stacks";
import type { Plan } from "../../plan/types";
import { vendorFixture } from "./fixtures";
import { organizationPolicies as build, orgPolicyNames, type AccountVendor, type OrganizationFacts } from "../../iam/organization";

// The organization facts the account-mode tests share: an organization id, the deployer and break-glass role names,
// two allowed regions.

export const ORG_ID = "o-a1b2c3d4e5";
export const ORG_FACTS: OrganizationFacts = {
    organizationId: ORG_ID,
    deployerRoleName: "enclave-deployer",
    breakGlassRoleName: "enclave-break-glass",
    allowedRegions: ["us-east-1", "eu-west-1"],
};

export const organizationPolicies = (vendors: AccountVendor[]) => build(ORG_FACTS, vendors);
export { orgPolicyNames, render };

/** The organization spec the account-mode tests plan (stacks/organization.yaml's shape). */
export const ORG_SPEC: OrganizationSpec = {
    organizationId: ORG_ID,
    rootId: "r-ab12",
    managementAccountId: "999900001111",
    region: "us-east-1",
    deployerRoleName: "enclave-deployer",
    breakGlassRoleName: "enclave-break-glass",
    allowedRegions: ["us-east-1"],
    logArchiveAccountId: "111122223333",
    vendorsOuName: "Vendors",
    quarantineOuName: "Quarantine",
};

/** A fixture vendor moved into its own member account (adopted, or created when `create` is given), deployed as enclave-deployer. */
export function accountModeFixture(id: string, account: string, create?: { email: string; name: string }): VendorSpec {
    const spec = vendorFixture(id);
    return {
        ...spec,
        account: { ...spec.account, id: account },
        isolation: "account",
        memberAccount: { roleName: "enclave-deployer", ...(create ? { create } : {}) },
    };
}

/** The organization stack's offline plan with acme-labeling in account mode. */
export function organizationFixturePlan(): Promise<Plan> {
    return planOrganization(ORG_SPEC, [accountModeFixture("acme-labeling", "210987654321")]);
}

/** What seedOrganization leaves in moto: the root, the two OUs, each vendor's member account, and the policy ids by name. */
export interface SeededOrganization {
    rootId: string;
    vendorsOuId: string;
    quarantineOuId: string;
    /** vendor id -> its member account, created in moto (moto picks the id). */
    accounts: Record<string, string>;
    /** policy name -> id */
    policyIds: Record<string, string>;
}

/**
 * An organization in moto as the organization stack leaves it: all features, SCPs and RCPs enabled, the Vendors and
 * Quarantine OUs, a member account per vendor in Vendors, the SCPs and RCPs of iam/organization.ts created and
 * attached (each vendor's quarantine RCP created, not attached).
 */
export async function seedOrganization(client: OrganizationsClient, vendors: { vendorId: string; principals: string[] }[]): Promise<SeededOrganization> {
    await client.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
    const rootId = (await client.send(new ListRootsCommand({}))).Roots![0].Id!;
    await client.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: "SERVICE_CONTROL_POLICY" }));
    await client.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: "RESOURCE_CONTROL_POLICY" }));
    const ou = async (Name: string) => (await client.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name }))).OrganizationalUnit!.Id!;
    const vendorsOuId = await ou(ORG_SPEC.vendorsOuName);
    const quarantineOuId = await ou(ORG_SPEC.quarantineOuName);
    const accounts: Record<string, string> = {};
    for (const v of vendors) {
        const created = await client.send(new CreateAccountCommand({ Email: `enclave-${v.vendorId}@lab.example`, AccountName: `enclave-${v.vendorId}` }));
        const status = await client.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: created.CreateAccountStatus!.Id! }));
        accounts[v.vendorId] = status.CreateAccountStatus!.AccountId!;
        await client.send(new MoveAccountCommand({ AccountId: accounts[v.vendorId], SourceParentId: rootId, DestinationParentId: vendorsOuId }));
    }
    const set = organizationPolicies(vendors.map((v) => ({ ...v, accountId: accounts[v.vendorId] })));
    const policyIds: Record<string, string> = {};
    const create = async (p: (typeof set.vendorsOu)[number]) =>
        (policyIds[p.name] ??= (
            await client.send(new CreatePolicyCommand({ Name: p.name, Type: p.type, Description: p.description, Content: render(p.document) }))
        ).Policy!.PolicySummary!.Id!);
    for (const p of set.vendorsOu) await client.send(new AttachPolicyCommand({ PolicyId: await create(p), TargetId: vendorsOuId }));
    for (const p of set.quarantineOu) await client.send(new AttachPolicyCommand({ PolicyId: await create(p), TargetId: quarantineOuId }));
    for (const a of set.accounts) {
        for (const p of a.attached) await client.send(new AttachPolicyCommand({ PolicyId: await create(p), TargetId: a.accountId }));
        for (const p of a.prepared) await create(p);
    }
    return { rootId, vendorsOuId, quarantineOuId, accounts, policyIds };
}
