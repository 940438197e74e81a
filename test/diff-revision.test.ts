// `enclave diff --base <ref>` plans the base revision with its OWN code and specs. The scenario that must never read
// "No change": a commit that changes only code (the write actions granted to vendors gain s3:DeleteObject), no spec.
// It runs in a scratch git repository (this working tree's files, committed twice, node_modules linked) and spawns
// bin/enclave.js as CI does, for the real exit code. Head and base are compiled by transpileBuild, not `npm run build`
// (whose JavaScript is the same: the first test compares them file by file with the suite's own build in dist/). What it cannot prove: that GitHub checks out the base branch the
// same way (the workflow fetches it with fetch-depth: 0), nor the `npm ci` path taken when package-lock.json differs.
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transpileBuild } from "../review/revision";

const REPO = path.resolve(__dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "enclave-diff-revision-"));
const scratch = path.join(tmp, "repo");

const git = (...args: string[]) => execFileSync("git", args, { cwd: scratch, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [path.join(scratch, "bin", "enclave.js"), ...args], { cwd: scratch, env: { ...process.env, ENCLAVE_DEBUG: "" } });
        let out = "";
        let err = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        child.on("close", (code) => resolve({ code, out, err }));
    });
}

/** Edits a file of the scratch repository, refusing an edit that changes nothing (the test would prove nothing). */
function edit(file: string, change: (text: string) => string): void {
    const full = path.join(scratch, file);
    const before = fs.readFileSync(full, "utf8");
    const after = change(before);
    if (after === before) throw new Error(`${file}: the edit changed nothing`);
    fs.writeFileSync(full, after);
}

let baseCommit: string;

beforeAll(() => {
    // This working tree as it is (uncommitted edits included), without node_modules or anything ignored.
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: REPO, encoding: "utf8" })
        .split("\0")
        .filter(Boolean);
    for (const f of files) {
        if (!fs.existsSync(path.join(REPO, f))) continue; // deleted in the working tree, not yet committed
        fs.mkdirSync(path.dirname(path.join(scratch, f)), { recursive: true });
        fs.copyFileSync(path.join(REPO, f), path.join(scratch, f));
    }
    git("init", "--quiet", "--initial-branch=main");
    // Excluded explicitly: .gitignore's `node_modules/` matches a folder, not a link to one.
    fs.appendFileSync(path.join(scratch, ".git", "info", "exclude"), "/node_modules\n");
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(scratch, "node_modules"), "dir");
    git("add", "-A");
    git("-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "--quiet", "-m", "base");
    baseCommit = git("rev-parse", "HEAD");
    // The code change: vendors with write access may now delete. No spec changes.
    edit("iam/document.ts", (t) =>
        t.replace('export const S3_WRITE_ACTIONS = ["s3:PutObject"];', 'export const S3_WRITE_ACTIONS = ["s3:PutObject", "s3:DeleteObject"];'),
    );
    // And the fleet changes: evalcorp leaves, newco (acme-labeling's spec under another id) arrives.
    fs.rmSync(path.join(scratch, "stacks", "evalcorp.yaml"));
    fs.writeFileSync(
        path.join(scratch, "stacks", "newco.yaml"),
        fs.readFileSync(path.join(scratch, "stacks", "acme-labeling.yaml"), "utf8").replace(/^id: acme-labeling$/m, "id: newco"),
    );
    git("add", "-A");
    git(
        "-c",
        "user.name=test",
        "-c",
        "user.email=test@example.invalid",
        "commit",
        "--quiet",
        "-m",
        "vendors may delete what they write; evalcorp leaves, newco arrives",
    );
    // A CLI that runs from a build (dist/ is never committed) is compiled for the head here, as the base checkouts are:
    // the JavaScript `npm run build` writes (same compiler, same options), without its type check and Lambda bundles,
    // which the test suite's own build has already done for these sources and a plan does not read.
    if (!transpileBuild(scratch)) throw new Error("the scratch repository has no tsconfig.build.json to compile");
}, 300_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every file under `dir`, relative, sorted. */
const filesUnder = (dir: string): string[] =>
    (fs.readdirSync(dir, { recursive: true, encoding: "utf8" }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();

describe("enclave diff --base plans the base revision with its own code", () => {
    it("transpileBuild writes the JavaScript tsc wrote to dist/ for the same sources, file for file", () => {
        // dist/ is this working tree's `npm run build` (npm test runs it first): stale, it differs here, and says so.
        const built = path.join(REPO, "dist");
        const tscFiles = filesUnder(built).filter((f) => f.endsWith(".js") && !f.startsWith(`lambda${path.sep}`));
        const transpiled = filesUnder(path.join(scratch, "dist"));
        expect(transpiled, "dist/ holds files the sources no longer compile to: run `rm -rf dist && npm run build`").toEqual(tscFiles);
        expect(transpiled.length).toBeGreaterThan(100);
        // The head's one code edit is the only file whose output may differ, and it must.
        const edited = path.join("iam", "document.js");
        const differing = tscFiles.filter((f) => fs.readFileSync(path.join(built, f), "utf8") !== fs.readFileSync(path.join(scratch, "dist", f), "utf8"));
        expect(differing, "dist/ is older than the sources: run `npm run build`").toEqual([edited]);
        expect(fs.readFileSync(path.join(scratch, "dist", edited), "utf8")).toContain('exports.S3_WRITE_ACTIONS = ["s3:PutObject", "s3:DeleteObject"];');
    });

    it("a code-only change granting s3:DeleteObject exits 3 and names the new delete access and the changed policies", async () => {
        // Checkouts left by other processes on this machine (a killed run) are not this run's to judge.
        const checkouts = () => new Set(fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith("enclave-base-")));
        const before = checkouts();
        const r = await cli(["diff", "acme-labeling", "--base", baseCommit]);
        expect(r.err).toBe("");
        expect(r.code).toBe(3);
        expect(r.out).toContain(`**Access WIDENED** (${baseCommit} -> working tree)`);
        // labels-dropbox is acme-labeling's write-only dataset: delete appears there, on both network paths.
        const gained = r.out.split("### Gained")[1].split("###")[0];
        expect(gained).toMatch(/\| role\/enclave-acme-labeling-vendor \| delete \| s3:DeleteObject \| dataset labels-dropbox \| enclave S3 endpoint \|/);
        expect(gained).not.toMatch(/dataset (guidelines|task-batches)/);
        // The resource diff says which documents changed, in place, and that nothing is replaced.
        expect(r.out).toContain("### Resource changes: acme-labeling");
        expect(r.out).toMatch(/0 created, 0 deleted, 0 replaced, \d+ updated in place/);
        expect(r.out).toMatch(/- `aws:iam\/rolePolicy:RolePolicy` `acme-labeling-access-vendor-policy`\n {2}- `policy`: statements `~ PutWritableObjects`/);
        // The checkout is gone.
        expect([...checkouts()].filter((d) => !before.has(d)).map((d) => fs.readdirSync(path.join(os.tmpdir(), d)))).not.toContainEqual(["tree"]);
    }, 180_000); // ~20 s of CPU (two base plans in their own processes, the head plan, two simulations)

    it("--all covers every vendor on either side: the widened one, a removed one (everything lost), an added one (everything gained)", async () => {
        const r = await cli(["diff", "--all", "--base", baseCommit, "--json"]);
        expect(r.err).toBe("");
        expect(r.code).toBe(3);
        const d = JSON.parse(r.out);
        expect(Object.keys(d.vendors)).toEqual(["acme-labeling", "evalcorp", "newco"]);
        expect(d.widened).toBe(true);
        const acme = d.vendors["acme-labeling"];
        expect(acme.gained.map((f: { principal: string; action: string; resource: string }) => `${f.principal} ${f.action} ${f.resource}`).sort()).toEqual([
            "role/enclave-acme-labeling-vendor s3:DeleteObject dataset labels-dropbox",
            "role/enclave-acme-labeling-workload s3:DeleteObject dataset labels-dropbox",
        ]);
        const removed = d.vendors.evalcorp;
        expect([removed.head, removed.widened, removed.gained.length, removed.lost.length > 0]).toEqual(["working tree (vendor removed)", false, 0, true]);
        expect([removed.resources.created.length, removed.resources.deleted.length > 50, removed.resources.updated.length]).toEqual([0, true, 0]);
        const added = d.vendors.newco;
        expect([added.base, added.widened, added.lost.length, added.gained.length > 0]).toEqual([`${baseCommit} (vendor absent)`, true, 0, true]);
        expect([added.resources.deleted.length, added.resources.created.length > 50]).toEqual([0, true]);
        // The security stack follows the vendors beside its spec (their trails, prefixes and tripwires): what it gains or
        // loses is tripwire and delivery wiring only, and nothing of the archive is replaced.
        expect(d.security.replaced).toEqual([]);
        for (const r of [...d.security.created, ...d.security.deleted]) expect(r.name).toMatch(/tripwire/);
    }, 180_000);
});
