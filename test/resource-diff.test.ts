// The resource diff (plan/diff.ts) behind `enclave diff` and `enclave seal --dry-run`: created, deleted, replaced and
// updated resources of two offline plans. It proves what the program would ask Pulumi for and which of those inputs
// the replacement table (plan/replaceOnChanges.ts) says cannot change in place; it cannot prove the provider's own
// diff (the table is read from the provider's schema by hand) nor what AWS does on apply.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runCli } from "./support/cli";
import { checkoutWithFixtures, FIXTURES_DIR, removeScratchCopies } from "./support/fixtures";
import { spawnSync } from "node:child_process";

afterAll(removeScratchCopies);
import { diffPlans, renderPlanDiffMarkdown } from "../plan/diff";
import { REPLACE_ON_CHANGES } from "../plan/replaceOnChanges";
import { planSecurity, planVendor } from "../plan/stacks";
import type { Plan, PlanResource } from "../plan/types";
import { listVendorIds, loadSecuritySpec, vendorSpecPath } from "../config/load";
import { vendorSpecSchema } from "../config/schema";

const STACKS = FIXTURES_DIR;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "enclave-resource-diff-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
    process.exitCode = 0;
});

function variant(vendor: string, edit: (text: string) => string): string {
    const original = fs.readFileSync(path.join(STACKS, `${vendor}.yaml`), "utf8");
    const edited = edit(original);
    if (edited === original) throw new Error(`variant of ${vendor} changed nothing`);
    const dir = fs.mkdtempSync(path.join(tmp, "v-"));
    const file = path.join(dir, `${vendor}.yaml`);
    fs.writeFileSync(file, edited);
    return file;
}

describe("the replacement table covers every type the program registers", () => {
    it("has an entry for every custom resource type in the example vendors' plans (every optional part on) and the security plan", async () => {
        const security = loadSecuritySpec();
        const plans: Plan[] = [];
        for (const id of listVendorIds()) plans.push(await planVendor(vendorSpecSchema.parse(parse(fs.readFileSync(vendorSpecPath(id), "utf8"))), security));
        // Every interface endpoint and the allow-list data path: the optional resources exist in at least one plan.
        const everything = variant("evalcorp", (t) => t.replace("interfaceEndpoints: [kms, sts]", "interfaceEndpoints: [kms, sts, logs]"));
        plans.push(await planVendor(vendorSpecSchema.parse(parse(fs.readFileSync(everything, "utf8"))), security));
        plans.push(await planSecurity(security));
        const types = [...new Set(plans.flatMap((p) => p.resources.filter((r) => r.custom).map((r) => r.type)))].sort();
        // A type without an entry: add its ForceNew inputs (from the provider's schema) to plan/replaceOnChanges.ts.
        expect(types.filter((t) => !Object.hasOwn(REPLACE_ON_CHANGES, t))).toEqual([]);
        // Sanity: the table is not trivially satisfied (the plans hold the stateful types it is mostly for).
        expect(types).toEqual(
            expect.arrayContaining(["aws:ec2/vpc:Vpc", "aws:s3/bucket:Bucket", "aws:kms/key:Key", "aws:iam/role:Role", "aws:ec2/securityGroup:SecurityGroup"]),
        );
    }, 120_000);
});

describe("enclave diff shows resource changes after the access diff", () => {
    it("changing network.cidr replaces the VPC and its subnets (and what names them), access unchanged: exit 0", async () => {
        const head = variant("acme-labeling", (t) => t.replace("cidr: 10.20.0.0/20", "cidr: 10.30.0.0/20"));
        const r = await runCli(["diff", "--base-spec", path.join(STACKS, "acme-labeling.yaml"), "--head-spec", head, "--json"]);
        expect(r.err).toBe("");
        expect(r.code).toBe(0);
        const d = JSON.parse(r.out);
        expect(d.widened).toBe(false);
        const replaced = Object.fromEntries(d.resources.replaced.map((c: { name: string; replaceBecause: string[] }) => [c.name, c.replaceBecause]));
        expect(replaced["acme-labeling-network-vpc"]).toEqual(["cidrBlock"]);
        expect(replaced["acme-labeling-network-subnet-us-east-1a"]).toEqual(["cidrBlock", "vpcId"]);
        expect(replaced["acme-labeling-network-subnet-us-east-1b"]).toEqual(["cidrBlock", "vpcId"]);
        // Not in the spec change, but named by id: the new VPC's route table and gateway endpoint are new too.
        expect(replaced["acme-labeling-network-private-rt"]).toEqual(["vpcId"]);
        expect(replaced["acme-labeling-network-s3-endpoint"]).toEqual(["vpcId"]);
        const cidr = d.resources.replaced.find((c: { name: string }) => c.name === "acme-labeling-network-vpc").fields[0];
        expect([cidr.field, cidr.before, cidr.after, cidr.forcesReplacement]).toEqual(["cidrBlock", "10.20.0.0/20", "10.30.0.0/20", true]);
        // Buckets, keys and roles do not depend on the network: none of them is replaced.
        expect(d.resources.replaced.filter((c: { type: string }) => /s3\/bucket:|kms\/key:|iam\/role:/.test(c.type))).toEqual([]);
        expect([d.resources.created, d.resources.deleted]).toEqual([[], []]);
    });

    it("says so loudly in Markdown, and the access verdict comes first", async () => {
        const head = variant("acme-labeling", (t) => t.replace("cidr: 10.20.0.0/20", "cidr: 10.30.0.0/20"));
        const r = await runCli(["diff", "--base-spec", path.join(STACKS, "acme-labeling.yaml"), "--head-spec", head]);
        expect(r.code).toBe(0);
        expect(r.out.indexOf("## Effective access diff: acme-labeling")).toBe(0);
        expect(r.out).toMatch(/\*\*\d+ resources REPLACED\*\* \(.* -> .*\): deleted and created again/);
        expect(r.out).toContain(
            '- `aws:ec2/vpc:Vpc` `acme-labeling-network-vpc`, because `cidrBlock` cannot change in place\n  - `cidrBlock`: `"10.20.0.0/20"` -> `"10.30.0.0/20"` **(forces replacement)**',
        );
        expect(r.out.indexOf("#### Replaced")).toBeGreaterThan(r.out.indexOf("### Resource changes: acme-labeling"));
    });

    it("a widening spec change still exits 3, with its policy statements listed as in-place updates", async () => {
        const head = variant("evalcorp", (t) => t.replace("name: eval-prompts\n    access: read", "name: eval-prompts\n    access: read-write"));
        const r = await runCli(["diff", "--base-spec", path.join(STACKS, "evalcorp.yaml"), "--head-spec", head, "--json"]);
        expect(r.code).toBe(3);
        const d = JSON.parse(r.out);
        expect(d.resources.replaced).toEqual([]);
        const policy = d.resources.updated.find((c: { name: string }) => c.name === "evalcorp-access-vendor-policy");
        expect(policy.fields.map((f: { field: string; kind: string }) => [f.field, f.kind])).toEqual([["policy", "policy"]]);
        expect(policy.fields[0].statementsChanged).toContain("PutWritableObjects");
    });
});

describe("diffPlans (unit, hand-made plans)", () => {
    const res = (type: string, name: string, inputs: Record<string, unknown>, extra: Partial<PlanResource> = {}): PlanResource => ({
        urn: `urn:pulumi:v::vendor-enclaves::${type}::${name}`,
        type,
        name,
        parent: null,
        custom: true,
        protect: false,
        retainOnDelete: false,
        inputs,
        outputs: { id: `${name}-id-0123456789` },
        ...extra,
    });
    const plan = (...resources: PlanResource[]): Plan => ({ project: "vendor-enclaves", stack: "v", resources, outputs: {} });

    it("never prints a secret: a wholly secret input is only said to change", () => {
        const before = plan(res("random:index/randomPassword:RandomPassword", "x", { length: 32, special: "[secret]" }));
        const after = plan(res("random:index/randomPassword:RandomPassword", "x", { length: 32, special: "hunter2-should-not-appear" }));
        const d = diffPlans(before, after);
        expect(d.replaced.map((c) => [c.name, c.replaceBecause, c.fields[0].kind])).toEqual([["x", ["special"], "secret"]]);
        const text = renderPlanDiffMarkdown(d, { base: "a", head: "b" });
        expect(text).toContain("`special`: secret value changed (not shown) **(forces replacement)**");
        expect(text).not.toContain("hunter2");
    });

    it("a type missing from the table is flagged, not silently judged in place; created and deleted go by URN", () => {
        const before = plan(res("aws:new/thing:Thing", "t", { size: 1 }), res("aws:kms/alias:Alias", "gone", { name: "alias/a" }));
        const after = plan(res("aws:new/thing:Thing", "t", { size: 2 }), res("aws:kms/alias:Alias", "new", { name: "alias/b" }));
        const d = diffPlans(before, after);
        expect(d.updated.map((c) => [c.name, c.replacementUnknown])).toEqual([["t", true]]);
        expect(d.created.map((r) => r.name)).toEqual(["new"]);
        expect(d.deleted.map((r) => r.name)).toEqual(["gone"]);
        expect(renderPlanDiffMarkdown(d, { base: "a", head: "b" })).toContain("`aws:new/thing:Thing` `t` (replacement not judged: type not in the table)");
    });

    it("an absent side is a vendor added or removed: everything created or deleted", () => {
        const p = plan(res("aws:kms/key:Key", "k", {}), res("aws:iam/role:Role", "r", { name: "n" }));
        expect(diffPlans(undefined, p).created.map((r) => r.name)).toEqual(["r", "k"]);
        expect(diffPlans(p, undefined).deleted.map((r) => r.name)).toEqual(["r", "k"]);
    });
});

describe("enclave seal <vendor> --dry-run", () => {
    it("prints the seal's resource diff offline, writes nothing, exits 0", () => {
        // The real binary in a scratch checkout whose stacks/ holds the fixtures (a dry run names the vendor by id).
        const root = checkoutWithFixtures();
        const file = path.join(root, "stacks", "acme-labeling.yaml");
        const before = fs.readFileSync(file);
        const run = (args: string[]) => spawnSync(process.execPath, [path.join(root, "bin", "enclave.js"), ...args], { encoding: "utf8", cwd: root });
        const r = run(["seal", "acme-labeling", "--dry-run"]);
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        expect(r.stdout).toMatch(/^enclave seal acme-labeling --dry-run: nothing written, nothing deployed/);
        expect(r.stdout).toMatch(/The seal would write sealed: true, sealedAt: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ into stacks\/acme-labeling\.yaml/);
        // The two roles' seal policies are created (the catalogue's seal-only resources); everything else changes in place.
        expect(r.stdout).toMatch(/acme-labeling, unsealed -> sealed: \d+ resources, 2 added, 0 removed, 8 changed in place/);
        expect(r.stdout).toContain("~ aws:kms/key:Key");
        expect(r.stdout).toContain("      isEnabled: true -> false");
        expect(r.stdout).not.toContain("WARNING");
        expect(fs.readFileSync(file).equals(before)).toBe(true);
        // The runbook's own refusals still apply to a dry run.
        const security = run(["seal", "security", "--dry-run"]);
        expect([security.status, security.stderr.trim().split("\n").length]).toEqual([2, 1]);
    }, 120_000);
});
