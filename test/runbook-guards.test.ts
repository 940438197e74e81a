import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadVendorSpec } from "../config/load";
import { runCommand, SEAL_FIELDS, sealMoments, unsealNotBefore } from "../runbook/runbook";
import type { JournalEntry } from "../runbook/journal";
import { sealFindings, targetsFor, unsealFindings, type Observed } from "../runbook/verify";
import type { DnsFirewallRuleGroup, PolicyJson, PolicyStatementJson, PreviewStep } from "../runbook/types";
import { SEAL_CATALOGUE } from "../contract/seal";
import {
    dataBucketPolicy,
    interfaceEndpointPolicy,
    s3EndpointPolicy,
    sealRolePolicy,
    vendorKeyPolicy,
    vendorTrustPolicy,
    workloadTrustPolicy,
} from "../iam/vendor";
import { DNS_RULE_GROUP, KEY_ARN, makeFake, removeFakes, sealInputs, sealSteps, UNSEAL_WAIT_MS, urnOf, VPC, exitOf, steps } from "./support/runbookFake";
import { contentOffence } from "../runbook/previewGuard";
import { fixtureFile, fixtureText, SEALED_AT } from "./support/fixtures";

afterAll(removeFakes);

// The three guards of the breach runbook, driven against the in-memory fake (test/support/runbookFake.ts): no unseal
// while a pre-seal session may be alive, no deploy beyond in-place updates, and seal verification of every path (key
// policy, interface endpoints). They prove the ORCHESTRATION only. They do NOT prove AWS's behaviour: how long
// instance-profile credentials really last, what Pulumi's preview reports, or when IAM/KMS/EC2 apply a policy.

const V = "acme-labeling";
const ORIGINAL_SPEC = fixtureText(V);

describe("unseal waits until every session issued before the seal took effect has expired (fake clock and fake stack; does not prove AWS's credential lifetimes)", () => {
    const REFUSAL =
        "refusing to unseal acme-labeling before 2026-11-23T18:05:03Z: sessions issued before the seal took effect (2026-11-23T12:00:03Z, verify-seal of run seal-2026-11-23T12-00-00Z) may be valid until then (vendor role 3600 s, workload instance-profile credentials up to 6 h, plus 5 min clock skew) and unsealing would let them work again";
    const PREFLIGHT_CALLS = ["checkTooling", "callerIdentity", "listStacks", `select:${V}`];

    it("max(spec sealedAt, deployed sealedAt, end of the latest seal run's verify-seal) + max(maxSessionSeconds, 6 h) + 5 min", () => {
        const spec = loadVendorSpec(fixtureFile("evalcorp"), "evalcorp");
        expect(unsealNotBefore(3600, [])).toBeUndefined();
        expect(unsealNotBefore(3600, [{ at: "2026-11-23T12:00:00Z", source: "spec" }])?.notBefore.toISOString()).toBe("2026-11-23T18:05:00.000Z");
        expect(UNSEAL_WAIT_MS).toBe((6 * 3600 + 5 * 60) * 1000);
        const sealed = { ...spec, sealed: true, sealedAt: SEALED_AT };
        const line = (command: string, step: string, result: string, end: string, vendor = "evalcorp") =>
            ({ run: `${command}-x`, command, vendor, step, start: end, end, result, operator: "t" }) as JournalEntry;
        const journal = [
            line("seal", "verify-seal", "ok", "2026-11-23T15:00:00Z"),
            line("seal", "verify-seal", "failed", "2026-11-23T16:00:00Z"), // not a moment the seal was confirmed
            line("destroy", "verify-seal", "ok", "2026-11-23T17:00:00Z"), // not a seal run
            line("seal", "verify-seal", "ok", "2026-11-23T18:00:00Z", "acme-labeling"), // another vendor
        ];
        const deployed = { sealed: { value: true, secret: false }, sealedAt: { value: "2026-11-23T13:00:00Z", secret: false } };
        const moments = sealMoments(sealed, deployed, journal, "evalcorp");
        expect(moments.map((m) => m.at)).toEqual(["2026-11-23T12:00:00Z", "2026-11-23T13:00:00Z", "2026-11-23T15:00:00Z"]);
        expect(unsealNotBefore(3600, moments)).toEqual({
            notBefore: new Date("2026-11-23T21:05:00Z"),
            from: { at: "2026-11-23T15:00:00Z", source: "verify-seal of run seal-x" },
        });
        expect(unsealNotBefore(7 * 3600, moments)?.notBefore.toISOString()).toBe("2026-11-23T22:05:00.000Z");
        expect(sealMoments(spec, { sealed: { value: false, secret: false }, sealedAt: { value: null, secret: false } }, [], "evalcorp")).toEqual([]);
    });

    it("right after the seal: exit 2 with one line saying when and why, after the non-destructive preflight and a read of the outputs; the spec still sealed, the refusal logged", async () => {
        const f = makeFake();
        await runCommand("seal", V, f.deps);
        const sealedSpec = fs.readFileSync(f.specFile(V), "utf8");
        const callsBefore = f.calls.length;
        const journalBefore = f.journal(V).length;
        const r = await exitOf(runCommand("unseal", V, f.deps));
        expect(r).toEqual({ code: 2, message: REFUSAL });
        expect(r.message).not.toContain("\n");
        expect(f.calls.slice(callsBefore)).toEqual([...PREFLIGHT_CALLS, "outputs"]);
        expect(fs.readFileSync(f.specFile(V), "utf8")).toBe(sealedSpec);
        expect(f.deployed).toEqual({ sealed: true, sealedAt: "2026-11-23T12:00:01Z", destroyed: false });
        const added = f.journal(V).slice(journalBefore);
        expect(added.map((e) => [e.command, e.step, e.result, e.error])).toEqual([
            ["unseal", "preflight", "started", undefined],
            ["unseal", "preflight", "ok", undefined],
            ["unseal", "refusal", "failed", REFUSAL],
        ]);
    });

    it("a minute before the window ends: still refused; at the end of the window: unsealed and verified", async () => {
        const f = makeFake();
        await runCommand("seal", V, f.deps);
        const notBefore = Date.parse("2026-11-23T18:05:03Z");
        f.advance(notBefore - 60_000 - f.deps.clock.now().getTime());
        expect(await exitOf(runCommand("unseal", V, f.deps))).toEqual({ code: 2, message: REFUSAL });
        f.advance(60_000);
        await runCommand("unseal", V, f.deps);
        expect(fs.readFileSync(f.specFile(V), "utf8")).toBe(ORIGINAL_SPEC);
        expect(f.deployed).toEqual({ sealed: false, sealedAt: null, destroyed: false });
        expect(steps(f.journal(V)).slice(-6)).toEqual(["preflight", "write-spec", "preview", "up", "verify-unseal", "done"]);
    });

    it("a seal resumed three hours after write-spec: the wait counts from its verify-seal, not from the spec's sealedAt", async () => {
        const f = makeFake({ crashAt: "up" });
        await expect(runCommand("seal", V, f.deps)).rejects.toThrow(/simulated crash in up/);
        f.opts.crashAt = undefined;
        f.advance(3 * 3600_000);
        await runCommand("seal", V, f.deps);
        expect(f.deployed.sealedAt).toBe("2026-11-23T12:00:01Z");
        const verified = f.journal(V).find((e) => e.step === "verify-seal" && e.result === "ok")!.end as string;
        expect(verified.startsWith("2026-11-23T15:00:")).toBe(true);
        f.advance(Date.parse("2026-11-23T18:05:01Z") + 3600_000 - f.deps.clock.now().getTime()); // sealedAt's window + 1 h
        const r = await exitOf(runCommand("unseal", V, f.deps));
        const notBefore = new Date(Date.parse(verified) + UNSEAL_WAIT_MS).toISOString().replace(".000Z", "Z");
        expect(r.code).toBe(2);
        expect(r.message).toMatch(
            new RegExp(
                `^refusing to unseal acme-labeling before ${notBefore}: sessions issued before the seal took effect \\(${verified}, verify-seal of run seal-2026-11-23T12-00-00Z\\)`,
            ),
        );
        expect(f.done.up).toBe(1);
        f.advance(Date.parse(notBefore) - f.deps.clock.now().getTime());
        await runCommand("unseal", V, f.deps);
        expect(f.deployed).toEqual({ sealed: false, sealedAt: null, destroyed: false });
    });

    it("on a machine without the incident log, the deployed stack's sealedAt counts when it is later than the spec's", async () => {
        const f = makeFake();
        await runCommand("seal", V, f.deps);
        fs.rmSync(path.join(f.dir, "incidents"), { recursive: true });
        f.deployed.sealedAt = "2026-11-23T14:00:00Z"; // e.g. deployed from another checkout
        f.advance(UNSEAL_WAIT_MS);
        const r = await exitOf(runCommand("unseal", V, f.deps));
        expect(r).toEqual({
            code: 2,
            message: expect.stringMatching(
                /^refusing to unseal acme-labeling before 2026-11-23T20:05:00Z: sessions issued before the seal took effect \(2026-11-23T14:00:00Z, the deployed stack's sealedAt\)/,
            ),
        });
        expect(f.done.up).toBe(1);
    });

    it("a checkout without the seal commit (spec unsealed, deployed stack sealed): exit 2, pull the seal commit first; nothing deployed", async () => {
        const f = makeFake();
        await runCommand("seal", V, f.deps);
        fs.writeFileSync(f.specFile(V), ORIGINAL_SPEC);
        f.advance(UNSEAL_WAIT_MS * 2); // even long after the window: the spec is not the desired state
        const r = await exitOf(runCommand("unseal", V, f.deps));
        expect(r).toEqual({
            code: 2,
            message:
                'refusing to unseal acme-labeling: the deployed stack is sealed (sealedAt "2026-11-23T12:00:01Z") but stacks/acme-labeling.yaml is not: this checkout lacks the seal commit; pull it (`git pull`) first, then rerun `enclave unseal acme-labeling`',
        });
        expect(f.done).toEqual({ preview: 1, up: 1 });
        expect(f.deployed.sealed).toBe(true);
        expect(f.journal(V).at(-1)).toMatchObject({ command: "unseal", step: "refusal", result: "failed", error: r.message });
    });

    it("an unseal killed inside write-spec (spec already unsealed, stack still sealed) resumes without the check refusing it", async () => {
        const f = makeFake();
        await runCommand("seal", V, f.deps);
        f.advance(UNSEAL_WAIT_MS);
        f.opts.crashAt = "preview";
        await expect(runCommand("unseal", V, f.deps)).rejects.toThrow(/simulated crash in preview/);
        // kill -9 after the spec was renamed into place but before write-spec's "ok" line
        const file = path.join(f.dir, "incidents", `${V}.jsonl`);
        const kept = f.journal(V).filter((e) => !(e.command === "unseal" && (e.step === "preview" || (e.step === "write-spec" && e.result === "ok"))));
        fs.writeFileSync(file, kept.map((e) => `${JSON.stringify(e)}\n`).join(""));
        expect(fs.readFileSync(f.specFile(V), "utf8")).toBe(ORIGINAL_SPEC);
        f.opts.crashAt = undefined;
        await runCommand("unseal", V, f.deps);
        expect(f.deployed).toEqual({ sealed: false, sealedAt: null, destroyed: false });
    });
});

describe("preview before up: only in-place updates of the seal fields may be deployed mid-incident (fake preview steps and summary; does not prove what Pulumi's engine reports)", () => {
    it.each([
        // The seal of acme-labeling: 8 in-place updates and the create of the two seal policies.
        ["replace", { same: 46, update: 7, create: 2, replace: 1 }, "same 46, update 7, create 2, replace 1"],
        ["delete", { same: 45, update: 7, create: 2, delete: 2 }, "same 45, update 7, create 2, delete 2"],
        ["create beyond the seal policies'", { same: 47, update: 7, create: 3 }, "same 47, update 7, create 3"],
    ] as const)(
        "seal with a %s in the preview: exit 1 naming the counts, no up, the spec change kept; fixed, the rerun resumes at preview",
        async (_op, summary, counts) => {
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
        },
    );

    const spec = () => loadVendorSpec(fixtureFile(V), V);
    const SG = urnOf(V, "aws:ec2/securityGroup:SecurityGroup", `${V}-network-endpoints-sg`);
    const ROLE = urnOf(V, "aws:iam/role:Role", `${V}-identity-vendor-role`);
    const DNS_RULE_TYPE = "aws:route53/resolverFirewallRule:ResolverFirewallRule";
    const DNS_RULE = urnOf(V, DNS_RULE_TYPE, `${V}-network-dns-allow-aws`);
    const fix = "the working tree holds unreviewed changes: revert them, then rerun `enclave seal acme-labeling` to resume";
    it.each([
        [
            "an in-place update of a resource that is not a seal resource",
            [{ op: "update", urn: SG, type: "aws:ec2/securityGroup:SecurityGroup", diffs: ["ingress"] }],
            `update of ingress of ${SG}`,
        ],
        [
            "an update of a seal resource beyond its seal fields",
            [{ op: "update", urn: ROLE, type: "aws:iam/role:Role", diffs: ["assumeRolePolicy", "managedPolicyArns"] }],
            `update of managedPolicyArns of ${ROLE} (a seal changes only assumeRolePolicy)`,
        ],
        [
            "an update of the DNS allow rule beyond action and blockResponse (a reordered rule could let queries through)",
            [{ op: "update", urn: DNS_RULE, type: DNS_RULE_TYPE, diffs: ["priority"] }],
            `update of priority of ${DNS_RULE} (a seal changes only action, blockResponse)`,
        ],
        ["a replacement of a seal resource", [{ op: "replace", urn: ROLE, type: "aws:iam/role:Role", diffs: ["name"] }], `replace of name of ${ROLE}`],
        ["a create", [{ op: "create", urn: SG, type: "aws:ec2/securityGroup:SecurityGroup" }], `create of ${SG}`],
    ])(
        "seal with %s in the preview's steps: exit 1 naming the first offending URN, op and fields; no up, the spec kept; reverted, the rerun resumes at preview",
        async (_what, extra, offence) => {
            // The change summary alone would let the in-place cases through: update counts only.
            const f = makeFake({
                previewSteps: [...sealSteps(spec()), ...extra, { op: "update", urn: "urn:second", type: "aws:iam/role:Role", diffs: ["name"] }],
            });
            const r = await exitOf(runCommand("seal", V, f.deps));
            expect(r).toEqual({ code: 1, message: `refusing to deploy acme-labeling: the preview shows a change beyond the seal fields: ${offence}; ${fix}` });
            expect(f.calls).not.toContain("up");
            expect(fs.readFileSync(f.specFile(V), "utf8")).toContain('sealedAt: "2026-11-23T12:00:01Z"');
            expect(f.journal(V).at(-1)).toMatchObject({ step: "preview", result: "failed", error: r.message });
            f.opts.previewSteps = undefined;
            f.out.length = 0;
            await runCommand("seal", V, f.deps);
            expect(f.out[0]).toMatch(/resuming run seal-\S+ at preview /);
            expect(f.done).toEqual({ preview: 2, up: 1 });
        },
    );

    it("an update event without the changed inputs (older engines) is refused: it cannot be shown to be the seal's", async () => {
        const steps = sealSteps(spec()).map((s) => (s.urn === ROLE ? { op: s.op, urn: s.urn, type: s.type } : s));
        const f = makeFake({ previewSteps: steps });
        const r = await exitOf(runCommand("seal", V, f.deps));
        expect(r).toEqual({
            code: 1,
            message: `refusing to deploy acme-labeling: the preview shows a change beyond the seal fields: update of ${ROLE} without the changed inputs in the engine's event (an older Pulumi CLI?), so it cannot be shown to touch only the seal fields; ${fix}`,
        });
        expect(f.calls).not.toContain("up");
    });

    it("more updates in the summary than the engine described (events missing) are refused", async () => {
        const f = makeFake({ previewSteps: sealSteps(spec()).slice(0, -1) });
        f.opts.preview = { same: 47, update: 8, create: 2 };
        const r = await exitOf(runCommand("seal", V, f.deps));
        expect(r).toEqual({
            code: 1,
            message:
                "refusing to deploy acme-labeling: the preview counts 8 update(s) but the engine described 7, so they cannot be shown to touch only the seal fields; rerun `enclave seal acme-labeling` to resume",
        });
        expect(f.calls).not.toContain("up");
    });

    it("same and read steps, and updates of exactly the seal fields (the default fake preview), pass; SEAL_FIELDS is the seal resources' list", async () => {
        const steps = [
            { op: "same", urn: SG, type: "aws:ec2/securityGroup:SecurityGroup" },
            { op: "read", urn: urnOf(V, "pulumi:pulumi:StackReference", "security"), type: "pulumi:pulumi:StackReference" },
            ...sealSteps(spec()),
        ];
        const f = makeFake({ previewSteps: steps });
        await runCommand("seal", V, f.deps);
        expect(f.done.up).toBe(1);
        expect(new Set(sealSteps(spec()).map((s) => s.type))).toEqual(new Set(SEAL_CATALOGUE.map((e) => e.types[0])));
        for (const s of sealSteps(spec()).filter((x) => x.op === "update")) expect(s.diffs!.every((d) => SEAL_FIELDS[s.type].includes(d))).toBe(true);
        // The only creates: the two seal policies, by type and name from the catalogue.
        expect(
            sealSteps(spec())
                .filter((x) => x.op !== "update")
                .map((x) => [x.op, x.type, x.urn]),
        ).toEqual([
            ["create", "aws:iam/rolePolicy:RolePolicy", urnOf(V, "aws:iam/rolePolicy:RolePolicy", `${V}-access-vendor-seal`)],
            ["create", "aws:iam/rolePolicy:RolePolicy", urnOf(V, "aws:iam/rolePolicy:RolePolicy", `${V}-access-workload-seal`)],
        ]);
    });

    it("an update of only the DNS allow rule's action passes", async () => {
        const f = makeFake({ previewSteps: [{ op: "update", urn: DNS_RULE, type: DNS_RULE_TYPE, diffs: ["action"] }] });
        await runCommand("seal", V, f.deps);
        expect(f.done.up).toBe(1);
        expect(f.journal(V).find((e) => e.step === "preview" && e.result === "ok")?.data).toEqual({ changes: { same: 47, update: 1 } });
    });

    it("reads (the StackReference to the security stack) and in-place updates pass", async () => {
        const f = makeFake({ preview: { same: 46, update: 7, create: 2, read: 1 } });
        await runCommand("seal", V, f.deps);
        expect(f.journal(V).find((e) => e.step === "preview" && e.result === "ok")?.data).toEqual({ changes: { same: 46, update: 7, create: 2, read: 1 } });
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
        f.opts.preview = { same: 50, update: 4, delete: 3 }; // one delete beyond the two seal policies'
        expect((await exitOf(runCommand("unseal", V, f.deps))).message).toMatch(
            /\(same 50, update 4, delete 3\).*rerun `enclave unseal acme-labeling` to resume$/,
        );
        expect(f.done.up).toBe(1);

        const g = makeFake({ preview: { same: 55, replace: 1 } });
        expect((await exitOf(runCommand("destroy", V, g.deps, { yes: true, sealFirst: true }))).message).toMatch(
            /\(same 55, replace 1\).*rerun `enclave destroy acme-labeling` to resume$/,
        );
        expect(g.calls.filter((c) => c === "up" || c === "destroy" || c.startsWith("put:"))).toEqual([]);
        expect(fs.existsSync(path.join(g.dir, "evidence"))).toBe(false);
    });
});

describe("preview before up: a seal field's old and new documents are compared, not only the field names (fake preview events; does not prove what Pulumi's engine reports)", () => {
    // The seal time write-spec renders into the spec file on the fake clock (asserted by the tests above).
    const SEALED = "2026-11-23T12:00:01Z";
    const base = () => loadVendorSpec(fixtureFile(V), V);
    const sealedSpec = () => ({ ...base(), sealed: true, sealedAt: SEALED });
    const unsealedSpec = () => ({ ...base(), sealed: false, sealedAt: undefined });
    const BUCKET = urnOf(V, "aws:s3/bucketPolicy:BucketPolicy", `${V}-guidelines-policy`);
    const KEY = urnOf(V, "aws:kms/key:Key", `${V}-key-key`);
    const SEAL_POLICY = urnOf(V, "aws:iam/rolePolicy:RolePolicy", `${V}-access-vendor-seal`);
    const TRUST = urnOf(V, "aws:iam/role:Role", `${V}-identity-vendor-role`);
    const fix = "the working tree holds unreviewed changes: revert them, then rerun `enclave seal acme-labeling` to resume";
    type Doc = { Statement: PolicyStatementJson[] };
    /** The seal step of `urn` with the new document edited as an unreviewed change in the working tree would. */
    const edited = (urn: string, field: string, edit: (doc: Doc) => void, over: Record<string, unknown> = {}): PreviewStep => {
        const step = sealSteps(base()).find((x) => x.urn === urn)!;
        const nu = sealInputs(sealedSpec(), urn)!;
        const doc = JSON.parse(String(nu[field])) as Doc;
        edit(doc);
        const old = step.op === "create" ? undefined : sealInputs(unsealedSpec(), urn);
        return { ...step, ...(old ? { old } : {}), new: { ...nu, [field]: JSON.stringify(doc), ...over } };
    };
    const sid = (doc: Doc, id: string) => doc.Statement.find((x) => x.Sid === id)!;
    const refused = async (step: PreviewStep) => {
        const f = makeFake({ previewSteps: sealSteps(base()).map((x) => (x.urn === step.urn ? step : x)) });
        const r = await exitOf(runCommand("seal", V, f.deps));
        expect(f.calls).not.toContain("up");
        return r;
    };

    it.each([
        [
            "a bucket policy that also narrows a deny (the deployer's data-read refusal loses GetObjectVersion)",
            () => edited(BUCKET, "policy", (d) => void (sid(d, "DenyDeployerDataReads").Action = ["s3:GetObject"])),
            `policy of ${BUCKET}: statement DenyDeployerDataReads is changed (a seal adds only SealDenyVendor, SealFreezeAirlock)`,
        ],
        [
            "a bucket policy that also drops the network perimeter",
            () => edited(BUCKET, "policy", (d) => void (d.Statement = d.Statement.filter((x) => x.Sid !== "DenyOutsideNetworkPerimeter"))),
            `policy of ${BUCKET}: statement DenyOutsideNetworkPerimeter is removed (a seal adds only SealDenyVendor, SealFreezeAirlock)`,
        ],
        [
            "a bucket policy that also grants a new principal",
            () =>
                edited(BUCKET, "policy", (d) =>
                    d.Statement.push({
                        Effect: "Allow",
                        Principal: { AWS: "arn:aws:iam::999999999999:root" },
                        Action: "s3:GetObject",
                        Resource: "*",
                    } as PolicyStatementJson),
                ),
            `policy of ${BUCKET}: statement #12 (no Sid) is added (a seal adds only SealDenyVendor, SealFreezeAirlock)`,
        ],
        [
            "a seal statement with the right Sid but narrower content",
            () => edited(BUCKET, "policy", (d) => void (sid(d, "SealDenyVendor").Action = "s3:PutObject")),
            `policy of ${BUCKET}: statement SealDenyVendor is not the seal statement the builder renders for the sealed spec`,
        ],
        [
            "the key left enabled by the sealed program",
            () => edited(KEY, "policy", () => undefined, { isEnabled: true }),
            `isEnabled of ${KEY} set to true, not the sealed false`,
        ],
        [
            "the seal-only role policy created with an extra grant",
            () =>
                edited(SEAL_POLICY, "policy", (d) => d.Statement.push({ Sid: "Extra", Effect: "Allow", Action: "s3:*", Resource: "*" } as PolicyStatementJson)),
            `policy of ${SEAL_POLICY}: statement Extra is not a seal statement (a seal-only policy holds only SealDenyAll, SealRevokeOlderSessions)`,
        ],
        [
            "a document unknown until apply",
            () => ({ ...edited(BUCKET, "policy", () => undefined), new: { policy: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" } }),
            `policy of ${BUCKET}: the new document is unknown until apply, so it cannot be shown to change only the seal statements`,
        ],
    ])("seal refused: %s, naming the resource and the statement; no up", async (_what, step, offence) => {
        expect(await refused(step())).toEqual({
            code: 1,
            message: `refusing to deploy acme-labeling: the preview shows a change beyond the seal fields: ${offence}; ${fix}`,
        });
    });

    it("the default seal preview (every document the builders' unsealed rendering before, sealed after) passes", async () => {
        const f = makeFake();
        await runCommand("seal", V, f.deps);
        expect(f.done.up).toBe(1);
    });

    it("a document the engine masks as secret (the vendor trust holds the external ID) is admitted on its field alone, and the preview says so", async () => {
        const step = { ...sealSteps(base()).find((x) => x.urn === TRUST)!, old: { assumeRolePolicy: "[secret]" }, new: { assumeRolePolicy: "[secret]" } };
        const f = makeFake({ previewSteps: sealSteps(base()).map((x) => (x.urn === TRUST ? step : x)) });
        await runCommand("seal", V, f.deps);
        expect(f.done.up).toBe(1);
        expect(f.out).toContain(`    preview: checked by field only (the engine masks them as secret): assumeRolePolicy of ${TRUST}`);
    });

    it("unseal: removing the seal statements passes; removing them and widening a grant in the same document is refused, naming the statement", () => {
        const step = (edit: (d: Doc) => void): PreviewStep => {
            const nu = sealInputs(unsealedSpec(), BUCKET)!;
            const doc = JSON.parse(String(nu.policy)) as Doc;
            edit(doc);
            return {
                op: "update",
                urn: BUCKET,
                type: "aws:s3/bucketPolicy:BucketPolicy",
                diffs: ["policy"],
                old: sealInputs(sealedSpec(), BUCKET),
                new: { policy: JSON.stringify(doc) },
            };
        };
        expect(
            contentOffence(
                step(() => undefined),
                "bucketPolicy",
                false,
                undefined,
            ),
        ).toBeUndefined();
        expect(
            contentOffence(
                step((d) => void (d.Statement = d.Statement.filter((x) => x.Sid !== "DenyUnlistedPrincipals"))),
                "bucketPolicy",
                false,
                undefined,
            ),
        ).toBe(`policy of ${BUCKET}: statement DenyUnlistedPrincipals is removed (an unseal removes only SealDenyVendor, SealFreezeAirlock)`);
        // A seal statement left behind is no unseal either.
        const kept = { ...step(() => undefined), new: sealInputs(sealedSpec(), BUCKET) };
        expect(contentOffence(kept, "bucketPolicy", false, undefined)).toBe(`policy of ${BUCKET}: statement SealDenyVendor stays after the unseal`);
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

    it("findings, exact: missing roles, a revoke dated other than sealedAt, a seal Sid that allows, a missing spec'd endpoint, an endpoint outside the stack, a key policy without the seal, no vpcId output", () => {
        const spec = { ...loadVendorSpec(fixtureFile(E), E), sealed: true, sealedAt: SEALED_AT };
        const outputs = { keyArn: { value: KEY_ARN, secret: false }, s3EndpointId: { value: "vpce-s3", secret: false }, vpcId: { value: VPC, secret: false } };
        const t = targetsFor(spec, outputs);
        expect(t.interfaceServices).toEqual(["kms", "sts"]);
        // The seal statements as the builders render them for the sealed spec: verify-seal wants exactly these.
        const p = { ...t.policyInputs, sealed: true, sealedAt: spec.sealedAt };
        const json = (d: unknown) => JSON.parse(JSON.stringify(d)) as PolicyJson;
        const o: Observed = {
            roles: {},
            keyState: "Disabled",
            keyPolicy: { Statement: [{ Sid: "KeyAdministration", Effect: "Allow" }] },
            buckets: {},
            endpoint: json(s3EndpointPolicy(p)),
            interfaceEndpoints: [
                { id: "vpce-kms", service: "kms", policy: json(interfaceEndpointPolicy("kms", p)) },
                { id: "vpce-ssm", service: "ssm", policy: null },
            ],
            dnsFirewall: [
                {
                    id: DNS_RULE_GROUP,
                    rules: [
                        { name: `enclave-${E}-allow-aws`, action: "BLOCK" },
                        { name: `enclave-${E}-block-rest`, action: "BLOCK" },
                    ],
                },
            ],
        };
        expect(t.roles).toEqual([`enclave-${E}-vendor`, `enclave-${E}-workload`]);
        expect(t.buckets).toHaveLength(2);
        const [VROLE, WROLE] = t.roles;
        const [B1, B2] = t.buckets;
        // No role found, no bucket policy: every one is a gap.
        expect(sealFindings(o, t, spec.sealedAt)).toEqual([
            `role ${VROLE}: not found`,
            `role ${WROLE}: not found`,
            `key ${KEY_ARN}: key policy has no SealDenyVendor`,
            `bucket ${B1}: policy has no SealDenyVendor`,
            `bucket ${B2}: policy has no SealDenyVendor`,
            `sts interface endpoint: not found in ${VPC}`,
            "ssm interface endpoint vpce-ssm: policy has no SealDenyVendor",
        ]);
        // A revoke dated before sealedAt, or after it, does not revoke the sessions issued before the seal; a seal Sid
        // that allows is no seal.
        const sealPolicy = (at: string, effect: "Deny" | "Allow" = "Deny") => {
            const d = json(sealRolePolicy(spec.sealedAt));
            const statements = d.Statement as PolicyStatementJson[];
            statements[1] = { ...statements[1], Effect: effect, Condition: { DateLessThan: { "aws:TokenIssueTime": at } } };
            return d;
        };
        const sealedRole = (seal: PolicyJson, trust: PolicyJson) => ({
            inline: { "enclave-access": { Version: "2012-10-17", Statement: [] }, "enclave-seal": seal },
            trust,
        });
        const [vendorTrust, workloadTrust] = [json(vendorTrustPolicy({ ...p, externalId: "x" })), json(workloadTrustPolicy(p))];
        const bucketDoc = (i: number) => json(dataBucketPolicy(p, spec.datasets[i].name));
        const allowing = bucketDoc(0);
        (allowing.Statement as PolicyStatementJson[]).find((x) => x.Sid === "SealDenyVendor")!.Effect = "Allow";
        const partly: Observed = {
            ...o,
            roles: {
                [VROLE]: sealedRole(sealPolicy("2026-11-23T11:00:00Z"), vendorTrust),
                [WROLE]: sealedRole(sealPolicy(spec.sealedAt, "Allow"), workloadTrust),
            },
            keyPolicy: json(vendorKeyPolicy(p)),
            buckets: { [B1]: allowing, [B2]: bucketDoc(1) },
            interfaceEndpoints: [
                { id: "vpce-kms", service: "kms", policy: json(interfaceEndpointPolicy("kms", p)) },
                { id: "vpce-sts", service: "sts", policy: json(interfaceEndpointPolicy("sts", p)) },
            ],
        };
        expect(sealFindings(partly, t, spec.sealedAt)).toEqual([
            `role ${VROLE} policy enclave-seal: SealRevokeOlderSessions is not the sealed spec's (Condition expected {"DateLessThan":{"aws:TokenIssueTime":"${spec.sealedAt}"}}, found {"DateLessThan":{"aws:TokenIssueTime":"2026-11-23T11:00:00Z"}})`,
            `role ${WROLE} policy enclave-seal: SealRevokeOlderSessions is not the sealed spec's (Effect expected "Deny", found "Allow")`,
            `bucket ${B1}: policy: SealDenyVendor is not the sealed spec's (Effect expected "Deny", found "Allow")`,
        ]);
        const sealedRoles = { [VROLE]: sealedRole(sealPolicy(spec.sealedAt), vendorTrust), [WROLE]: sealedRole(sealPolicy(spec.sealedAt), workloadTrust) };
        expect(sealFindings({ ...partly, roles: sealedRoles, buckets: { [B1]: bucketDoc(0), [B2]: bucketDoc(1) } }, t, spec.sealedAt)).toEqual([]);
        const dnsUnsealed = [
            {
                id: DNS_RULE_GROUP,
                rules: [
                    { name: `enclave-${E}-allow-aws`, action: "ALLOW" },
                    { name: `enclave-${E}-block-rest`, action: "BLOCK" },
                ],
            },
        ];
        const unsealed = unsealFindings({ ...o, keyState: "Enabled", endpoint: null, dnsFirewall: dnsUnsealed }, t);
        expect(unsealed).toEqual([
            `role ${VROLE}: not found`,
            `role ${WROLE}: not found`,
            `sts interface endpoint: not found in ${VPC}`,
            "kms interface endpoint vpce-kms: still has SealDenyVendor",
        ]);
        // Unsealed roles that still carry the seal policy (one outside Pulumi's state, say) are not unsealed.
        const stillSealed = unsealFindings(
            { ...o, roles: sealedRoles, keyState: "Enabled", endpoint: null, interfaceEndpoints: [], dnsFirewall: dnsUnsealed },
            t,
        );
        expect(stillSealed.filter((x) => x.startsWith("role"))).toEqual([
            `role ${VROLE}: still has the inline policy enclave-seal`,
            `role ${WROLE}: still has the inline policy enclave-seal`,
            `role ${VROLE} trust policy: still has SealDenyAssumeRole`,
            `role ${WROLE} trust policy: still has SealDenyAssumeRole`,
        ]);
        const noVpc = targetsFor(spec, { keyArn: outputs.keyArn });
        expect(sealFindings({ ...o, interfaceEndpoints: [] }, noVpc, spec.sealedAt)).toContain(
            "interface endpoints (kms, sts): the stack has no vpcId output to find them by",
        );
    });
});

describe("seal verification covers the DNS firewall of the VPC (fake reads; does not prove what Route 53 Resolver answers)", () => {
    const ALLOW_RULE = `enclave-${V}-allow-aws`;
    const DNS = `DNS firewall of ${VPC}`;
    /** The deploy left the stack's allow rule at this action, whatever the spec says. */
    const allowRuleStays = (action: string) => (groups: DnsFirewallRuleGroup[]) =>
        groups.map((g) => ({ ...g, rules: g.rules.map((r) => (r.name === ALLOW_RULE ? { ...r, action } : r)) }));

    it("retries while the allow rule still ALLOWs (simulated lag), then passes; the read is by the stack's vpcId", async () => {
        const f = makeFake({ stale: { dnsFirewall: 2 } });
        await runCommand("seal", V, f.deps);
        expect(f.sleeps).toEqual([1000, 2000]);
        expect(f.out.filter((l) => l.includes("retrying"))).toEqual([
            `    verify-seal: 1 gap(s), e.g. ${DNS}: rule ${ALLOW_RULE} in ${DNS_RULE_GROUP} still ALLOWs (expected BLOCK); retrying in 1.0 s (attempt 1/6)`,
            `    verify-seal: 1 gap(s), e.g. ${DNS}: rule ${ALLOW_RULE} in ${DNS_RULE_GROUP} still ALLOWs (expected BLOCK); retrying in 2.0 s (attempt 2/6)`,
        ]);
        expect(f.calls).toContain(`read:dns-firewall:${VPC}`);
    });

    it.each([
        [
            "the allow rule stays ALLOW after the seal",
            allowRuleStays("ALLOW"),
            [`${DNS}: rule ${ALLOW_RULE} in ${DNS_RULE_GROUP} still ALLOWs (expected BLOCK)`],
        ],
        [
            "a rule group associated outside the stack ALLOWs",
            (groups: DnsFirewallRuleGroup[]) => [...groups, { id: "rslvr-frg-0byhand", rules: [{ name: "partner-resolve-all", action: "ALLOW" }] }],
            [`${DNS}: rule partner-resolve-all in rslvr-frg-0byhand still ALLOWs (expected BLOCK)`],
        ],
        ["no rule group is associated", () => [], [`${DNS}: no rule group associated`]],
    ])("seal fails when %s: exit 1 naming the gap after every read", async (_what, dnsDrift, gaps) => {
        const f = makeFake({ dnsDrift });
        const r = await exitOf(runCommand("seal", V, f.deps));
        expect(r).toEqual({ code: 1, message: `verify-seal: still not confirmed after 6 reads: ${gaps.join("; ")}` });
        expect(f.sleeps).toEqual([1000, 2000, 4000, 8000, 8000]);
        expect(f.deployed.sealed).toBe(true);
    });

    it("unseal fails when the allow rule is still BLOCK afterwards: exit 1 naming the rule", async () => {
        const f = makeFake();
        await runCommand("seal", V, f.deps);
        f.advance(UNSEAL_WAIT_MS);
        f.opts.dnsDrift = allowRuleStays("BLOCK");
        const r = await exitOf(runCommand("unseal", V, f.deps));
        expect(r).toEqual({
            code: 1,
            message: `verify-unseal: still not confirmed after 6 reads: ${DNS}: rule ${ALLOW_RULE} in ${DNS_RULE_GROUP} still BLOCKs (expected ALLOW)`,
        });
        expect(f.deployed.sealed).toBe(false);
    });

    it("findings: an ALERT rule lets queries through too, the catch-all must be there, the allow rule must exist to unseal, no vpcId output", () => {
        const spec = { ...loadVendorSpec(fixtureFile(V), V), sealed: true, sealedAt: SEALED_AT };
        const outputs = { keyArn: { value: KEY_ARN, secret: false }, s3EndpointId: { value: "vpce-s3", secret: false }, vpcId: { value: VPC, secret: false } };
        const t = targetsFor(spec, outputs);
        const o: Observed = { roles: {}, keyState: "Disabled", keyPolicy: null, buckets: {}, endpoint: null, interfaceEndpoints: [], dnsFirewall: [] };
        const dnsOnly = (gaps: string[]) => gaps.filter((g) => g.startsWith("DNS "));
        const groups: DnsFirewallRuleGroup[] = [
            { id: DNS_RULE_GROUP, rules: [{ name: ALLOW_RULE, action: "BLOCK" }] },
            { id: "rslvr-frg-0monitor", rules: [{ name: "watch-list", action: "ALERT" }] },
        ];
        expect(dnsOnly(sealFindings({ ...o, dnsFirewall: groups }, t, spec.sealedAt))).toEqual([
            `${DNS}: rule watch-list in rslvr-frg-0monitor still ALERTs (expected BLOCK)`,
            `${DNS}: rule enclave-${V}-block-rest not found in any associated rule group`,
        ]);
        expect(
            dnsOnly(unsealFindings({ ...o, dnsFirewall: [{ id: DNS_RULE_GROUP, rules: [{ name: `enclave-${V}-block-rest`, action: "BLOCK" }] }] }, t)),
        ).toEqual([`${DNS}: rule ${ALLOW_RULE} not found in any associated rule group`]);
        expect(dnsOnly(unsealFindings(o, t))).toEqual([`${DNS}: no rule group associated`]);
        const noVpc = targetsFor(spec, { keyArn: outputs.keyArn });
        expect(dnsOnly(sealFindings(o, noVpc, spec.sealedAt))).toEqual(["DNS firewall: the stack has no vpcId output to find it by"]);
        expect(dnsOnly(unsealFindings(o, noVpc))).toEqual(["DNS firewall: the stack has no vpcId output to find it by"]);
    });
});
