import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadVendorSpec } from "../spec/load";
import { runCommand, unsealNotBefore } from "../runbook/runbook";
import { sealFindings, targetsFor, unsealFindings, type Observed } from "../runbook/verify";
import { KEY_ARN, makeFake, REPO, removeFakes, UNSEAL_WAIT_MS, VPC, exitOf, steps } from "./support/runbookFake";

afterAll(removeFakes);

// The three guards of the breach runbook, driven against the in-memory fake (test/support/runbookFake.ts): no unseal
// while a pre-seal session may be alive, no deploy beyond in-place updates, and seal verification of every path (key
// policy, interface endpoints). They prove the ORCHESTRATION only. They do NOT prove AWS's behaviour: how long
// instance-profile credentials really last, what Pulumi's preview reports, or when IAM/KMS/EC2 apply a policy.

const V = "acme-labeling";
const ORIGINAL_SPEC = fs.readFileSync(path.join(REPO, "stacks", `${V}.yaml`), "utf8");


describe("unseal waits until every session issued before the seal has expired (fake clock; does not prove AWS's credential lifetimes)", () => {
    const REFUSAL =
        "refusing to unseal acme-labeling before 2026-11-23T18:05:01Z: sessions issued before the seal (2026-11-23T12:00:01Z) may be valid until then (vendor role 3600 s, workload instance-profile credentials up to 6 h, plus 5 min clock skew) and unsealing would let them work again";

    it("sealedAt + max(maxSessionSeconds, 6 h) + 5 min", () => {
        const spec = loadVendorSpec(path.join(REPO, "stacks", "evalcorp.yaml"), "evalcorp");
        expect(unsealNotBefore(spec)).toBeUndefined();
        expect(unsealNotBefore({ ...spec, sealed: true, sealedAt: "2026-11-23T12:00:00Z" })?.toISOString()).toBe("2026-11-23T18:05:00.000Z");
        expect(UNSEAL_WAIT_MS).toBe((6 * 3600 + 5 * 60) * 1000);
    });

    it("right after the seal: exit 2 with one line saying when and why; nothing called, the spec still sealed, only a refusal logged", async () => {
        const f = makeFake();
        await runCommand("seal", V, f.deps);
        const sealedSpec = fs.readFileSync(f.specFile(V), "utf8");
        const callsBefore = f.calls.length;
        const journalBefore = f.journal(V).length;
        const r = await exitOf(runCommand("unseal", V, f.deps));
        expect(r).toEqual({ code: 2, message: REFUSAL });
        expect(r.message).not.toContain("\n");
        expect(f.calls.slice(callsBefore)).toEqual([]);
        expect(fs.readFileSync(f.specFile(V), "utf8")).toBe(sealedSpec);
        expect(f.deployed).toEqual({ sealed: true, sealedAt: "2026-11-23T12:00:01Z", destroyed: false });
        const added = f.journal(V).slice(journalBefore);
        expect(added.map((e) => [e.command, e.step, e.result, e.error])).toEqual([["unseal", "refusal", "failed", REFUSAL]]);
    });

    it("a minute before the window ends: still refused; at the end of the window: unsealed and verified", async () => {
        const f = makeFake();
        await runCommand("seal", V, f.deps);
        const notBefore = Date.parse("2026-11-23T18:05:01Z");
        f.advance(notBefore - 60_000 - f.deps.clock.now().getTime());
        expect(await exitOf(runCommand("unseal", V, f.deps))).toEqual({ code: 2, message: REFUSAL });
        f.advance(60_000);
        await runCommand("unseal", V, f.deps);
        expect(fs.readFileSync(f.specFile(V), "utf8")).toBe(ORIGINAL_SPEC);
        expect(f.deployed).toEqual({ sealed: false, sealedAt: null, destroyed: false });
        expect(steps(f.journal(V)).slice(-6)).toEqual(["preflight", "write-spec", "preview", "up", "verify-unseal", "done"]);
    });
});

describe("preview before up: only in-place updates may be deployed mid-incident (fake preview; does not prove Pulumi's behaviour)", () => {
    it.each([
        ["replace", { same: 46, update: 9, replace: 1 }, "same 46, update 9, replace 1"],
        ["delete", { same: 45, update: 9, delete: 2 }, "same 45, update 9, delete 2"],
        ["create", { same: 47, update: 9, create: 1 }, "same 47, update 9, create 1"],
    ] as const)("seal with a %s in the preview: exit 1 naming the counts, no up, the spec change kept; fixed, the rerun resumes at preview", async (_op, summary, counts) => {
        const f = makeFake({ preview: { ...summary } });
        const r = await exitOf(runCommand("seal", V, f.deps));
        expect(r).toEqual({
            code: 1,
            message: `refusing to deploy acme-labeling: the preview shows more than in-place updates (${counts}); the working tree holds changes beyond the seal fields: revert them, then rerun \`enclave seal acme-labeling\` to resume`,
        });
        expect(f.calls).not.toContain("up");
        expect(f.deployed).toEqual({ sealed: false, sealedAt: null, destroyed: false });
        expect(fs.readFileSync(f.specFile(V), "utf8")).toContain('sealedAt: "2026-11-23T12:00:01Z"');
        expect(f.journal(V).map((e) => [e.step, e.result])).toEqual([
            ["preflight", "started"],
            ["preflight", "ok"],
            ["write-spec", "started"],
            ["write-spec", "ok"],
            ["preview", "started"],
            ["preview", "failed"],
        ]);

        f.opts.preview = undefined; // the unrelated change is reverted
        f.out.length = 0;
        await runCommand("seal", V, f.deps);
        expect(f.out[0]).toMatch(/resuming run seal-\S+ at preview /);
        expect(f.out).toContain("  skip write-spec (finished earlier in this run)");
        expect(f.done).toEqual({ preview: 2, up: 1 });
        expect(f.deployed).toEqual({ sealed: true, sealedAt: "2026-11-23T12:00:01Z", destroyed: false });
    });

    it("reads (the StackReference to the security stack) and in-place updates pass", async () => {
        const f = makeFake({ preview: { same: 46, update: 9, read: 1 } });
        await runCommand("seal", V, f.deps);
        expect(f.journal(V).find((e) => e.step === "preview" && e.result === "ok")?.data).toEqual({ changes: { same: 46, update: 9, read: 1 } });
    });

    it("a crash in up: the rerun previews again before up, and refuses if the working tree changed in between", async () => {
        const f = makeFake({ crashAt: "up" });
        await expect(runCommand("seal", V, f.deps)).rejects.toThrow(/step up failed: simulated crash in up/);
        f.opts.crashAt = undefined;
        f.opts.preview = { same: 47, update: 8, replace: 1 };
        const r = await exitOf(runCommand("seal", V, f.deps));
        expect(r.code).toBe(1);
        expect(r.message).toMatch(/^refusing to deploy acme-labeling: the preview shows more than in-place updates \(same 47, update 8, replace 1\)/);
        expect(f.done.up).toBeUndefined();
        f.opts.preview = undefined;
        await runCommand("seal", V, f.deps);
        expect(f.done).toEqual({ preview: 3, up: 1 });
    });

    it("unseal and destroy --seal-first refuse the same way, before up (and destroy before any evidence or destroy)", async () => {
        const f = makeFake();
        await runCommand("seal", V, f.deps);
        f.advance(UNSEAL_WAIT_MS);
        f.opts.preview = { same: 50, update: 4, delete: 1 };
        expect((await exitOf(runCommand("unseal", V, f.deps))).message).toMatch(/\(same 50, update 4, delete 1\).*rerun `enclave unseal acme-labeling` to resume$/);
        expect(f.done.up).toBe(1);

        const g = makeFake({ preview: { same: 55, replace: 1 } });
        expect((await exitOf(runCommand("destroy", V, g.deps, { yes: true, sealFirst: true }))).message).toMatch(/\(same 55, replace 1\).*rerun `enclave destroy acme-labeling` to resume$/);
        expect(g.calls.filter((c) => c === "up" || c === "destroy" || c.startsWith("put:"))).toEqual([]);
        expect(fs.existsSync(path.join(g.dir, "evidence"))).toBe(false);
    });
});

describe("seal verification covers the key policy and the interface endpoints (fake reads; does not prove AWS's propagation)", () => {
    const E = "evalcorp"; // kms and sts interface endpoints

    it("retries while the key policy and the interface endpoints still lack SealDenyVendor (simulated lag), then passes", async () => {
        const f = makeFake({ vendor: E, stale: { keyPolicy: 3, interfaceEndpoints: 2 } });
        await runCommand("seal", E, f.deps);
        expect(f.sleeps).toEqual([1000, 2000, 4000]);
        expect(f.out.filter((l) => l.includes("retrying"))).toEqual([
            `    verify-seal: 3 gap(s), e.g. key ${KEY_ARN}: key policy has no SealDenyVendor; retrying in 1.0 s (attempt 1/6)`,
            `    verify-seal: 3 gap(s), e.g. key ${KEY_ARN}: key policy has no SealDenyVendor; retrying in 2.0 s (attempt 2/6)`,
            `    verify-seal: 1 gap(s), e.g. key ${KEY_ARN}: key policy has no SealDenyVendor; retrying in 4.0 s (attempt 3/6)`,
        ]);
        expect(f.calls).toContain(`read:interface-endpoints:${VPC}`);
    });

    it("gives up with exit 1 naming each endpoint still without SealDenyVendor", async () => {
        const f = makeFake({ vendor: E, stale: { interfaceEndpoints: 99 } });
        const r = await exitOf(runCommand("seal", E, f.deps));
        expect(r).toEqual({
            code: 1,
            message:
                "verify-seal: still not confirmed after 6 reads: kms interface endpoint vpce-0fake-kms: policy has no SealDenyVendor; sts interface endpoint vpce-0fake-sts: policy has no SealDenyVendor",
        });
    });

    it("unseal retries until the key policy and the endpoints no longer hold SealDenyVendor", async () => {
        const f = makeFake({ vendor: E });
        await runCommand("seal", E, f.deps);
        f.advance(UNSEAL_WAIT_MS);
        f.opts.stale = { keyPolicy: 2, interfaceEndpoints: 1 };
        f.sleeps.length = 0;
        await runCommand("unseal", E, f.deps);
        expect(f.sleeps).toEqual([1000, 2000]);
        expect(f.out.filter((l) => l.includes("retrying"))).toEqual([
            `    verify-unseal: 3 gap(s), e.g. key ${KEY_ARN} key policy: still has SealDenyVendor; retrying in 1.0 s (attempt 1/6)`,
            `    verify-unseal: 1 gap(s), e.g. key ${KEY_ARN} key policy: still has SealDenyVendor; retrying in 2.0 s (attempt 2/6)`,
        ]);
    });

    it("findings: a missing spec'd endpoint, an endpoint outside the stack, a key policy without the seal, no vpcId output", () => {
        const spec = { ...loadVendorSpec(path.join(REPO, "stacks", `${E}.yaml`), E), sealed: true, sealedAt: "2026-11-23T12:00:00Z" };
        const outputs = { keyArn: { value: KEY_ARN, secret: false }, s3EndpointId: { value: "vpce-s3", secret: false }, vpcId: { value: VPC, secret: false } };
        const t = targetsFor(spec, outputs);
        expect(t.interfaceServices).toEqual(["kms", "sts"]);
        const deny = { Version: "2012-10-17", Statement: [{ Sid: "SealDenyVendor", Effect: "Deny" as const }] };
        const o: Observed = {
            roles: {},
            keyState: "Disabled",
            keyPolicy: { Statement: [{ Sid: "KeyAdministration", Effect: "Allow" }] },
            buckets: {},
            endpoint: deny,
            interfaceEndpoints: [
                { id: "vpce-kms", service: "kms", policy: deny },
                { id: "vpce-ssm", service: "ssm", policy: null },
            ],
        };
        const gaps = sealFindings(o, t, spec.sealedAt).filter((g) => !g.startsWith("role ") && !g.startsWith("bucket "));
        expect(gaps).toEqual([
            `key ${KEY_ARN}: key policy has no SealDenyVendor`,
            `sts interface endpoint: not found in ${VPC}`,
            "ssm interface endpoint vpce-ssm: policy has no SealDenyVendor",
        ]);
        const unsealed = unsealFindings({ ...o, keyState: "Enabled", endpoint: null }, t).filter((g) => !g.startsWith("role "));
        expect(unsealed).toEqual([`sts interface endpoint: not found in ${VPC}`, "kms interface endpoint vpce-kms: still has SealDenyVendor"]);
        const noVpc = targetsFor(spec, { keyArn: outputs.keyArn });
        expect(sealFindings({ ...o, interfaceEndpoints: [] }, noVpc, spec.sealedAt)).toContain("interface endpoints (kms, sts): the stack has no vpcId output to find them by");
    });
});
