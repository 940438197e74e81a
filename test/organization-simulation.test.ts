// Account-per-vendor proofs by simulation: the enclaves' own policies come from offline PLANS of the fixture vendors,
// each planned into its own member account; the organization's SCPs and RCPs come from iam/organization.ts (the same
// builders the organization stack deploys), placed as the organization stack attaches them (review/organization.ts).
// iam-simulate evaluates every level, root first.
//
// What this cannot prove: that AWS has propagated a MoveAccount or an AttachPolicy (the quarantine's move and RCP are
// proved as calls against moto in test/organizations-moto.test.ts), the lab's own root-level SCPs (none are modelled
// beyond FullAWSAccess), and the identity policies of principals outside the plans (modelled as allow-all: worst case).
import { beforeAll, describe, expect, it } from "vitest";
import { planSecurity, planVendor } from "../plan/stacks";
import { organizationModel, controlPolicyNames, type Placement } from "../review/organization";
import { simulate, simulateAssumeRole, simulateOnly, vendorFacts, worldFromPlans, type SimRequest, type VendorFacts, type World } from "../review/simulate";
import type { PolicyDocument } from "../contract/policy";
import { archiveBucketName } from "../iam/names";
import { ACME, EVALCORP, securityFixture, vendorFixture } from "./support/fixtures";
import { ORG_ID, organizationPolicies } from "./support/orgFacts";

const ACCOUNT: Record<string, string> = { [ACME]: "210987654321", [EVALCORP]: "210987654322" };
const LAB_MEMBER = "333333333333";
const LAB_BUCKET = "arn:aws:s3:::lab-shared-research";
const ORG_WIDE: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
        {
            Sid: "WholeOrganization",
            Effect: "Allow",
            Principal: "*",
            Action: ["s3:GetObject", "s3:ListBucket"],
            Resource: [LAB_BUCKET, `${LAB_BUCKET}/*`],
            Condition: { StringEquals: { "aws:PrincipalOrgID": ORG_ID } },
        },
    ],
};
const ATTACKER_BUCKET = "arn:aws:s3:::attacker-drop";
const ACME_PRINCIPAL = "arn:aws:iam::444455556666:role/acme-annotators";
const EVALCORP_PRINCIPAL = "arn:aws:iam::777788889999:role/evalcorp-redteam";

async function accountWorld(placement: Record<string, Placement>): Promise<World> {
    const security = securityFixture();
    const plans = [];
    for (const id of [ACME, EVALCORP]) {
        const spec = vendorFixture(id);
        spec.account.id = ACCOUNT[id];
        plans.push(await planVendor(spec, security));
    }
    plans.push(await planSecurity(security));
    const world = worldFromPlans(...plans);
    const set = organizationPolicies([
        { vendorId: ACME, accountId: ACCOUNT[ACME], principals: vendorFixture(ACME).access.principals },
        { vendorId: EVALCORP, accountId: ACCOUNT[EVALCORP], principals: vendorFixture(EVALCORP).access.principals },
    ]);
    world.organization = organizationModel(ORG_ID, set, [
        { accountId: ACCOUNT[ACME], placement: placement[ACME] ?? "vendors" },
        { accountId: ACCOUNT[EVALCORP], placement: placement[EVALCORP] ?? "vendors" },
        { accountId: LAB_MEMBER, placement: "other" },
        { accountId: security.account.id, placement: "other" },
    ]);
    // A lab resource in another member account, shared with the whole organization by aws:PrincipalOrgID.
    world.buckets.set(LAB_BUCKET, { arn: LAB_BUCKET, name: "lab-shared-research", accountId: LAB_MEMBER, policy: ORG_WIDE, tags: {} });
    return world;
}

const object = (bucketArn: string) => `${bucketArn}/batch-0001/item.json`;
const endpoint = (v: VendorFacts) => ({ via: "endpoint" as const, endpointId: v.s3EndpointId });
const sids = (r: { denials: { layer: string; sid?: string }[] }) => r.denials.map((d) => `${d.layer}:${d.sid}`);

describe("account mode, before any seal", () => {
    let world: World;
    let acme: VendorFacts;
    let evalcorp: VendorFacts;
    beforeAll(async () => {
        world = await accountWorld({});
        acme = vendorFacts(world, ACME);
        evalcorp = vendorFacts(world, EVALCORP);
    }, 120_000);

    it("each vendor is planned into its own member account", () => {
        expect(acme.vendorRoleArn).toBe(`arn:aws:iam::${ACCOUNT[ACME]}:role/enclave-${ACME}-vendor`);
        expect(evalcorp.accountId).toBe(ACCOUNT[EVALCORP]);
    });

    it("the SCP and RCP layers do not take the vendor's own data away: a read through its endpoint is allowed", async () => {
        const r = await simulate(world, {
            principal: acme.vendorRoleArn,
            action: "s3:GetObject",
            resource: object(acme.buckets.guidelines),
            network: endpoint(acme),
        });
        expect(r.decision).toBe("Allowed");
        expect(r.layers).toMatchObject({ scp: "Allowed", rcp: "Allowed" });
        expect(r.kms?.decision).toBe("Allowed");
    });

    it("a lab resource in another member account open to the organization stays denied to vendor sessions, by the SCP alone", async () => {
        // The grant is real: a lab principal of that organization reads it.
        const lab = await simulate(world, { principal: `arn:aws:iam::${LAB_MEMBER}:role/researcher`, action: "s3:GetObject", resource: object(LAB_BUCKET) });
        expect(lab.decision).toBe("Allowed");
        for (const role of [acme.vendorRoleArn, acme.workloadRoleArn]) {
            const req: SimRequest = { principal: role, action: "s3:GetObject", resource: object(LAB_BUCKET), network: endpoint(acme) };
            const r = await simulate(world, req);
            expect(r.allowed).toBe(false);
            expect(sids(r)).toContain("scp:DenySessionsOutsideTheirAccount");
        }
        // Not only the enclave's roles: a role the account held before it was adopted, and an Identity Center
        // permission set's role, are kept in the account as well.
        for (const role of [
            acme.vendorRoleArn,
            acme.workloadRoleArn,
            `arn:aws:iam::${ACCOUNT[ACME]}:role/VendorAdmin`,
            `arn:aws:iam::${ACCOUNT[ACME]}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef`,
        ]) {
            const req: SimRequest = { principal: role, action: "s3:GetObject", resource: object(LAB_BUCKET), network: endpoint(acme) };
            // Every other layer (identity, boundary, the bucket policy, the endpoint, the RCP) replaced by allow-all:
            const alone = await simulateOnly(world, req, "scp");
            expect({ role, decision: alone.decision, sids: sids(alone) }).toEqual({
                role,
                decision: "ExplicitlyDenied",
                sids: ["scp:DenySessionsOutsideTheirAccount"],
            });
        }
    });

    it("the other vendor's data and an outside bucket are denied by the SCP on its own (isolation and exfiltration)", async () => {
        for (const [action, resource] of [
            ["s3:GetObject", object(evalcorp.buckets["eval-prompts"])],
            ["s3:PutObject", object(ATTACKER_BUCKET)],
            ["kms:Decrypt", evalcorp.keyArn],
        ] as const) {
            const alone = await simulateOnly(
                world,
                {
                    principal: acme.workloadRoleArn,
                    action,
                    resource,
                    network: { via: "service" },
                    resourceAccount: action === "s3:PutObject" ? "999999999999" : undefined,
                },
                "scp",
            );
            expect({ action, decision: alone.decision, sids: sids(alone) }).toEqual({
                action,
                decision: "ExplicitlyDenied",
                sids: ["scp:DenySessionsOutsideTheirAccount"],
            });
        }
    });

    it("the vendor's own outside principal cannot touch the data directly: the RCP alone refuses", async () => {
        const req: SimRequest = { principal: ACME_PRINCIPAL, action: "s3:GetObject", resource: object(acme.buckets.guidelines) };
        const alone = await simulateOnly(world, req, "rcp");
        expect({ decision: alone.decision, sids: sids(alone) }).toEqual({ decision: "ExplicitlyDenied", sids: ["rcp:DataOnlyToOrgPrincipals"] });
    });

    it("the named principal may assume its enclave role; another vendor's principal is refused by the account's RCP alone", async () => {
        const ok = await simulateAssumeRole(world, { roleArn: acme.vendorRoleArn, principal: ACME_PRINCIPAL, externalId: "right" });
        expect(ok.decision).toBe("Allowed");
        expect(ok.layers.rcp).toBe("Allowed");
        const alone = await simulateOnly(world, { principal: EVALCORP_PRINCIPAL, action: "sts:AssumeRole", resource: acme.vendorRoleArn }, "rcp");
        expect({ decision: alone.decision, sids: sids(alone) }).toEqual({ decision: "ExplicitlyDenied", sids: ["rcp:AssumeOnlyByOrgOrNamedVendor"] });
    });

    it("an administrator inside the vendor's account (any role but deployer and break-glass) cannot leave, plant a role, share data out or open a private path: the SCPs alone refuse", async () => {
        const admin = `arn:aws:iam::${ACCOUNT[ACME]}:role/vendor-admin`;
        const inAccount = (kind: string) => `arn:aws:iam::${ACCOUNT[ACME]}:${kind}`;
        for (const [action, resource, sid] of [
            ["organizations:LeaveOrganization", "*", "DenyLeaveOrganization"],
            ["iam:CreateUser", inAccount("user/backdoor"), "DenyIamUsersAndKeys"],
            // A role trusting the vendor's own account would outlive the seal; one named like break-glass would escape the quarantine.
            ["iam:CreateRole", inAccount("role/backdoor"), "DenyEnclaveRoleChanges"],
            ["iam:CreateRole", inAccount("role/enclave-break-glass"), "DenyEnclaveRoleChanges BreakGlassChangedOnlyByItself"],
            ["iam:UpdateAssumeRolePolicy", inAccount("role/OrganizationAccountAccessRole"), "DenyEnclaveRoleChanges"],
            ["iam:PutRolePolicy", inAccount(`role/enclave-${ACME}-vendor`), "DenyEnclaveRoleChanges"],
            ["ec2:CreateInternetGateway", "*", "DenyNetworkPaths"],
            ["ec2:ModifySnapshotAttribute", `arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0`, "DenySharingAndPrivatePathsOut"],
            ["ec2:CreateVpcEndpoint", `arn:aws:ec2:us-east-1:${ACCOUNT[ACME]}:vpc-endpoint/vpce-0123456789abcdef0`, "DenySharingAndPrivatePathsOut"],
            ["ram:CreateResourceShare", "*", "DenySharingAndPrivatePathsOut"],
            ["lambda:CreateFunctionUrlConfig", `arn:aws:lambda:us-east-1:${ACCOUNT[ACME]}:function:f`, "DenySharingAndPrivatePathsOut"],
            ["cloudtrail:StopLogging", `arn:aws:cloudtrail:us-east-1:${ACCOUNT[ACME]}:trail/enclave-${ACME}`, "DenyDisablingEvidence"],
            // A domain added to the DNS Firewall's allow list is a way out; the query log is the DNS evidence.
            [
                "route53resolver:UpdateFirewallDomains",
                `arn:aws:route53resolver:us-east-1:${ACCOUNT[ACME]}:firewall-domain-list/rslvr-fdl-0123456789abcdef`,
                "DenyDisablingEvidence",
            ],
            [
                "route53resolver:DisassociateResolverQueryLogConfig",
                `arn:aws:route53resolver:us-east-1:${ACCOUNT[ACME]}:resolver-query-log-config/rslvr-rqlc-0123456789abcdef`,
                "DenyDisablingEvidence",
            ],
            [
                "guardduty:CreateFilter",
                `arn:aws:guardduty:us-east-1:${ACCOUNT[ACME]}:detector/12abc34d567e8fa901bc2d34e56789f0/filter/auto-archive`,
                "DenyDisablingEvidence",
            ],
        ] as const) {
            const alone = await simulateOnly(world, { principal: admin, action, resource, resourceAccount: ACCOUNT[ACME] }, "scp");
            expect({ action, resource, decision: alone.decision, sids: sids(alone) }).toEqual({
                action,
                resource,
                decision: "ExplicitlyDenied",
                sids: sid.split(" ").map((x) => `scp:${x}`),
            });
        }
    });

    it("break-glass can write the seal into the account still in the Vendors OU (contain races the move); the deployer deploys", async () => {
        const role = `arn:aws:iam::${ACCOUNT[ACME]}:role/enclave-${ACME}-vendor`;
        for (const principal of [`arn:aws:iam::${ACCOUNT[ACME]}:role/enclave-break-glass`, `arn:aws:iam::${ACCOUNT[ACME]}:role/enclave-deployer`]) {
            for (const action of ["iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"]) {
                const r = await simulateOnly(world, { principal, action, resource: role, resourceAccount: ACCOUNT[ACME] }, "scp");
                expect({ principal, action, decision: r.decision }).toEqual({ principal, action, decision: "Allowed" });
            }
        }
        const endpointByDeployer = await simulateOnly(
            world,
            {
                principal: `arn:aws:iam::${ACCOUNT[ACME]}:role/enclave-deployer`,
                action: "ec2:CreateVpcEndpoint",
                resource: "*",
                resourceAccount: ACCOUNT[ACME],
            },
            "scp",
        );
        expect(endpointByDeployer.decision).toBe("Allowed");
    });

    it("the deployer cannot re-trust, re-bound, replace or delete break-glass (the quarantine would then admit it through break-glass): the SCP alone refuses", async () => {
        const breakGlass = `arn:aws:iam::${ACCOUNT[ACME]}:role/enclave-break-glass`;
        const deployer = `arn:aws:iam::${ACCOUNT[ACME]}:role/enclave-deployer`;
        for (const action of [
            "iam:UpdateAssumeRolePolicy",
            "iam:PutRolePermissionsBoundary",
            "iam:AttachRolePolicy",
            "iam:PutRolePolicy",
            "iam:DeleteRole",
            "iam:CreateRole",
        ]) {
            const r = await simulateOnly(world, { principal: deployer, action, resource: breakGlass, resourceAccount: ACCOUNT[ACME] }, "scp");
            expect({ action, decision: r.decision, sids: sids(r) }).toEqual({
                action,
                decision: "ExplicitlyDenied",
                sids: ["scp:BreakGlassChangedOnlyByItself"],
            });
        }
        // Break-glass still changes itself, and the deployer still changes every other role.
        const self = await simulateOnly(
            world,
            { principal: breakGlass, action: "iam:UpdateAssumeRolePolicy", resource: breakGlass, resourceAccount: ACCOUNT[ACME] },
            "scp",
        );
        expect(self.decision).toBe("Allowed");
        const other = await simulateOnly(
            world,
            { principal: deployer, action: "iam:UpdateAssumeRolePolicy", resource: acme.vendorRoleArn, resourceAccount: ACCOUNT[ACME] },
            "scp",
        );
        expect(other.decision).toBe("Allowed");
    });

    it("the deployer and break-glass of the member account may write to the archive account's bucket; a vendor session may not: the SCP alone", async () => {
        // Their names match enclave-*, like the enclave's own roles, but they are operators: the evidence step writes
        // to the archive in another account. What this cannot prove: that the archive bucket's own policy admits them.
        const security = securityFixture();
        const archiveObject = `arn:aws:s3:::${archiveBucketName(security.account.id, security.account.region)}/evidence/${ACME}/report.json`;
        const put = (principal: string) =>
            simulateOnly(world, { principal, action: "s3:PutObject", resource: archiveObject, resourceAccount: security.account.id }, "scp");
        for (const name of ["enclave-deployer", "enclave-break-glass"]) {
            const principal = `arn:aws:iam::${ACCOUNT[ACME]}:role/${name}`;
            const r = await put(principal);
            expect({ principal, decision: r.decision, sids: sids(r) }).toEqual({ principal, decision: "Allowed", sids: [] });
        }
        for (const principal of [acme.vendorRoleArn, acme.workloadRoleArn]) {
            const r = await put(principal);
            expect({ principal, decision: r.decision, sids: sids(r) }).toEqual({
                principal,
                decision: "ExplicitlyDenied",
                sids: ["scp:DenySessionsOutsideTheirAccount"],
            });
        }
    });

    it("the access report can list the layers that apply to each account", () => {
        expect(controlPolicyNames(world.organization!, ACCOUNT[ACME])).toEqual({
            scps: ["FullAWSAccess", "FullAWSAccess", "enclave-vendors-baseline", "enclave-vendors-logging", "enclave-vendors-perimeter", "FullAWSAccess"],
            rcps: ["RCPFullAWSAccess", "RCPFullAWSAccess", "enclave-data-perimeter", "RCPFullAWSAccess", `enclave-${ACME}-principals`],
        });
    });
});

describe("account mode, the vendor's account quarantined (moved to the Quarantine OU, its RCP attached)", () => {
    let world: World;
    let acme: VendorFacts;
    let evalcorp: VendorFacts;
    beforeAll(async () => {
        world = await accountWorld({ [ACME]: "quarantine" });
        acme = vendorFacts(world, ACME);
        evalcorp = vendorFacts(world, EVALCORP);
    }, 120_000);

    it("every session inside the account is refused by the quarantine SCP alone, its own data included", async () => {
        for (const role of [acme.vendorRoleArn, acme.workloadRoleArn]) {
            const alone = await simulateOnly(
                world,
                { principal: role, action: "s3:GetObject", resource: object(acme.buckets.guidelines), network: endpoint(acme) },
                "scp",
            );
            expect({ role, decision: alone.decision, sids: sids(alone) }).toEqual({
                role,
                decision: "ExplicitlyDenied",
                sids: ["scp:QuarantineDenyAllButBreakGlass"],
            });
        }
    });

    it("break-glass cannot take the account out of the organization (shedding the quarantine): the SCP alone", async () => {
        const alone = await simulateOnly(
            world,
            { principal: `arn:aws:iam::${ACCOUNT[ACME]}:role/enclave-break-glass`, action: "organizations:LeaveOrganization", resource: "*" },
            "scp",
        );
        expect({ decision: alone.decision, sids: sids(alone) }).toEqual({ decision: "ExplicitlyDenied", sids: ["scp:QuarantineNoLeaving"] });
    });

    it("break-glass in the account is not locked out by the quarantine SCP", async () => {
        const alone = await simulateOnly(
            world,
            { principal: `arn:aws:iam::${ACCOUNT[ACME]}:role/enclave-break-glass`, action: "s3:GetObject", resource: object(acme.buckets.guidelines) },
            "scp",
        );
        expect(alone.decision).toBe("Allowed");
    });

    it("the deployer cannot write a policy in the quarantined account (the sealed reconcile must act as break-glass); break-glass can: the SCP alone", async () => {
        const member = (name: string) => `arn:aws:iam::${ACCOUNT[ACME]}:role/${name}`;
        // The seal's writes: a role's inline policy, a bucket policy, the key policy. Each could as well write a
        // permissive document, so the deployer gets none of them in quarantine, and break-glass keeps all of them.
        const writes: SimRequest[] = [
            { principal: member("enclave-deployer"), action: "iam:PutRolePolicy", resource: acme.vendorRoleArn },
            { principal: member("enclave-deployer"), action: "s3:PutBucketPolicy", resource: acme.buckets.guidelines },
        ];
        for (const w of writes) {
            const alone = await simulateOnly(world, w, "scp");
            expect({ action: w.action, decision: alone.decision, sids: sids(alone) }).toEqual({
                action: w.action,
                decision: "ExplicitlyDenied",
                sids: ["scp:QuarantineDenyAllButBreakGlass"],
            });
            const glass = await simulateOnly(world, { ...w, principal: member("enclave-break-glass") }, "scp");
            expect({ action: w.action, decision: glass.decision }).toEqual({ action: w.action, decision: "Allowed" });
        }
        // The security account's break-glass is not the exemption: the SCP matches the member account's role by name
        // in any account, and a role of another account cannot act inside this one anyway.
    });

    it("the log replication role keeps replicating into the archive while quarantined, and can do nothing else: the SCP alone", async () => {
        const replication = `arn:aws:iam::${ACCOUNT[ACME]}:role/log-replication-enclave-${ACME}`;
        const archiveObject = `arn:aws:s3:::enclave-log-archive-123456789012-us-east-1/vendors/${ACME}/s3-access-logs/x`;
        const replicate = await simulateOnly(world, { principal: replication, action: "s3:ReplicateObject", resource: archiveObject }, "scp");
        expect(replicate.decision).toBe("Allowed");
        for (const w of [
            { action: "s3:GetObject", resource: object(acme.buckets.guidelines) },
            { action: "s3:PutReplicationConfiguration", resource: acme.buckets.guidelines },
            { action: "iam:PassRole", resource: replication },
        ]) {
            const alone = await simulateOnly(world, { principal: replication, ...w }, "scp");
            expect({ action: w.action, decision: alone.decision, sids: sids(alone) }).toEqual({
                action: w.action,
                decision: "ExplicitlyDenied",
                sids: ["scp:QuarantineReplicationOnly", "scp:QuarantineReplicationOnLogBucketsOnly"],
            });
        }
        // Its replication reads (they return an object's bytes) reach the log buckets only, never a dataset.
        const read = await simulateOnly(
            world,
            { principal: replication, action: "s3:GetObjectVersionForReplication", resource: object(acme.buckets.guidelines) },
            "scp",
        );
        expect({ decision: read.decision, sids: sids(read) }).toEqual({ decision: "ExplicitlyDenied", sids: ["scp:QuarantineReplicationOnLogBucketsOnly"] });
    });

    it("the vendor's outside principal can no longer assume its role: the quarantine RCP names it", async () => {
        const r = await simulateAssumeRole(world, { roleArn: acme.vendorRoleArn, principal: ACME_PRINCIPAL, externalId: "right" });
        expect(r.allowed).toBe(false);
        const alone = await simulateOnly(world, { principal: ACME_PRINCIPAL, action: "sts:AssumeRole", resource: acme.vendorRoleArn }, "rcp");
        expect(sids(alone)).toEqual(["rcp:QuarantineDenyVendorPrincipals", "rcp:QuarantineDenyOutsideOrg"]);
    });

    it("the other vendor, still in the Vendors OU, keeps its own access", async () => {
        const r = await simulate(world, {
            principal: evalcorp.vendorRoleArn,
            action: "s3:GetObject",
            resource: object(evalcorp.buckets["eval-prompts"]),
            network: endpoint(evalcorp),
        });
        expect(r.decision).toBe("Allowed");
    });
});
