// `enclave access` and `enclave diff`, in-process through cli/main (no child processes: faster, same code path).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "./support/cli";
import { accessReportFor, type AccessReport, type Grant } from "../review/access";
import { diffReports } from "../review/accessDiff";
import { FIXTURES_DIR, SEALED_AT, sealedFixtureText } from "./support/fixtures";

// The diffs below compare many variants with the same base fixture: its access report (seconds of simulation) is
// computed once per plan and simulator, not once per diff. A report prints the same bytes on every run
// (test/reports.test.ts), so a remembered one is the one a new simulation would give.
vi.mock("../review/sources", async (importOriginal) => {
    const actual = await importOriginal<typeof import("../review/sources")>();
    const { memoByContent } = await vi.importActual<typeof import("./support/memo")>("./support/memo");
    return { ...actual, reportOfPlan: memoByContent(actual.reportOfPlan, () => process.env.ENCLAVE_IAM_SIMULATE_MODULE) };
});

const STACKS = FIXTURES_DIR;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "enclave-access-test-"));

function specVariant(name: string, vendor: string, edit: (text: string) => string): string {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${vendor}.yaml`);
    const original = fs.readFileSync(path.join(STACKS, `${vendor}.yaml`), "utf8");
    const edited = edit(original);
    if (edited === original) throw new Error(`variant ${name} changed nothing`);
    fs.writeFileSync(file, edited);
    return file;
}

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
    process.exitCode = 0;
    delete process.env.ENCLAVE_IAM_SIMULATE_MODULE;
});

describe("access report", () => {
    let report: AccessReport;
    beforeAll(async () => {
        report = await accessReportFor(undefined, { spec: path.join(STACKS, "evalcorp.yaml") });
    });

    it("derives the vendor role's access by simulation, per path", () => {
        const vendorRows = report.grants
            .filter((g) => g.principalLabel === "role/enclave-evalcorp-vendor" && !g.path.startsWith("via S3"))
            .map((g) => `${g.resourceLabel} | ${g.class} | ${g.actions.join(",")} | ${g.path} | ${g.conditions.join(";")}`)
            .sort();
        expect(vendorRows).toEqual([
            "dataset eval-prompts | list | s3:ListBucket | enclave S3 endpoint | TLS only",
            "dataset eval-prompts | list | s3:ListBucket | vendor egress 198.51.100.0/24 | TLS only",
            "dataset eval-prompts | read | s3:GetObject | enclave S3 endpoint | TLS only",
            "dataset eval-prompts | read | s3:GetObject | vendor egress 198.51.100.0/24 | TLS only",
            "dataset model-outputs | list | s3:ListBucket | enclave S3 endpoint | TLS only",
            "dataset model-outputs | list | s3:ListBucket | vendor egress 198.51.100.0/24 | TLS only",
            "dataset model-outputs | read | s3:GetObject | enclave S3 endpoint | TLS only",
            "dataset model-outputs | read | s3:GetObject | vendor egress 198.51.100.0/24 | TLS only",
            "dataset model-outputs | write | s3:PutObject | enclave S3 endpoint | TLS only;SSE-KMS with the bucket's key",
            "dataset model-outputs | write | s3:PutObject | vendor egress 198.51.100.0/24 | TLS only;SSE-KMS with the bucket's key",
        ]);
        const key = report.grants.filter((g) => g.principalLabel === "role/enclave-evalcorp-vendor" && g.resourceLabel === "vendor KMS key");
        expect(key.map((g) => [g.class, g.actions.join(","), g.path, g.conditions.join(";")])).toEqual([
            ["key-use", "kms:Decrypt,kms:GenerateDataKey", "via S3 (any path S3 allowed)", "only via S3"],
        ]);
        expect(report.grants.filter((g) => g.class === "escalation")).toEqual([]);
    });

    it("lists who can assume, verified by simulation, and the explicit denials", () => {
        expect(report.assumers.map((a) => [a.roleLabel, a.principal, a.withExternalId, a.withoutExternalId, a.wrongExternalId])).toEqual([
            ["role/enclave-evalcorp-vendor", "arn:aws:iam::777788889999:role/evalcorp-redteam", "Allowed", "ImplicitlyDenied", "ImplicitlyDenied"],
            ["role/enclave-evalcorp-vendor", "arn:aws:iam::777788889999:role/evalcorp-automation", "Allowed", "ImplicitlyDenied", "ImplicitlyDenied"],
            ["role/enclave-evalcorp-workload", "ec2.amazonaws.com", "Allowed", "n/a (service)", "n/a (service)"],
        ]);
        expect(report.probes.map((p) => p.decision)).toEqual(["ImplicitlyDenied", "ImplicitlyDenied"]);
        const archive = report.denials.find((d) => d.principalLabel === "role/enclave-deployer (deployer)" && d.resourceLabel === "log archive");
        expect(archive?.by).toBe("resource:DenyLogDeletion");
        expect(report.mermaid.split("\n")[0]).toBe("flowchart LR");
        expect(report.mermaid).toContain('ep -- "list, read, write" --> b_model_outputs');
    });

    // How long the matrix takes is a benchmark figure (docs/security-review.md), not a test: here only that it is the whole matrix.
    it("covers the whole matrix of one vendor", () => {
        expect(report.stats.simulations).toBeGreaterThan(500);
    });

    it("CLI: Markdown by default, --json, and one line + exit 1 without iam-simulate", async () => {
        const md = await runCli(["access", "--spec", path.join(STACKS, "acme-labeling.yaml")]);
        expect(md.code).toBe(0);
        expect(md.out.split("\n")[0]).toBe("# Effective access: acme-labeling");
        expect(md.out).toContain("```mermaid\nflowchart LR");
        // docs/security-review.md shows this diagram: it must be the one the tool draws today.
        const diagram = /```mermaid\n[\s\S]*?```/.exec(md.out)![0];
        expect(fs.readFileSync(path.join(__dirname, "..", "docs", "security-review.md"), "utf8")).toContain(diagram);
        const json = await runCli(["access", "--spec", path.join(STACKS, "acme-labeling.yaml"), "--json"]);
        expect(json.code).toBe(0);
        expect(JSON.parse(json.out).vendorId).toBe("acme-labeling");
        process.env.ENCLAVE_IAM_SIMULATE_MODULE = "@cloud-copilot/iam-simulate-not-installed";
        const missing = await runCli(["access", "--spec", path.join(STACKS, "acme-labeling.yaml")]);
        expect(missing.code).toBe(1);
        expect(missing.out).toBe("");
        expect(missing.err.trim().split("\n")).toEqual([
            "enclave: @cloud-copilot/iam-simulate is not installed (it is a devDependency): run `npm install` with dev dependencies to use access/diff",
        ]);
    });
});

/** A sealed copy of a fixture spec in its own folder (sealed at SEALED_AT unless `edit` changes it). */
function sealedVariant(name: string, vendor: string, edit: (text: string) => string = (t) => t): string {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${vendor}.yaml`);
    fs.writeFileSync(file, edit(sealedFixtureText(vendor)));
    return file;
}

describe("diff of the seal time", () => {
    // Moving a sealed spec's sealedAt leaves effective access as it was (both sides sealed), but the unseal window
    // counts from it: the diff flags it for security review with the finding code, like a widening.
    const BACKDATED = "2020-01-01T00:00:00Z";
    it("a sealed spec whose sealedAt is backdated: no access change, but exit 3 and the seal time named (JSON and Markdown)", async () => {
        const base = sealedVariant("sealed-base", "evalcorp");
        const head = sealedVariant("sealed-backdated", "evalcorp", (t) => t.replace(SEALED_AT, BACKDATED));
        const json = await runCli(["diff", "--base-spec", base, "--head-spec", head, "--json"]);
        expect(json.err).toBe("");
        expect(json.code).toBe(3);
        const d = JSON.parse(json.out);
        expect([d.widened, d.gained, d.lost]).toEqual([false, [], []]);
        expect(d.sealedAtChanged).toEqual({ base: SEALED_AT, head: BACKDATED });
        const md = await runCli(["diff", "--base-spec", base, "--head-spec", head]);
        expect(md.code).toBe(3);
        expect(md.out).toContain("No change in effective access (");
        expect(md.out).toContain(`**Seal time changed** (${base} -> ${head}): sealedAt ${SEALED_AT} -> ${BACKDATED}. Needs security review`);
    });

    it("a seal is flagged too (none -> the time); the same sealed spec on both sides is not", async () => {
        const sealed = sealedVariant("sealed-same", "evalcorp");
        const seal = await runCli(["diff", "--base-spec", path.join(STACKS, "evalcorp.yaml"), "--head-spec", sealed, "--json"]);
        expect(seal.code).toBe(3);
        expect(JSON.parse(seal.out).sealedAtChanged).toEqual({ base: null, head: SEALED_AT });
        const same = await runCli(["diff", "--base-spec", sealed, "--head-spec", sealed, "--json"]);
        expect(same.code).toBe(0);
        expect(JSON.parse(same.out).sealedAtChanged).toBeUndefined();
    });
});

describe("access diff", () => {
    it("widening a dataset read -> read-write exits 3 and names the new access", async () => {
        const head = specVariant("widen", "evalcorp", (t) => t.replace("name: eval-prompts\n    access: read", "name: eval-prompts\n    access: read-write"));
        const r = await runCli(["diff", "--base-spec", path.join(STACKS, "evalcorp.yaml"), "--head-spec", head]);
        expect(r.code).toBe(3);
        expect(r.out).toContain("**Access WIDENED**");
        expect(r.out).toContain(
            "| role/enclave-evalcorp-vendor | write | s3:PutObject | dataset eval-prompts | enclave S3 endpoint | TLS only; SSE-KMS with the bucket's key |",
        );
        expect(r.out).not.toContain("### Lost");
    });

    it("adding a vendor principal exits 3 and names it (JSON)", async () => {
        const head = specVariant("principal", "evalcorp", (t) =>
            t.replace(
                "    - arn:aws:iam::777788889999:role/evalcorp-automation\n",
                "    - arn:aws:iam::777788889999:role/evalcorp-automation\n    - arn:aws:iam::555566667777:role/new-contractor\n",
            ),
        );
        const r = await runCli(["diff", "--base-spec", path.join(STACKS, "evalcorp.yaml"), "--head-spec", head, "--json"]);
        expect(r.code).toBe(3);
        const d = JSON.parse(r.out);
        expect(d.widened).toBe(true);
        expect(d.gained).toEqual([
            {
                kind: "assume",
                principal: "arn:aws:iam::555566667777:role/new-contractor",
                class: "assume",
                action: "sts:AssumeRole",
                resource: "role/enclave-evalcorp-vendor",
                path: "-",
                conditions: ['StringEquals sts:ExternalId = "[secret]"'],
            },
        ]);
        expect(d.lost).toEqual([]);
    });

    it("narrowing exits 0 and lists what was lost; an unchanged vendor exits 0", async () => {
        const head = specVariant("narrow", "evalcorp", (t) =>
            t.replace("name: model-outputs\n    access: read-write", "name: model-outputs\n    access: read"),
        );
        const r = await runCli(["diff", "--base-spec", path.join(STACKS, "evalcorp.yaml"), "--head-spec", head]);
        expect(r.code).toBe(0);
        expect(r.out).toContain("Access narrowed");
        expect(r.out).toContain("### Lost");
        expect(r.out).not.toContain("### Gained");
        // Reading the base from git (`--base <ref>`) needs stacks/ in a git checkout; it is not exercised here.
        const same = await runCli(["diff", "--base-spec", path.join(STACKS, "evalcorp.yaml"), "--head-spec", path.join(STACKS, "evalcorp.yaml")]);
        expect(same.err).toBe("");
        expect(same.code).toBe(0);
        expect(same.out).toContain("No change in effective access (");
        expect(same.out).toContain(": 0 gained, 0 lost");
        expect(same.out).toContain("No resource changes");
    }, 180_000);

    it("plan files work too; invalid input exits 2", async () => {
        const planOut = await runCli(["plan", "--spec", path.join(STACKS, "acme-labeling.yaml"), "--json"]);
        const planFile = path.join(tmp, "acme.plan.json");
        fs.writeFileSync(planFile, planOut.out);
        const same = await runCli(["diff", "--base-plan", planFile, "--head-plan", planFile]);
        expect(same.code).toBe(0);
        const bad = path.join(tmp, "bad.json");
        fs.writeFileSync(bad, "{ not json");
        const cases: string[][] = [
            ["diff", "--base-plan", planFile, "--head-plan", bad],
            ["diff", "--base-plan", planFile],
            ["diff", "--base-spec", path.join(STACKS, "evalcorp.yaml"), "--head-spec", path.join(tmp, "missing.yaml")],
            ["diff", "evalcorp", "--base", "no-such-ref-xyz"],
            ["diff", "evalcorp"],
            ["diff", "nobody", "--base", "HEAD"],
        ];
        for (const argv of cases) {
            const r = await runCli(argv);
            expect({ argv, code: r.code, lines: r.err.trim().split("\n").length }).toEqual({ argv, code: 2, lines: 1 });
        }
    });
});

describe("diffReports (unit, hand-made reports)", () => {
    const report = (grants: Grant[]): AccessReport => ({
        vendorId: "v1",
        sealed: false,
        assumers: [],
        probes: [],
        grants,
        denials: [],
        mermaid: "",
        stats: { simulations: 0 },
        notes: [],
    });
    const put = (conditions: string[]): Grant => ({
        principal: "arn:aws:iam::111122223333:role/enclave-v1-vendor",
        principalLabel: "role/enclave-v1-vendor",
        resource: "arn:aws:s3:::v1--out--111122223333",
        resourceLabel: "dataset out",
        class: "write",
        actions: ["s3:PutObject"],
        path: "enclave S3 endpoint",
        conditions,
    });
    const labels = { base: "base", head: "head" };

    it("the same grant with one condition dropped counts as widened: the looser fact is gained, the stricter one lost", () => {
        const d = diffReports(report([put(["TLS only", "SSE-KMS with the bucket's key"])]), report([put(["TLS only"])]), labels);
        const fact = (conditions: string[]) => ({
            kind: "access",
            principal: "role/enclave-v1-vendor",
            class: "write",
            action: "s3:PutObject",
            resource: "dataset out",
            path: "enclave S3 endpoint",
            conditions,
        });
        expect(d).toEqual({
            vendorId: "v1",
            base: "base",
            head: "head",
            gained: [fact(["TLS only"])],
            lost: [fact(["TLS only", "SSE-KMS with the bucket's key"])],
            widened: true,
        });
    });

    it("the same grant with the same conditions is no change", () => {
        const g = put(["TLS only", "SSE-KMS with the bucket's key"]);
        expect(diffReports(report([g]), report([{ ...g }]), labels)).toMatchObject({ gained: [], lost: [], widened: false });
    });
});
