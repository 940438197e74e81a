import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { OrganizationSpec, VendorSpec } from "../config/schema";
import { ORGANIZATION_STACK_NAME } from "../config/schema";
import { SpecError } from "../contract/errors";
import { MANAGED_BY, TAG } from "../contract/tags";
import { render } from "../iam/document";
import { organizationLimitProblems, organizationPolicies, type OrganizationFacts, type OrgPolicy } from "../iam/organization";
import { roleArn } from "../iam/names";
import { memberProviderRoleArn, memberProviderSessionName } from "../contract/operators";

// The organization stack (account-per-vendor enclaves): the Vendors and Quarantine OUs, the SCPs and RCPs of
// iam/organization.ts attached where the comment at the top of that file says, each account-mode vendor's member
// account (created here when its spec says create, otherwise adopted: only its policies are attached) and its
// prepared quarantine RCP, created but not attached (the seal attaches it: runbook/aws/organizations.ts).
//
// Run from the management account or the delegated administrator for Organizations policies. The vendor stacks
// never hold Organizations permissions: nothing deployed in a vendor account can move or unquarantine it.

export function organizationFacts(spec: OrganizationSpec): OrganizationFacts {
    return {
        organizationId: spec.organizationId,
        deployerRoleName: spec.deployerRoleName,
        breakGlassRoleName: spec.breakGlassRoleName,
        allowedRegions: spec.allowedRegions,
    };
}

/** The account-mode vendors' principals, as the per-account RCPs name them. */
export function accountVendors(vendors: VendorSpec[]) {
    return vendors
        .filter((v) => v.isolation === "account")
        .map((v) => ({ vendorId: v.id, accountId: v.account.id, principals: v.access.principals, create: v.memberAccount?.create }));
}

export type OrganizationStackOutputs = {
    organizationId: string;
    vendorsOuId: pulumi.Output<string>;
    quarantineOuId: pulumi.Output<string>;
    quarantineScpName: string;
    logArchiveAccountId: string;
    /** vendor id -> { accountId, quarantine RCP name } */
    vendorAccounts: Record<string, { accountId: pulumi.Input<string>; quarantineRcpName: string }>;
};

// No enclave:vendor tag: the organization stack serves every vendor, and the guardrails tell a vendor stack by it.
const orgTags = { [TAG.managedBy]: MANAGED_BY };
/** Marks a member account with the vendor whose enclave it holds. */
const ACCOUNT_FOR = "enclave:account-for";

export class EnclaveOrganization extends pulumi.ComponentResource {
    readonly vendorsOu: aws.organizations.OrganizationalUnit;
    readonly quarantineOu: aws.organizations.OrganizationalUnit;
    readonly outputs: OrganizationStackOutputs;

    constructor(name: string, args: { spec: OrganizationSpec; vendors: VendorSpec[] }, opts?: pulumi.ComponentResourceOptions) {
        super("vendor-enclaves:organization:Organization", name, {}, opts);
        const { spec } = args;
        const vendors = accountVendors(args.vendors);
        const set = organizationPolicies(organizationFacts(spec), vendors);
        const problems = organizationLimitProblems(set);
        if (problems.length) throw new Error(`the organization's policies break AWS's limits: ${problems.map((p) => `${p.target}: ${p.message}`).join("; ")}`);

        const child = { parent: this };
        this.vendorsOu = new aws.organizations.OrganizationalUnit(`${name}-vendors`, { name: spec.vendorsOuName, parentId: spec.rootId, tags: orgTags }, child);
        this.quarantineOu = new aws.organizations.OrganizationalUnit(
            `${name}-quarantine`,
            { name: spec.quarantineOuName, parentId: spec.rootId, tags: orgTags },
            child,
        );

        const policies = new Map<string, aws.organizations.Policy>();
        const policyOf = (p: OrgPolicy) => {
            let made = policies.get(p.name);
            if (!made) {
                made = new aws.organizations.Policy(
                    p.name,
                    { name: p.name, type: p.type, description: p.description, content: render(p.document), tags: orgTags },
                    child,
                );
                policies.set(p.name, made);
            }
            return made;
        };
        const attach = (p: OrgPolicy, targetKey: string, targetId: pulumi.Input<string>) =>
            new aws.organizations.PolicyAttachment(`${p.name}--${targetKey}`, { policyId: policyOf(p).id, targetId }, child);

        for (const p of set.vendorsOu) attach(p, "vendors-ou", this.vendorsOu.id);
        for (const p of set.quarantineOu) attach(p, "quarantine-ou", this.quarantineOu.id);

        const vendorAccounts: OrganizationStackOutputs["vendorAccounts"] = {};
        for (const a of set.accounts) {
            const v = vendors.find((x) => x.vendorId === a.vendorId)!;
            // Created accounts are born in the Vendors OU and never closed by a `pulumi destroy` of this stack: closing
            // is the runbook's decision after evidence (runbook/aws/organizations.ts retireAccount).
            const created = v.create
                ? new aws.organizations.Account(
                      `enclave-${v.vendorId}-account`,
                      {
                          name: v.create.name,
                          email: v.create.email,
                          parentId: this.vendorsOu.id,
                          closeOnDeletion: false,
                          iamUserAccessToBilling: "DENY",
                          tags: { ...orgTags, [ACCOUNT_FOR]: v.vendorId },
                      },
                      { ...child, protect: true, ignoreChanges: ["roleName"] },
                  )
                : undefined;
            const accountId: pulumi.Input<string> = created ? created.id : a.accountId;
            for (const p of a.attached) attach(p, a.vendorId, accountId);
            for (const p of a.prepared) policyOf(p);
            vendorAccounts[a.vendorId] = { accountId, quarantineRcpName: a.prepared[0].name };
        }

        this.outputs = {
            organizationId: spec.organizationId,
            vendorsOuId: this.vendorsOu.id,
            quarantineOuId: this.quarantineOu.id,
            quarantineScpName: set.quarantineOu.find((p) => p.type === "SERVICE_CONTROL_POLICY")!.name,
            logArchiveAccountId: spec.logArchiveAccountId,
            vendorAccounts,
        };
        this.registerOutputs({});
    }
}

/** The organization stack's program: a provider pinned to the management (or delegated administrator) account. */
/**
 * Refuses (exit 2) an account-mode vendor whose stack would deploy as a role the SCPs do not leave role changes to:
 * its `pulumi up` would be refused mid-way by DenyEnclaveRoleChanges, and a role other than the one the organization
 * names would hold the account's IAM.
 */
export function checkDeployerRoles(spec: OrganizationSpec, vendors: VendorSpec[]): void {
    for (const v of vendors) {
        if (v.isolation !== "account" || !v.memberAccount || v.memberAccount.roleName === spec.deployerRoleName) continue;
        const file = `stacks/${v.id}.yaml`;
        throw new SpecError(
            file,
            "memberAccount.roleName",
            `${file}: memberAccount.roleName is not the organization's deployer role (${spec.deployerRoleName}, the only role the SCPs let change the account's roles): got ${JSON.stringify(v.memberAccount.roleName)}. Fix: set memberAccount.roleName: ${spec.deployerRoleName} (create that role in the member account), or change deployerRoleName in stacks/organization.yaml.`,
        );
    }
}

export function organizationProgram(spec: OrganizationSpec, vendors: VendorSpec[]) {
    checkDeployerRoles(spec, vendors);
    const provider = new aws.Provider(`${ORGANIZATION_STACK_NAME}-aws`, {
        region: spec.region as aws.Region,
        allowedAccountIds: [spec.managementAccountId],
        defaultTags: { tags: orgTags },
    });
    const org = new EnclaveOrganization(ORGANIZATION_STACK_NAME, { spec, vendors }, { providers: { aws: provider } });
    return org.outputs;
}

/**
 * Account mode: the vendor stack's provider assumes a role in the member account (aws.Provider assumeRoles), and stays
 * pinned to that account: the deployer (memberAccount.roleName) while unsealed, the member account's break-glass while
 * the spec is sealed (contract/operators.ts memberProviderRoleArn: the quarantine SCP refuses every other principal of
 * a quarantined account). `breakGlassRoleArn` is the member account's break-glass. Shared-account mode: nothing to add.
 */
export function memberAccountProviderArgs(spec: VendorSpec, breakGlassRoleArn?: pulumi.Input<string>): Pick<aws.ProviderArgs, "assumeRoles"> {
    if (spec.isolation !== "account" || !spec.memberAccount) return {};
    const deployer = roleArn(spec.account.id, spec.memberAccount.roleName);
    const sessionName = memberProviderSessionName(spec.id);
    if (!spec.sealed) return { assumeRoles: [{ roleArn: deployer, sessionName }] };
    if (breakGlassRoleArn === undefined)
        throw new Error(`stacks/${spec.id}.yaml is sealed: the provider needs the member account's break-glass role to assume`);
    const roleArnOut = pulumi
        .output(breakGlassRoleArn)
        .apply((breakGlass) => memberProviderRoleArn(true, { deployerRoleArn: deployer, breakGlassRoleArn: breakGlass }));
    return { assumeRoles: [{ roleArn: roleArnOut, sessionName }] };
}
