// The base side of `enclave diff --base <ref>`: the base revision's PROGRAM planned with the base revision's SPECS.
// Planning the base specs with the working tree's code would hide every change made in code (a policy builder that
// starts granting s3:DeleteObject reads "No change"): the base revision is checked out in a temp folder and planned
// by its own CLI, in its own process, so no module of the working tree takes part.
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import type * as TS from "typescript";
import { STACKS_DIR } from "../config/load";
import { ORGANIZATION_STACK_NAME, SECURITY_STACK_NAME } from "../config/schema";
import { CliError, EXIT } from "../contract/errors";
import { readPlanFile } from "../plan/read";
import type { Plan } from "../plan/types";

/** The repository the CLI runs in (the stacks folder sits at its root). */
const REPO = path.dirname(STACKS_DIR);

export interface BaseRevision {
    /** The ref as the user wrote it (for labels). */
    ref: string;
    /** The commit it names. */
    commit: string;
    /** The checkout (a temp folder, removed afterwards). */
    dir: string;
    /** Vendor ids with a spec at the ref. */
    vendorIds: string[];
}

function git(args: string[], cwd = REPO): string {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
}

/** The commit a ref names, or exit 2 naming the ref. */
export function resolveRef(ref: string): string {
    try {
        return git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).trim();
    } catch {
        throw new CliError(
            `--base ${ref}: not a git revision in ${REPO}. Fix: give a branch, tag or commit (in CI, fetch the base branch: actions/checkout with fetch-depth: 0).`,
            EXIT.invalidInput,
        );
    }
}

/** Vendor ids with a spec in stacks/ at a commit. */
export function vendorIdsAt(commit: string): string[] {
    return (
        git(["ls-tree", "--name-only", `${commit}:stacks`])
            .split("\n")
            // The security and organization stacks are not vendors (each is compared on its own).
            .filter((f) => f.endsWith(".yaml") && f !== `${SECURITY_STACK_NAME}.yaml` && f !== `${ORGANIZATION_STACK_NAME}.yaml`)
            .map((f) => f.slice(0, -".yaml".length))
            .sort()
    );
}

function run(cmd: string, args: string[], cwd: string, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
        let err = "";
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        child.on("error", (e) => reject(new CliError(`${what}: ${e.message}`, EXIT.failure)));
        child.on("close", (code) => (code === 0 ? resolve() : reject(new CliError(`${what} failed (exit ${code}): ${lastLine(err)}`, EXIT.failure))));
    });
}

const lastLine = (text: string) =>
    text
        .trim()
        .split("\n")
        .filter((l) => l.trim())
        .pop() ?? "no message";

/**
 * Dependencies: the working tree's node_modules, linked, when the base revision locks exactly the same packages (the
 * usual pull request); otherwise `npm ci` in the checkout, so the base program runs with the versions it locked (no
 * install scripts: an offline plan needs no provider plugin).
 */
async function installDependencies(dir: string, commit: string): Promise<void> {
    let baseLock: string | undefined;
    try {
        baseLock = git(["show", `${commit}:package-lock.json`]);
    } catch {
        baseLock = undefined;
    }
    const headLockFile = path.join(REPO, "package-lock.json");
    const same = baseLock !== undefined && fs.existsSync(headLockFile) && fs.readFileSync(headLockFile, "utf8") === baseLock;
    if (same && fs.existsSync(path.join(REPO, "node_modules"))) {
        // A committed node_modules link (a folder's ignore rule does not match a link) would point anywhere: replaced.
        fs.rmSync(path.join(dir, "node_modules"), { recursive: true, force: true });
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
        return;
    }
    process.stderr.write(`enclave diff: the base revision locks other packages: npm ci in its checkout\n`);
    await run("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts"], dir, "npm ci in the base revision's checkout");
}

/** The TypeScript project a revision compiles its CLI with (dist/ is never committed). */
const BUILD_CONFIG = "tsconfig.build.json";

/**
 * Compiles a checkout's program file by file (`transpileModule`) from its own tsconfig.build.json, with the TypeScript
 * its own node_modules resolve: the JavaScript `tsc -b` would write, without the type check and without the Lambda
 * bundles of `npm run build`. A plan needs neither: the revision was type-checked when it was committed, and a plan
 * names a handler's bundle without reading it. A full `tsc -b` parses every declaration file of @pulumi/aws, about
 * 30 s of CPU per revision against a few seconds here. Returns false, having written nothing, when the checkout has no
 * such project or no TypeScript, or its project is not plain .ts files (then `npm run build` compiles it).
 */
export function transpileBuild(dir: string): boolean {
    const configFile = path.join(dir, BUILD_CONFIG);
    if (!fs.existsSync(configFile)) return false;
    let ts: typeof TS;
    try {
        ts = createRequire(path.join(dir, "package.json"))("typescript") as typeof TS;
    } catch {
        return false;
    }
    const config = ts.getParsedCommandLineOfConfigFile(configFile, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
    if (!config || config.errors.length || !config.options.outDir) return false;
    const sources = config.fileNames.filter((f) => !f.endsWith(".d.ts"));
    // Anything but TypeScript sources (JavaScript, JSON) is copied or checked by tsc in ways a transpiler does not repeat.
    if (sources.some((f) => !/\.[cm]?ts$/.test(f))) return false;
    const outputs = sources.map((file) => {
        const js = ts.getOutputFileNames(config, file, !ts.sys.useCaseSensitiveFileNames).find((o) => /\.[cm]?js$/.test(o));
        if (!js) throw new CliError(`${path.relative(dir, file)}: the base revision's ${BUILD_CONFIG} emits no JavaScript for it`, EXIT.failure);
        return { file, js };
    });
    for (const { file, js } of outputs) {
        const { outputText } = ts.transpileModule(fs.readFileSync(file, "utf8"), { compilerOptions: config.options, fileName: file });
        fs.mkdirSync(path.dirname(js), { recursive: true });
        fs.writeFileSync(js, outputText);
    }
    return true;
}

/** The base revision's CLI entry point, compiled first when the revision builds one (a compiled dist/). */
async function baseCli(dir: string): Promise<string> {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
        bin?: string | Record<string, string>;
        scripts?: Record<string, string>;
    };
    const bin = path.join(dir, typeof pkg.bin === "string" ? pkg.bin : (pkg.bin?.enclave ?? "bin/enclave.js"));
    if (!fs.existsSync(path.join(dir, "dist")) && pkg.scripts?.build && !transpileBuild(dir))
        await run("npm", ["run", "--silent", "build"], dir, "building the base revision's CLI (npm run build)");
    if (!fs.existsSync(bin))
        throw new CliError(`the base revision has no enclave CLI at ${path.relative(dir, bin)}: it cannot be planned with its own code`, EXIT.failure);
    return bin;
}

/**
 * Writes the commit's tree to a folder: `git archive | tar -x`, which only reads the repository. (A registered
 * `git worktree` would write into the shared .git of every checkout and stay registered if the process is killed.)
 */
function checkout(commit: string, dir: string): Promise<void> {
    fs.mkdirSync(dir);
    return new Promise((resolve, reject) => {
        const archive = spawn("git", ["archive", "--format=tar", commit], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
        const tar = spawn("tar", ["-x", "-f", "-", "-C", dir], { stdio: ["pipe", "ignore", "pipe"] });
        archive.stdout.pipe(tar.stdin);
        let err = "";
        archive.stderr.on("data", (d: Buffer) => (err += d.toString()));
        tar.stderr.on("data", (d: Buffer) => (err += d.toString()));
        const exited = (child: typeof archive | typeof tar) => new Promise<number | null>((done) => child.on("close", done));
        const fail = (e: Error) => reject(new CliError(`cannot check out ${commit.slice(0, 12)}: ${e.message}`, EXIT.failure));
        archive.on("error", fail);
        tar.on("error", fail);
        void Promise.all([exited(archive), exited(tar)]).then(([a, t]) => {
            if (a === 0 && t === 0) resolve();
            else reject(new CliError(`cannot check out ${commit.slice(0, 12)} (git archive | tar -x): ${lastLine(err)}`, EXIT.failure));
        });
    });
}

/** Checks the ref out in a temp folder, installs and builds what the base CLI needs, runs `use`, removes the folder. */
export async function withBaseRevision<T>(
    ref: string,
    use: (rev: BaseRevision, cli: (args: string[], out: string) => Promise<void>) => Promise<T>,
): Promise<T> {
    const commit = resolveRef(ref);
    const vendorIds = vendorIdsAt(commit);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "enclave-base-"));
    const dir = path.join(tmp, "tree");
    try {
        await checkout(commit, dir);
        await installDependencies(dir, commit);
        const bin = await baseCli(dir);
        // Plans go to files (a fleet's plans are megabytes); the base CLI reads only its own tree.
        const cli = (args: string[], out: string) =>
            new Promise<void>((resolve, reject) => {
                const fd = fs.openSync(out, "w");
                const child = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ["ignore", fd, "pipe"], env: { ...process.env, ENCLAVE_DEBUG: "" } });
                let err = "";
                let open = true;
                const close = () => open && ((open = false), fs.closeSync(fd));
                child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
                child.on("error", (e) => (close(), reject(e)));
                child.on("close", (code) => {
                    close();
                    if (code === 0) resolve();
                    else
                        reject(
                            new CliError(
                                `${ref}: enclave ${args.join(" ")} (the base revision's own CLI) failed with exit ${code}: ${lastLine(err)}`,
                                code === EXIT.invalidInput ? EXIT.invalidInput : EXIT.failure,
                            ),
                        );
                });
            });
        return await use({ ref, commit, dir, vendorIds }, cli);
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

export interface BasePlans {
    /** Vendor plans at the base revision; a vendor whose base plan failed maps to its error. */
    vendors: Map<string, Plan | CliError>;
    security: Plan;
}

/**
 * Plans the given vendors (each must have a spec at the ref) and the security stack with the base revision's CLI:
 * one process for the vendors, one for the security stack, side by side.
 */
export async function planBase(ref: string, vendors: string[], securitySpec?: string): Promise<BasePlans> {
    return withBaseRevision(ref, async (rev, cli) => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "enclave-base-plans-"));
        try {
            const sec = securitySpec ? ["--security-spec", path.resolve(securitySpec)] : [];
            const securityFile = path.join(out, "security.json");
            const one = vendors.length === 1;
            const vendorsFile = path.join(out, "vendors.json");
            const [, vendorsRun] = await Promise.all([
                cli(["plan", "--security", "--json", ...sec], securityFile),
                vendors.length === 0
                    ? Promise.resolve(undefined)
                    : cli(one ? ["plan", vendors[0], "--json", ...sec] : ["plan", "--all", "--json", ...sec], vendorsFile).then(
                          () => undefined,
                          (e: unknown) => e,
                      ),
            ]);
            if (vendorsRun && one) throw vendorsRun;
            const security = readPlanFile(securityFile);
            const plans = new Map<string, Plan | CliError>();
            if (one) {
                plans.set(vendors[0], readPlanFile(vendorsFile, { vendorOnly: true }));
            } else if (vendors.length) {
                // `plan --all --json` prints {vendor: plan | {error}} and exits non-zero when any vendor failed.
                let all: Record<string, unknown>;
                try {
                    all = JSON.parse(fs.readFileSync(vendorsFile, "utf8")) as Record<string, unknown>;
                } catch {
                    throw vendorsRun ?? new CliError(`${ref}: the base revision's \`enclave plan --all --json\` printed no plans`, EXIT.failure);
                }
                for (const v of vendors) {
                    const entry = all[v] as { error?: { message: string; exitCode: number } } | undefined;
                    if (!entry) plans.set(v, new CliError(`${ref}: the base revision's CLI did not plan ${v}`, EXIT.failure));
                    else if (entry.error) plans.set(v, new CliError(`${ref}: ${v}: ${entry.error.message}`, entry.error.exitCode));
                    else {
                        const file = path.join(out, `${v}.json`);
                        fs.writeFileSync(file, JSON.stringify(entry));
                        plans.set(v, readPlanFile(file, { vendorOnly: true }));
                    }
                }
            }
            return { vendors: plans, security };
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });
}
