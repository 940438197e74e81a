import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { planVendor } from "../plan/stacks";
import type { Plan } from "../plan/types";
import { diffPlans, renderPlanDiff, type PlanDiff } from "../plan/diff";
// What a seal may change, per resource type: the seal catalogue, the same the runbook's preview guard enforces.
import { SEAL_FIELDS, sealEntryOf, sealOnlyResources } from "../contract/seal";
import { sealRolePolicy } from "../iam/vendor";
import { withSealState } from "../runbook/specFile";
import { ACME, fixtureFile, FIXTURE_VENDOR_IDS, SEALED_AT, securityFixture } from "./support/fixtures";
import { vendorSpecSchema } from "../config/schema";
import { parse } from "yaml";

// The seal is desired state. For every fixture vendor, the offline plans of the same spec unsealed and sealed
// differ only in the seal fields, in place. This proves what the program would ask Pulumi for; it cannot prove how the
// AWS provider diffs (a replacement is inferred from which inputs change) nor how AWS applies or propagates it.

const security = securityFixture();

const specFrom = (text: string) => vendorSpecSchema.parse(parse(text));

/** Inputs whose change makes the AWS provider replace the resource (a new bucket, key, role or endpoint). */
const REPLACE_FIELDS = [
    ...[
        "bucket",
        "name",
        "customerMasterKeySpec",
        "keyUsage",
        "multiRegion",
        "serviceName",
        "vpcId",
        "vpcEndpointType",
        "cidrBlock",
        "availabilityZone",
        "role",
    ],
    ...["firewallRuleGroupId", "firewallDomainListId", "resourceId", "destinationArn", "resolverQueryLogConfigId"],
];

describe.each(FIXTURE_VENDOR_IDS)("sealing %s is an in-place change of the seal fields only (offline plan; not AWS's behaviour)", (vendor) => {
    const original = fs.readFileSync(fixtureFile(vendor), "utf8");
    let unsealed: Plan;
    let sealed: Plan;
    let unsealedAgain: Plan;
    let diff: PlanDiff;

    beforeAll(async () => {
        const sealedText = withSealState(original, SEALED_AT);
        const spec = specFrom(original);
        expect(spec.sealed).toBe(false);
        // One at a time: the offline engine refuses concurrent plans (the SDK's runtime state is global).
        unsealed = await planVendor(spec, security);
        sealed = await planVendor(specFrom(sealedText), security);
        unsealedAgain = await planVendor(specFrom(withSealState(sealedText, undefined)), security);
        diff = diffPlans(unsealed, sealed);
    });

    it("adds exactly the catalogue's seal-only resources (the two seal policies, with nothing to wait for), removes nothing", () => {
        const urnName = (u: string) => u.slice(u.lastIndexOf("::") + 2);
        const added = diff.created.map((c) => sealed.resources.find((r) => r.urn === c.urn)!);
        expect(added.map((r) => ({ type: r.type, name: urnName(r.urn) }))).toEqual(sealOnlyResources(vendor));
        expect(diff.deleted).toEqual([]);
        expect(diff.replaced).toEqual([]);
        for (const r of added) {
            // The role by its static name, the document by the seal time only: it depends on no other resource.
            expect([r.name, r.inputs.name, r.inputs.policy, r.dependencies ?? []]).toEqual([
                r.name,
                "enclave-seal",
                JSON.stringify(sealRolePolicy(SEALED_AT)),
                [],
            ]);
            expect([`enclave-${vendor}-vendor`, `enclave-${vendor}-workload`]).toContain(r.inputs.role);
        }
    });

    it("changes only the seal fields, by adding exactly the seal statements, on at most a dozen resources", () => {
        const spec = specFrom(original);
        const expected = [
            `${vendor}-identity-vendor-role`,
            `${vendor}-identity-workload-role`,
            `${vendor}-key-key`,
            `${vendor}-network-s3-endpoint`,
            `${vendor}-network-dns-allow-aws`,
            ...spec.network.interfaceEndpoints.map((service) => `${vendor}-network-${service}-endpoint`),
            ...spec.datasets.map((d) => `${vendor}-${d.name}-policy`),
        ].sort();
        expect(diff.updated.map((c) => c.name).sort()).toEqual(expected);
        expect(diff.updated.length).toBeLessThanOrEqual(12);
        for (const c of diff.updated) {
            const entry = sealEntryOf(c.type)!;
            expect([c.name, entry.lifecycle, c.fields.map((f) => f.field)]).toEqual([c.name, "in-place", SEAL_FIELDS[c.type]]);
            for (const f of c.fields) {
                const state = entry.states[f.field];
                if (state) expect([c.name, f.field, f.before, f.after]).toEqual([c.name, f.field, state.unsealed, state.sealed]);
                else
                    // A dataset bucket gains the vendor deny only; the airlock's freeze is for the airlock's buckets.
                    expect([c.name, f.kind, f.statementsAdded, f.statementsRemoved, f.statementsChanged]).toEqual([
                        c.name,
                        "policy",
                        c.type === "aws:s3/bucketPolicy:BucketPolicy" ? ["SealDenyVendor"] : entry.statements,
                        [],
                        [],
                    ]);
            }
        }
    });

    it("forces no replacement: names, key spec, endpoint service, protect and retainOnDelete are unchanged everywhere", () => {
        const before = new Map(unsealed.resources.map((r) => [r.urn, r]));
        for (const a of sealed.resources.filter((r) => before.has(r.urn))) {
            const b = before.get(a.urn)!;
            for (const field of REPLACE_FIELDS) expect([a.name, field, a.inputs[field]]).toEqual([a.name, field, b.inputs[field]]);
            expect([a.name, a.protect, a.retainOnDelete, a.parent]).toEqual([b.name, b.protect, b.retainOnDelete, b.parent]);
        }
    });

    it("renders the seal time into the revoke-older-sessions condition, and changes only the sealed/sealedAt outputs", () => {
        const policy = JSON.parse(sealed.resources.find((r) => r.name === `${vendor}-access-vendor-seal`)!.inputs.policy as string);
        expect(policy.Statement.find((s: { Sid: string }) => s.Sid === "SealRevokeOlderSessions").Condition).toEqual({
            DateLessThan: { "aws:TokenIssueTime": SEALED_AT },
        });
        expect(diff.outputs).toEqual([
            { key: "sealed", before: false, after: true },
            { key: "sealedAt", before: null, after: SEALED_AT },
        ]);
    });

    it("unsealing restores exactly the unsealed plan and the spec file byte for byte", () => {
        expect(unsealedAgain).toEqual(unsealed);
        expect(withSealState(withSealState(original, SEALED_AT), undefined)).toBe(original);
    });
});

describe("docs/seal-internals.md shows the real plan diff (generated text)", () => {
    it("holds renderPlanDiff's output for acme-labeling", async () => {
        const original = fs.readFileSync(fixtureFile(ACME), "utf8");
        const a = await planVendor(specFrom(original), security);
        const b = await planVendor(specFrom(withSealState(original, SEALED_AT)), security);
        const text = renderPlanDiff(diffPlans(a, b), "acme-labeling, sealed vs unsealed");
        const doc = fs.readFileSync(path.join(__dirname, "..", "docs", "seal-internals.md"), "utf8");
        expect(doc).toContain(`\`\`\`text\n${text}\n\`\`\``);
    });
});
