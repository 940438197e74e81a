// The simulation on a SEALED plan (the same review/simulate.ts the access report uses): deny-all + revoke-older-sessions on the roles, trust
// deny, bucket/endpoint/key denies for the vendor principals, and the key disabled (KMS use denied at the "key" layer).
import { beforeAll, describe, expect, it } from "vitest";
import { planVendor } from "../plan/stacks";
import { loadSecuritySpec, loadVendorSpec, vendorSpecPath } from "../config/load";
import { simulate, simulateAssumeRole, vendorFacts, worldFromPlans, type VendorFacts, type World } from "../review/simulate";

const SEALED_AT = "2026-03-01T12:00:00Z";
let world: World;
let v: VendorFacts;

beforeAll(async () => {
    const spec = { ...loadVendorSpec(vendorSpecPath("evalcorp"), "evalcorp"), sealed: true, sealedAt: SEALED_AT };
    world = worldFromPlans(await planVendor(spec, loadSecuritySpec()));
    v = vendorFacts(world, "evalcorp");
});

describe("sealed evalcorp", () => {
    it("reads the seal from the plan: sealed, key disabled", () => {
        expect({ sealed: v.sealed, sealedAt: v.sealedAt, keyEnabled: world.keys.get(v.keyArn)!.enabled }).toEqual({ sealed: true, sealedAt: SEALED_AT, keyEnabled: false });
    });

    it("denies data access with the seal's statements in every layer", async () => {
        const r = await simulate(world, { principal: v.vendorRoleArn, action: "s3:GetObject", resource: `${v.buckets["eval-prompts"]}/a`, network: { via: "endpoint", endpointId: v.s3EndpointId }, currentTime: "2026-03-01T12:05:00Z", tokenIssueTime: "2026-03-01T11:50:00Z" });
        expect(r.decision).toBe("ExplicitlyDenied");
        expect(r.denials.map((d) => `${d.layer}:${d.sid}`)).toEqual(["identity:SealDenyAll", "identity:SealRevokeOlderSessions", "resource:SealDenyVendor", "endpoint:SealDenyVendor"]);
        const fresh = await simulate(world, { principal: v.vendorRoleArn, action: "s3:GetObject", resource: `${v.buckets["eval-prompts"]}/a`, network: { via: "endpoint", endpointId: v.s3EndpointId }, currentTime: "2026-03-01T12:05:00Z", tokenIssueTime: "2026-03-01T12:01:00Z" });
        expect(fresh.denials.map((d) => d.sid)).not.toContain("SealRevokeOlderSessions");
        expect(fresh.decision).toBe("ExplicitlyDenied");
    });

    it("denies new sessions in the trust policy, even with the right external ID", async () => {
        const r = await simulateAssumeRole(world, { roleArn: v.vendorRoleArn, principal: "arn:aws:iam::777788889999:role/evalcorp-redteam", externalId: "right" });
        expect(r.decision).toBe("ExplicitlyDenied");
        expect(r.decidedBy).toMatchObject({ layer: "resource", sid: "SealDenyAssumeRole" });
    });

    it("a disabled key refuses every KMS use, even to break-glass, at the key layer", async () => {
        const direct = await simulate(world, { principal: v.breakGlassRoleArn ?? "arn:aws:iam::111122223333:role/enclave-break-glass", action: "kms:Decrypt", resource: v.keyArn, network: { via: "service" }, viaService: "s3.us-east-1.amazonaws.com" });
        expect(direct.decidedBy).toMatchObject({ layer: "key", sid: "KeyDisabled" });
        const viaS3 = await simulate(world, { principal: "arn:aws:iam::111122223333:role/enclave-break-glass", action: "s3:GetObject", resource: `${v.buckets["eval-prompts"]}/a` });
        expect(viaS3.decision).toBe("ExplicitlyDenied");
        expect(viaS3.decidedBy).toMatchObject({ layer: "key", sid: "KeyDisabled" });
        // Key administration still works (EnableKey is how unseal restores it).
        const enable = await simulate(world, { principal: "arn:aws:iam::111122223333:role/enclave-deployer", action: "kms:EnableKey", resource: v.keyArn });
        expect(enable.decision).toBe("Allowed");
    });
});
