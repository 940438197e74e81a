import { describe, expect, it } from "vitest";
import { planOrganization, planVendor } from "../plan/stacks";
import type { Plan } from "../plan/types";
import { accessReportOf, renderAccessMarkdown } from "../review/access";
import { diffReports, renderDiffMarkdown } from "../review/accessDiff";
import { ACME, EVALCORP, securityFixture, vendorFixture } from "./support/fixtures";
import { accountModeFixture, ORG_SPEC } from "./support/orgFacts";
import { SpecError } from "../contract/errors";

// Offline plans (the SDK's mock runtime) of the organization stack and of an account-mode vendor stack. They prove
// what the program would send: the OUs, each policy's content and attachment, the created account, the provider's
// assumed role. They cannot prove that Organizations accepts them (moto does: test/organizations-moto.test.ts).

const of = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);

describe("organization stack plan", () => {
    it("creates both OUs, the SCPs and RCPs, attaches them, creates or adopts member accounts and prepares each quarantine RCP", async () => {
        const vendors = [
            accountModeFixture(ACME, "210987654321", { email: "enclave-acme@lab.example", name: "enclave-acme-labeling" }),
            accountModeFixture(EVALCORP, "210987654322"),
            vendorFixture(ACME),
        ];
        const plan = await planOrganization(ORG_SPEC, vendors.slice(0, 2));
        expect(
            of(plan, "aws:organizations/organizationalUnit:OrganizationalUnit")
                .map((r) => [r.inputs.name, r.inputs.parentId])
                .sort(),
        ).toEqual([
            ["Quarantine", "r-ab12"],
            ["Vendors", "r-ab12"],
        ]);
        const policies = of(plan, "aws:organizations/policy:Policy");
        expect(policies.map((p) => [p.inputs.name, p.inputs.type]).sort()).toEqual(
            [
                ["enclave-vendors-baseline", "SERVICE_CONTROL_POLICY"],
                ["enclave-vendors-logging", "SERVICE_CONTROL_POLICY"],
                ["enclave-vendors-perimeter", "SERVICE_CONTROL_POLICY"],
                ["enclave-quarantine", "SERVICE_CONTROL_POLICY"],
                ["enclave-data-perimeter", "RESOURCE_CONTROL_POLICY"],
                ["enclave-acme-labeling-principals", "RESOURCE_CONTROL_POLICY"],
                ["enclave-acme-labeling-quarantine", "RESOURCE_CONTROL_POLICY"],
                ["enclave-evalcorp-principals", "RESOURCE_CONTROL_POLICY"],
                ["enclave-evalcorp-quarantine", "RESOURCE_CONTROL_POLICY"],
            ].sort(),
        );
        for (const p of policies) expect(String(p.inputs.content).length, String(p.inputs.name)).toBeLessThanOrEqual(5120);
        const quarantine = JSON.parse(String(policies.find((p) => p.inputs.name === "enclave-quarantine")!.inputs.content));
        expect(quarantine.Statement[0].Condition).toEqual({
            ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::*:role/enclave-break-glass", "arn:aws:iam::*:role/log-replication-enclave-*"] },
        });
        expect(quarantine.Statement[1]).toMatchObject({ Sid: "QuarantineReplicationOnly", Effect: "Deny", Resource: "*" });
        const attachments = of(plan, "aws:organizations/policyAttachment:PolicyAttachment")
            .map((a) => a.name)
            .sort();
        expect(attachments).toEqual(
            [
                "enclave-vendors-baseline--vendors-ou",
                "enclave-vendors-logging--vendors-ou",
                "enclave-vendors-perimeter--vendors-ou",
                "enclave-data-perimeter--vendors-ou",
                "enclave-quarantine--quarantine-ou",
                "enclave-data-perimeter--quarantine-ou",
                "enclave-acme-labeling-principals--acme-labeling",
                "enclave-evalcorp-principals--evalcorp",
            ].sort(),
        );
        // The quarantine RCPs are prepared, never attached by the stack: attaching is the seal.
        expect(attachments.some((a) => a.includes("-quarantine--") && !a.startsWith("enclave-quarantine--"))).toBe(false);
        const accounts = of(plan, "aws:organizations/account:Account");
        expect(accounts.map((a) => [a.inputs.name, a.inputs.email, a.inputs.closeOnDeletion, a.inputs.iamUserAccessToBilling])).toEqual([
            ["enclave-acme-labeling", "enclave-acme@lab.example", false, "DENY"],
        ]);
        expect(accounts[0].protect).toBe(true);
        const evalcorpRcp = of(plan, "aws:organizations/policyAttachment:PolicyAttachment").find((a) => a.name === "enclave-evalcorp-principals--evalcorp")!;
        expect(evalcorpRcp.inputs.targetId).toBe("210987654322");
    });

    it("refuses (exit 2, one line naming the file and field) a vendor deployed as a role the SCPs do not leave role changes to", async () => {
        const spec = { ...accountModeFixture(ACME, "210987654321"), memberAccount: { roleName: "OrganizationAccountAccessRole" } };
        const err = (await planOrganization(ORG_SPEC, [spec]).catch((e: unknown) => e)) as SpecError;
        expect(err).toBeInstanceOf(SpecError);
        expect([err.file, err.field]).toEqual(["stacks/acme-labeling.yaml", "memberAccount.roleName"]);
        expect(err.message).toBe(
            "stacks/acme-labeling.yaml: memberAccount.roleName is not the organization's deployer role (enclave-deployer, the only role the SCPs let change the account's roles): got \"OrganizationAccountAccessRole\". Fix: set memberAccount.roleName: enclave-deployer (create that role in the member account), or change deployerRoleName in stacks/organization.yaml.",
        );
    });

    it("shared-account vendors have no place in it", async () => {
        const plan = await planOrganization(ORG_SPEC, [vendorFixture(ACME)]);
        expect(of(plan, "aws:organizations/account:Account")).toEqual([]);
        expect(of(plan, "aws:organizations/policy:Policy").map((p) => p.inputs.name)).not.toContain("enclave-acme-labeling-principals");
    });
});

describe("account-mode vendor plan", () => {
    it("deploys through a provider that assumes the member account's role, pinned to that account", async () => {
        const plan = await planVendor(accountModeFixture(ACME, "210987654321"), securityFixture());
        const provider = plan.resources.find((r) => r.type === "pulumi:providers:aws");
        // Provider inputs reach the engine JSON-encoded, as Pulumi sends them to the provider plugin.
        expect(JSON.parse(String(provider?.inputs.allowedAccountIds))).toEqual(["210987654321"]);
        expect(JSON.parse(String(provider?.inputs.assumeRoles))).toEqual([
            { roleArn: "arn:aws:iam::210987654321:role/enclave-deployer", sessionName: "enclave-acme-labeling-deploy" },
        ]);
        expect(plan.outputs.accountId).toBe("210987654321");
    });

    it("its documents keep the member account's deployer and break-glass, never the security account's (no lockout, no dead exemption)", async () => {
        const plan = await planVendor(accountModeFixture(ACME, "210987654321"), securityFixture());
        const docs = plan.resources.flatMap((r) => ["policy", "assumeRolePolicy"].map((k) => r.inputs[k]).filter((v): v is string => typeof v === "string"));
        const named = new Set(docs.flatMap((d) => [...d.matchAll(/arn:aws:iam::\d{12}:role\/enclave-(deployer|break-glass)/g)].map((m) => m[0])));
        expect([...named].sort()).toEqual(["arn:aws:iam::210987654321:role/enclave-break-glass", "arn:aws:iam::210987654321:role/enclave-deployer"]);
        expect(docs.some((d) => d.includes("arn:aws:iam::111122223333:"))).toBe(false);
    });

    it("sealed, the provider assumes the member account's break-glass (the quarantine SCP refuses the deployer there), same account, same session name", async () => {
        const spec = { ...accountModeFixture(ACME, "210987654321"), sealed: true, sealedAt: "2026-11-23T12:00:00Z" };
        const plan = await planVendor(spec, securityFixture());
        const provider = plan.resources.find((r) => r.type === "pulumi:providers:aws");
        expect(JSON.parse(String(provider?.inputs.allowedAccountIds))).toEqual(["210987654321"]);
        expect(JSON.parse(String(provider?.inputs.assumeRoles))).toEqual([
            { roleArn: "arn:aws:iam::210987654321:role/enclave-break-glass", sessionName: "enclave-acme-labeling-deploy" },
        ]);
    });

    it("a shared-account vendor's provider assumes nothing (the default is unchanged)", async () => {
        const plan = await planVendor(vendorFixture(ACME), securityFixture());
        const provider = plan.resources.find((r) => r.type === "pulumi:providers:aws");
        expect(provider).toBeDefined();
        expect(provider!.inputs.assumeRoles).toBeUndefined();
    });
});

describe("access report in account mode", () => {
    it("lists the SCP and RCP layers on the vendor's account, and the simulation runs with them", async () => {
        const report = await accessReportOf(accountModeFixture(ACME, "210987654321"), securityFixture(), ORG_SPEC);
        expect(report.organization).toEqual({
            scps: ["FullAWSAccess", "FullAWSAccess", "enclave-vendors-baseline", "enclave-vendors-logging", "enclave-vendors-perimeter", "FullAWSAccess"],
            rcps: ["RCPFullAWSAccess", "RCPFullAWSAccess", "enclave-data-perimeter", "RCPFullAWSAccess", "enclave-acme-labeling-principals"],
        });
        expect(renderAccessMarkdown(report)).toContain("## Organization layers (account mode)");
        // The vendor still reads its own data with the layers on.
        expect(report.grants.some((g) => g.principalLabel.includes("enclave-acme-labeling-vendor") && g.actions.includes("s3:GetObject"))).toBe(true);
        const shared = await accessReportOf(vendorFixture(ACME), securityFixture());
        expect(shared.organization).toBeUndefined();
    }, 120_000);
});

describe("access diff in account mode", () => {
    it("lists the SCP and RCP layers of both sides when moving a vendor from the shared account to its own", async () => {
        const shared = await accessReportOf(vendorFixture(ACME), securityFixture());
        const own = await accessReportOf(accountModeFixture(ACME, "210987654321"), securityFixture(), ORG_SPEC);
        const d = diffReports(shared, own, { base: "shared", head: "account" });
        expect(d.organization).toEqual({ base: undefined, head: own.organization });
        const md = renderDiffMarkdown(d);
        expect(md).toContain("- shared: none (shared account)");
        expect(md).toContain(
            "- account: SCPs FullAWSAccess, FullAWSAccess, enclave-vendors-baseline, enclave-vendors-logging, enclave-vendors-perimeter, FullAWSAccess; RCPs RCPFullAWSAccess",
        );
        expect(diffReports(shared, shared, { base: "a", head: "b" }).organization).toBeUndefined();
    }, 180_000);
});
