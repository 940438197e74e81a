import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { planVendor } from "../plan/stacks";
import type { Plan } from "../plan/types";
import { diffPlans, renderPlanDiff, type PlanDiff } from "../plan/diff";
// The only inputs a seal may change, per resource type: the same list the runbook's preview guard enforces.
import { SEAL_FIELDS } from "../runbook/runbook";
import { withSealState } from "../runbook/specFile";
import { listVendorIds, loadSecuritySpec, vendorSpecPath } from "../config/load";
import { vendorSpecSchema } from "../config/schema";
import { parse } from "yaml";

// Issue 4: the seal is desired state. For every example vendor, the offline plans of the same spec unsealed and sealed
// differ only in the seal fields, in place. This proves what the program would ask Pulumi for; it cannot prove how the
// AWS provider diffs (a replacement is inferred from which inputs change) nor how AWS applies or propagates it.

const SEALED_AT = "2026-11-23T12:00:00Z";
const security = loadSecuritySpec();

const specFrom = (text: string) => vendorSpecSchema.parse(parse(text));

const SEAL_STATEMENTS: Record<string, string[]> = {
    "aws:iam/rolePolicy:RolePolicy": ["SealDenyAll", "SealRevokeOlderSessions"],
    "aws:iam/role:Role": ["SealDenyAssumeRole"],
    "aws:s3/bucketPolicy:BucketPolicy": ["SealDenyVendor"],
    "aws:ec2/vpcEndpoint:VpcEndpoint": ["SealDenyVendor"],
    "aws:kms/key:Key": ["SealDenyVendor"],
};
const DNS_RULE = "aws:route53/resolverFirewallRule:ResolverFirewallRule";
/** Inputs whose change makes the AWS provider replace the resource (a new bucket, key, role or endpoint). */
const REPLACE_FIELDS = [
    ...["bucket", "name", "customerMasterKeySpec", "keyUsage", "multiRegion", "serviceName", "vpcId", "vpcEndpointType", "cidrBlock", "availabilityZone", "role"],
    ...["firewallRuleGroupId", "firewallDomainListId", "resourceId", "destinationArn", "resolverQueryLogConfigId"],
];

describe.each(listVendorIds())("sealing %s is an in-place change of the seal fields only (offline plan; not AWS's behaviour)", (vendor) => {
    const original = fs.readFileSync(vendorSpecPath(vendor), "utf8");
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

    it("keeps the same URN set: nothing added, nothing removed", () => {
        expect(sealed.resources.map((r) => r.urn).sort()).toEqual(unsealed.resources.map((r) => r.urn).sort());
        expect(diff.created).toEqual([]);
        expect(diff.deleted).toEqual([]);
        expect(diff.replaced).toEqual([]);
    });

    it("changes only the seal fields, by adding exactly the seal statements, on at most a dozen resources", () => {
        const spec = specFrom(original);
        const expected = [
            `${vendor}-access-vendor-policy`,
            `${vendor}-access-workload-policy`,
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
            expect([c.name, c.fields.map((f) => f.field)]).toEqual([c.name, SEAL_FIELDS[c.type]]);
            for (const f of c.fields) {
                if (f.field === "isEnabled") expect([f.before, f.after]).toEqual([true, false]);
                else if (c.type === DNS_RULE) expect([f.field, f.before, f.after]).toEqual(f.field === "action" ? ["action", "ALLOW", "BLOCK"] : ["blockResponse", undefined, "NXDOMAIN"]);
                else expect([c.name, f.kind, f.statementsAdded, f.statementsRemoved, f.statementsChanged]).toEqual([c.name, "policy", SEAL_STATEMENTS[c.type], [], []]);
            }
        }
    });

    it("forces no replacement: names, key spec, endpoint service, protect and retainOnDelete are unchanged everywhere", () => {
        const before = new Map(unsealed.resources.map((r) => [r.urn, r]));
        for (const a of sealed.resources) {
            const b = before.get(a.urn)!;
            for (const field of REPLACE_FIELDS) expect([a.name, field, a.inputs[field]]).toEqual([a.name, field, b.inputs[field]]);
            expect([a.name, a.protect, a.retainOnDelete, a.parent]).toEqual([b.name, b.protect, b.retainOnDelete, b.parent]);
        }
    });

    it("renders the seal time into the revoke-older-sessions condition, and changes only the sealed/sealedAt outputs", () => {
        const policy = JSON.parse(sealed.resources.find((r) => r.name === `${vendor}-access-vendor-policy`)!.inputs.policy as string);
        expect(policy.Statement.find((s: { Sid: string }) => s.Sid === "SealRevokeOlderSessions").Condition).toEqual({ DateLessThan: { "aws:TokenIssueTime": SEALED_AT } });
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

describe("the README's breach section shows the real plan diff (generated text)", () => {
    it("holds renderPlanDiff's output for acme-labeling", async () => {
        const original = fs.readFileSync(vendorSpecPath("acme-labeling"), "utf8");
        const a = await planVendor(specFrom(original), security);
        const b = await planVendor(specFrom(withSealState(original, SEALED_AT)), security);
        const text = renderPlanDiff(diffPlans(a, b), "acme-labeling, sealed vs unsealed");
        const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
        expect(readme).toContain(`\`\`\`text\n${text}\n\`\`\``);
    });
});
