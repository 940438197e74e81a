import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { mockGeneratedSecret } from "../plan/mocks";
import { planVendor } from "../plan/stacks";
import type { Plan, PlanResource } from "../plan/types";
import { loadSecuritySpec, loadVendorSpec } from "../config/load";
import type { VendorSpec } from "../config/schema";
import { ACME, BREAK_GLASS_ROLE_ARN, DEPLOYER_ROLE_ARN, EVALCORP, fixtureFile, SECURITY_FIXTURE_FILE } from "./support/fixtures";

// Isolation between the two example vendors, determinism and secret hygiene of the offline plan. What this cannot
// prove: that AWS enforces the isolation the documents express (that needs IAM evaluation, see policies.test.ts), or
// that real deployments keep secrets out of state files and logs - only that the plan JSON people read and share
// does not contain them.

const EVALCORP_EXTERNAL_ID = "evalcorp-7f3a9c1e2b4d";
const IDS = [ACME, EVALCORP] as const;
type Id = (typeof IDS)[number];

const specs = {} as Record<Id, VendorSpec>;
const plans = {} as Record<Id, Plan>;
const texts = {} as Record<Id, string>;
let acmeAgainText: string;
let evalcorpAgainText: string;

beforeAll(async () => {
    const security = loadSecuritySpec(SECURITY_FIXTURE_FILE);
    for (const id of IDS) specs[id] = loadVendorSpec(fixtureFile(id), id);
    // acme, evalcorp, then both again: the second runs follow another stack's run in the same process, so any state
    // leaking between runs (config, mocks, secrets) would show up as a difference.
    for (const id of IDS) {
        plans[id] = await planVendor(specs[id], security);
        texts[id] = JSON.stringify(plans[id]);
    }
    acmeAgainText = JSON.stringify(await planVendor(loadVendorSpec(fixtureFile(ACME), ACME), security));
    evalcorpAgainText = JSON.stringify(await planVendor(specs.evalcorp, security));
});

const other = (id: Id): Id => (id === "acme-labeling" ? "evalcorp" : "acme-labeling");
const awsResources = (p: Plan) => p.resources.filter((r) => r.custom && r.type.startsWith("aws:"));

/** The identities of a vendor's resources: ids, ARNs, key ids, physical names and bucket names. */
function identifiers(p: Plan): Set<string> {
    const out = new Set<string>();
    for (const r of awsResources(p)) {
        // A role policy's name is scoped to its role ("enclave-access" in every enclave); its id carries the role.
        // An EventBridge target's `arn` is where it delivers (the security stack's shared alarm topic), not its identity.
        const fields: unknown[] = [
            r.outputs.id,
            r.type === "aws:cloudwatch/eventTarget:EventTarget" ? undefined : r.outputs.arn,
            r.outputs.keyId,
            r.inputs.bucket,
            r.type === "aws:iam/rolePolicy:RolePolicy" ? undefined : r.inputs.name,
        ];
        for (const v of fields) if (typeof v === "string" && v.length > 0) out.add(v);
    }
    return out;
}
const ofTypes = (p: Plan, types: string[]) => p.resources.filter((r) => types.includes(r.type));
const POLICY_FIELDS = ["policy", "assumeRolePolicy"];
function policyDocuments(p: Plan): { name: string; text: string }[] {
    return p.resources.flatMap((r: PlanResource) =>
        POLICY_FIELDS.filter((f) => typeof r.inputs[f] === "string").map((f) => ({ name: `${r.name}.${f}`, text: r.inputs[f] as string })),
    );
}

describe("vendor isolation", () => {
    it("the two vendors share no bucket, key, role, VPC, subnet, security group or endpoint id/ARN/name", () => {
        const a = identifiers(plans["acme-labeling"]);
        const b = identifiers(plans.evalcorp);
        expect(a.size).toBeGreaterThan(40);
        expect(b.size).toBeGreaterThan(40);
        expect([...a].filter((x) => b.has(x))).toEqual([]);
        const critical = [
            "aws:s3/bucket:Bucket",
            "aws:kms/key:Key",
            "aws:iam/role:Role",
            "aws:ec2/vpc:Vpc",
            "aws:ec2/vpcEndpoint:VpcEndpoint",
            "aws:iam/policy:Policy",
        ];
        for (const id of IDS)
            expect(ofTypes(plans[id], critical).every((r) => typeof r.outputs.arn === "string" && typeof r.outputs.id === "string")).toBe(true);
    });

    it("no policy document of one vendor names any resource of the other", () => {
        for (const id of IDS) {
            const foreign = [...identifiers(plans[other(id)])];
            const docs = policyDocuments(plans[id]);
            expect(docs.length).toBeGreaterThanOrEqual(10);
            for (const d of docs) {
                for (const x of foreign) expect(d.text.includes(x), `${d.name} names ${x}`).toBe(false);
            }
        }
    });

    it("one vendor's plan never mentions the other vendor's id, principals or CIDRs at all", () => {
        for (const id of IDS) {
            const o = specs[other(id)];
            const text = texts[id];
            expect(text).not.toContain(o.id);
            for (const p of o.access.principals) expect(text).not.toContain(p);
            expect(text).not.toContain(o.network.cidr);
            for (const c of o.network.vendorEgressCidrs) expect(text).not.toContain(c);
        }
    });

    it("each vendor's key, endpoint and role documents name only its own roles", () => {
        for (const id of IDS) {
            const own = [`role/enclave-${id}-vendor`, `role/enclave-${id}-workload`];
            for (const d of policyDocuments(plans[id])) {
                for (const m of d.text.matchAll(/arn:aws:iam::111122223333:role\/[\w+=,.@/-]+/g)) {
                    const allowed = [...own.map((r) => `arn:aws:iam::111122223333:${r}`), DEPLOYER_ROLE_ARN, BREAK_GLASS_ROLE_ARN];
                    expect(allowed, `${d.name}: ${m[0]}`).toContain(m[0]);
                }
            }
        }
    });
});

describe("determinism", () => {
    it("the same spec gives byte-identical plan JSON twice, even after another stack ran in between", () => {
        expect(acmeAgainText).toBe(texts["acme-labeling"]);
        expect(evalcorpAgainText).toBe(texts.evalcorp);
        expect(texts["acme-labeling"]).not.toBe(texts.evalcorp);
    });

    it("the debug path (SDK stack capture and promise-leak tracker left on) gives the same bytes, and the tracker is restored after a run", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: unknown };
        const tracker = debuggable.debuggablePromise;
        const resourceStatics = pulumi.Resource as unknown as { stackTrace: unknown };
        const stackTrace = resourceStatics.stackTrace;
        const security = loadSecuritySpec(SECURITY_FIXTURE_FILE);
        const previous = process.env.ENCLAVE_DEBUG;
        process.env.ENCLAVE_DEBUG = "1";
        try {
            expect(JSON.stringify(await planVendor(specs.evalcorp, security))).toBe(texts.evalcorp);
        } finally {
            if (previous === undefined) delete process.env.ENCLAVE_DEBUG;
            else process.env.ENCLAVE_DEBUG = previous;
        }
        expect(debuggable.debuggablePromise).toBe(tracker);
        await planVendor(specs.evalcorp, security);
        expect(debuggable.debuggablePromise).toBe(tracker);
        expect(resourceStatics.stackTrace).toBe(stackTrace);
        expect(Error.stackTraceLimit).toBeGreaterThan(0);
    });
});

describe("secrets", () => {
    const trust = (id: Id) =>
        JSON.parse(plans[id].resources.find((r) => r.type === "aws:iam/role:Role" && r.name.endsWith("-vendor-role"))!.inputs.assumeRolePolicy as string);

    it("the secret inputs are the vendor trust (external ID) and the tripwire's spots: readable datasets' bucket policies and the tripwire objects", () => {
        // The plan hides the secrets either way (they are known secrets); only this shows the program marks them for the state.
        for (const id of IDS) {
            const readable = specs[id].datasets.filter((d) => d.access !== "write").map((d) => d.name);
            expect(
                plans[id].resources
                    .filter((r) => r.secretInputs)
                    .map((r) => [r.name, r.secretInputs])
                    .sort(),
            ).toEqual(
                [
                    [`${id}-identity-vendor-role`, ["assumeRolePolicy"]],
                    ...readable.map((d) => [`${id}-${d}-policy`, ["policy"]]),
                    ...readable.map((d) => [`${id}-canary-${d}`, ["content", "key"]]),
                ].sort(),
            );
        }
    });

    it("the external ID given in evalcorp.yaml appears nowhere in any plan; the trust policy and the output show [secret]", () => {
        expect(specs.evalcorp.access.externalId).toBe(EVALCORP_EXTERNAL_ID);
        for (const id of IDS) expect(texts[id]).not.toContain(EVALCORP_EXTERNAL_ID);
        expect(evalcorpAgainText).not.toContain(EVALCORP_EXTERNAL_ID);
        expect(trust("evalcorp").Statement[0].Condition).toEqual({
            StringEquals: { "sts:ExternalId": "[secret]" },
            ArnEquals: { "aws:PrincipalArn": specs.evalcorp.access.principals },
        });
        expect(plans.evalcorp.outputs.externalId).toBe("[secret]");
        // A given external ID is used as is: nothing is generated beside it.
        expect(plans.evalcorp.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword")).toEqual([]);
    });

    it("the generated external ID (mock value) appears nowhere in the acme plan; it is shown as [secret]", () => {
        const generated = plans["acme-labeling"].resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword");
        expect(generated).toHaveLength(1);
        expect(generated[0].inputs).toMatchObject({ length: 32, special: false });
        const secret = mockGeneratedSecret(generated[0].name);
        expect(secret).toMatch(/^mock[0-9a-f]{28}$/);
        for (const text of [texts["acme-labeling"], acmeAgainText, texts.evalcorp]) expect(text).not.toContain(secret);
        expect(generated[0].outputs.result).toBe("[secret]");
        expect(trust("acme-labeling").Statement[0].Condition).toEqual({
            StringEquals: { "sts:ExternalId": "[secret]" },
            ArnEquals: { "aws:PrincipalArn": specs["acme-labeling"].access.principals },
        });
        expect(plans["acme-labeling"].outputs.externalId).toBe("[secret]");
    });

    it("no other document is hidden: every policy input except the secret's own spot stays readable JSON", () => {
        for (const id of IDS) {
            for (const d of policyDocuments(plans[id])) {
                expect(() => JSON.parse(d.text), d.name).not.toThrow();
                const hidden = (d.text.match(/\[secret\]/g) ?? []).length;
                // The external ID in the vendor trust; the tripwire's key in a readable dataset's bucket policy (two
                // statements name it: the deployer's one put and its one read-back).
                const readableBucketPolicy = specs[id].datasets.some((x) => x.access !== "write" && d.name === `${id}-${x.name}-policy.policy`);
                expect(hidden, d.name).toBe(d.name.endsWith("-vendor-role.assumeRolePolicy") ? 1 : readableBucketPolicy ? 2 : 0);
            }
        }
    });
});
