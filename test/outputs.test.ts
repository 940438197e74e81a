// The stack outputs contract (contract/outputs.ts): the plan of a spec exports the spec's facts exactly, the mock of
// the security stack's outputs matches what the security stack would export, and the readers (review world, plan
// summary, cost model) take account, region, egress ranges and access levels from these outputs, not from ARNs,
// policy text, names or tags. Specs are fixtures defined here, never the live stacks/ folder. What this cannot prove:
// that a real `pulumi up` exports the same values (no Pulumi CLI here); the plans come from the SDK's mock runtime.
import { beforeAll, describe, expect, it } from "vitest";
import { securitySpecSchema, vendorSpecSchema, type SecuritySpec, type VendorSpec } from "../config/schema";
import { SECRET_VENDOR_OUTPUTS, SECURITY_OUTPUT_KEYS, SECRET_SECURITY_OUTPUTS, VENDOR_OUTPUT_KEYS } from "../contract/outputs";
import { TAG } from "../contract/tags";
import { T } from "../contract/tokens";
import { planRegion } from "../cost/estimate";
import { vendorOutputs } from "../plan/read";
import { mockSecurityOutputs, planSecurity, planVendor } from "../plan/stacks";
import { renderSummary } from "../plan/summary";
import type { Plan } from "../plan/types";
import { vendorFacts, worldFromPlans } from "../review/world";

const ACCOUNT = "444455556666";
const REGION = "eu-west-1";
const SEALED_AT = "2026-10-01T08:30:00Z";

const security: SecuritySpec = securitySpecSchema.parse({
    account: { id: ACCOUNT, region: REGION },
    deployerRoleArn: `arn:aws:iam::${ACCOUNT}:role/fixture-deployer`,
    breakGlassRoleArn: `arn:aws:iam::${ACCOUNT}:role/fixture-break-glass`,
    archiveAdminRoleArn: `arn:aws:iam::${ACCOUNT}:role/fixture-archive-admin`,
    alarms: { subscriptions: [{ email: "alerts@fixture.example" }] },
});

const vendorSpec = (over: Record<string, unknown>): VendorSpec =>
    vendorSpecSchema.parse({
        id: "fixture-vendor",
        displayName: "Fixture vendor",
        contact: "owner@lab.example",
        account: { id: ACCOUNT, region: REGION },
        access: { principals: ["arn:aws:iam::777788889999:role/fixture-analyst"], externalId: "fixture-external-id-0001" },
        network: { cidr: "10.40.0.0/22", azCount: 1 },
        // Not in name order, and every access level: the outputs must keep the spec's order and levels.
        datasets: [
            { name: "zeta-labels", access: "read-write" },
            { name: "alpha-prompts", access: "read" },
            { name: "mid-drop", access: "write" },
        ],
        ...over,
    });

const allowList = vendorSpec({
    network: { cidr: "10.40.0.0/22", azCount: 1, dataPath: "allow-list", vendorEgressCidrs: ["198.51.100.0/24", "203.0.113.64/26"] },
});
const endpointOnly = vendorSpec({ id: "fixture-endpoint" });
const sealed = vendorSpec({ id: "fixture-sealed", sealed: true, sealedAt: SEALED_AT });

let allowPlan: Plan;
let endpointPlan: Plan;
let sealedPlan: Plan;
let securityPlan: Plan;

/** A deep copy of the plan with some of its outputs replaced: proves a reader follows the outputs. */
const withOutputs = (plan: Plan, outputs: Record<string, unknown>): Plan => {
    const copy = structuredClone(plan);
    Object.assign(copy.outputs, outputs);
    return copy;
};

beforeAll(async () => {
    // One at a time: the SDK's mock runtime is global state.
    allowPlan = await planVendor(allowList, security);
    endpointPlan = await planVendor(endpointOnly, security);
    sealedPlan = await planVendor(sealed, security);
    securityPlan = await planSecurity(security);
}, 120_000);

describe("vendor stack outputs", () => {
    it("export exactly the contract's keys, the external ID as a secret", () => {
        expect(Object.keys(allowPlan.outputs).sort()).toEqual([...VENDOR_OUTPUT_KEYS].sort());
        for (const key of SECRET_VENDOR_OUTPUTS) expect(allowPlan.outputs[key], key).toBe("[secret]");
    });

    it("carry the spec's account, region, data path, egress ranges and datasets (in the spec's order) exactly", () => {
        const o = vendorOutputs(allowPlan)!;
        expect({ vendorId: o.vendorId, accountId: o.accountId, region: o.region, dataPath: o.dataPath, egressCidrs: o.egressCidrs }).toEqual({
            vendorId: "fixture-vendor",
            accountId: ACCOUNT,
            region: REGION,
            dataPath: "allow-list",
            egressCidrs: ["198.51.100.0/24", "203.0.113.64/26"],
        });
        expect(o.datasets).toEqual([
            { name: "zeta-labels", access: "read-write", bucketName: `fixture-vendor--zeta-labels--${ACCOUNT}` },
            { name: "alpha-prompts", access: "read", bucketName: `fixture-vendor--alpha-prompts--${ACCOUNT}` },
            { name: "mid-drop", access: "write", bucketName: `fixture-vendor--mid-drop--${ACCOUNT}` },
        ]);
        expect(o.buckets).toEqual(Object.fromEntries(o.datasets.map((d) => [d.name, d.bucketName])));
        expect({ sealed: o.sealed, sealedAt: o.sealedAt }).toEqual({ sealed: false, sealedAt: null });
    });

    it("name the buckets, roles, key, VPC, endpoint and trail the plan really creates", () => {
        const o = vendorOutputs(allowPlan)!;
        const ofType = (types: readonly string[]) => allowPlan.resources.filter((r) => types.includes(r.type));
        const arnsOf = (types: readonly string[]) => ofType(types).map((r) => r.outputs.arn);
        for (const d of o.datasets) {
            const bucket = ofType(T.bucket).find((r) => r.inputs.bucket === d.bucketName);
            expect(bucket?.inputs.tags, d.name).toMatchObject({ [TAG.dataset]: d.name, [TAG.access]: d.access });
        }
        expect(arnsOf(T.role)).toEqual(expect.arrayContaining([o.vendorRoleArn, o.workloadRoleArn]));
        expect(arnsOf(T.key)).toEqual([o.keyArn]);
        expect(arnsOf(T.trail)).toEqual([o.trailArn]);
        expect(ofType(T.vpc).map((r) => r.outputs.id)).toEqual([o.vpcId]);
        const s3Endpoint = allowPlan.resources.find((r) => r.outputs.id === o.s3EndpointId);
        expect(s3Endpoint?.inputs.serviceName).toBe(`com.amazonaws.${REGION}.s3`);
    });

    it("the endpoint-only path exports no egress ranges; a sealed spec exports its seal", () => {
        expect(vendorOutputs(endpointPlan)).toMatchObject({ dataPath: "endpoint", egressCidrs: [] });
        expect(vendorOutputs(sealedPlan)).toMatchObject({ sealed: true, sealedAt: SEALED_AT });
    });

    it("a plan that breaks the contract is refused, naming the field", () => {
        const { egressCidrs: _dropped, ...rest } = allowPlan.outputs;
        expect(() => vendorOutputs({ ...allowPlan, outputs: rest })).toThrow("plan fixture-vendor: outputs.egressCidrs is missing");
        expect(() => vendorOutputs(withOutputs(allowPlan, { datasets: [{ name: "x", access: "admin", bucketName: "b" }] }))).toThrow(
            /outputs\.datasets\[0\]\.access must be one of read, write, read-write/,
        );
        expect(vendorOutputs(securityPlan)).toBeUndefined();
    });
});

describe("security stack outputs", () => {
    it("export exactly the contract's keys", () => {
        expect(Object.keys(securityPlan.outputs).sort()).toEqual([...SECURITY_OUTPUT_KEYS].sort());
    });

    it("the mock a vendor plan reads through its StackReference is what the security stack would export", () => {
        // Secret outputs are masked in a plan and never read by a vendor stack, so the mock leaves them empty.
        const masked = Object.fromEntries(SECRET_SECURITY_OUTPUTS.map((k) => [k, "[secret]"]));
        expect({ ...mockSecurityOutputs(security), ...masked }).toEqual(securityPlan.outputs);
    });
});

describe("readers take facts from the outputs", () => {
    it("the review world's vendor facts are the outputs, not the ARNs or the bucket policy", () => {
        const v = vendorFacts(worldFromPlans(allowPlan, securityPlan), "fixture-vendor");
        expect({ accountId: v.accountId, region: v.region, egressCidrs: v.egressCidrs, dataPath: v.dataPath }).toEqual({
            accountId: ACCOUNT,
            region: REGION,
            egressCidrs: ["198.51.100.0/24", "203.0.113.64/26"],
            dataPath: "allow-list",
        });
        // Outputs that disagree with the rendered policies: the world follows the outputs.
        const edited = withOutputs(allowPlan, { region: "us-west-2", egressCidrs: ["192.0.2.0/24"] });
        const e = vendorFacts(worldFromPlans(edited, securityPlan), "fixture-vendor");
        expect({ region: e.region, egressCidrs: e.egressCidrs }).toEqual({ region: "us-west-2", egressCidrs: ["192.0.2.0/24"] });
    });

    it("the review world knows each bucket's account from its stack's outputs", () => {
        const world = worldFromPlans(allowPlan, securityPlan);
        const o = vendorOutputs(allowPlan)!;
        expect(world.buckets.get(`arn:aws:s3:::${o.datasets[0].bucketName}`)?.accountId).toBe(ACCOUNT);
        expect(world.buckets.get(`arn:aws:s3:::${securityPlan.outputs.archiveBucketName}`)?.accountId).toBe(ACCOUNT);
    });

    it("the plan summary lists the datasets and access levels the outputs export", () => {
        expect(renderSummary(allowPlan)).toContain("zeta-labels (read-write), alpha-prompts (read), mid-drop (write)");
        const edited = withOutputs(allowPlan, { datasets: [{ name: "zeta-labels", access: "read", bucketName: `fixture-vendor--zeta-labels--${ACCOUNT}` }] });
        expect(renderSummary(edited)).toContain("zeta-labels (read)");
    });

    it("the cost model takes the region from the outputs", () => {
        expect(planRegion(allowPlan)).toBe(REGION);
        expect(planRegion(securityPlan)).toBe(REGION);
        expect(planRegion(withOutputs(allowPlan, { region: "us-west-2" }))).toBe("us-west-2");
    });
});
