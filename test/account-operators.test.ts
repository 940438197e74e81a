import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkPlan } from "../guardrails/offline";
import { loadSelectedVendor } from "../config/select";
import { SpecError } from "../contract/errors";
import { planVendor } from "../plan/stacks";
import type { Plan, PlanResource } from "../plan/types";
import { runCli } from "./support/cli";
import { FIXTURES_DIR } from "./support/fixtures";

// Account mode: the enclave's key and buckets live in the member account, and only that account's principals can
// administer them (KMS and S3 take no cross-account PutKeyPolicy or PutBucketPolicy). The operators the key and bucket
// policies name must therefore be the member account's deployer and break-glass, and the stack must deploy as that
// deployer. The fixture folder test/fixtures/account/ holds acme-labeling in member account 210987654321, the
// security spec (account 111122223333) and the organization spec. What this cannot prove: that those roles exist in
// the member account (the organization's bootstrap), nor AWS's refusal of cross-account key administration.

const DIR = path.join(FIXTURES_DIR, "account");
const SPEC = path.join(DIR, "acme-labeling.yaml");
const MEMBER = "210987654321";
const SECURITY_ACCOUNT = "111122223333";
const DEPLOYER = `arn:aws:iam::${MEMBER}:role/enclave-deployer`;
const BREAK_GLASS = `arn:aws:iam::${MEMBER}:role/enclave-break-glass`;
const VENDOR_ROLE = `arn:aws:iam::${MEMBER}:role/enclave-acme-labeling-vendor`;
const WORKLOAD_ROLE = `arn:aws:iam::${MEMBER}:role/enclave-acme-labeling-workload`;
const DATASETS = ["guidelines", "task-batches", "labels-dropbox"];

type Doc = { Statement: { Sid?: string; Principal?: unknown; Condition?: Record<string, Record<string, unknown>> }[] };
const docOf = (r: PlanResource): Doc => JSON.parse(String(r.inputs.policy)) as Doc;
const sid = (doc: Doc, name: string) => doc.Statement.find((s) => s.Sid === name)!;
const keyOf = (plan: Plan) => plan.resources.find((r) => r.type === "aws:kms/key:Key")!;
const bucketPolicies = (plan: Plan) => plan.resources.filter((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy");
/** Every aws:PrincipalArn value of a document, under any operator. */
const principalArns = (doc: Doc) =>
    doc.Statement.flatMap((s) =>
        Object.values(s.Condition ?? {}).flatMap((byKey) =>
            Object.entries(byKey)
                .filter(([k]) => k === "aws:PrincipalArn")
                .flatMap(([, v]) => (Array.isArray(v) ? v : [v]) as string[]),
        ),
    );

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "enclave-account-operators-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of the fixture folder with one file's text edited. */
function variant(name: string, file: string, edit: (text: string) => string): string {
    const dir = path.join(tmp, name);
    fs.cpSync(DIR, dir, { recursive: true });
    const target = path.join(dir, file);
    const before = fs.readFileSync(target, "utf8");
    const after = edit(before);
    if (after === before) throw new Error(`variant ${name} changed nothing`);
    fs.writeFileSync(target, after);
    return path.join(dir, "acme-labeling.yaml");
}

let plan: Plan;
beforeAll(async () => {
    const loaded = loadSelectedVendor({ spec: SPEC });
    expect([loaded.spec.isolation, loaded.spec.memberAccount?.roleName, loaded.security.account.id]).toEqual(["account", "enclave-deployer", SECURITY_ACCOUNT]);
    plan = await planVendor(loaded.spec, loaded.security);
}, 120_000);

describe("account mode: the operators are the member account's roles", () => {
    it("the key policy: administration and break-glass reads pinned to member-account roles, under the member account", () => {
        const doc = docOf(keyOf(plan));
        const admin = sid(doc, "KeyAdministrationByRoleArn");
        expect(admin.Principal).toEqual({ AWS: `arn:aws:iam::${MEMBER}:root` });
        expect(admin.Condition).toEqual({ ArnEquals: { "aws:PrincipalArn": [DEPLOYER, BREAK_GLASS] } });
        const read = sid(doc, "BreakGlassReadViaS3");
        expect(read.Principal).toEqual({ AWS: [`arn:aws:iam::${MEMBER}:root`] });
        expect(read.Condition).toEqual({
            StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": MEMBER },
            ArnEquals: { "aws:PrincipalArn": [BREAK_GLASS] },
        });
        expect(principalArns(doc).filter((a) => a.split(":")[4] !== MEMBER)).toEqual([]);
    });

    it("every bucket policy exempts and denies exactly the member account's roles", () => {
        const policies = bucketPolicies(plan).filter((p) => String(p.inputs.bucket).startsWith("acme-labeling--"));
        expect(policies).toHaveLength(DATASETS.length);
        // The member log bucket (test/account-logs.test.ts) names member-account roles only, too.
        const logs = bucketPolicies(plan).filter((p) => !policies.includes(p));
        expect(logs.map((p) => p.inputs.bucket)).toEqual([`enclave-member-logs-${MEMBER}-us-east-1`]);
        expect(principalArns(docOf(logs[0])).filter((a) => a.split(":")[4] !== MEMBER)).toEqual([]);
        for (const p of policies) {
            const doc = docOf(p);
            expect(sid(doc, "DenyOutsideNetworkPerimeter").Condition!.StringNotEqualsIfExists).toEqual({ "aws:PrincipalArn": [DEPLOYER, BREAK_GLASS] });
            expect(sid(doc, "DenyUnlistedPrincipals").Condition!.StringNotEqualsIfExists).toEqual({
                "aws:PrincipalArn": [VENDOR_ROLE, WORKLOAD_ROLE, DEPLOYER, BREAK_GLASS],
            });
            expect(sid(doc, "DenyDeployerDataReads").Condition).toEqual({ ArnEquals: { "aws:PrincipalArn": [DEPLOYER] } });
            expect(principalArns(doc).filter((a) => a.split(":")[4] !== MEMBER)).toEqual([]);
        }
    });

    it("the stack deploys as that deployer, and `enclave check` passes the plan", async () => {
        const provider = plan.resources.find((r) => r.type === "pulumi:providers:aws")!;
        expect(JSON.parse(String(provider.inputs.assumeRoles))).toEqual([{ roleArn: DEPLOYER, sessionName: "enclave-acme-labeling-deploy" }]);
        expect(await checkPlan(plan)).toEqual([]);
    });

    it("a shared-account plan still names the security stack's roles (the rebase is a no-op there)", async () => {
        const shared = loadSelectedVendor({ spec: path.join(FIXTURES_DIR, "acme-labeling.yaml") });
        const doc = docOf(keyOf(await planVendor(shared.spec, shared.security)));
        expect(sid(doc, "KeyAdministrationByRoleArn").Condition).toEqual({
            ArnEquals: { "aws:PrincipalArn": [shared.security.deployerRoleArn, shared.security.breakGlassRoleArn] },
        });
    });
});

describe("the guardrails catch operators of the wrong account", () => {
    /** The plan with every member-account operator ARN in one resource's policy replaced by the security account's. */
    function planted(pick: (p: Plan) => PlanResource, edit: (doc: Doc) => void): Plan {
        const copy = structuredClone(plan);
        const r = pick(copy);
        const doc = docOf(r);
        edit(doc);
        r.inputs.policy = JSON.stringify(doc);
        r.outputs.policy = r.inputs.policy;
        return copy;
    }
    const toSecurity = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll(`${MEMBER}:role/enclave-`, `${SECURITY_ACCOUNT}:role/enclave-`));

    it("a key policy whose Principal is the member account but whose aws:PrincipalArn is the security account's fails", async () => {
        const bad = planted(keyOf, (doc) => {
            const admin = sid(doc, "KeyAdministrationByRoleArn");
            admin.Condition = toSecurity(admin.Condition);
        });
        const found = (await checkPlan(bad)).filter((v) => v.policy === "policy-principal-and-principal-arn-accounts-agree").map((v) => v.message);
        expect(found).toEqual([
            `key policy statement "KeyAdministrationByRoleArn": Principal is account ${MEMBER} but its condition names arn:aws:iam::${SECURITY_ACCOUNT}:role/enclave-deployer in account ${SECURITY_ACCOUNT}: no request can match it`,
            `key policy statement "KeyAdministrationByRoleArn": Principal is account ${MEMBER} but its condition names arn:aws:iam::${SECURITY_ACCOUNT}:role/enclave-break-glass in account ${SECURITY_ACCOUNT}: no request can match it`,
        ]);
    });

    it("break-glass reads with kms:CallerAccount of another account than the Principal fail", async () => {
        const bad = planted(keyOf, (doc) => {
            const read = sid(doc, "BreakGlassReadViaS3");
            read.Principal = { AWS: `arn:aws:iam::${SECURITY_ACCOUNT}:root` };
            read.Condition!.ArnEquals = { "aws:PrincipalArn": [`arn:aws:iam::${SECURITY_ACCOUNT}:role/enclave-break-glass`] };
        });
        const found = (await checkPlan(bad)).filter((v) => v.policy === "policy-principal-and-principal-arn-accounts-agree").map((v) => v.message);
        expect(found).toEqual([
            `key policy statement "BreakGlassReadViaS3": Principal is account ${SECURITY_ACCOUNT} but its condition names ${MEMBER} in account ${MEMBER}: no request can match it`,
        ]);
    });

    it("a bucket policy statement with an account Principal and another account's aws:PrincipalArn fails", async () => {
        const bad = planted(
            (p) => bucketPolicies(p)[0],
            (doc) =>
                doc.Statement.push({
                    Sid: "PlantedOperatorRead",
                    Principal: { AWS: `arn:aws:iam::${MEMBER}:root` },
                    Condition: { ArnEquals: { "aws:PrincipalArn": `arn:aws:iam::${SECURITY_ACCOUNT}:role/enclave-break-glass` } },
                    ...({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" } as object),
                }),
        );
        const found = (await checkPlan(bad)).filter((v) => v.policy === "policy-principal-and-principal-arn-accounts-agree").map((v) => v.message);
        expect(found).toEqual([
            `bucket policy statement "PlantedOperatorRead": Principal is account ${MEMBER} but its condition names arn:aws:iam::${SECURITY_ACCOUNT}:role/enclave-break-glass in account ${SECURITY_ACCOUNT}: no request can match it`,
        ]);
    });

    it("bucket policies exempting the security account's operators (the old plan) fail the lock-out check", async () => {
        const bad = planted(
            (p) => bucketPolicies(p)[0],
            (doc) => {
                for (const s of doc.Statement) s.Condition = toSecurity(s.Condition ?? {});
            },
        );
        const found = (await checkPlan(bad)).filter((v) => v.policy === "s3-data-bucket-policy-perimeter").map((v) => v.message);
        expect(found).toContain(
            `policy of ${String(bucketPolicies(bad)[0].inputs.bucket)}: the network-perimeter Deny does not exempt the deployer role ${DEPLOYER} by aws:PrincipalArn`,
        );
    });
});

describe("the deployer has one name: memberAccount.roleName, the security stack's and the organization's", () => {
    it("a vendor spec deploying as OrganizationAccountAccessRole is refused with one line naming the file and field (exit 2)", async () => {
        const file = variant("aws-role", "acme-labeling.yaml", (t) =>
            t.replace("memberAccount: {}", "memberAccount:\n  roleName: OrganizationAccountAccessRole"),
        );
        const message = `${file}: memberAccount.roleName differs from the deployer role (enclave-deployer, the security stack's deployerRoleArn and the organization's deployerRoleName): got "OrganizationAccountAccessRole". Fix: set memberAccount.roleName: enclave-deployer (that role deploys the stack, and the key and bucket policies name it).`;
        expect(() => loadSelectedVendor({ spec: file })).toThrow(SpecError);
        expect(() => loadSelectedVendor({ spec: file })).toThrow(message);
        const r = await runCli(["plan", "--spec", file]);
        expect(r.code).toBe(2);
        expect(r.err.trim().split("\n")).toHaveLength(1);
        expect(r.err).toContain("memberAccount.roleName differs from the deployer role");
    });

    it("an organization spec naming other operator roles than the security stack is refused (exit 2)", async () => {
        const file = variant("org-deployer", "organization.yaml", (t) => t.replace("deployerRoleName: enclave-deployer", "deployerRoleName: org-deployer"));
        const org = path.join(path.dirname(file), "organization.yaml");
        expect(() => loadSelectedVendor({ spec: file })).toThrow(
            `${org}: deployerRoleName differs from the security stack's deployerRoleArn (arn:aws:iam::${SECURITY_ACCOUNT}:role/enclave-deployer): got "org-deployer". Fix: set deployerRoleName: enclave-deployer (the operator roles have the same name in every account).`,
        );
        const glass = variant("org-break-glass", "organization.yaml", (t) => t.replace("breakGlassRoleName: enclave-break-glass", "breakGlassRoleName: bg"));
        expect(() => loadSelectedVendor({ spec: glass })).toThrow(/breakGlassRoleName differs from the security stack's breakGlassRoleArn/);
    });

    it("the program refuses the mismatch itself on the deploy path (one-line RunError, before any resource)", async () => {
        const loaded = loadSelectedVendor({ spec: SPEC });
        const spec = { ...loaded.spec, memberAccount: { roleName: "OrganizationAccountAccessRole" } };
        const err = await planVendor(spec, loaded.security).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(pulumi.RunError);
        expect((err as Error).message).toBe(
            `stacks/acme-labeling.yaml: memberAccount.roleName is "OrganizationAccountAccessRole" but the deployer role is enclave-deployer (the security stack's deployerRoleArn, and the organization's deployerRoleName): the stack would deploy as a role its own key and bucket policies do not name. Fix: set memberAccount.roleName: enclave-deployer`,
        );
    });
});
