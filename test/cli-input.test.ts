// Bad input at the CLI: one line naming the file (or option) and the field, the value and the fix, exit 2, no stack
// trace, nothing half-done. In-process through cli/main (the binary's code path minus start-up); the few behaviours
// that only a real process shows (closed pipes, a full disk, file permissions, commander's own output) spawn
// bin/enclave.js.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli";
import type { Plan } from "../plan/types";
import { ACME as ACME_ID, EVALCORP, fixtureFile, fixtureSpecArgs, FIXTURES_DIR } from "./support/fixtures";

const REPO = path.join(__dirname, "..");
const STACKS = FIXTURES_DIR;
const BIN = path.join(REPO, "bin", "enclave.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cli-input-"));
const ACME = fs.readFileSync(path.join(STACKS, "acme-labeling.yaml"), "utf8");
const ID_RULES = "3-20 lowercase letters, digits and single hyphens, starting with a letter (e.g. acme-labeling)";
const CONTRACT = "{project, stack, resources: [{urn, type, name, parent, custom, protect, retainOnDelete, inputs, outputs}], outputs}";
const PLAN_FIX = `Fix: use the unchanged output of \`enclave plan <vendor> --json\` (${CONTRACT}).`;

function write(name: string, content: string | Buffer): string {
    const file = path.join(tmp, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return file;
}
function folder(name: string): string {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
}

const BOMB =
    'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n';
const bombMessage = (f: string) =>
    `${f}: the YAML repeats its aliases (*name) too often (Excessive alias count indicates a resource exhaustion attack). Fix: write the values out instead of repeating aliases.`;
const dirMessage = (f: string, what = "vendor spec") => `${f}: is a directory, not a ${what} file. Fix: give the path of the YAML file.`;

let acmePlan: Plan;
let acmePlanText: string;
let evalcorpPlanFile: string;
let acmePlanFile: string;

beforeAll(async () => {
    const acme = await runCli(["plan", ...fixtureSpecArgs(ACME_ID), "--json"]);
    expect(acme.code).toBe(0);
    acmePlanText = acme.out;
    acmePlan = JSON.parse(acme.out);
    acmePlanFile = write("plans/acme.json", acme.out);
    const evalcorp = await runCli(["plan", ...fixtureSpecArgs(EVALCORP), "--json"]);
    expect(evalcorp.code).toBe(0);
    evalcorpPlanFile = write("plans/evalcorp.json", evalcorp.out);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of the acme plan with one edit, written to a file. */
function planVariant(name: string, edit: (p: Plan) => void): string {
    const p = structuredClone(acmePlan);
    edit(p);
    return write(`plans/${name}.json`, JSON.stringify(p));
}

async function refused(argv: string[]): Promise<{ code: number; err: string; out: string }> {
    const r = await runCli(argv);
    return { code: r.code, err: r.err, out: r.out };
}
const invalid = (line: string) => ({ code: 2, err: `enclave: ${line}\n`, out: "" });

const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((f) => fs.existsSync(f));

/**
 * How to start the binary so that a mode-000 file refuses it (EACCES). An ordinary user needs nothing. Root ignores file
 * modes (CAP_DAC_OVERRIDE), so it runs the binary through setpriv: still as root but with every capability dropped
 * (a 0700 checkout owned by root stays reachable), else as uid 65534 (nobody). Each is tried first with a small probe
 * that reads the binary and resolves its tsx loader from the checkout's cwd: a checkout under a folder the identity
 * cannot enter gives MODULE_NOT_FOUND or a failed chdir, not the EACCES this test is about.
 */
function withoutReadOverride(): { direct: true } | { setpriv: string[] } | { skip: string } {
    if (process.getuid?.() !== 0) return { direct: true };
    if (!SETPRIV) return { skip: "running as root, which reads any file, and setpriv (util-linux) is not installed to drop that" };
    const dropCaps = ["--bounding-set=-all", "--inh-caps=-all"];
    const candidates = [dropCaps, ["--reuid=65534", "--regid=65534", "--clear-groups", ...dropCaps]];
    const probe = "require('fs').readFileSync(process.argv[1]); require.resolve('tsx/cjs', { paths: [process.cwd()] });";
    for (const setpriv of candidates) {
        const r = spawnSync(SETPRIV, [...setpriv, process.execPath, "-e", probe, BIN], { cwd: REPO, encoding: "utf8", timeout: 30_000 });
        if (r.status === 0) return { setpriv };
    }
    return { skip: "running as root, and neither root without capabilities nor uid 65534 can read this checkout and its node_modules" };
}

/**
 * Spawns the real binary (through a shell when `shell` is given, under `setpriv` with these arguments when `setpriv` is
 * given) and resolves with its status and output.
 */
function spawnCli(args: string[], opts: { shell?: string; setpriv?: string[] } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const command = opts.shell ? "bash" : opts.setpriv ? SETPRIV! : process.execPath;
    const argv = opts.shell
        ? ["-c", opts.shell.replace("ENCLAVE", `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)}`)]
        : opts.setpriv
          ? [...opts.setpriv, process.execPath, BIN, ...args]
          : [BIN, ...args];
    return new Promise((resolve, reject) => {
        const child = spawn(command, argv, { cwd: REPO, env: { ...process.env, ENCLAVE_DEBUG: "" } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}

describe("1. unreadable spec inputs are invalid input (exit 2), also in --all", () => {
    it("a directory as --spec, a directory or an alias bomb as --security-spec", async () => {
        const dir = folder("dir-spec.yaml");
        expect(await refused(["plan", "--spec", dir])).toEqual(invalid(dirMessage(dir)));
        expect(await refused(["check", "--spec", dir])).toEqual(invalid(dirMessage(dir)));
        expect(await refused(["access", ...fixtureSpecArgs(ACME_ID), "--security-spec", dir])).toEqual(invalid(dirMessage(dir, "security stack spec")));
        const bomb = write("bomb.yaml", BOMB);
        expect(await refused(["check", "--security", "--security-spec", bomb])).toEqual(invalid(bombMessage(bomb)));
        expect(await refused(["diff", "--base-spec", bomb, "--head-spec", path.join(STACKS, "acme-labeling.yaml")])).toEqual(invalid(bombMessage(bomb)));
    });

    it("a device is refused before it is read (/dev/zero used to abort node)", async () => {
        expect(await refused(["plan", "--spec", "/dev/zero"])).toEqual(
            invalid("/dev/zero: is not a regular file (a device, pipe or socket), not a vendor spec file. Fix: give the path of the YAML file."),
        );
    });

    it("--all: a directory and an alias bomb among the specs fail as invalid input, so the fleet exits 2, not 1", async () => {
        const stacks = folder("fleet-broken");
        fs.mkdirSync(path.join(stacks, "subdir.yaml"), { recursive: true });
        fs.writeFileSync(path.join(stacks, "bomb.yaml"), BOMB);
        const r = await runCli(["plan", "--all", "--json", "--stacks-dir", stacks]);
        expect(r.code).toBe(2);
        expect(JSON.parse(r.out)).toEqual({
            bomb: { error: { message: bombMessage(path.join(stacks, "bomb.yaml")), exitCode: 2 } },
            subdir: { error: { message: dirMessage(path.join(stacks, "subdir.yaml")), exitCode: 2 } },
        });
        expect(r.err).toContain("2 vendors, 0 ok, 2 failed; exit 2");
    });

    const lockedOut = withoutReadOverride();
    it.skipIf("skip" in lockedOut)(
        `the real binary: an unreadable file (EACCES) is one line, exit 2${"skip" in lockedOut ? ` (skipped: ${lockedOut.skip})` : ""}`,
        async () => {
            const dir = folder("locked");
            fs.chmodSync(dir, 0o755);
            const file = path.join(dir, "locked.yaml");
            fs.writeFileSync(file, ACME);
            fs.chmodSync(file, 0o000);
            const r = await spawnCli(["plan", "--spec", file], "setpriv" in lockedOut ? { setpriv: lockedOut.setpriv } : {});
            expect({ status: r.status, stderr: r.stderr, stdout: r.stdout }).toEqual({
                status: 2,
                stderr: `enclave: ${file}: cannot be read (permission denied). Fix: make the file readable by this user (chmod u+r), or give another path.\n`,
                stdout: "",
            });
        },
    );
});

describe("2 and 3. the real binary: no stack traces from closed pipes, full disks or usage errors", () => {
    it("a closed pipe ends quietly, a full disk is one line and exit 1, a usage error one line and exit 2", async () => {
        const dir = folder("dir-for-bin.yaml");
        const [pipe, full, usage, unknownCommand, spec] = await Promise.all([
            spawnCli([], { shell: `ENCLAVE plan --spec ${JSON.stringify(fixtureFile(ACME_ID))} --json | head -c 10; echo " status=\${PIPESTATUS[0]}"` }),
            fs.existsSync("/dev/full")
                ? spawnCli([], { shell: `ENCLAVE plan --spec ${JSON.stringify(fixtureFile(ACME_ID))} --json > /dev/full` })
                : Promise.resolve(undefined),
            spawnCli(["plan", "acme-labeling", "-x"]),
            spawnCli(["PLAN", "acme-labeling"]),
            spawnCli(["plan", "--spec", dir]),
        ]);
        expect({ stdout: pipe.stdout, stderr: pipe.stderr }).toEqual({ stdout: `${acmePlanText.slice(0, 10)} status=0\n`, stderr: "" });
        if (full)
            expect({ status: full.status, stderr: full.stderr }).toEqual({
                status: 1,
                stderr: "enclave: cannot write the output: ENOSPC: no space left on device, write\n",
            });
        expect({ status: usage.status, stderr: usage.stderr, stdout: usage.stdout }).toEqual({
            status: 2,
            stderr: "enclave: unknown option '-x' (see enclave plan --help)\n",
            stdout: "",
        });
        expect({ status: unknownCommand.status, stderr: unknownCommand.stderr }).toEqual({
            status: 2,
            stderr: "enclave: unknown command 'PLAN' (see enclave --help)\n",
        });
        expect({ status: spec.status, stderr: spec.stderr }).toEqual({ status: 2, stderr: `enclave: ${dirMessage(dir)}\n` });
    });
});

describe("3. commander's usage errors are one line naming the command's --help", () => {
    it.each([
        [["plan", "-x"], "unknown option '-x' (see enclave plan --help)"],
        [["plan", "--sepc", "x.yaml"], "unknown option '--sepc'; did you mean --spec? (see enclave plan --help)"],
        [["plan", "--spec"], "option '--spec <file>' argument missing (see enclave plan --help)"],
        [["plan", "acme-labeling", "evalcorp"], "too many arguments for 'plan'. Expected 1 argument but got 2. (see enclave plan --help)"],
        [["diff", "evalcorp", "--base", "HEAD", "--bogus"], "unknown option '--bogus' (see enclave diff --help)"],
        [["PLAN", "acme-labeling"], "unknown command 'PLAN' (see enclave --help)"],
        [["seal"], "missing required argument 'vendor' (see enclave seal --help)"],
    ])("%j", async (argv, line) => {
        expect(await refused(argv)).toEqual(invalid(line));
    });

    it("--help still prints the whole help on stdout and exits 0", async () => {
        const r = await runCli(["plan", "--help"]);
        expect([r.code, r.err]).toEqual([0, ""]);
        expect(r.out.split("\n")[0]).toBe("Usage: enclave plan [options] [vendor]");
        expect(r.out).toContain("--security-spec <file>");
    });
});

describe("4. conflicting options are refused, not ignored", () => {
    it.each([
        [["plan", "acme-labeling", "--security"], "--security selects the security stack, not a vendor: drop the vendor id (acme-labeling)"],
        [["plan", "--security", "--spec", "x.yaml"], "--security selects the security stack, not a vendor: drop --spec"],
        [["check", "--security", "--spec", "x.yaml"], "--security selects the security stack, not a vendor: drop --spec"],
        [["check", "acme-labeling", "--security"], "--security selects the security stack, not a vendor: drop the vendor id (acme-labeling)"],
        [
            ["check", "--plan", "x.json", "--security-spec", "s.yaml"],
            "--plan checks a plan file, which already holds the security stack's outputs: drop --security-spec",
        ],
        [
            ["diff", "--base-spec", "a.yaml", "--head-spec", "b.yaml", "acme-labeling"],
            "--base-spec and --head-spec name the vendor in their files: drop the vendor id (acme-labeling)",
        ],
        [
            ["diff", "--base-plan", "a.json", "--head-plan", "b.json", "acme-labeling"],
            "--base-plan and --head-plan name the vendor in their files: drop the vendor id (acme-labeling)",
        ],
        [
            ["diff", "--base-plan", "a.json", "--head-plan", "b.json", "--security-spec", "s.yaml"],
            "--base-plan and --head-plan already hold the security stack's outputs: drop --security-spec",
        ],
    ])("%j", async (argv, line) => {
        expect(await refused(argv)).toEqual(invalid(line));
    });
});

describe("5. a diff of two different vendors is refused", () => {
    it("spec files and plan files", async () => {
        const acme = path.join(STACKS, "acme-labeling.yaml");
        const evalcorp = path.join(STACKS, "evalcorp.yaml");
        const fix = "a diff compares two revisions of one vendor. Fix: give two versions of the same vendor's spec or plan.";
        expect(await refused(["diff", "--base-spec", acme, "--head-spec", evalcorp])).toEqual(
            invalid(`base is acme-labeling (${acme}), head is evalcorp (${evalcorp}): ${fix}`),
        );
        expect(await refused(["diff", "--base-plan", acmePlanFile, "--head-plan", evalcorpPlanFile])).toEqual(
            invalid(`base is acme-labeling (${acmePlanFile}), head is evalcorp (${evalcorpPlanFile}): ${fix}`),
        );
    });
});

describe("6. secrets are not echoed", () => {
    it("a .env file as --spec shows the type of its top level only; a bad external ID only its length", async () => {
        const env = write("dot.env", "AWS_ACCESS_KEY_ID=AKIAEXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG\n");
        expect(await refused(["plan", "--spec", env])).toEqual(
            invalid(`${env}: the top level is a string, not a mapping. Fix: write the vendor spec as YAML keys (id:, account:, ...).`),
        );
        const ext = write("extid.yaml", ACME.replace("  maxSessionSeconds: 3600\n", '  externalId: "vendor-secret-Xy9#kQ2!"\n  maxSessionSeconds: 3600\n'));
        const r = await refused(["plan", "--spec", ext]);
        expect(r).toEqual(
            invalid(
                `${ext}: access.externalId must be 16-128 characters of letters, digits and + = , . @ : / -: got [secret, 22 characters]. Fix: use 16-128 characters of letters, digits and + = , . @ : / -, or remove the field to generate one.`,
            ),
        );
        expect(r.err).not.toContain("Xy9");
    });
});

describe("7. plan files that are not plans are invalid input naming the file and field", () => {
    it.each([
        [
            "not a plan at all",
            () => write("plans/stack-only.json", JSON.stringify({ stack: "x", resources: [] })),
            "not an enclave plan: project is missing: got nothing",
        ],
        [
            "a plan with no resources",
            () => write("plans/no-resources.json", JSON.stringify({ project: "vendor-enclaves", stack: "x", resources: [], outputs: {} })),
            "not an enclave plan: resources is an empty list (a plan has at least one resource): got []",
        ],
        [
            "a plan of another project",
            () => planVariant("other-project", (p) => (p.project = "other")),
            'not an enclave plan: project must be "vendor-enclaves": got "other"',
        ],
        [
            "a resource with inputs null",
            () => planVariant("inputs-null", (p) => ((p.resources[2] as { inputs: unknown }).inputs = null)),
            "not an enclave plan: resources[2].inputs must be an object (the resource's inputs): got null",
        ],
        [
            "a resource with inputs a list",
            () => planVariant("inputs-list", (p) => ((p.resources[0] as { inputs: unknown }).inputs = [1, 2])),
            "not an enclave plan: resources[0].inputs must be an object (the resource's inputs): got [1,2]",
        ],
        [
            "outputs null",
            () => planVariant("outputs-null", (p) => ((p as { outputs: unknown }).outputs = null)),
            "not an enclave plan: outputs must be an object (the stack outputs): got null",
        ],
    ])("check --plan: %s", async (_what, make, problem) => {
        const file = make();
        expect(await refused(["check", "--plan", file])).toEqual(invalid(`${file}: ${problem}. ${PLAN_FIX}`));
    });

    it("diff --base-plan: a policy that is not JSON, a vendor role that is not an ARN (exit 2, not an unexpected failure)", async () => {
        const index = acmePlan.resources.findIndex((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy");
        const name = acmePlan.resources[index].name;
        const badPolicy = planVariant("bad-policy", (p) => (p.resources[index].inputs.policy = "{not json"));
        expect(await refused(["diff", "--base-plan", badPolicy, "--head-plan", acmePlanFile])).toEqual(
            invalid(
                `${badPolicy}: not an enclave plan: resources[${index}].inputs.policy (${name}) is not a JSON policy document with a Statement: got "{not json". ${PLAN_FIX}`,
            ),
        );
        const fakeVendor = planVariant("fake-vendor", (p) => (p.outputs.vendorRoleArn = "arn"));
        expect(await refused(["diff", "--base-plan", fakeVendor, "--head-plan", acmePlanFile])).toEqual(
            invalid(`${fakeVendor}: not a vendor plan: outputs.vendorRoleArn is not an IAM role ARN: got "arn". ${PLAN_FIX}`),
        );
    });

    it("diff --base-plan: a plan that passes the contract but cannot be simulated names the file (exit 2)", async () => {
        const ghost = planVariant("ghost-role", (p) => {
            const rp = p.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy")!;
            rp.inputs.role = "ghost";
        });
        const urn = acmePlan.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy")!.urn;
        expect(await refused(["diff", "--base-plan", ghost, "--head-plan", acmePlanFile])).toEqual(
            invalid(
                `${ghost}: the plan cannot be evaluated: ${urn}: role ghost is not in the plan. Fix: use the unchanged output of \`enclave plan <vendor> --json\`.`,
            ),
        );
    });
});

describe("8. numbers are shown as written", () => {
    it("1e400 is too large, not `got null`", async () => {
        const file = write("bignum.yaml", ACME.replace("keyDeletionWindowDays: 30", "keyDeletionWindowDays: 1e400"));
        expect(await refused(["plan", "--spec", file])).toEqual(
            invalid(`${file}: keyDeletionWindowDays is too large: got 1e400. Fix: use a whole number of days from 7 to 30.`),
        );
    });
});

describe("9. a vendor argument with path characters is not looked up as a file name", () => {
    it.each([
        ["../stacks/acme-labeling", "contains path characters", "give the id alone: acme-labeling"],
        ["acme-labeling.yaml", "contains path characters", "give the id alone: acme-labeling"],
        ["ACME-LABELING", "breaks the id rules", "give the id alone: acme-labeling"],
    ])("%s", async (vendor, why, fix) => {
        expect(await refused(["plan", vendor])).toEqual(invalid(`"${vendor}" is not a vendor id: it ${why}; an id is ${ID_RULES}. Fix: ${fix}.`));
    });
});

describe("11. a plan file with a UTF-8 byte order mark reads like the same file without", () => {
    it("check --plan", async () => {
        const bom = write("plans/bom.json", `\uFEFF${acmePlanText}`);
        const withBom = await runCli(["check", "--plan", bom, "--json"]);
        const without = await runCli(["check", "--plan", acmePlanFile, "--json"]);
        expect(withBom.err).toBe("");
        expect([withBom.code, withBom.out]).toEqual([without.code, without.out]);
        expect(JSON.parse(withBom.out).stack).toBe("acme-labeling");
    });
});

describe("13. small ones", () => {
    it("a stacks-folder file name that is no valid id is not suggested as the id", async () => {
        const stacks = folder("spaced");
        fs.writeFileSync(path.join(stacks, "acme labeling.yaml"), ACME);
        const r = await runCli(["plan", "--all", "--json", "--stacks-dir", stacks]);
        expect(r.code).toBe(2);
        const file = path.join(stacks, "acme labeling.yaml");
        expect(JSON.parse(r.out)["acme labeling"].error.message).toBe(
            `${file}: id "acme-labeling" does not match the stack name "acme labeling": got "acme-labeling". Fix: rename the file to stacks/acme-labeling.yaml (a file name in stacks/ is the vendor id, ${ID_RULES}).`,
        );
    });

    it("a missing security spec, --stacks-dir naming a file, an empty path, an unknown YAML tag", async () => {
        const missing = path.join(tmp, "no-security.yaml");
        expect(await refused(["plan", ...fixtureSpecArgs(ACME_ID), "--security-spec", missing])).toEqual(
            invalid(`${missing}: no such security stack spec file. Fix: create it, or check the name (the security stack's spec is stacks/security.yaml).`),
        );
        const file = path.join(STACKS, "acme-labeling.yaml");
        expect(await refused(["plan", "--all", "--stacks-dir", file])).toEqual(
            invalid(`--stacks-dir ${file}: is a file, not a folder. Fix: give the folder that holds the vendor specs (<vendor-id>.yaml), e.g. stacks/`),
        );
        expect(await refused(["diff", "--base-spec", "", "--head-spec", file])).toEqual(invalid('--base-spec is empty: got "". Fix: give a file path.'));
        expect(await refused(["diff", "acme-labeling", "--base", ""])).toEqual(invalid('--base is empty: got "". Fix: give a git revision, e.g. origin/main.'));
        expect(await refused(["plan", ""])).toEqual(invalid('the vendor argument is empty: got "". Fix: name a vendor, e.g. acme-labeling.'));
        const tagged = write("tagged.yaml", ACME.replace("displayName: Acme Labeling Ltd", "displayName: !foo bar"));
        expect(await refused(["plan", "--spec", tagged])).toEqual(
            invalid(`${tagged}: displayName has the YAML tag !foo, which a spec does not use: got "bar". Fix: remove the tag and write the plain value.`),
        );
    });
});

describe("14. --spec does not require the file name to match the id", () => {
    it("a temporary file named anything plans the vendor its id names", async () => {
        const renamed = write("pr-check/base-revision.yaml", ACME);
        const r = await runCli(["plan", "--spec", renamed, "--json"]);
        expect([r.code, r.err]).toEqual([0, ""]);
        expect(r.out).toBe(acmePlanText);
    });
});
