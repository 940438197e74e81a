// Proves the data perimeter by simulation: every policy comes from the offline PLANS of both fixture vendors
// and the security stack (never rebuilt by hand), evaluated by iam-simulate through review/simulate.ts.
//
// What simulation cannot prove, and these tests therefore do not claim: that AWS has propagated a policy change
// (eventual consistency), the effect of the real organisation's SCPs/RCPs, network reachability (routes, security
// groups: the request context SAYS where a request comes from), S3/KMS service behaviour beyond authorisation
// (Bucket Keys caching data keys after DisableKey, multipart uploads without an encryption header), and the identity
// policies of principals outside the plan (deployer, break-glass, vendor-side and attacker principals are modelled
// as allow-all in their own account, the worst case).
import { beforeAll, describe, expect, it } from "vitest";
import { ACME, EVALCORP, fixturePlan, securityFixturePlan } from "./support/fixtures";
import type { PolicyDocument } from "../contract/policy";
import {
    ANONYMOUS,
    simulate,
    simulateAssumeRole,
    simulateOnly,
    simulateWith,
    vendorFacts,
    worldFromPlans,
    type Layer,
    type SimRequest,
    type VendorFacts,
    type World,
} from "../review/simulate";
import { S3_BUCKET_ACTIONS, S3_OBJECT_ACTIONS } from "../review/catalogue";

let world: World;
const VENDORS = [ACME, EVALCORP] as const;
const OTHER: Record<string, string> = { "acme-labeling": "evalcorp", evalcorp: "acme-labeling" };
const ACCESS: Record<string, Record<string, string>> = {
    "acme-labeling": { guidelines: "read", "task-batches": "read", "labels-dropbox": "write" },
    evalcorp: { "eval-prompts": "read", "model-outputs": "read-write" },
};
const EXPECTED_ACTIONS: Record<string, string[]> = {
    read: ["s3:GetObject", "s3:ListBucket"],
    write: ["s3:PutObject"],
    "read-write": ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
};
const ATTACKER_ACCOUNT = "999999999999";
const ATTACKER_BUCKET = "arn:aws:s3:::attacker-drop";
const ATTACKER_POLICY: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [{ Sid: "OpenToAll", Effect: "Allow", Principal: "*", Action: "s3:*", Resource: [ATTACKER_BUCKET, `${ATTACKER_BUCKET}/*`] }],
};
const OUTSIDE = { via: "internet" as const, sourceIp: "203.0.113.10" };

beforeAll(async () => {
    const plans = [];
    for (const id of VENDORS) plans.push(await fixturePlan(id));
    plans.push(await securityFixturePlan());
    world = worldFromPlans(...plans);
});

const endpoint = (v: VendorFacts) => ({ via: "endpoint" as const, endpointId: v.s3EndpointId });
const object = (bucketArn: string) => `${bucketArn}/batch-0001/item.json`;
const sids = (r: { denials: { layer: string; sid?: string }[] }) => r.denials.map((d) => `${d.layer}:${d.sid}`);
const writable = (id: string) => Object.entries(ACCESS[id]).find(([, a]) => a.includes("write"))![0];
const readable = (id: string) => Object.entries(ACCESS[id]).find(([, a]) => a.includes("read"))![0];

describe.each(VENDORS)("vendor %s", (id) => {
    let v: VendorFacts;
    let other: VendorFacts;
    beforeAll(() => {
        v = vendorFacts(world, id);
        other = vendorFacts(world, OTHER[id]);
    });

    it("own datasets: exactly the granted actions per access level, for both vendor-side roles, through the endpoint", async () => {
        for (const role of [v.vendorRoleArn, v.workloadRoleArn]) {
            for (const [dataset, access] of Object.entries(ACCESS[id])) {
                const allowed: string[] = [];
                for (const { action } of [...S3_BUCKET_ACTIONS, ...S3_OBJECT_ACTIONS]) {
                    const objectLevel = S3_OBJECT_ACTIONS.some((e) => e.action === action);
                    const r = await simulate(world, {
                        principal: role,
                        action,
                        resource: objectLevel ? object(v.buckets[dataset]) : v.buckets[dataset],
                        network: endpoint(v),
                    });
                    if (r.allowed) allowed.push(action);
                }
                expect({ role, dataset, allowed: allowed.sort() }).toEqual({ role, dataset, allowed: EXPECTED_ACTIONS[access] });
            }
        }
    });

    it("a grant is decided by the identity statement with its fixed Sid, and S3's KMS call is allowed by the key", async () => {
        const read = await simulate(world, {
            principal: v.vendorRoleArn,
            action: "s3:GetObject",
            resource: object(v.buckets[readable(id)]),
            network: endpoint(v),
        });
        expect(read.decision).toBe("Allowed");
        expect(read.decidedBy).toMatchObject({ layer: "identity", sid: "GetReadableObjects" });
        expect(read.kms?.decision).toBe("Allowed");
        expect(read.kms?.decidedBy).toMatchObject({ layer: "resource", sid: "UseVendorKeyViaS3" });
        const put = await simulate(world, {
            principal: v.vendorRoleArn,
            action: "s3:PutObject",
            resource: object(v.buckets[writable(id)]),
            network: endpoint(v),
        });
        expect(put.decidedBy).toMatchObject({ layer: "identity", sid: "PutWritableObjects" });
        expect(put.kms?.request.action).toBe("kms:GenerateDataKey");
    });

    it("read cannot put, write cannot get or list, nothing can delete or reconfigure: the bucket policy refuses each on its own", async () => {
        for (const [dataset, access] of Object.entries(ACCESS[id])) {
            const bucket = v.buckets[dataset];
            const refused: [string, string][] = [
                ["s3:DeleteObject", object(bucket)],
                ["s3:DeleteObjectVersion", object(bucket)],
                ["s3:PutObjectRetention", object(bucket)],
                ["s3:PutObjectTagging", object(bucket)],
                ["s3:PutBucketObjectLockConfiguration", bucket],
                ["s3:PutReplicationConfiguration", bucket],
                ["s3:PutInventoryConfiguration", bucket],
                ["s3:PutBucketNotification", bucket],
                ...(access === "read" ? ([["s3:PutObject", object(bucket)]] as [string, string][]) : []),
                ...(access === "write"
                    ? ([
                          ["s3:GetObject", object(bucket)],
                          ["s3:ListBucket", bucket],
                      ] as [string, string][])
                    : []),
            ];
            for (const role of [v.vendorRoleArn, v.workloadRoleArn]) {
                for (const [action, resource] of refused) {
                    const r = await simulate(world, { principal: role, action, resource, network: endpoint(v) });
                    expect({ dataset, action, decision: r.decision }).toEqual({ dataset, action, decision: "ExplicitlyDenied" });
                    // The role's own confinement denies it first; the bucket policy refuses it too (below).
                    expect(r.denials.map((d) => `${d.layer}:${d.sid}`)).toContain("resource:DenyVendorBeyondDatasetAccess");
                    // Even with an identity policy that allows everything, the bucket policy alone refuses it.
                    const alone = await simulateOnly(world, { principal: role, action, resource, network: endpoint(v) }, "resource");
                    expect({ dataset, action, sids: sids(alone) }).toEqual({ dataset, action, sids: ["resource:DenyVendorBeyondDatasetAccess"] });
                }
            }
        }
    });

    it("the other vendor's buckets and key are denied, and every layer denies on its own", async () => {
        const target = object(other.buckets[readable(OTHER[id])]);
        const req: SimRequest = { principal: v.vendorRoleArn, action: "s3:GetObject", resource: target, network: endpoint(v) };
        const r = await simulate(world, req);
        expect(r.decision).toBe("ExplicitlyDenied");
        expect(sids(r)).toEqual(["identity:DenyResourcesBeyondEnclave", "resource:DenyOutsideNetworkPerimeter", "resource:DenyUnlistedPrincipals"]);
        expect(r.layers).toMatchObject({ identity: "ExplicitlyDenied", boundary: "ImplicitlyDenied", endpoint: "ImplicitlyDenied" });
        // Defense in depth: keep one layer, replace all others by allow-all; each one alone still refuses.
        const expected: Record<Layer, { decision: string; layer: Layer; sid?: string }> = {
            identity: { decision: "ExplicitlyDenied", layer: "identity", sid: "DenyResourcesBeyondEnclave" },
            boundary: { decision: "ImplicitlyDenied", layer: "boundary" },
            resource: { decision: "ExplicitlyDenied", layer: "resource", sid: "DenyOutsideNetworkPerimeter" },
            endpoint: { decision: "ImplicitlyDenied", layer: "endpoint" },
            key: { decision: "ImplicitlyDenied", layer: "key" },
        };
        for (const keep of Object.keys(expected) as Layer[]) {
            const alone = await simulateOnly(world, req, keep);
            expect({ keep, decision: alone.decision, layer: alone.decidedBy.layer, sid: alone.decidedBy.sid }).toEqual({ keep, ...expected[keep] });
        }
        // The same request from the other vendor's own endpoint (a stolen session used inside that enclave).
        const viaTheirs = await simulate(world, { ...req, network: endpoint(other) });
        expect(sids(viaTheirs)).toEqual(["identity:DenyResourcesBeyondEnclave", "resource:DenyUnlistedPrincipals"]);
        // The other vendor's key, even through S3.
        for (const action of ["kms:Decrypt", "kms:GenerateDataKey"]) {
            const k = await simulate(world, {
                principal: v.vendorRoleArn,
                action,
                resource: other.keyArn,
                network: { via: "service" },
                viaService: `s3.${v.region}.amazonaws.com`,
            });
            expect(k.allowed).toBe(false);
            const keyPolicyAlone = await simulateOnly(
                world,
                { principal: v.vendorRoleArn, action, resource: other.keyArn, network: { via: "service" }, viaService: `s3.${v.region}.amazonaws.com` },
                "resource",
            );
            expect(keyPolicyAlone.decision).toBe("ImplicitlyDenied");
            expect(keyPolicyAlone.decidedBy.layer).toBe("resource");
            const boundaryAlone = await simulateOnly(
                world,
                { principal: v.vendorRoleArn, action, resource: other.keyArn, network: { via: "service" }, viaService: `s3.${v.region}.amazonaws.com` },
                "boundary",
            );
            expect(boundaryAlone.decidedBy.layer).toBe("boundary");
        }
    });

    it("exfiltration through the enclave's S3 endpoint to an attacker bucket with an open policy is denied by each layer", async () => {
        for (const role of [v.vendorRoleArn, v.workloadRoleArn]) {
            const req: SimRequest = {
                principal: role,
                action: "s3:PutObject",
                resource: `${ATTACKER_BUCKET}/loot.tar`,
                resourceAccount: ATTACKER_ACCOUNT,
                resourcePolicy: ATTACKER_POLICY,
                network: endpoint(v),
                sse: { algorithm: "AES256" },
            };
            const r = await simulate(world, req);
            expect(r.decision).toBe("ExplicitlyDenied");
            expect(r.layers).toMatchObject({ identity: "ExplicitlyDenied", boundary: "ImplicitlyDenied", resource: "Allowed", endpoint: "ImplicitlyDenied" });
            for (const keep of ["identity", "boundary", "endpoint"] as Layer[]) {
                const alone = await simulateOnly(world, req, keep);
                expect({ keep, allowed: alone.allowed, layer: alone.decidedBy.layer }).toEqual({ keep, allowed: false, layer: keep });
            }
            // Sanity: with every enclave layer replaced, the attacker's open bucket would take it.
            expect((await simulateWith(world, req, ["identity", "boundary", "endpoint"])).decision).toBe("Allowed");
        }
        // The attacker's own credentials used from inside the enclave: the endpoint policy alone refuses them.
        const own = await simulate(world, {
            principal: `arn:aws:iam::${ATTACKER_ACCOUNT}:role/exfil`,
            action: "s3:PutObject",
            resource: `${ATTACKER_BUCKET}/loot.tar`,
            resourceAccount: ATTACKER_ACCOUNT,
            resourcePolicy: ATTACKER_POLICY,
            network: endpoint(v),
            sse: { algorithm: "AES256" },
        });
        expect(own.decision).toBe("ImplicitlyDenied");
        expect(own.decidedBy.layer).toBe("endpoint");
    });

    it("outside the perimeter, plain HTTP, AES256 or another KMS key are denied with the bucket policy's Sids", async () => {
        const get = object(v.buckets[readable(id)]);
        const outside = await simulate(world, { principal: v.vendorRoleArn, action: "s3:GetObject", resource: get, network: OUTSIDE });
        expect(outside.decision).toBe("ExplicitlyDenied");
        expect(sids(outside)).toEqual(["identity:DenyDataOutsideNetworkPerimeter", "resource:DenyOutsideNetworkPerimeter"]);
        const workloadOutside = await simulate(world, {
            principal: v.workloadRoleArn,
            action: "s3:GetObject",
            resource: get,
            network: { via: "internet", sourceIp: v.egressCidrs.length ? "198.51.100.7" : "203.0.113.10" },
        });
        expect(workloadOutside.decision).toBe("ExplicitlyDenied");
        expect(workloadOutside.decidedBy).toMatchObject({ layer: "identity", sid: "DenyDataOutsideNetworkPerimeter" });

        const http = await simulate(world, { principal: v.vendorRoleArn, action: "s3:GetObject", resource: get, network: endpoint(v), secureTransport: false });
        expect(sids(http)).toEqual(["resource:DenyInsecureTransport"]);

        const put = object(v.buckets[writable(id)]);
        const aes = await simulate(world, {
            principal: v.vendorRoleArn,
            action: "s3:PutObject",
            resource: put,
            network: endpoint(v),
            sse: { algorithm: "AES256" },
        });
        expect(sids(aes)).toEqual(["resource:DenyEncryptionOtherThanKms"]);
        // No encryption header at all: the bucket default (this vendor's key) applies, so the put is allowed, and
        // S3's GenerateDataKey call on the bucket key is simulated and allowed (Null "false" in both Deny statements).
        const none = await simulate(world, { principal: v.vendorRoleArn, action: "s3:PutObject", resource: put, network: endpoint(v), sse: null });
        expect(none.decision).toBe("Allowed");
        expect(none.kms?.request.resource).toBe(v.keyArn);
        const foreignKey = await simulate(world, {
            principal: v.vendorRoleArn,
            action: "s3:PutObject",
            resource: put,
            network: endpoint(v),
            sse: { algorithm: "aws:kms", keyId: other.keyArn },
        });
        expect(sids(foreignKey)).toEqual(["resource:DenyOtherKmsKeys"]);
        // aws:kms without a key id (S3 would use the AWS managed key aws/s3) and SSE-C: each refused by its own Sid.
        const managedKey = await simulate(world, {
            principal: v.vendorRoleArn,
            action: "s3:PutObject",
            resource: put,
            network: endpoint(v),
            sse: { algorithm: "aws:kms" },
        });
        expect(sids(managedKey)).toEqual(["resource:DenyKmsWithoutThisKey"]);
        const customerKey = await simulate(world, {
            principal: v.vendorRoleArn,
            action: "s3:PutObject",
            resource: put,
            network: endpoint(v),
            sse: { algorithm: "SSE-C" },
        });
        expect(sids(customerKey)).toEqual(["resource:DenyCustomerProvidedKeys"]);
    });

    it("the vendor egress allow-list admits its own ranges only (allow-list mode) and nothing in endpoint mode", async () => {
        const get = object(v.buckets[readable(id)]);
        const fromOffice = await simulate(world, {
            principal: v.vendorRoleArn,
            action: "s3:GetObject",
            resource: get,
            network: { via: "internet", sourceIp: "198.51.100.7" },
        });
        expect(fromOffice.decision).toBe(id === "evalcorp" ? "Allowed" : "ExplicitlyDenied");
        expect(v.egressCidrs).toEqual(id === "evalcorp" ? ["198.51.100.0/24"] : []);
    });

    it("direct KMS use (not via S3) is denied, also through the KMS interface endpoint", async () => {
        for (const action of ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"]) {
            const r = await simulate(world, { principal: v.vendorRoleArn, action, resource: v.keyArn, network: OUTSIDE });
            expect(r.allowed).toBe(false);
            // The key policy alone refuses it too (kms:ViaService condition).
            const alone = await simulateOnly(world, { principal: v.vendorRoleArn, action, resource: v.keyArn, network: OUTSIDE }, "resource");
            expect({ action, decision: alone.decision, layer: alone.decidedBy.layer }).toEqual({ action, decision: "ImplicitlyDenied", layer: "resource" });
        }
        if (v.interfaceEndpoints.kms) {
            const r = await simulate(world, {
                principal: v.workloadRoleArn,
                action: "kms:Decrypt",
                resource: v.keyArn,
                network: { via: "endpoint", endpointId: v.interfaceEndpoints.kms },
            });
            expect(r.decision).toBe("ImplicitlyDenied");
            expect(r.layers.endpoint).toBe("Allowed"); // the endpoint admits this key; identity and key policy refuse
        }
    });

    it("privilege escalation and defence evasion are denied to both vendor-side roles, by identity and boundary alike", async () => {
        const acct = v.accountId;
        const cases: [string, string][] = [
            ["iam:PutRolePolicy", v.vendorRoleArn],
            ["iam:AttachRolePolicy", v.vendorRoleArn],
            ["iam:CreateRole", `arn:aws:iam::${acct}:role/escalation-probe`],
            ["iam:PassRole", v.workloadRoleArn],
            ["ec2:ModifyVpcEndpoint", `arn:aws:ec2:${v.region}:${acct}:vpc-endpoint/${v.s3EndpointId}`],
            ["cloudtrail:StopLogging", v.trailArn!],
            ["cloudtrail:DeleteTrail", v.trailArn!],
            ["ec2:DeleteFlowLogs", v.flowLogArn!],
            ["kms:PutKeyPolicy", v.keyArn],
        ];
        for (const role of [v.vendorRoleArn, v.workloadRoleArn]) {
            for (const [action, resource] of cases) {
                const r = await simulate(world, { principal: role, action, resource, network: OUTSIDE });
                expect({ action, decision: r.decision, layer: r.decidedBy.layer, sid: r.decidedBy.sid }).toEqual({
                    action,
                    decision: "ExplicitlyDenied",
                    layer: "identity",
                    sid: "DenyActionsBeyondEnclave",
                });
                const boundaryAlone = await simulateOnly(world, { principal: role, action, resource, network: OUTSIDE }, "boundary");
                expect({ action, layer: boundaryAlone.decidedBy.layer, allowed: boundaryAlone.allowed }).toEqual({ action, layer: "boundary", allowed: false });
            }
            const policy = await simulate(world, { principal: role, action: "s3:PutBucketPolicy", resource: v.buckets[readable(id)], network: endpoint(v) });
            expect(policy.denials.map((d) => `${d.layer}:${d.sid}`)).toEqual(["identity:DenyActionsBeyondEnclave", "resource:DenyVendorBeyondDatasetAccess"]);
            const archive = await simulate(world, {
                principal: role,
                action: "s3:DeleteObject",
                resource: `${v.archiveBucketArn}/vendors/${id}/cloudtrail/x.json.gz`,
                network: endpoint(v),
            });
            expect(archive.decision).toBe("ExplicitlyDenied");
            expect(archive.denials.map((d) => `${d.layer}:${d.sid}`)).toEqual(
                expect.arrayContaining(["identity:DenyActionsBeyondEnclave", "resource:DenyLogDeletion"]),
            );
        }
    });

    it("assume role: right external ID only, from the vendor's principals only", async () => {
        // The trust names the vendor's principals in ArnEquals aws:PrincipalArn under their account's principal.
        const listed = (role: string) =>
            (world.roles.get(role)!.trust!.Statement[0].Condition as { ArnEquals: Record<string, string[]> }).ArnEquals["aws:PrincipalArn"];
        const principals = listed(v.vendorRoleArn);
        expect(principals.length).toBeGreaterThan(0);
        for (const principal of principals) {
            const ok = await simulateAssumeRole(world, { roleArn: v.vendorRoleArn, principal, externalId: "right" });
            expect(ok.decision).toBe("Allowed");
            expect(ok.decidedBy).toMatchObject({ layer: "resource", sid: "AllowVendorPrincipalsWithExternalId" });
            for (const externalId of [null, "wrong-external-id"]) {
                const r = await simulateAssumeRole(world, { roleArn: v.vendorRoleArn, principal, externalId });
                expect({ externalId, decision: r.decision, layer: r.decidedBy.layer }).toEqual({ externalId, decision: "ImplicitlyDenied", layer: "resource" });
            }
        }
        const otherPrincipals = listed(other.vendorRoleArn);
        // The vendor's own account is trusted only for the listed principals: another role or user of it, or its root, is not.
        const vendorAccount = principals[0].split(":")[4];
        const unlisted = [
            `arn:aws:iam::${vendorAccount}:role/not-listed`,
            `arn:aws:iam::${vendorAccount}:user/not-listed`,
            `arn:aws:iam::${vendorAccount}:root`,
        ];
        for (const principal of [
            ...unlisted,
            ...otherPrincipals,
            other.vendorRoleArn,
            other.workloadRoleArn,
            "arn:aws:iam::999999999999:role/attacker",
            "arn:aws:iam::999999999999:root",
            ANONYMOUS,
        ]) {
            const r = await simulateAssumeRole(world, { roleArn: v.vendorRoleArn, principal, externalId: "right" });
            expect({ principal, allowed: r.allowed }).toEqual({ principal, allowed: false });
            // The trust policy alone refuses them (the other enclave's roles also lack sts:AssumeRole in their identity).
            const trustAlone = await simulateWith(
                world,
                { principal, action: "sts:AssumeRole", resource: v.vendorRoleArn, externalId: world.externalIdPlaceholder },
                ["identity"],
            );
            expect({ principal, decision: trustAlone.decision, layer: trustAlone.decidedBy.layer }).toEqual({
                principal,
                decision: "ImplicitlyDenied",
                layer: "resource",
            });
        }
        // The workload role: only EC2 of this account.
        expect((await simulateAssumeRole(world, { roleArn: v.workloadRoleArn, principal: "ec2.amazonaws.com" })).decidedBy).toMatchObject({
            layer: "resource",
            sid: "AllowEc2InThisAccount",
        });
        expect((await simulateAssumeRole(world, { roleArn: v.workloadRoleArn, principal: principals[0], externalId: "right" })).decision).toBe(
            "ImplicitlyDenied",
        );
    });

    it("deployer and break-glass keep what seal and destroy need; the deployer still cannot read vendor data", async () => {
        for (const dataset of Object.keys(ACCESS[id])) {
            const bucket = v.buckets[dataset];
            for (const [action, resource] of [
                ["s3:PutBucketPolicy", bucket],
                ["s3:DeleteBucket", bucket],
                ["s3:DeleteObjectVersion", object(bucket)],
            ]) {
                for (const role of [v.deployerRoleArn!, v.breakGlassRoleArn!]) {
                    const r = await simulate(world, { principal: role, action, resource, network: OUTSIDE });
                    expect({ action, role, decision: r.decision, denials: r.denials }).toEqual({ action, role, decision: "Allowed", denials: [] });
                }
            }
            const deployerRead = await simulate(world, { principal: v.deployerRoleArn!, action: "s3:GetObject", resource: object(bucket), network: OUTSIDE });
            // The bucket policy refuses the deployer's reads outright; the key would refuse the decrypt too.
            expect(deployerRead.decision).toBe("ExplicitlyDenied");
            expect(deployerRead.decidedBy).toMatchObject({ layer: "resource", sid: "DenyDeployerDataReads" });
            const breakGlassRead = await simulate(world, {
                principal: v.breakGlassRoleArn!,
                action: "s3:GetObject",
                resource: object(bucket),
                network: OUTSIDE,
            });
            expect(breakGlassRead.kms?.decidedBy).toMatchObject({ layer: "resource", sid: "BreakGlassReadViaS3" });
        }
        for (const action of ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy", "kms:CancelKeyDeletion"]) {
            for (const role of [v.deployerRoleArn!, v.breakGlassRoleArn!]) {
                const r = await simulate(world, { principal: role, action, resource: v.keyArn, network: OUTSIDE });
                expect({ action, decision: r.decision, sid: r.decidedBy.sid }).toEqual({ action, decision: "Allowed", sid: "KeyAdministrationByRoleArn" });
            }
        }
        const deployerArchive = await simulate(world, {
            principal: v.deployerRoleArn!,
            action: "s3:DeleteObject",
            resource: `${v.archiveBucketArn}/evidence/${id}/x`,
            network: OUTSIDE,
        });
        expect(sids(deployerArchive)).toEqual(["resource:DenyLogDeletion"]);
    });

    it("break-glass decrypts with the vendor key only through S3: a direct kms:Decrypt (no kms:ViaService) is not allowed", async () => {
        const direct = await simulate(world, { principal: v.breakGlassRoleArn!, action: "kms:Decrypt", resource: v.keyArn, network: OUTSIDE });
        expect({ decision: direct.decision, allowed: direct.allowed, layer: direct.decidedBy.layer }).toEqual({
            decision: "ImplicitlyDenied",
            allowed: false,
            layer: "resource",
        });
        const otherService = await simulate(world, {
            principal: v.breakGlassRoleArn!,
            action: "kms:Decrypt",
            resource: v.keyArn,
            network: OUTSIDE,
            viaService: `ec2.${v.region}.amazonaws.com`,
        });
        expect(otherService.decision).toBe("ImplicitlyDenied");
        // The same call made by S3 on break-glass's behalf is allowed, by that statement.
        const viaS3 = await simulate(world, {
            principal: v.breakGlassRoleArn!,
            action: "kms:Decrypt",
            resource: v.keyArn,
            network: OUTSIDE,
            viaService: `s3.${v.region}.amazonaws.com`,
        });
        expect(viaS3.decision).toBe("Allowed");
        expect(viaS3.decidedBy).toMatchObject({ layer: "resource", sid: "BreakGlassReadViaS3" });
    });
});
