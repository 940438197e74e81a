import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli";
import type { Plan, PlanResource } from "../plan/types";
import { ACME, EVALCORP, fixtureSpecArgs, SECURITY_FIXTURE_FILE } from "./support/fixtures";

// `enclave check` end to end: in-process through cli/main (the same code path as the binary, minus process start-up),
// plus two real spawns of bin/enclave.js for the exit codes a CI job sees. Plans come from `enclave plan --json`, once.

const REPO = path.join(__dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "guardrails-cli-"));
let acme: Plan;

beforeAll(async () => {
    const r = await runCli(["plan", ...fixtureSpecArgs(ACME), "--json"]);
    expect(r.code).toBe(0);
    acme = JSON.parse(r.out);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const res = (p: Plan, name: string): PlanResource => p.resources.find((r) => r.name === name)!;
const set = (r: PlanResource, key: string, value: unknown) => {
    r.inputs[key] = value;
    r.outputs[key] = value;
};
const editDoc = (r: PlanResource, key: string, edit: (d: { Statement: Record<string, unknown>[] }) => void) => {
    const d = JSON.parse(r.inputs[key] as string);
    edit(d);
    set(r, key, JSON.stringify(d));
};
function writePlan(name: string, mutate: (p: Plan) => void): string {
    const p = structuredClone(acme);
    mutate(p);
    const file = path.join(tmp, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(p));
    return file;
}

const A = "acme-labeling";

/** The planted violations, each with the policy, a rule ID and the resource that must be named. */
const PLANTED: { what: string; policy: string; ruleId: string; resource: string; mutate: (p: Plan) => void }[] = [
    {
        what: "the TLS deny removed",
        policy: "s3-bucket-policy-denies-insecure-transport",
        ruleId: "FSBP S3.5",
        resource: `${A}-guidelines-policy`,
        mutate: (p) => editDoc(res(p, `${A}-guidelines-policy`), "policy", (d) => (d.Statement = d.Statement.filter((s) => s.Sid !== "DenyInsecureTransport"))),
    },
    {
        what: "a public access block flag opened",
        policy: "s3-public-access-block-all-flags",
        ruleId: "CIS 2.1.4",
        resource: `${A}-task-batches-public-access-block`,
        mutate: (p) => set(res(p, `${A}-task-batches-public-access-block`), "restrictPublicBuckets", false),
    },
    {
        what: "a wildcard action",
        policy: "iam-least-privilege",
        ruleId: "FSBP IAM.1",
        resource: `${A}-access-workload-policy`,
        mutate: (p) =>
            editDoc(res(p, `${A}-access-workload-policy`), "policy", (d) =>
                d.Statement.push({ Sid: "All", Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::x" }),
            ),
    },
    {
        what: "key rotation off",
        policy: "kms-key-rotation-enabled",
        ruleId: "CIS 3.6",
        resource: `${A}-key-key`,
        mutate: (p) => set(res(p, `${A}-key-key`), "enableKeyRotation", false),
    },
    {
        what: "a route to an internet gateway",
        policy: "ec2-no-internet-path",
        ruleId: "NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW",
        resource: "to-igw",
        mutate: (p) =>
            p.resources.push({
                urn: `urn:pulumi:${A}::vendor-enclaves::aws:ec2/route:Route::to-igw`,
                type: "aws:ec2/route:Route",
                name: "to-igw",
                parent: null,
                custom: true,
                protect: false,
                retainOnDelete: false,
                inputs: { routeTableId: res(p, `${A}-network-private-rt`).outputs.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: "igw-0a1b2c3d4e5f60718" },
                outputs: { id: "r-to-igw" },
            }),
    },
];

describe("enclave check", () => {
    it.each([[ACME], [EVALCORP], ["--security"]])("exits 0 on the fixture stack %s", async (arg) => {
        const r = await runCli(["check", ...(arg === "--security" ? ["--security", "--security-spec", SECURITY_FIXTURE_FILE] : fixtureSpecArgs(arg))]);
        expect(r.err).toBe("");
        expect(r.code).toBe(0);
        expect(r.out).toMatch(
            /^enclave check (acme-labeling|evalcorp|security): clean - 50 policies checked over \d+ AWS resources: 50 passed, 0 failed \(mandatory\), 0 advisory\n$/,
        );
    });

    it("exits 0 on the unmodified plan file", async () => {
        const r = await runCli(["check", "--plan", writePlan("clean", () => {}), "--json"]);
        expect(r.code).toBe(0);
        expect(JSON.parse(r.out)).toEqual({ stack: A, policies: 50, totals: { checked: 50, passed: 50, failed: 0, advisory: 0 }, violations: [] });
    });

    it.each(PLANTED.map((c) => [c.what, c] as const))("exits 3 on a plan with %s, naming rule IDs, URN and fix", async (_, c) => {
        const file = writePlan(c.policy, c.mutate);
        const text = await runCli(["check", "--plan", file]);
        expect(text.code).toBe(3);
        const urn =
            c.resource === "to-igw" ? `urn:pulumi:${A}::vendor-enclaves::aws:ec2/route:Route::to-igw` : acme.resources.find((r) => r.name === c.resource)!.urn;
        expect(text.out).toContain(`MANDATORY ${c.policy} [`);
        expect(text.out).toContain(c.ruleId);
        expect(text.out).toContain(`  resource: ${urn}\n`);
        expect(text.out).toMatch(/ {2}fix: {6}\S/);

        const json = await runCli(["check", "--plan", file, "--json"]);
        expect(json.code).toBe(3);
        const { violations } = JSON.parse(json.out) as { violations: { policy: string; urn: string; ruleIds: string[]; enforcementLevel: string }[] };
        const own = violations.filter((v) => v.policy === c.policy);
        expect(own.length).toBeGreaterThan(0);
        expect(own.every((v) => v.urn === urn && v.ruleIds.includes(c.ruleId) && v.enforcementLevel === "mandatory")).toBe(true);
    });

    it("refuses a file that is JSON but not a plan (exit 2, one line naming the file)", async () => {
        const file = path.join(tmp, "not-a-plan.json");
        fs.writeFileSync(file, JSON.stringify({ hello: "world" }));
        const r = await runCli(["check", "--plan", file]);
        expect(r.code).toBe(2);
        expect(r.err).toBe(
            `enclave: ${file}: not an enclave plan: project is missing: got nothing. Fix: use the unchanged output of \`enclave plan <vendor> --json\` ({project, stack, resources: [{urn, type, name, parent, custom, protect, retainOnDelete, inputs, outputs}], outputs}).\n`,
        );
    });

    it("refuses --plan together with a vendor (exit 2)", async () => {
        const r = await runCli(["check", A, "--plan", "x.json"]);
        expect(r.code).toBe(2);
        expect(r.err).toBe("enclave: --plan checks a plan file: give no vendor, --spec or --security with it\n");
    });

    it("the real binary: bad plan JSON exits 2 with one line, a planted violation exits 3", () => {
        const bad = path.join(tmp, "bad.json");
        fs.writeFileSync(bad, "{ not json");
        const b = spawnSync(process.execPath, [path.join(REPO, "bin", "enclave.js"), "check", "--plan", bad], { cwd: REPO, encoding: "utf8" });
        expect(b.status).toBe(2);
        expect(b.stderr.trim().split("\n")).toHaveLength(1);
        expect(b.stderr).toMatch(new RegExp(`^enclave: ${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: not valid JSON \\(`));

        const planted = writePlan("bin-rotation", PLANTED[3].mutate);
        const v = spawnSync(process.execPath, [path.join(REPO, "bin", "enclave.js"), "check", "--plan", planted, "--json"], { cwd: REPO, encoding: "utf8" });
        expect(v.status).toBe(3);
        expect(JSON.parse(v.stdout).violations.map((x: { policy: string }) => x.policy)).toEqual(["kms-key-rotation-enabled"]);
    });
});
