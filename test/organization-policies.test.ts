import { describe, expect, it } from "vitest";
import {
    dataPerimeterRcp,
    ORG_POLICIES_PER_TARGET,
    ORG_POLICY_MAX_CHARS,
    organizationLimitProblems,
    organizationPolicies,
    orgPolicySize,
    quarantineScp,
    RCP_SERVICES,
    vendorPrincipalsRcp,
    vendorQuarantineRcp,
    vendorsBaselineScp,
    vendorsLoggingScp,
    vendorsPerimeterScp,
    type OrganizationFacts,
} from "../iam/organization";
import type { Statement } from "../iam/document";

// Unit tests of the organization's SCP and RCP builders, no Pulumi, no AWS. They prove the documents' content, their
// size and their count per target against AWS's limits (5 of each type per root/OU/account, 5,120 characters each).
// They cannot prove how AWS evaluates them: test/organization-simulation.test.ts runs them through iam-simulate.

const ORG = "o-a1b2c3d4e5";
const facts: OrganizationFacts = {
    organizationId: ORG,
    deployerRoleName: "enclave-deployer",
    breakGlassRoleName: "enclave-break-glass",
    allowedRegions: ["us-east-1", "eu-west-1"],
};
const sid = (doc: { Statement: Statement[] }, s: string) => {
    const st = doc.Statement.find((x) => x.Sid === s);
    if (!st) throw new Error(`no statement ${s}`);
    return st;
};
const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The longest principals a vendor spec admits in number (10), each near IAM's longest practical role ARN. */
const worstPrincipals = Array.from(
    { length: 10 },
    (_, i) => `arn:aws:iam::${String(100000000000 + i)}:role/${"a-very-long-vendor-path/".repeat(3)}vendor-role-${"x".repeat(40)}-${i}`,
);

describe("SCPs on the Vendors OU", () => {
    it("deny leaving the organization, IAM users and access keys, with no exemption", () => {
        const doc = vendorsBaselineScp(facts);
        expect(sid(doc, "DenyLeaveOrganization")).toMatchObject({ Effect: "Deny", Action: ["organizations:LeaveOrganization"], Resource: "*" });
        const users = sid(doc, "DenyIamUsersAndKeys");
        expect(users.Effect).toBe("Deny");
        expect(list(users.Action)).toEqual(expect.arrayContaining(["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"]));
        expect(users.Condition).toBeUndefined();
    });

    it("deny internet, NAT and egress-only gateways, EIPs, peering and transit attachments to everyone", () => {
        const st = sid(vendorsBaselineScp(facts), "DenyNetworkPaths");
        expect(st.Condition).toBeUndefined();
        for (const a of [
            "ec2:CreateInternetGateway",
            "ec2:AttachInternetGateway",
            "ec2:CreateNatGateway",
            "ec2:CreateEgressOnlyInternetGateway",
            "ec2:AllocateAddress",
            "ec2:CreateVpcPeeringConnection",
            "ec2:AcceptVpcPeeringConnection",
            "ec2:CreateTransitGatewayVpcAttachment",
        ])
            expect(list(st.Action)).toContain(a);
    });

    it("deny switching off CloudTrail, flow logs, GuardDuty and the DNS Firewall except to the deployer and break-glass", () => {
        const st = sid(vendorsLoggingScp(facts), "DenyDisablingEvidence");
        for (const a of [
            "cloudtrail:StopLogging",
            "cloudtrail:DeleteTrail",
            "ec2:DeleteFlowLogs",
            "guardduty:DeleteDetector",
            "route53resolver:DisassociateFirewallRuleGroup",
            "route53resolver:DeleteFirewallRuleGroup",
        ])
            expect(list(st.Action)).toContain(a);
        expect(st.Condition).toEqual({
            ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::*:role/enclave-deployer", "arn:aws:iam::*:role/enclave-break-glass"] },
        });
    });

    it("leave enclave-managed roles to the deployer alone, keep enclave roles in their own account, and only allowed regions", () => {
        const doc = vendorsPerimeterScp(facts);
        const roles = sid(doc, "DenyEnclaveRoleChanges");
        // Every role and policy of the account: no backdoor role, no role squatting the break-glass name.
        expect(list(roles.Resource)).toEqual(["arn:aws:iam::*:role/*", "arn:aws:iam::*:policy/*"]);
        expect(list(roles.Action)).toEqual(
            expect.arrayContaining([
                "iam:CreateRole",
                "iam:CreatePolicy",
                "iam:PutRolePolicy",
                "iam:UpdateAssumeRolePolicy",
                "iam:DeleteRolePermissionsBoundary",
            ]),
        );
        // Break-glass writes the seal (possibly before the move into the Quarantine OU lands): it must not be refused.
        expect(roles.Condition).toEqual({
            ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::*:role/enclave-deployer", "arn:aws:iam::*:role/enclave-break-glass"] },
        });
        const sharing = sid(doc, "DenySharingAndPrivatePathsOut");
        expect(list(sharing.Action)).toEqual(
            expect.arrayContaining([
                "ec2:ModifySnapshotAttribute",
                "ec2:ModifyImageAttribute",
                "ram:CreateResourceShare",
                "ec2:CreateVpcEndpoint",
                "lambda:CreateFunctionUrlConfig",
            ]),
        );
        expect(sharing.Condition).toEqual({ ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::*:role/enclave-deployer"] } });
        expect(sid(doc, "DenySessionsOutsideTheirAccount").Condition).toEqual({
            // Every principal of the account but the operators, which must reach the archive account, and the log
            // replication role, which writes replicas there.
            ArnNotLike: {
                "aws:PrincipalArn": [
                    "arn:aws:iam::*:role/enclave-deployer",
                    "arn:aws:iam::*:role/enclave-break-glass",
                    "arn:aws:iam::*:role/log-replication-enclave-*",
                ],
            },
            StringNotEqualsIfExists: { "aws:ResourceAccount": "${aws:PrincipalAccount}" },
        });
        const regions = sid(doc, "DenyOutsideAllowedRegions");
        expect(regions.Condition).toEqual({ StringNotEquals: { "aws:RequestedRegion": ["us-east-1", "eu-west-1"] } });
        expect(list(regions.NotAction)).toEqual(expect.arrayContaining(["iam:*", "sts:*", "organizations:*"]));
    });
});

describe("the quarantine SCP", () => {
    it("denies every action to every principal but break-glass and the log replication role (held to S3 replication), by aws:PrincipalArn, naming no Principal", () => {
        const doc = quarantineScp(facts);
        expect(doc.Statement).toEqual([
            {
                Sid: "QuarantineDenyAllButBreakGlass",
                Effect: "Deny",
                Action: "*",
                Resource: "*",
                Condition: { ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::*:role/enclave-break-glass", "arn:aws:iam::*:role/log-replication-enclave-*"] } },
            },
            {
                Sid: "QuarantineReplicationOnly",
                Effect: "Deny",
                NotAction: [
                    "s3:GetReplicationConfiguration",
                    "s3:ListBucket",
                    "s3:GetObjectVersionForReplication",
                    "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging",
                    "s3:ReplicateObject",
                    "s3:ReplicateTags",
                    "s3:ObjectOwnerOverrideToBucketOwner",
                    "s3:GetBucketVersioning",
                ],
                Resource: "*",
                Condition: { ArnLike: { "aws:PrincipalArn": ["arn:aws:iam::*:role/log-replication-enclave-*"] } },
            },
            {
                Sid: "QuarantineReplicationOnLogBucketsOnly",
                Effect: "Deny",
                Action: "*",
                NotResource: [
                    "arn:aws:s3:::enclave-member-logs-*",
                    "arn:aws:s3:::enclave-member-logs-*/*",
                    "arn:aws:s3:::enclave-log-archive-*",
                    "arn:aws:s3:::enclave-log-archive-*/*",
                ],
                Condition: { ArnLike: { "aws:PrincipalArn": ["arn:aws:iam::*:role/log-replication-enclave-*"] } },
            },
            // Break-glass's exemption does not reach leaving the organization, which would shed the quarantine.
            { Sid: "QuarantineNoLeaving", Effect: "Deny", Action: ["organizations:LeaveOrganization"], Resource: "*" },
        ]);
    });
});

describe("RCPs", () => {
    it("cap data to the organization, with confused-deputy conditions for AWS services", () => {
        const doc = dataPerimeterRcp(facts);
        const org = sid(doc, "DataOnlyToOrgPrincipals");
        expect(org).toMatchObject({ Effect: "Deny", Principal: "*", Resource: "*" });
        expect(list(org.Action)).toEqual(["s3:*", "kms:*", "sqs:*", "secretsmanager:*"]);
        expect(org.Condition).toEqual({ StringNotEqualsIfExists: { "aws:PrincipalOrgID": ORG }, BoolIfExists: { "aws:PrincipalIsAWSService": "false" } });
        const deputy = sid(doc, "ServicesOnlyForThisOrg");
        expect(deputy.Condition).toEqual({
            StringNotEqualsIfExists: { "aws:SourceOrgID": ORG },
            Null: { "aws:SourceAccount": "false" },
            Bool: { "aws:PrincipalIsAWSService": "true" },
        });
    });

    it("let only the vendor's named principals assume roles from outside the organization", () => {
        const doc = vendorPrincipalsRcp(facts, ["arn:aws:iam::999999999999:role/acme"]);
        expect(doc.Statement[0]).toMatchObject({
            Effect: "Deny",
            Principal: "*",
            Action: ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"],
        });
        expect(doc.Statement[0].Condition).toEqual({
            StringNotEqualsIfExists: { "aws:PrincipalOrgID": ORG },
            ArnNotLikeIfExists: { "aws:PrincipalArn": ["arn:aws:iam::999999999999:role/acme"] },
            BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
        });
        expect(() => vendorPrincipalsRcp(facts, [])).toThrow(/at least one/);
    });

    it("the prepared quarantine RCP denies the vendor's principals by name and everyone outside the organization", () => {
        const doc = vendorQuarantineRcp(facts, ["arn:aws:iam::999999999999:role/acme"]);
        expect(sid(doc, "QuarantineDenyVendorPrincipals").Condition).toEqual({ ArnLike: { "aws:PrincipalArn": ["arn:aws:iam::999999999999:role/acme"] } });
        expect(list(sid(doc, "QuarantineDenyVendorPrincipals").Action)).toContain("sts:*");
        expect(sid(doc, "QuarantineDenyOutsideOrg").Condition).toEqual({
            StringNotEqualsIfExists: { "aws:PrincipalOrgID": ORG },
            BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
        });
    });

    it("name only services an RCP can govern", () => {
        const set = organizationPolicies(facts, [{ vendorId: "acme", accountId: "210987654321", principals: worstPrincipals }]);
        const rcps = [...set.vendorsOu, ...set.quarantineOu, ...set.accounts.flatMap((a) => [...a.attached, ...a.prepared])].filter(
            (p) => p.type === "RESOURCE_CONTROL_POLICY",
        );
        for (const p of rcps)
            for (const s of p.document.Statement) {
                expect(s.Principal).toBe("*");
                for (const a of list(s.Action)) expect(RCP_SERVICES as readonly string[]).toContain(a.split(":")[0]);
            }
    });
});

describe("limits: how the policies fit", () => {
    it("every document is under 5,120 characters, even with ten long vendor principals and many regions", () => {
        const wide = {
            ...facts,
            allowedRegions: ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1", "ap-southeast-1"],
        };
        const set = organizationPolicies(wide, [{ vendorId: "acme", accountId: "210987654321", principals: worstPrincipals }]);
        const all = [...set.vendorsOu, ...set.quarantineOu, ...set.accounts.flatMap((a) => [...a.attached, ...a.prepared])];
        const sizes = Object.fromEntries(all.map((p) => [p.name, orgPolicySize(p.document)]));
        for (const [name, size] of Object.entries(sizes)) expect(size, name).toBeLessThanOrEqual(ORG_POLICY_MAX_CHARS);
        // The largest is the perimeter SCP (its action lists), well under the limit: room for the lab's own additions.
        expect(Math.max(...Object.values(sizes))).toBeLessThan(ORG_POLICY_MAX_CHARS * 0.6);
        expect(organizationLimitProblems(set)).toEqual([]);
    });

    it("counts per target: Vendors OU 4 SCPs and 2 RCPs, Quarantine OU 2 and 2, a sealed account 1 and 3 (full-access counted)", () => {
        const set = organizationPolicies(facts, [{ vendorId: "acme", accountId: "210987654321", principals: ["arn:aws:iam::999999999999:role/acme"] }]);
        const count = (ps: { type: string }[], t: string) => ps.filter((p) => p.type === t).length + 1;
        expect(count(set.vendorsOu, "SERVICE_CONTROL_POLICY")).toBe(4);
        expect(count(set.vendorsOu, "RESOURCE_CONTROL_POLICY")).toBe(2);
        expect(count(set.quarantineOu, "SERVICE_CONTROL_POLICY")).toBe(2);
        expect(count(set.quarantineOu, "RESOURCE_CONTROL_POLICY")).toBe(2);
        const acct = [...set.accounts[0].attached, ...set.accounts[0].prepared];
        expect(count(acct, "SERVICE_CONTROL_POLICY")).toBe(1);
        expect(count(acct, "RESOURCE_CONTROL_POLICY")).toBe(3);
        for (const n of [4, 2, 2, 2, 1, 3]) expect(n).toBeLessThanOrEqual(ORG_POLICIES_PER_TARGET);
    });

    it("the limit check catches an oversized document and a crowded target", () => {
        const set = organizationPolicies(facts, []);
        const big = {
            ...set.vendorsOu[0],
            name: "big",
            document: {
                ...set.vendorsOu[0].document,
                Statement: Array.from({ length: 40 }, (_, i) => ({ ...set.vendorsOu[0].document.Statement[2], Sid: `S${i}` })),
            },
        };
        const crowded = { ...set, vendorsOu: [...set.vendorsOu, set.vendorsOu[0], set.vendorsOu[1], big] };
        const problems = organizationLimitProblems(crowded).map((p) => p.message);
        expect(problems).toContain("7 SERVICE_CONTROL_POLICY attached (limit 5, the AWS-managed full-access policy counted)");
        expect(problems.some((m) => /^big is \d+ characters \(limit 5120\)$/.test(m))).toBe(true);
    });
});
