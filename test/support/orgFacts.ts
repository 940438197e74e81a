import { render } from "../../iam/document";
import { organizationPolicies as build, orgPolicyNames, type AccountVendor, type OrganizationFacts } from "../../iam/organization";

// The organization facts the account-mode tests share: an organization id, the deployer and break-glass role names,
// two allowed regions.

export const ORG_ID = "o-a1b2c3d4e5";
export const ORG_FACTS: OrganizationFacts = { organizationId: ORG_ID, deployerRoleName: "enclave-deployer", breakGlassRoleName: "enclave-break-glass", allowedRegions: ["us-east-1", "eu-west-1"] };

export const organizationPolicies = (vendors: AccountVendor[]) => build(ORG_FACTS, vendors);
export { orgPolicyNames, render };
