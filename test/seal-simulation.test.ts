import { beforeAll, describe, expect, it } from "vitest";
import { planVendor } from "../plan/stacks";
import { simulate, simulateAssumeRole, vendorFacts, worldFromPlans, type Network, type SimRequest, type World } from "../review/simulate";
import { listVendorIds, loadSecuritySpec, loadVendorSpec, vendorSpecPath } from "../config/load";

// The seal, evaluated with the IAM simulation of review/simulate.ts (over @cloud-copilot/iam-simulate) on
// the policies of the offline plans. It proves what the documents decide under documented IAM semantics. It does NOT
// prove AWS's behaviour: propagation delay, SCPs/RCPs, S3 Bucket Keys caching and the real key state machine are not
// modelled (see the header of review/simulate.ts); `enclave seal` verifies the real account after applying.

const SEALED_AT = "2026-11-23T12:00:00Z";
const NOW = "2026-11-23T12:10:00Z";
const BEFORE = "2026-11-23T11:30:00Z"; // a session issued before the seal (still within its hour)
const AFTER = "2026-11-23T12:05:00Z"; // a session somehow issued after the seal
const security = loadSecuritySpec();
/**
 * Per role: (List + Get on each readable bucket, Put on each writable one) via the endpoint, plus 2 KMS actions via S3.
 * acme-labeling: 2 roles x (2 + 2 + 1 + 2) = 14. evalcorp: 2 roles x (2 + 2 + 1 + 2) = 14, plus the vendor role's
 * 5 S3 requests again from its allow-listed egress range = 19.
 */
const EXPECTED_CASES: Record<string, number> = { "acme-labeling": 14, evalcorp: 19 };

interface Case {
    label: string;
    req: SimRequest;
}

/** Every request the unsealed plan grants a vendor-side role: each allowed action on each resource, from each path. */
function vendorRequests(world: World, vendor: string): Case[] {
    const v = vendorFacts(world, vendor);
    const cases: Case[] = [];
    for (const roleArn of [v.vendorRoleArn, v.workloadRoleArn]) {
        const role = world.roles.get(roleArn)!;
        const networks: [string, Network][] = [["endpoint", { via: "endpoint", endpointId: v.s3EndpointId }]];
        if (roleArn === v.vendorRoleArn) for (const cidr of v.egressCidrs) networks.push([`egress ${cidr}`, { via: "internet", sourceIp: cidr.replace(/\.0\/\d+$/, ".10") }]);
        for (const { policy } of role.identity) {
            for (const st of policy.Statement as { Effect: string; Action: string | string[]; Resource: string | string[] }[]) {
                if (st.Effect !== "Allow") continue;
                for (const action of [st.Action].flat()) {
                    for (const resource of [st.Resource].flat().map((r) => r.replace(/\*$/, "obj.json"))) {
                        if (action.startsWith("s3:")) {
                            for (const [net, network] of networks) cases.push({ label: `${role.name} ${action} ${resource} via ${net}`, req: { principal: roleArn, action, resource, network } });
                        } else if (action.startsWith("kms:")) {
                            cases.push({ label: `${role.name} ${action} via S3`, req: { principal: roleArn, action, resource, network: { via: "service" }, viaService: `s3.${v.region}.amazonaws.com` } });
                        }
                    }
                }
            }
        }
    }
    return cases;
}

describe.each(listVendorIds())("sealed %s under the IAM simulator (documented IAM semantics; not AWS's behaviour)", (vendor) => {
    let open: World;
    let sealed: World;
    let cases: Case[];

    beforeAll(async () => {
        const spec = loadVendorSpec(vendorSpecPath(vendor), vendor);
        const unsealedPlan = await planVendor({ ...spec, sealed: false, sealedAt: undefined }, security);
        open = worldFromPlans(unsealedPlan);
        sealed = worldFromPlans(await planVendor({ ...spec, sealed: true, sealedAt: SEALED_AT }, security));
        cases = vendorRequests(open, vendor);
    });

    it("the request set is real: every case is allowed while unsealed", async () => {
        expect(cases.length).toBe(EXPECTED_CASES[vendor]);
        for (const c of cases) {
            const r = await simulate(open, { ...c.req, currentTime: NOW, tokenIssueTime: BEFORE });
            expect([c.label, r.decision]).toEqual([c.label, "Allowed"]);
        }
    });

    it.each([
        ["issued before sealedAt", BEFORE, true],
        ["issued after sealedAt", AFTER, false],
    ])("every vendor request is explicitly denied once sealed, for sessions %s", async (_l, tokenIssueTime, revoked) => {
        for (const c of cases) {
            const r = await simulate(sealed, { ...c.req, currentTime: NOW, tokenIssueTime });
            expect([c.label, r.decision]).toEqual([c.label, "ExplicitlyDenied"]);
            const sids = r.denials.map((d) => d.sid);
            expect([c.label, sids.includes("SealDenyAll") || sids.includes("KeyDisabled") || sids.includes("SealDenyVendor")]).toEqual([c.label, true]);
            if (c.req.action.startsWith("s3:")) {
                expect([c.label, sids.includes("SealDenyAll"), sids.includes("SealRevokeOlderSessions"), sids.includes("SealDenyVendor")]).toEqual([c.label, true, revoked, true]);
            }
        }
    });

    it("assuming the vendor role fails for every vendor principal, even with the right external ID; EC2 cannot assume the workload role", async () => {
        const v = vendorFacts(sealed, vendor);
        const spec = loadVendorSpec(vendorSpecPath(vendor), vendor);
        for (const principal of spec.access.principals) {
            const before = await simulateAssumeRole(open, { roleArn: v.vendorRoleArn, principal, externalId: "right", currentTime: NOW });
            expect([principal, before.decision]).toEqual([principal, "Allowed"]);
            const after = await simulateAssumeRole(sealed, { roleArn: v.vendorRoleArn, principal, externalId: "right", currentTime: NOW });
            expect([principal, after.decision, after.decidedBy.sid]).toEqual([principal, "ExplicitlyDenied", "SealDenyAssumeRole"]);
        }
        const ec2 = await simulateAssumeRole(sealed, { roleArn: v.workloadRoleArn, principal: "ec2.amazonaws.com", currentTime: NOW, context: { "aws:SourceAccount": v.accountId } });
        expect([ec2.decision, ec2.decidedBy.sid]).toEqual(["ExplicitlyDenied", "SealDenyAssumeRole"]);
    });

    it("the deployer can still tear down a sealed enclave: DeleteBucket, DeleteObjectVersion, PutBucketPolicy, ScheduleKeyDeletion are not denied", async () => {
        const v = vendorFacts(sealed, vendor);
        const deployer = security.deployerRoleArn;
        const requests: SimRequest[] = [
            ...Object.values(v.buckets).flatMap((b) => [
                { principal: deployer, action: "s3:DeleteBucket", resource: b },
                { principal: deployer, action: "s3:DeleteObjectVersion", resource: `${b}/obj.json` },
                { principal: deployer, action: "s3:PutBucketPolicy", resource: b },
                { principal: deployer, action: "s3:ListBucketVersions", resource: b },
            ]),
            { principal: deployer, action: "kms:ScheduleKeyDeletion", resource: v.keyArn },
            { principal: deployer, action: "kms:EnableKey", resource: v.keyArn },
            { principal: deployer, action: "kms:PutKeyPolicy", resource: v.keyArn },
        ];
        for (const req of requests) {
            const r = await simulate(sealed, { ...req, network: { via: "internet", sourceIp: "198.18.0.10" }, currentTime: NOW, tokenIssueTime: AFTER });
            expect([req.action, req.resource, r.decision, r.denials]).toEqual([req.action, req.resource, "Allowed", []]);
        }
    });
});
