import { beforeAll, describe, expect, it } from "vitest";
import { simulate, simulateAssumeRole, vendorFacts, worldFromPlans, type Network, type SimRequest, type VendorFacts, type World } from "../review/simulate";
import type { VendorSpec } from "../config/schema";
import {
    BREAK_GLASS_ROLE_ARN,
    DEPLOYER_ROLE_ARN,
    EVALCORP,
    FIXTURE_VENDOR_IDS,
    fixturePlan,
    SEALED_AT,
    sealedFixturePlan,
    vendorFixture,
} from "./support/fixtures";

// The seal, evaluated with the project's IAM simulation (review/simulate.ts over @cloud-copilot/iam-simulate) on the
// policies of the offline plans of every fixture vendor, unsealed and sealed at the same SEALED_AT. It proves what the
// documents decide under documented IAM semantics: deny-all and revoke-older-sessions on the roles, the trust deny,
// the bucket, endpoint and key denies for the vendor principals, and the disabled key. It does NOT prove AWS's
// behaviour: propagation delay, SCPs/RCPs, S3 Bucket Keys caching and the real key state machine are not modelled
// (see review/simulate.ts); `enclave seal` verifies the real account after applying.

const at = (minutes: number) => new Date(Date.parse(SEALED_AT) + minutes * 60_000).toISOString().replace(".000Z", "Z");
const NOW = at(10);
const BEFORE = at(-30); // a session issued before the seal (still within its hour)
const AFTER = at(5); // a session somehow issued after the seal

/**
 * How many requests the unsealed plan should grant, counted from the spec rather than the plan: per role, List + Get
 * on each readable dataset and Put on each writable one, via the endpoint, plus 2 KMS actions via S3; both roles get
 * the same grants, and the vendor role's S3 requests count again from each allow-listed egress range.
 */
const canRead = (access: string) => access === "read" || access === "read-write";
const canWrite = (access: string) => access === "write" || access === "read-write";
function expectedCases(spec: VendorSpec): number {
    const s3 = spec.datasets.reduce((n, d) => n + (canRead(d.access) ? 2 : 0) + (canWrite(d.access) ? 1 : 0), 0);
    const egress = spec.network.dataPath === "allow-list" ? spec.network.vendorEgressCidrs.length : 0;
    return 2 * (s3 + 2) + s3 * egress;
}

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
        if (roleArn === v.vendorRoleArn)
            for (const cidr of v.egressCidrs) networks.push([`egress ${cidr}`, { via: "internet", sourceIp: cidr.replace(/\.0\/\d+$/, ".10") }]);
        for (const { policy } of role.identity) {
            for (const st of policy.Statement as { Effect: string; Action: string | string[]; Resource: string | string[] }[]) {
                if (st.Effect !== "Allow") continue;
                for (const action of [st.Action].flat()) {
                    for (const resource of [st.Resource].flat().map((r) => r.replace(/\*$/, "obj.json"))) {
                        if (action.startsWith("s3:")) {
                            for (const [net, network] of networks)
                                cases.push({ label: `${role.name} ${action} ${resource} via ${net}`, req: { principal: roleArn, action, resource, network } });
                        } else if (action.startsWith("kms:")) {
                            cases.push({
                                label: `${role.name} ${action} via S3`,
                                req: { principal: roleArn, action, resource, network: { via: "service" }, viaService: `s3.${v.region}.amazonaws.com` },
                            });
                        }
                    }
                }
            }
        }
    }
    return cases;
}

describe.each(FIXTURE_VENDOR_IDS)("sealed %s under the IAM simulator (documented IAM semantics; not AWS's behaviour)", (vendor) => {
    const spec = vendorFixture(vendor);
    let open: World;
    let sealed: World;
    let cases: Case[];

    beforeAll(async () => {
        expect(spec.sealed).toBe(false);
        open = worldFromPlans(await fixturePlan(vendor));
        sealed = worldFromPlans(await sealedFixturePlan(vendor));
        cases = vendorRequests(open, vendor);
    });

    it("the plan carries the seal: sealed at SEALED_AT, key disabled", () => {
        const v = vendorFacts(sealed, vendor);
        expect({ sealed: v.sealed, sealedAt: v.sealedAt, keyEnabled: sealed.keys.get(v.keyArn)!.enabled }).toEqual({
            sealed: true,
            sealedAt: SEALED_AT,
            keyEnabled: false,
        });
        const o = vendorFacts(open, vendor);
        expect({ sealed: o.sealed, keyEnabled: open.keys.get(o.keyArn)!.enabled }).toEqual({ sealed: false, keyEnabled: true });
    });

    it("the request set is real: every case is allowed while unsealed", async () => {
        expect(cases.length).toBe(expectedCases(spec));
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
                expect([c.label, sids.includes("SealDenyAll"), sids.includes("SealRevokeOlderSessions"), sids.includes("SealDenyVendor")]).toEqual([
                    c.label,
                    true,
                    revoked,
                    true,
                ]);
            }
        }
    });

    it("assuming the vendor role fails for every vendor principal, even with the right external ID; EC2 cannot assume the workload role", async () => {
        const v = vendorFacts(sealed, vendor);
        for (const principal of spec.access.principals) {
            const before = await simulateAssumeRole(open, { roleArn: v.vendorRoleArn, principal, externalId: "right", currentTime: NOW });
            expect([principal, before.decision]).toEqual([principal, "Allowed"]);
            const after = await simulateAssumeRole(sealed, { roleArn: v.vendorRoleArn, principal, externalId: "right", currentTime: NOW });
            expect([principal, after.decision, after.decidedBy.sid]).toEqual([principal, "ExplicitlyDenied", "SealDenyAssumeRole"]);
        }
        const ec2 = await simulateAssumeRole(sealed, {
            roleArn: v.workloadRoleArn,
            principal: "ec2.amazonaws.com",
            currentTime: NOW,
            context: { "aws:SourceAccount": v.accountId },
        });
        expect([ec2.decision, ec2.decidedBy.sid]).toEqual(["ExplicitlyDenied", "SealDenyAssumeRole"]);
    });

    it("the deployer can still tear down a sealed enclave: DeleteBucket, DeleteObjectVersion, PutBucketPolicy, ScheduleKeyDeletion are not denied", async () => {
        const v = vendorFacts(sealed, vendor);
        const deployer = DEPLOYER_ROLE_ARN;
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

describe("sealed evalcorp, layer by layer (documented IAM semantics; not AWS's behaviour)", () => {
    let world: World;
    let v: VendorFacts;
    const spec = vendorFixture(EVALCORP);
    const readable = spec.datasets.find((d) => canRead(d.access))!.name;
    const endpoint = (): Network => ({ via: "endpoint", endpointId: v.s3EndpointId });

    beforeAll(async () => {
        world = worldFromPlans(await sealedFixturePlan(EVALCORP));
        v = vendorFacts(world, EVALCORP);
    });

    it("denies data access with the seal's statements in every layer; a session issued after the seal escapes only the revocation", async () => {
        const get = { principal: v.vendorRoleArn, action: "s3:GetObject", resource: `${v.buckets[readable]}/a`, network: endpoint(), currentTime: NOW };
        const r = await simulate(world, { ...get, tokenIssueTime: BEFORE });
        expect(r.decision).toBe("ExplicitlyDenied");
        expect(r.denials.map((d) => `${d.layer}:${d.sid}`)).toEqual([
            "identity:SealDenyAll",
            "identity:SealRevokeOlderSessions",
            "resource:SealDenyVendor",
            "endpoint:SealDenyVendor",
        ]);
        const fresh = await simulate(world, { ...get, tokenIssueTime: AFTER });
        expect(fresh.decision).toBe("ExplicitlyDenied");
        expect(fresh.denials.map((d) => `${d.layer}:${d.sid}`)).toEqual(["identity:SealDenyAll", "resource:SealDenyVendor", "endpoint:SealDenyVendor"]);
    });

    it("denies new sessions in the trust policy, even with the right external ID", async () => {
        const r = await simulateAssumeRole(world, { roleArn: v.vendorRoleArn, principal: spec.access.principals[0], externalId: "right" });
        expect(r.decision).toBe("ExplicitlyDenied");
        expect(r.decidedBy).toMatchObject({ layer: "resource", sid: "SealDenyAssumeRole" });
    });

    it("a disabled key refuses every KMS use, even to break-glass, at the key layer; the deployer can still enable it", async () => {
        const direct = await simulate(world, {
            principal: BREAK_GLASS_ROLE_ARN,
            action: "kms:Decrypt",
            resource: v.keyArn,
            network: { via: "service" },
            viaService: `s3.${v.region}.amazonaws.com`,
        });
        expect(direct.decidedBy).toMatchObject({ layer: "key", sid: "KeyDisabled" });
        const viaS3 = await simulate(world, { principal: BREAK_GLASS_ROLE_ARN, action: "s3:GetObject", resource: `${v.buckets[readable]}/a` });
        expect(viaS3.decision).toBe("ExplicitlyDenied");
        expect(viaS3.decidedBy).toMatchObject({ layer: "key", sid: "KeyDisabled" });
        // Key administration still works (EnableKey is how unseal restores it).
        const enable = await simulate(world, { principal: DEPLOYER_ROLE_ARN, action: "kms:EnableKey", resource: v.keyArn });
        expect(enable.decision).toBe("Allowed");
    });
});
