import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCommand, stepsFor, type Command } from "../runbook/runbook";
import { backoffDelays } from "../runbook/retry";
import {
    asHardCrash,
    ENDPOINT,
    EXTERNAL_ID,
    KEY_ARN,
    makeFake,
    type FakeOptions,
    removeFakes,
    UNSEAL_WAIT_MS,
    VPC,
    exitOf,
    steps,
    FAKE_WORKLOAD_LOGS,
} from "./support/runbookFake";
import { ACME, checkoutWithFixtures, escapeRegExp, FIXTURE_VENDOR_IDS, fixtureText, removeScratchCopies } from "./support/fixtures";

afterAll(removeFakes);
afterAll(removeScratchCopies);

// These tests drive the breach runbook against an in-memory fake of StackOps and AwsReads (test/support/runbookFake.ts).
// They prove the ORCHESTRATION: step order, the incident log, resume after a crash, refusals, retry with backoff, what
// the evidence bundle holds. They do NOT prove AWS's behaviour (IAM propagation, KMS, S3, the tagging API) nor
// Pulumi's (what `up`/`destroy` really change): the fake answers as the project's own policy builders say AWS would.

const V = ACME;
const ORIGINAL_SPEC = fixtureText(V);

describe("enclave seal / unseal (orchestration against a fake; does not prove AWS's behaviour)", () => {
    it("seal: preflight, write-spec, preview, up, verify-seal in that order; the spec keeps its comments; each step is logged with its duration", async () => {
        const f = makeFake();
        await runCommand("seal", V, f.deps);
        // The preview reads the deployed outputs (the ids the seal statements name) to check the documents by content.
        expect(f.calls.slice(0, 8)).toEqual(["checkTooling", "callerIdentity", "listStacks", `select:${V}`, "preview", "outputs", "up", "outputs"]);
        expect(f.calls.filter((c) => c === "up")).toHaveLength(1);
        const text = fs.readFileSync(f.specFile(V), "utf8");
        expect(text).toBe(ORIGINAL_SPEC.replace("sealed: false\n", 'sealed: true\nsealedAt: "2026-11-23T12:00:01Z"\n'));
        expect(text).toMatch(/^# yaml-language-server: \$schema=\S+\/schemas\/vendor\.schema\.json\n# A data-labeling vendor/);
        const j = f.journal(V);
        expect(steps(j)).toEqual(["preflight", "write-spec", "preview", "up", "verify-seal", "done"]);
        expect(j.every((e) => e.operator === "oncall-test" && typeof e.start === "string")).toBe(true);
        expect(j.find((e) => e.step === "up" && e.result === "ok")).toMatchObject({
            identity: "arn:aws:sts::111122223333:assumed-role/enclave-deployer/oncall",
            durationMs: 250,
        });
        expect(f.out.filter((l) => l.startsWith("  ok "))).toEqual([
            "  ok   preflight        0.3 s",
            "  ok   write-spec       0.5 s",
            "  ok   preview          0.3 s",
            "  ok   up               0.3 s",
            "  ok   verify-seal      0.3 s",
        ]);
    });

    it("seal is idempotent: a second seal keeps the first sealedAt (sessions stay revoked as of the first seal)", async () => {
        const f = makeFake();
        await runCommand("seal", V, f.deps);
        const first = fs.readFileSync(f.specFile(V), "utf8");
        await runCommand("seal", V, f.deps);
        expect(fs.readFileSync(f.specFile(V), "utf8")).toBe(first);
        expect(f.deployed).toEqual({ sealed: true, sealedAt: "2026-11-23T12:00:01Z", destroyed: false });
        expect(new Set(f.journal(V).map((e) => e.run)).size).toBe(2);
    });

    it("unseal after seal restores the spec file byte for byte and verifies the seal statements are gone", async () => {
        const f = makeFake();
        await runCommand("seal", V, f.deps);
        f.advance(UNSEAL_WAIT_MS); // sessions issued before the seal have expired (test/runbook-guards.test.ts)
        await runCommand("unseal", V, f.deps);
        expect(fs.readFileSync(f.specFile(V), "utf8")).toBe(ORIGINAL_SPEC);
        expect(f.deployed).toEqual({ sealed: false, sealedAt: null, destroyed: false });
        expect(steps(f.journal(V)).slice(-6)).toEqual(["preflight", "write-spec", "preview", "up", "verify-unseal", "done"]);
    });

    it("verification retries with exponential backoff while reads still show the old state (IAM eventual consistency, simulated)", async () => {
        const f = makeFake({ lagReads: 3 });
        await runCommand("seal", V, f.deps);
        expect(f.sleeps).toEqual([1000, 2000, 4000]);
        expect(f.out.filter((l) => l.includes("retrying"))).toHaveLength(3);
        expect(f.out.find((l) => l.includes("retrying"))).toBe(
            "    verify-seal: 11 gap(s), e.g. role enclave-acme-labeling-vendor: no inline policy enclave-seal (SealDenyAll, SealRevokeOlderSessions for sessions issued before 2026-11-23T12:00:01Z); retrying in 1.0 s (attempt 1/6)",
        );
        expect(f.journal(V).find((e) => e.step === "verify-seal" && e.result === "ok")?.data).toMatchObject({ attempts: 4 });
    });

    it("gives up after the last attempt with exit 1 naming the gaps; a rerun resumes at verify-seal without a second up", async () => {
        const f = makeFake({ lagReads: 6 });
        const r = await exitOf(runCommand("seal", V, f.deps));
        expect(r.code).toBe(1);
        expect(r.message).toMatch(
            /^verify-seal: still not confirmed after 6 reads: role enclave-acme-labeling-vendor: no inline policy enclave-seal \(SealDenyAll, SealRevokeOlderSessions/,
        );
        expect(f.sleeps).toEqual(backoffDelays(f.deps.retry!));
        expect(f.sleeps).toEqual([1000, 2000, 4000, 8000, 8000]);
        await runCommand("seal", V, f.deps);
        expect(f.done.up).toBe(1);
        expect(f.out).toContain("  skip up (finished earlier in this run)");
    });
});

describe("refusals (offline checks before anything is touched; fake world)", () => {
    it.each([
        ["seal", "security", /^"security" is the security stack, not a vendor; the runbook never seals or destroys the log archive$/],
        ["destroy", "security", /^"security" is the security stack/],
        [
            "seal",
            "nope",
            new RegExp(`^unknown vendor "nope": there is no \\S*stacks/nope\\.yaml\\. Known vendors: ${escapeRegExp(FIXTURE_VENDOR_IDS.join(", "))}\\.$`),
        ],
        ["unseal", "nope", /^unknown vendor "nope"/],
    ] as [Command, string, RegExp][])("%s %s is refused with exit 2 and no call", async (cmd, vendor, message) => {
        const f = makeFake();
        const r = await exitOf(runCommand(cmd, vendor, f.deps, { yes: true }));
        expect(r.code).toBe(2);
        expect(r.message).toMatch(message);
        expect(f.calls).toEqual([]);
    });

    it("a vendor in another account or region than the security stack is refused: its evidence would go to a wrong archive", async () => {
        const f = makeFake();
        const file = f.specFile(V);
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace('id: "111122223333"', 'id: "999999999999"'));
        const r = await exitOf(runCommand("destroy", V, f.deps, { yes: true, sealFirst: true }));
        expect(r.code).toBe(2);
        expect(r.message).toMatch(/account\.id differs from the security stack's \(111122223333\): got "999999999999"/);
        expect(f.calls).toEqual([]);
        expect(f.journal(V).map((e) => [e.command, e.step, e.result, e.error])).toEqual([["destroy", "refusal", "failed", r.message]]);
    });

    it.each([
        ["removed", (file: string) => fs.rmSync(file)],
        ["invalid", (file: string) => fs.writeFileSync(file, "account: [not, a, spec\n")],
    ] as const)("the kill switch does not depend on the security spec: seal and unseal work with stacks/security.yaml %s", async (_how, spoil) => {
        const f = makeFake();
        spoil(path.join(f.deps.stacksDir, "security.yaml"));
        await runCommand("seal", V, f.deps);
        expect(f.deployed).toEqual({ sealed: true, sealedAt: "2026-11-23T12:00:01Z", destroyed: false });
        f.advance(UNSEAL_WAIT_MS);
        await runCommand("unseal", V, f.deps);
        expect(f.deployed).toEqual({ sealed: false, sealedAt: null, destroyed: false });
    });

    it("destroy with an invalid stacks/security.yaml is refused with exit 2 before any call, and the refusal is logged", async () => {
        const f = makeFake();
        fs.writeFileSync(path.join(f.deps.stacksDir, "security.yaml"), "account: [not, a, spec\n");
        const r = await exitOf(runCommand("destroy", V, f.deps, { yes: true, sealFirst: true }));
        expect(r.code).toBe(2);
        expect(f.calls).toEqual([]);
        expect(f.journal(V).map((e) => [e.command, e.step, e.result, e.error])).toEqual([["destroy", "refusal", "failed", r.message]]);
    });

    it("destroy refuses a vendor that is not sealed, unless --seal-first (exit 2, nothing called)", async () => {
        const f = makeFake();
        const r = await exitOf(runCommand("destroy", V, f.deps, { yes: true }));
        expect(r).toEqual({
            code: 2,
            message:
                "refusing to destroy acme-labeling: it is not sealed (stacks/acme-labeling.yaml has sealed: false); run `enclave seal acme-labeling` first or pass --seal-first",
        });
        expect(f.calls).toEqual([]);
        expect(f.journal(V).map((e) => [e.step, e.result])).toEqual([["refusal", "failed"]]);
    });

    it("destroy without --yes and without a terminal (CI) is refused with exit 2 before any call", async () => {
        const f = makeFake({ interactive: false });
        const r = await exitOf(runCommand("destroy", V, f.deps, { sealFirst: true }));
        expect(r).toEqual({ code: 2, message: "refusing to destroy acme-labeling without confirmation: stdin is not a terminal; pass --yes to confirm" });
        expect(f.calls).toEqual([]);
    });

    it("destroy asks for the vendor id at a terminal; a wrong answer destroys nothing (exit 2)", async () => {
        const f = makeFake({ interactive: true, answer: "acme" });
        const r = await exitOf(runCommand("destroy", V, f.deps, { sealFirst: true }));
        expect(r).toEqual({ code: 2, message: 'confirmation "acme" does not match acme-labeling; nothing was destroyed' });
        expect(f.calls).toEqual(["checkTooling", "callerIdentity", "listStacks", `select:${V}`, "ask"]);
        expect(fs.readFileSync(f.specFile(V), "utf8")).toBe(ORIGINAL_SPEC);
    });

    it("destroy of a spec that says sealed while the deployed stack is not: exit 2, no evidence, no destroy", async () => {
        const f = makeFake();
        fs.writeFileSync(f.specFile(V), ORIGINAL_SPEC.replace("sealed: false", 'sealed: true\nsealedAt: "2026-11-23T11:00:00Z"'));
        const r = await exitOf(runCommand("destroy", V, f.deps, { yes: true }));
        expect(r.code).toBe(2);
        expect(r.message).toMatch(
            /^the deployed stack acme-labeling is not sealed as stacks\/acme-labeling.yaml says \(deployed sealed=false, sealedAt=null\): run `enclave seal acme-labeling` first, or pass --seal-first$/,
        );
        expect(f.calls).not.toContain("destroy");
    });

    it("seal: a deployed stack whose sealedAt differs from the spec's (deployed from another checkout) fails verify-seal with exit 1, before any read of AWS", async () => {
        const f = makeFake({ deployedSealedAt: "2026-11-23T11:00:00Z" });
        const r = await exitOf(runCommand("seal", V, f.deps));
        const message =
            'the deployed stack acme-labeling is not sealed as stacks/acme-labeling.yaml says (deployed sealed=true, sealedAt="2026-11-23T11:00:00Z")';
        expect(r).toEqual({ code: 1, message });
        expect(fs.readFileSync(f.specFile(V), "utf8")).toContain('sealedAt: "2026-11-23T12:00:01Z"');
        expect(f.deployed).toEqual({ sealed: true, sealedAt: "2026-11-23T11:00:00Z", destroyed: false });
        expect(f.calls.filter((c) => c.startsWith("read:"))).toEqual([]);
        expect(f.sleeps).toEqual([]);
        expect(f.journal(V).at(-1)).toMatchObject({ command: "seal", step: "verify-seal", result: "failed", error: message });
    });

    it("destroy of a sealed vendor whose deployed sealedAt differs from the spec's: exit 2, no evidence, no destroy", async () => {
        const f = makeFake();
        await runCommand("seal", V, f.deps);
        f.deployed.sealedAt = "2026-11-23T11:00:00Z"; // e.g. re-sealed from another checkout
        const callsBefore = f.calls.length;
        const r = await exitOf(runCommand("destroy", V, f.deps, { yes: true }));
        expect(r).toEqual({
            code: 2,
            message:
                'the deployed stack acme-labeling is not sealed as stacks/acme-labeling.yaml says (deployed sealed=true, sealedAt="2026-11-23T11:00:00Z"): run `enclave seal acme-labeling` first, or pass --seal-first',
        });
        expect(f.calls.slice(callsBefore)).toEqual(["checkTooling", "callerIdentity", "listStacks", `select:${V}`, "outputs"]);
        expect(fs.existsSync(path.join(f.dir, "evidence"))).toBe(false);
        expect(f.deployed.destroyed).toBe(false);
    });

    it("credentials for another account fail preflight with exit 1 before any change", async () => {
        const f = makeFake({ account: "999999999999" });
        const r = await exitOf(runCommand("seal", V, f.deps));
        expect(r.code).toBe(1);
        expect(r.message).toMatch(/^the AWS credentials are for account 999999999999/);
        expect(f.calls).not.toContain("up");
    });

    it("a stack missing from the backend fails preflight with exit 1", async () => {
        const f = makeFake({ stacks: ["security"] });
        const r = await exitOf(runCommand("seal", V, f.deps));
        expect(r).toEqual({
            code: 1,
            message: 'stack "acme-labeling" does not exist in the backend file:///state: check `pulumi login` (and PULUMI_BACKEND_URL)',
        });
    });
});

describe("enclave destroy (orchestration against a fake; does not prove AWS's or Pulumi's behaviour)", () => {
    it("--seal-first --yes: seals, verifies, writes the evidence bundle locally and to the archive, destroys, proves the teardown", async () => {
        const f = makeFake();
        await runCommand("destroy", V, f.deps, { yes: true, sealFirst: true });
        const j = f.journal(V);
        expect(steps(j)).toEqual([
            "preflight",
            "write-spec",
            "preview",
            "up",
            "verify-seal",
            "export-evidence",
            "archive-evidence",
            "refresh",
            "destroy",
            "verify-teardown",
            "done",
        ]);
        expect(f.calls.indexOf("destroy")).toBeGreaterThan(f.calls.lastIndexOf("put:evidence/acme-labeling/2026-11-23T12-00-00Z/manifest.json"));
        const dir = path.join(f.dir, "evidence", V, "2026-11-23T12-00-00Z");
        const files = ["inventory.json", "manifest.json", "outputs.json", "seal-record.json", "stack-export.json", "workload-logs.jsonl"];
        expect(fs.readdirSync(dir).sort()).toEqual(files);
        // The workload log group (workload logs and session transcripts) is kept before the destroy deletes it.
        expect(f.calls).toContain("read:logs:/enclave/acme-labeling/workload");
        expect(fs.readFileSync(path.join(dir, "workload-logs.jsonl"), "utf8")).toBe(FAKE_WORKLOAD_LOGS.map((e) => JSON.stringify(e)).join("\n") + "\n");
        expect(Object.keys(f.archive).sort()).toEqual(
            files.map((n) => `enclave-log-archive-111122223333-us-east-1/evidence/acme-labeling/2026-11-23T12-00-00Z/${n}`),
        );
        const all = files.map((n) => fs.readFileSync(path.join(dir, n), "utf8")).join("\n");
        for (const secret of [EXTERNAL_ID, "v1:CIPHERTEXT", "v1:SALT"]) expect(all).not.toContain(secret);
        expect(JSON.parse(fs.readFileSync(path.join(dir, "outputs.json"), "utf8"))).toEqual({
            sealed: true,
            sealedAt: "2026-11-23T12:00:01Z",
            keyArn: KEY_ARN,
            vpcId: VPC,
            s3EndpointId: ENDPOINT,
            externalId: "[redacted secret]",
        });
        const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
        expect(manifest.operator).toEqual({ user: "oncall-test", awsIdentity: "arn:aws:sts::111122223333:assumed-role/enclave-deployer/oncall" });
        expect(manifest.workloadLogs).toEqual({ group: "/enclave/acme-labeling/workload", events: 2, truncated: false });
        expect(Object.keys(manifest.sha256).sort()).toEqual(files.filter((n) => n !== "manifest.json"));
        expect(JSON.parse(fs.readFileSync(path.join(dir, "inventory.json"), "utf8"))[1]).toEqual({
            urn: "urn:pulumi:acme-labeling::vendor-enclaves::aws:kms/key:Key::acme-labeling-key-key",
            type: "aws:kms/key:Key",
            id: "00000000-1111-2222-3333-444444444444",
            arn: KEY_ARN,
            protect: false,
        });
        expect(j.find((e) => e.step === "verify-teardown" && e.result === "ok")?.data).toEqual({ attempts: 1, keyArn: KEY_ARN, keyState: "PendingDeletion" });
        expect(f.deployed.destroyed).toBe(true);
    });

    it("an already sealed vendor is destroyed without re-sealing; the interactive confirmation accepts the exact vendor id", async () => {
        const f = makeFake({ interactive: true, answer: `${V}\n` });
        await runCommand("seal", V, f.deps);
        await runCommand("destroy", V, f.deps);
        expect(f.done).toEqual({ preview: 1, up: 1, refresh: 1, destroy: 1 });
        expect(f.calls.filter((c) => c === "ask")).toHaveLength(1);
    });

    it("teardown proof fails with exit 1 when the key is still Enabled after destroy (its deletion was not scheduled)", async () => {
        const f = makeFake({ keyAfterDestroy: "Enabled" });
        const r = await exitOf(runCommand("destroy", V, f.deps, { yes: true, sealFirst: true }));
        const message = `verify-teardown: still not confirmed after 6 reads: key ${KEY_ARN}: state is Enabled, expected PendingDeletion`;
        expect(r).toEqual({ code: 1, message });
        expect(f.sleeps).toEqual([1000, 2000, 4000, 8000, 8000]);
        expect(f.deployed.destroyed).toBe(true);
        expect(f.journal(V).at(-1)).toMatchObject({ command: "destroy", step: "verify-teardown", result: "failed", error: message });
    });

    it("teardown proof retries while the tagging API still lists deleted resources (simulated lag)", async () => {
        const f = makeFake();
        await runCommand("seal", V, f.deps);
        f.opts.lagReads = 2;
        await runCommand("destroy", V, f.deps, { yes: true });
        expect(f.sleeps).toEqual([1000, 2000]);
    });
});

describe("resume after a crash at every step (fake world; does not prove AWS's behaviour)", () => {
    const cases: [Command, { yes?: boolean; sealFirst?: boolean }, boolean][] = [
        ["seal", {}, false],
        ["unseal", {}, true],
        ["destroy", { yes: true, sealFirst: true }, false],
    ];
    const table = cases.flatMap(([cmd, opts, sealedBefore]) =>
        stepsFor(cmd, opts).flatMap((s) => [[cmd, s.name, "hard crash", opts, sealedBefore] as const, [cmd, s.name, "failure", opts, sealedBefore] as const]),
    );

    it.each(table)("%s: %s (%s) -> the rerun resumes there and never repeats a finished step", async (cmd, step, mode, opts, sealedBefore) => {
        const fakeOpts: FakeOptions = {};
        const f = makeFake(fakeOpts);
        if (sealedBefore) {
            await runCommand("seal", V, f.deps);
            f.advance(UNSEAL_WAIT_MS);
        }
        const upsBefore = f.done.up ?? 0;
        const all = stepsFor(cmd, opts);
        const order = all.map((s) => s.name);
        fakeOpts.crashAt = step;
        await expect(runCommand(cmd, V, f.deps, opts)).rejects.toThrow(
            `step ${step} failed: simulated crash in ${step}. Rerun \`enclave ${cmd} acme-labeling\` to resume at this step.`,
        );
        if (mode === "hard crash") asHardCrash(f, V);
        const specAfterCrash = fs.readFileSync(f.specFile(V), "utf8");
        fakeOpts.crashAt = undefined;
        f.out.length = 0;
        await runCommand(cmd, V, f.deps, opts);

        const idx = order.indexOf(step);
        // A finished check that guards an unfinished step (preview before up) runs again on the rerun.
        const again = (i: number) => i > 0 && i < idx && all[i].rerunUntil !== undefined && order.indexOf(all[i].rerunUntil!) >= idx;
        const rerun = order.filter((_, i) => i > 0 && (i >= idx || again(i)));
        expect(f.out[0]).toMatch(new RegExp(`resuming run ${cmd}-\\S+ at ${rerun[0]} `));
        const runs = f.journal(V).filter((e) => e.command === cmd);
        const run = runs[runs.length - 1].run;
        expect(runs.every((e) => e.run === run)).toBe(true);
        const ok = runs.filter((e) => e.result === "ok").map((e) => e.step);
        expect(ok).toEqual([...order.slice(0, idx), "preflight", ...rerun, "done"]);
        // every non-preflight step finished exactly once across both invocations (a re-run check twice)
        for (const [i, s] of order.entries()) if (i > 0) expect(ok.filter((x) => x === s)).toHaveLength(again(i) ? 2 : 1);
        expect(runs.filter((e) => e.result === "skipped").map((e) => e.step)).toEqual(order.filter((_, i) => i > 0 && i < idx && !again(i)));
        // destructive operations: each applied once
        expect(all.filter((s) => s.destructive && again(order.indexOf(s.name)))).toEqual([]);
        expect((f.done.up ?? 0) - upsBefore).toBe(order.includes("up") ? 1 : 0);
        expect(f.done.destroy ?? 0).toBe(order.includes("destroy") ? 1 : 0);
        if (idx > order.indexOf("write-spec") && order.includes("write-spec")) expect(fs.readFileSync(f.specFile(V), "utf8")).toBe(specAfterCrash);
        expect(runs[runs.length - 1]).toMatchObject({ step: "done", result: "ok" });
    });
});

describe("no Pulumi CLI and no AWS credentials (real process on this machine, which has neither; does not prove anything about AWS)", () => {
    it("`node bin/enclave.js seal acme-labeling` contains first: exits 1 with exactly one stderr line, the credentials', before any write", () => {
        const incidents = fs.mkdtempSync(path.join(os.tmpdir(), "enclave-incidents-"));
        const REPO = checkoutWithFixtures();
        const env: NodeJS.ProcessEnv = { ...process.env, PATH: "/usr/bin:/bin", ENCLAVE_INCIDENTS_DIR: incidents, ENCLAVE_DEBUG: "" };
        for (const k of Object.keys(env)) if (k.startsWith("AWS_")) delete env[k];
        // No credentials from anywhere: no files, no instance metadata; the SDK's notice about node versions is not ours.
        Object.assign(env, {
            AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
            AWS_CONFIG_FILE: "/nonexistent",
            AWS_EC2_METADATA_DISABLED: "true",
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        });
        const r = spawnSync(process.execPath, [path.join(REPO, "bin", "enclave.js"), "seal", V], { cwd: REPO, encoding: "utf8", env, timeout: 30_000 });
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(
            /^enclave: no usable AWS credentials \(.*\): sign in as the deployer role of the enclave's account \(nothing was written\)\n$/,
        );
        expect(fs.readFileSync(path.join(REPO, "stacks", `${V}.yaml`), "utf8")).toBe(ORIGINAL_SPEC);
        const log = fs
            .readFileSync(path.join(incidents, `${V}.jsonl`), "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l));
        expect(log.map((e) => [e.step, e.result])).toEqual([
            ["contain", "started"],
            ["contain", "failed"],
        ]);
        fs.rmSync(incidents, { recursive: true, force: true });
    });
});
