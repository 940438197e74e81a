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

/** A fixture vendor moved into its own member account (adopted), deployed as enclave-deployer. */
export function accountModeFixture(id: string, account: string): VendorSpec {
    const spec = vendorFixture(id);
    return { ...spec, account: { ...spec.account, id: account }, isolation: "account", memberAccount: { roleName: "enclave-deployer" } };
}

/** The organization stack's offline plan with acme-labeling in account mode. */
export function organizationFixturePlan(): Promise<Plan> {
    return planOrganization(ORG_SPEC, [accountModeFixture("acme-labeling", "210987654321")]);
}
