// The compiled binary as a process: what it loads to answer --help and --version, its exit code when the reader of
// its output goes away, and its one line when it has not been built. These spawn bin/enclave.js (the dist/ build
// that `npm test` refreshes first). What this cannot prove: start-up time (that is `npm run bench`'s cli start ratio).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findRepoRoot, REPO_ROOT } from "../config/repoRoot";

const REPO = path.join(__dirname, "..");
const BIN = path.join(REPO, "bin", "enclave.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cli-process-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

function run(command: string, args: string[], opts: { env?: Record<string, string>; closeOutput?: boolean } = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd: REPO, env: { ...process.env, ENCLAVE_DEBUG: "", ...opts.env } });
        let stdout = "";
        let stderr = "";
        if (opts.closeOutput) {
            // The reader goes away before the child writes a byte: every write of the child fails with EPIPE.
            child.stdout.destroy();
            child.stderr.destroy();
        } else {
            child.stdout.on("data", (d) => (stdout += d));
            child.stderr.on("data", (d) => (stderr += d));
        }
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}

/** A preload that writes every module file the process resolved or loaded (CommonJS, also through import()) to a file. */
const PRELOAD = path.join(tmp, "record-modules.js");
fs.writeFileSync(
    PRELOAD,
    `const fs = require("node:fs");
const Module = require("node:module");
const seen = new Set();
const resolve = Module._resolveFilename;
Module._resolveFilename = function (...args) {
    const file = resolve.apply(this, args);
    seen.add(file);
    return file;
};
process.on("exit", () => {
    for (const file of Object.keys(require.cache)) seen.add(file);
    fs.writeFileSync(process.env.RECORD_MODULES_TO, JSON.stringify([...seen]));
});
`,
);

async function modulesLoadedBy(args: string[]): Promise<{ run: Run; modules: string[] }> {
    const out = path.join(tmp, `modules-${Math.random().toString(36).slice(2)}.json`);
    const r = await run(process.execPath, ["--require", PRELOAD, ...args], { env: { RECORD_MODULES_TO: out } });
    return { run: r, modules: JSON.parse(fs.readFileSync(out, "utf8")) as string[] };
}
const pulumiModules = (modules: string[]) => modules.filter((m) => m.split(path.sep).includes("@pulumi"));

describe("enclave --help and --version answer without the Pulumi SDK", () => {
    it("the recorder sees @pulumi modules loaded through import() (the way commands load them)", async () => {
        const stacks = path.join(REPO, "dist", "plan", "stacks.js");
        const { run: r, modules } = await modulesLoadedBy(["-e", `import(${JSON.stringify(stacks)}).then(() => {})`]);
        expect(r.status).toBe(0);
        expect(pulumiModules(modules).some((m) => m.includes(`${path.sep}@pulumi${path.sep}pulumi${path.sep}`))).toBe(true);
        expect(pulumiModules(modules).some((m) => m.includes(`${path.sep}@pulumi${path.sep}aws${path.sep}`))).toBe(true);
    });

    it.each([[["--help"]], [["--version"]], [["plan", "--help"]], [["access", "--help"]], [["check", "--help"]], [["diff", "--help"]], [["seal", "--help"]]])(
        "enclave %j loads no @pulumi module",
        async (args) => {
            const { run: r, modules } = await modulesLoadedBy([BIN, ...args]);
            expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
            expect(modules.some((m) => m.endsWith(path.join("dist", "cli", "main.js")))).toBe(true);
            expect(pulumiModules(modules)).toEqual([]);
        },
    );

    it("--version prints package.json's version", async () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string };
        expect(await run(process.execPath, [BIN, "--version"])).toEqual({ status: 0, stdout: `${pkg.version}\n`, stderr: "" });
    });
});

describe("a closed pipe does not turn a failed run into a success", () => {
    // Two vendors whose specs are broken and two that plan: the fleet run fails as invalid input (exit 2). A plan
    // awaits (it loads the SDK), so a failed write before it is reported while the run is still going, at a time when
    // the run's own exit code is not set yet: for `| head -1`, bravo's progress line, written after head has gone.
    const stacks = path.join(tmp, "broken-stacks");
    fs.mkdirSync(stacks);
    fs.writeFileSync(path.join(stacks, "alpha.yaml"), "id: alpha\ndisplayName: 42\n");
    fs.writeFileSync(path.join(stacks, "charlie.yaml"), "id: charlie\ndisplayName: 42\n");
    for (const [id, cidr] of [
        ["bravo", "10.20.0.0/20"],
        ["delta", "10.30.0.0/20"],
    ]) {
        fs.writeFileSync(
            path.join(stacks, `${id}.yaml`),
            [
                `id: ${id}`,
                "displayName: A vendor",
                "contact: vendor-risk@lab.example",
                'account: {id: "111122223333", region: us-east-1}',
                `access: {principals: ["arn:aws:iam::444455556666:role/${id}-annotators"]}`,
                `network: {cidr: ${cidr}}`,
                "datasets: [{name: guidelines, access: read}]",
                "",
            ].join("\n"),
        );
    }
    fs.writeFileSync(
        path.join(stacks, "security.yaml"),
        [
            'account: {id: "111122223333", region: us-east-1}',
            "deployerRoleArn: arn:aws:iam::111122223333:role/enclave-deployer",
            "breakGlassRoleArn: arn:aws:iam::111122223333:role/enclave-break-glass",
            "archiveAdminRoleArn: arn:aws:iam::111122223333:role/enclave-archive-admin",
            "alarms: {subscriptions: [{email: secops@lab.example}]}",
            "",
        ].join("\n"),
    );

    it("without a pipe the run exits 2 (the reference)", async () => {
        const r = await run(process.execPath, [BIN, "plan", "--all", "--stacks-dir", stacks]);
        expect(r.status).toBe(2);
        expect(r.stdout).toMatch(/\n4 vendors, 2 ok, 2 failed; .*exit 2\n$/);
    });

    it("stdout and stderr closed before the first write: still exit 2", async () => {
        const r = await run(process.execPath, [BIN, "plan", "--all", "--stacks-dir", stacks], { closeOutput: true });
        expect(r.status).toBe(2);
    });

    it("`enclave plan --all ... 2>&1 | head -1` under pipefail: head gets the first line, the pipeline fails with 2", async () => {
        // head exits after alpha's line; bravo's plan takes far longer than that, so its line meets a closed pipe.
        const script = `set -o pipefail; ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} plan --all --stacks-dir ${JSON.stringify(stacks)} 2>&1 | head -1; echo "status=$?"`;
        const r = await run("bash", ["-c", script]);
        expect(r.stdout).toMatch(/^\[1\/4\] plan alpha: failed: .*\nstatus=2\n$/);
        expect(r.stderr).toBe("");
    });
});

describe("an unbuilt checkout", () => {
    it("bin/enclave.js without dist/ says how to build, in one line, exit 1", async () => {
        const copy = path.join(tmp, "unbuilt");
        fs.mkdirSync(path.join(copy, "bin"), { recursive: true });
        fs.copyFileSync(BIN, path.join(copy, "bin", "enclave.js"));
        const r = await run(process.execPath, [path.join(copy, "bin", "enclave.js"), "--help"]);
        expect(r).toEqual({
            status: 1,
            stdout: "",
            stderr: `enclave: the CLI is not built (no ${path.relative(REPO, path.join(copy, "dist", "cli", "main.js"))}). Fix: run \`npm ci\` (or \`npm run build\`) in ${copy}.\n`,
        });
    });
});

describe("the repository root, from source and from dist/", () => {
    it("is found from the sources (this run), from the compiled folders and from nowhere else", async () => {
        expect(REPO_ROOT).toBe(REPO);
        expect(findRepoRoot(path.join(REPO, "dist", "config"))).toBe(REPO);
        expect(findRepoRoot(path.join(REPO, "config"))).toBe(REPO);
        // A package.json of another name on the way up is passed over.
        const nested = path.join(tmp, "other", "dist", "config");
        fs.mkdirSync(nested, { recursive: true });
        fs.writeFileSync(path.join(tmp, "other", "package.json"), JSON.stringify({ name: "something-else" }));
        expect(() => findRepoRoot(nested)).toThrow(`no package.json named vendor-enclaves at or above ${nested}`);
        const compiled = await run(process.execPath, [
            "-e",
            `process.stdout.write(require(${JSON.stringify(path.join(REPO, "dist", "config", "load.js"))}).STACKS_DIR)`,
        ]);
        expect(compiled).toEqual({ status: 0, stdout: path.join(REPO, "stacks"), stderr: "" });
    });
});
