import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli";
import { CliError, EXIT } from "../contract/errors";
import { fleetExitCode, renderFleetTable, runFleet, type FleetTask } from "../cli/fleet/runner";
import type { Plan } from "../plan/types";
import { checkTask } from "../cli/commands/check";
import { POLICY_COUNT } from "../guardrails/offline";
import { FIXTURES_DIR } from "./support/fixtures";

const stacks = FIXTURES_DIR;
let dir: string;

beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-"));
    for (const f of ["acme-labeling.yaml", "evalcorp.yaml", "security.yaml"]) fs.copyFileSync(path.join(stacks, f), path.join(dir, f));
    fs.writeFileSync(path.join(dir, "broken-vendor.yaml"), "id: broken-vendor\ndisplayName: Broken\n");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// Every problem of the broken spec, one line each.
const brokenMessage = () =>
    [
        "contact is missing: got nothing. Fix: name the owning team or an email, e.g. vendor-risk@lab.example.",
        "account is missing: got nothing. Fix: see docs/spec-reference.md.",
        "access is missing: got nothing. Fix: see docs/spec-reference.md.",
        "network is missing: got nothing. Fix: see docs/spec-reference.md.",
        "datasets is missing: got nothing. Fix: list 1-20 datasets as {name, access}.",
    ]
        .map((line) => `${path.join(dir, "broken-vendor.yaml")}: ${line}`)
        .join("\n");

describe("enclave plan --all", () => {
    it("plans every good vendor, reports the broken one, and exits 2 (every failure is invalid input)", async () => {
        const { code, out: stdout, err: stderr } = await runCli(["plan", "--all", "--stacks-dir", dir, "--json"]);
        expect(code).toBe(EXIT.invalidInput);
        const byVendor = JSON.parse(stdout) as Record<string, Plan | { error: { message: string; exitCode: number } }>;
        expect(Object.keys(byVendor)).toEqual(["acme-labeling", "broken-vendor", "evalcorp"]);
        expect(byVendor["broken-vendor"]).toEqual({ error: { message: brokenMessage(), exitCode: 2 } });
        expect((byVendor["acme-labeling"] as Plan).stack).toBe("acme-labeling");
        expect((byVendor.evalcorp as Plan).resources.filter((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint")).toHaveLength(3);
        // Not a TTY: plain progress lines, then the table on stderr (stdout stays JSON).
        expect(stderr).toContain("[2/3] plan broken-vendor: failed: ");
        expect(stderr).toMatch(/\[1\/3\] plan acme-labeling: ok, 59 resources, \$13\.26\/month \(\d+\.\d\d s\)\n/);
        expect(stderr).toContain("3 vendors, 2 ok, 1 failed; estimated total $68.02/month; exit 2");
    });

    it("prints the summary table on stdout without --json", async () => {
        const { code, out: stdout } = await runCli(["plan", "--all", "--stacks-dir", dir]);
        expect(code).toBe(2);
        // 50: the external ID is generated (a RandomPassword), no longer written in the spec.
        expect(stdout).toMatch(/│ evalcorp\s+│ ok\s+│\s+56 │\s+\$54\.76 │/);
        expect(stdout).toContain("FAILED (exit 2):");
    });

    it("refuses --all with a vendor, and --stacks-dir without --all", async () => {
        expect((await runCli(["plan", "acme-labeling", "--all"])).err).toBe(
            "enclave: --all runs plan on every vendor in the stacks folder: drop the vendor id (acme-labeling)\n",
        );
        expect((await runCli(["check", "--all", "--plan", "x.json", "--security"])).err).toBe(
            "enclave: --all runs check on every vendor in the stacks folder: drop --plan and --security\n",
        );
        const access = await runCli(["access", "--all", "--spec", "x.yaml"]);
        expect([access.code, access.err]).toEqual([2, "enclave: --all runs access on every vendor in the stacks folder: drop --spec\n"]);
        // --stacks-dir without --all is refused by every fleet command (access used to ignore it).
        for (const command of ["plan", "check", "access"]) {
            const noAll = await runCli([command, "acme-labeling", "--stacks-dir", dir]);
            expect([command, noAll.code, noAll.err]).toEqual([command, 2, "enclave: --stacks-dir goes with --all\n"]);
        }
        const missing = await runCli(["plan", "--all", "--stacks-dir", path.join(dir, "nope")]);
        expect([missing.code, missing.err]).toEqual([2, `enclave: --stacks-dir ${path.join(dir, "nope")}: no such folder\n`]);
    });
});

describe("enclave check --all and access --all", () => {
    it("check --all checks every good vendor, reports the broken one, and exits 2", async () => {
        const { code, out: stdout, err: stderr } = await runCli(["check", "--all", "--stacks-dir", dir, "--json"]);
        expect(code).toBe(EXIT.invalidInput);
        const byVendor = JSON.parse(stdout) as Record<string, { policies?: number; violations?: unknown[]; error?: unknown }>;
        expect(byVendor["acme-labeling"]).toEqual({ policies: POLICY_COUNT, violations: [] });
        expect(byVendor.evalcorp).toEqual({ policies: POLICY_COUNT, violations: [] });
        expect(byVendor["broken-vendor"]).toEqual({ error: { message: brokenMessage(), exitCode: 2 } });
        expect(stderr).toContain(`[1/3] check acme-labeling: clean (${POLICY_COUNT} policies)`);
        expect(stderr).toContain("3 vendors, 2 ok, 1 failed; exit 2");
    });

    it("a vendor with violations makes the fleet exit 3 and names the policies", () => {
        const violation = { policy: "s3-deny-insecure-transport", ruleIds: ["FSBP S3.5"], enforcementLevel: "mandatory", urn: "urn:x", message: "m", fix: "f" };
        const plan = { project: "vendor-enclaves", stack: "x", resources: [], outputs: {} };
        expect(checkTask.summarize!({ plan, violations: [violation, violation] as never })).toEqual({
            result: "2 violation(s): s3-deny-insecure-transport",
            resources: 0,
            exitCode: EXIT.finding,
        });
        expect(checkTask.summarize!({ plan, violations: [] })).toEqual({ result: `clean (${POLICY_COUNT} policies)`, resources: 0 });
    });

    it("access --all reports every good vendor by simulation and exits 2 for the broken one", async () => {
        const { code, out: stdout, err: stderr } = await runCli(["access", "--all", "--stacks-dir", dir, "--json"]);
        expect(code).toBe(EXIT.invalidInput);
        const byVendor = JSON.parse(stdout) as Record<string, { vendorId?: string; grants?: unknown[]; error?: unknown }>;
        expect(Object.keys(byVendor)).toEqual(["acme-labeling", "broken-vendor", "evalcorp"]);
        expect(byVendor["acme-labeling"].vendorId).toBe("acme-labeling");
        expect(byVendor.evalcorp.vendorId).toBe("evalcorp");
        expect(byVendor["broken-vendor"]).toEqual({ error: { message: brokenMessage(), exitCode: 2 } });
        expect(stderr).toContain("3 vendors, 2 ok, 1 failed; exit 2");
    });
});

describe("fleet runner", () => {
    const task = (fail: Record<string, Error>, findings: string[] = []): FleetTask<string> => ({
        verb: "check",
        run: async (v) => {
            if (fail[v.id]) throw fail[v.id];
            return v.id;
        },
        summarize: (id) => (findings.includes(id) ? { result: "1 finding", exitCode: EXIT.finding } : { result: "clean" }),
    });

    it("exits 1 when any failure is not invalid input, and still runs the others", async () => {
        const report = await runFleet(task({ "acme-labeling": new Error("boom") }), { stacksDir: dir, progress: null });
        expect(report.outcomes.map((o) => [o.vendor, o.ok])).toEqual([
            ["acme-labeling", false],
            ["broken-vendor", false],
            ["evalcorp", true],
        ]);
        expect(report.exitCode).toBe(EXIT.failure);
        expect(report.outcomes[0]).toMatchObject({ error: { message: "unexpected failure: boom (rerun with ENCLAVE_DEBUG=1 for details)", exitCode: 1 } });
        expect(renderFleetTable(report)).toContain("3 vendors, 1 ok, 2 failed; exit 1");
    });

    it("exits with the finding code when nothing failed", () => {
        const ok = (vendor: string, exitCode?: number) => ({ vendor, ok: true as const, value: 1, summary: { exitCode }, durationMs: 1 });
        expect(fleetExitCode([ok("a"), ok("b")])).toBe(0);
        expect(fleetExitCode([ok("a"), ok("b", EXIT.finding)])).toBe(3);
        const bad = (exitCode: number) => ({ vendor: "x", ok: false as const, error: { message: "m", exitCode }, durationMs: 1 });
        expect(fleetExitCode([ok("a", 3), bad(2)])).toBe(2);
        expect(fleetExitCode([bad(2), bad(1)])).toBe(1);
    });

    it("reports findings from a task per vendor", async () => {
        fs.renameSync(path.join(dir, "broken-vendor.yaml"), path.join(dir, "broken-vendor.txt"));
        try {
            const report = await runFleet(task({}, ["evalcorp"]), { stacksDir: dir, progress: null });
            expect(report.exitCode).toBe(EXIT.finding);
            expect(report.outcomes.map((o) => (o.ok ? o.summary.result : "failed"))).toEqual(["clean", "1 finding"]);
        } finally {
            fs.renameSync(path.join(dir, "broken-vendor.txt"), path.join(dir, "broken-vendor.yaml"));
        }
    });

    it("refuses an empty folder as invalid input", async () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-empty-"));
        try {
            await expect(runFleet(task({}), { stacksDir: empty, progress: null })).rejects.toEqual(
                new CliError(`${empty}: no vendor specs (*.yaml other than security.yaml)`, EXIT.invalidInput),
            );
        } finally {
            fs.rmSync(empty, { recursive: true, force: true });
        }
    });
});
