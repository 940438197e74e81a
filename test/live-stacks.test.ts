import { beforeAll, describe, expect, it } from "vitest";
import { checkVendorAgainstSecurity, listVendorIds, loadSecuritySpec, securitySpecPath, STACKS_DIR, loadVendorSpec, vendorSpecPath } from "../config/load";
import type { SecuritySpec, VendorSpec } from "../config/schema";
import { checkPlan } from "../guardrails/offline";
import { planSecurity, planVendor } from "../plan/stacks";
import type { Plan } from "../plan/types";
import { simulate, vendorFacts, worldFromPlans, type World } from "../review/simulate";
import { SEALED_AT } from "./support/fixtures";

// The lab's live specs in stacks/, checked generically: whichever vendors the folder holds today, each must validate,
// plan offline, pass the offline guardrails (the engine behind `enclave check`) unsealed and sealed, and keep its roles
// to its own buckets, key and log group. Nothing here names a vendor, so onboarding, editing or offboarding a valid
// vendor keeps this green; a broken one turns it red under its own name. Every other test reasons about test/fixtures/.
// What this cannot prove: that AWS accepts the specs (quotas, names taken, principals that exist), or that two live
// vendors share no principal or network range (not required of stacks/ yet).

const VENDORS = listVendorIds();

describe(`the live security spec (${securitySpecPath()})`, () => {
    it("validates, plans offline and passes the offline guardrails", async () => {
        const security = loadSecuritySpec(securitySpecPath());
        const violations = await checkPlan(await planSecurity(security));
        expect(violations.map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
    });

    it(`lists its vendors from ${STACKS_DIR} (${VENDORS.length} today; each is checked below)`, () => {
        expect(VENDORS).toEqual([...new Set(VENDORS)].sort());
    });
});

/** Resource ARNs granted by the Allow statements of a policy document. */
function allowedResources(policyText: string): { sid: string; actions: string[]; resources: string[] }[] {
    const doc = JSON.parse(policyText) as { Statement: { Sid?: string; Effect: string; Action: string | string[]; Resource?: string | string[] }[] };
    return doc.Statement.filter((s) => s.Effect === "Allow").map((s) => ({
        sid: s.Sid ?? "",
        actions: [s.Action].flat(),
        resources: [s.Resource ?? []].flat(),
    }));
}

describe.each(VENDORS)("live vendor %s (stacks/)", (id) => {
    let security: SecuritySpec;
    let spec: VendorSpec;
    let plan: Plan;
    let sealed: Plan;
    let world: World;

    beforeAll(async () => {
        security = loadSecuritySpec(securitySpecPath());
        const file = vendorSpecPath(id);
        spec = loadVendorSpec(file, id);
        checkVendorAgainstSecurity(spec, file, security);
        plan = await planVendor(spec, security);
        sealed = await planVendor({ ...spec, sealed: true, sealedAt: spec.sealedAt ?? SEALED_AT }, security);
        world = worldFromPlans(plan, await planSecurity(security));
    });

    it("validates against the schema and the security spec, and plans offline", () => {
        expect(spec.id).toBe(id);
        expect(plan.resources.length).toBeGreaterThan(0);
        expect(plan.outputs.vendorId).toBe(id);
    });

    it("passes every offline guardrail as it stands", async () => {
        expect((await checkPlan(plan)).map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
    });

    it("passes every offline guardrail once sealed (the seal cuts every path)", async () => {
        expect(sealed.outputs.sealed).toBe(true);
        expect((await checkPlan(sealed)).map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
    });

    it("has one bucket per dataset, and its roles' policies grant S3 only on those, KMS only on its key, logs only in its log group", () => {
        const buckets = plan.outputs.buckets as Record<string, string>;
        expect(Object.keys(buckets).sort()).toEqual(spec.datasets.map((d) => d.name).sort());
        const own = Object.values(buckets).flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]);
        const key = plan.outputs.keyArn as string;
        const rolePolicies = plan.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy");
        expect(rolePolicies.length).toBeGreaterThan(0);
        for (const r of rolePolicies) {
            for (const s of allowedResources(r.inputs.policy as string)) {
                for (const action of s.actions) {
                    const service = action.split(":")[0];
                    for (const resource of s.resources) {
                        const ok =
                            service === "s3"
                                ? own.includes(resource)
                                : service === "kms"
                                  ? resource === key
                                  : service === "logs"
                                    ? resource.includes(`:log-group:/enclave/${id}/`)
                                    : false;
                        expect([r.name, s.sid, action, resource, ok]).toEqual([r.name, s.sid, action, resource, true]);
                    }
                }
            }
        }
    });

    it("its roles cannot read or write the log archive, even through their own endpoint (simulated; not AWS's behaviour)", async () => {
        const v = vendorFacts(world, id);
        expect(v.archiveBucketArn).toMatch(/^arn:aws:s3:::/);
        for (const principal of [v.vendorRoleArn, v.workloadRoleArn]) {
            for (const action of ["s3:GetObject", "s3:PutObject"]) {
                const r = await simulate(world, {
                    principal,
                    action,
                    resource: `${v.archiveBucketArn}/AWSLogs/x`,
                    network: { via: "endpoint", endpointId: v.s3EndpointId },
                });
                expect([principal, action, r.decision]).not.toEqual([principal, action, "Allowed"]);
            }
        }
    });
});
