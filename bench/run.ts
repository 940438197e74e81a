import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import Table from "cli-table3";
import { stringify } from "yaml";
import { planTask } from "../cli/commands/plan";
import { runFleet } from "../cli/fleet/runner";
import { runPlan } from "../plan/engine";
import { planVendor, vendorRunContext } from "../plan/stacks";
import type { Plan } from "../plan/types";
import { loadSecuritySpec, loadVendorSpec, securitySpecPath, vendorSpecPath } from "../config/load";
import { REPO_ROOT } from "../config/repoRoot";
import type { SecuritySpec, VendorSpec } from "../config/schema";
import { containBench, containBenchAccountMode } from "./contain";

// Offline plan benchmarks (docs/benchmarks.md). Targets: our own overhead, one enclave within 1.4x the typed floor (the same provider classes
// registered flat); 100 vendors within 60 s and 1.5 GB. The CLI's start-up is reported next to a bare node start.
const TARGET_TYPED_RATIO = 1.4;
const TARGET_FLEET_SECONDS = 60;
const TARGET_FLEET_MB = 1536;
const WARMUP_RUNS = 10;
const ROUNDS = 9;
const RUNS_PER_ROUND = 10;
const FLEET_SIZES = [10, 50, 100];
const EXAMPLE = "acme-labeling";
const CLI_WARMUP_RUNS = 2;
const CLI_ROUNDS = 5;
const CLI_RUNS_PER_ROUND = 4;

const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mb = (bytes: number) => bytes / 1024 / 1024;

/** Max RSS sampled every 5 ms while `fn` runs (the plan yields to the event loop at every RPC). */
async function sampled<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; peakRssMb: number }> {
    let peak = process.memoryUsage().rss;
    const timer = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const started = performance.now();
    try {
        const value = await fn();
        const ms = performance.now() - started;
        peak = Math.max(peak, process.memoryUsage().rss);
        return { value, ms, peakRssMb: mb(peak) };
    } finally {
        clearInterval(timer);
    }
}

/** Wall time of one `node <args>` process, start to exit, output discarded. */
function processMs(args: string[]): number {
    const started = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: "ignore" });
    const ms = performance.now() - started;
    if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited with ${r.status ?? r.signal}`);
    return ms;
}

/**
 * Start-up of the compiled CLI (`enclave --help`) next to a bare `node -e 0`, in the same rounds design as the plans:
 * each round times a block of consecutive starts of one kind; the figure is the median over rounds of the block means.
 */
function cliStart(): { helpMs: number; nodeMs: number } {
    const kinds = { help: [path.join(REPO_ROOT, "bin", "enclave.js"), "--help"], node: ["-e", "0"] };
    for (let i = 0; i < CLI_WARMUP_RUNS; i++) for (const args of Object.values(kinds)) processMs(args);
    const perRound: Record<keyof typeof kinds, number[]> = { help: [], node: [] };
    for (let round = 0; round < CLI_ROUNDS; round++) {
        for (const [kind, args] of Object.entries(kinds) as [keyof typeof kinds, string[]][]) {
            let total = 0;
            for (let i = 0; i < CLI_RUNS_PER_ROUND; i++) total += processMs(args);
            perRound[kind].push(total / CLI_RUNS_PER_ROUND);
        }
    }
    return { helpMs: median(perRound.help), nodeMs: median(perRound.node) };
}

/** The n-th generated vendor: the example spec with a distinct id, a distinct /20 in 10.64.0.0/10 and principals of its own (a principal belongs to one vendor). */
export function generatedVendor(example: VendorSpec, n: number): VendorSpec {
    const id = `bench-${String(n).padStart(3, "0")}`;
    const cidr = `10.${64 + Math.floor(n / 16)}.${(n % 16) * 16}.0/20`;
    const principals = example.access.principals.map((p) => `${p}-${id}`);
    return { ...example, id, displayName: `Bench vendor ${n}`, network: { ...example.network, cidr }, access: { ...example.access, principals } };
}

/**
 * The SDK floor: as many bare CustomResources as the plan registers (components, provider and stack reference
 * included), each with the inputs the plan recorded for its counterpart, through the same runPlan and mocks. What the
 * real plan costs above this is our own program: components, policy rendering, Outputs between resources.
 */
function floorPlan(reference: Plan, security: SecuritySpec, spec: VendorSpec): Promise<Plan> {
    const bare = reference.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
    return runPlan({
        ...vendorRunContext(spec, security),
        program: () => {
            for (const [i, r] of bare.entries()) new BareCustom("bench:index:Bare", `bare-${i}`, { ...r.inputs });
            return {};
        },
    });
}

class BareComponent extends pulumi.ComponentResource {}
class BareCustom extends pulumi.CustomResource {}

type ResourceClass = new (name: string, args: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) => pulumi.Resource;

/** The provider SDK modules the plans use, by a type token's package. */
const PROVIDER_MODULES: Record<string, Record<string, unknown>> = {
    aws: aws as unknown as Record<string, unknown>,
    random: random as unknown as Record<string, unknown>,
};

/** The @pulumi/aws (or @pulumi/random) class behind a type token, e.g. aws:s3/bucket:Bucket -> aws.s3.Bucket. */
function classOf(type: string): ResourceClass {
    const [pkg, mod, cls] = type.split(":");
    const lib = PROVIDER_MODULES[pkg];
    if (!lib) throw new Error(`bench: no provider module for the type token ${type}`);
    const ns = pkg === "random" || mod.split("/")[0] === "index" ? lib : (lib[mod.split("/")[0]] as Record<string, unknown>);
    return ns[cls] as ResourceClass;
}

/**
 * The provider's arguments as the plan recorded them: the engine receives object-valued provider inputs as JSON text
 * (allowedAccountIds, defaultTags, assumeRoles), so they are parsed back; the SDK's own defaults it fills in again.
 */
function providerArgs(inputs: Record<string, unknown>): aws.ProviderArgs {
    const args: Record<string, unknown> = { region: inputs.region };
    for (const [k, v] of Object.entries(inputs)) if (typeof v === "string" && /^[[{]/.test(v)) args[k] = JSON.parse(v);
    return args as aws.ProviderArgs;
}

/**
 * The typed floor: the same resources through their real @pulumi/aws classes with the inputs the plan recorded, but
 * flat (no components, parents, Outputs between resources or policy rendering), run with the plan's own mocks and
 * secrets. plan/typed floor is our program's own overhead; typed floor/bare floor is what the typed provider SDK
 * classes cost (each declares dozens of outputs).
 */
function typedFloorPlan(reference: Plan, security: SecuritySpec, spec: VendorSpec): Promise<Plan> {
    const resources = reference.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
    return runPlan({
        ...vendorRunContext(spec, security),
        program: () => {
            for (const [i, r] of resources.entries()) {
                const name = `typed-${i}`;
                if (!r.custom) new BareComponent(r.type, name);
                else if (r.type === "pulumi:providers:aws") new aws.Provider(name, providerArgs(r.inputs));
                else if (r.type === "pulumi:pulumi:StackReference") new pulumi.StackReference(name, { name: String(r.inputs.name ?? name) });
                else new (classOf(r.type))(name, { ...r.inputs });
            }
            return {};
        },
    });
}

/**
 * The tree floor: the typed floor's resources under the plan's own component tree (the same names, parents and
 * provider, so the same URNs), still with the recorded plain inputs. tree/typed is what the component tree costs the
 * SDK (parent and provider resolution, child aliases, option merging); plan/tree is the rest of our program: inputs
 * carried by Outputs from other resources (with the dependencies they record), policy rendering, dependsOn.
 */
function treeFloorPlan(reference: Plan, security: SecuritySpec, spec: VendorSpec): Promise<Plan> {
    const depth = (urn: string) => urn.split("::")[2].split("$").length;
    const resources = reference.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").sort((a, b) => depth(a.urn) - depth(b.urn));
    return runPlan({
        ...vendorRunContext(spec, security),
        program: () => {
            const byUrn = new Map<string, pulumi.Resource>();
            const providers = resources.filter((r) => r.type === "pulumi:providers:aws").map((r) => new aws.Provider(r.name, providerArgs(r.inputs)));
            for (const r of resources) {
                if (r.type === "pulumi:providers:aws") continue;
                const parent = r.parent ? byUrn.get(r.parent) : undefined;
                const opts = parent ? { parent } : { providers: { aws: providers[0] } };
                let made: pulumi.Resource;
                if (!r.custom) made = new BareComponent(r.type, r.name, {}, opts);
                else if (r.type === "pulumi:pulumi:StackReference") made = new pulumi.StackReference(r.name, { name: String(r.inputs.name ?? r.name) });
                else made = new (classOf(r.type))(r.name, { ...r.inputs }, opts);
                byUrn.set(r.urn, made);
            }
            return {};
        },
    });
}

function toYaml(spec: VendorSpec): string {
    return stringify(JSON.parse(JSON.stringify(spec)));
}

export async function main(_argv: string[]): Promise<number> {
    const example = loadVendorSpec(vendorSpecPath(EXAMPLE), EXAMPLE);
    const security = loadSecuritySpec(securitySpecPath());
    const startRss = mb(process.memoryUsage().rss);
    const cli = cliStart();

    // Single enclave: warm up all four (module loading, JIT), then measure in rounds. Each round times a block of
    // consecutive runs of one kind, so a run never pays for another kind's garbage (alternating single runs made the
    // ratios swing by 0.2); the figure is the median over rounds of each block's mean.
    const reference = await planVendor(example, security);
    const kinds = {
        plan: () => planVendor(example, security),
        typed: () => typedFloorPlan(reference, security, example),
        tree: () => treeFloorPlan(reference, security, example),
        floor: () => floorPlan(reference, security, example),
    };
    const tree = await kinds.tree();
    if (JSON.stringify(tree.resources.map((r) => r.urn)) !== JSON.stringify(reference.resources.map((r) => r.urn)))
        throw new Error("the tree floor does not register the plan's URNs");
    for (let i = 0; i < WARMUP_RUNS; i++) for (const run of Object.values(kinds)) await run();
    const perRound: Record<keyof typeof kinds, number[]> = { plan: [], typed: [], tree: [], floor: [] };
    // Process CPU time of the same blocks: on a shared machine wall time also counts the waits for a core.
    const cpuPerRound: Record<keyof typeof kinds, number[]> = { plan: [], typed: [], tree: [], floor: [] };
    let planPeak = 0;
    for (let round = 0; round < ROUNDS; round++) {
        for (const [kind, run] of Object.entries(kinds) as [keyof typeof kinds, () => Promise<Plan>][]) {
            const cpuStart = process.cpuUsage();
            const block = await sampled(async () => {
                for (let i = 0; i < RUNS_PER_ROUND; i++) await run();
            });
            const cpu = process.cpuUsage(cpuStart);
            perRound[kind].push(block.ms / RUNS_PER_ROUND);
            cpuPerRound[kind].push((cpu.user + cpu.system) / 1000 / RUNS_PER_ROUND);
            if (kind === "plan") planPeak = Math.max(planPeak, block.peakRssMb);
        }
    }
    // The same ratio per round (a plan block against the typed block right after it), then the median: the load of a
    // shared machine drifts over a bench run, and adjacent blocks see about the same load.
    const pairedTyped = median(perRound.plan.map((p, i) => p / perRound.typed[i]));
    const cpuTyped = median(cpuPerRound.plan.map((p, i) => p / cpuPerRound.typed[i]));
    const planMs = perRound.plan;
    const floorMs = perRound.floor;
    const typedMs = perRound.typed;
    const registrations = reference.resources.length - 1;
    const ratio = median(planMs) / median(floorMs);
    const typedRatio = median(planMs) / median(typedMs);

    const rows: (string | number)[][] = [
        [`1 enclave (${EXAMPLE}), ${ROUNDS} rounds of ${RUNS_PER_ROUND}`, registrations, `${median(planMs).toFixed(1)} ms`, "-", planPeak.toFixed(0)],
        [
            `SDK floor: ${registrations} bare CustomResources, ${ROUNDS} rounds of ${RUNS_PER_ROUND}`,
            registrations,
            `${median(floorMs).toFixed(1)} ms`,
            "-",
            "-",
        ],
        [`typed floor: same @pulumi/aws classes, flat, ${ROUNDS} rounds of ${RUNS_PER_ROUND}`, registrations, `${median(typedMs).toFixed(1)} ms`, "-", "-"],
        [
            `tree floor: typed floor under the plan's components, ${ROUNDS} rounds of ${RUNS_PER_ROUND}`,
            registrations,
            `${median(perRound.tree).toFixed(1)} ms`,
            "-",
            "-",
        ],
        [`enclave --help (compiled CLI start), ${CLI_ROUNDS} rounds of ${CLI_RUNS_PER_ROUND}`, "-", `${cli.helpMs.toFixed(1)} ms`, "-", "-"],
        [`node -e 0 (bare node start), ${CLI_ROUNDS} rounds of ${CLI_RUNS_PER_ROUND}`, "-", `${cli.nodeMs.toFixed(1)} ms`, "-", "-"],
    ];

    // Fleets: specs generated from the example into a temp stacks folder, planned by the same runner as `plan --all`.
    const fleetResults: { n: number; s: number; peak: number }[] = [];
    for (const n of FLEET_SIZES) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `enclave-bench-${n}-`));
        try {
            fs.copyFileSync(securitySpecPath(), path.join(dir, "security.yaml"));
            for (let i = 0; i < n; i++) {
                const spec = generatedVendor(example, i);
                fs.writeFileSync(path.join(dir, `${spec.id}.yaml`), toYaml(spec));
            }
            const run = await sampled(() => runFleet(planTask, { stacksDir: dir, progress: null }));
            const failed = run.value.outcomes.filter((o) => !o.ok);
            if (failed.length) throw new Error(`fleet of ${n}: ${failed.length} vendors failed, first: ${JSON.stringify(failed[0])}`);
            const resources = run.value.outcomes.reduce((s, o) => s + (o.ok ? o.value.resources.length - 1 : 0), 0);
            fleetResults.push({ n, s: run.ms / 1000, peak: run.peakRssMb });
            rows.push([
                `${n} vendors, one process (plan --all path)`,
                resources,
                `${(run.ms / 1000).toFixed(2)} s`,
                `${(run.ms / n).toFixed(1)} ms`,
                run.peakRssMb.toFixed(0),
            ]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }

    const table = new Table({
        head: ["run", "registrations", "time", "per vendor", "peak RSS MB (sampled)"],
        style: { head: [], border: [] },
        colAligns: ["left", "right", "right", "right", "right"],
    });
    rows.forEach((r) => table.push(r));
    const maxRssMb = process.resourceUsage().maxRSS / 1024;
    const worst = fleetResults[fleetResults.length - 1];
    const out = [
        `offline plan benchmark - ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 1024 ** 3).toFixed(1)} GB RAM, ${os.platform()} ${os.arch()}`,
        table.toString(),
        `process maxRSS (resourceUsage): ${maxRssMb.toFixed(0)} MB; RSS at start ${startRss.toFixed(0)} MB`,
        `targets: ${worst.n} vendors <= ${TARGET_FLEET_SECONDS} s: ${worst.s <= TARGET_FLEET_SECONDS ? "met" : "MISSED"} (${worst.s.toFixed(2)} s); ` +
            `<= ${TARGET_FLEET_MB} MB: ${Math.max(worst.peak, maxRssMb) <= TARGET_FLEET_MB ? "met" : "MISSED"} (${Math.max(worst.peak, maxRssMb).toFixed(0)} MB)`,
        `plan/typed-floor ratio: ${typedRatio.toFixed(2)} (target <= ${TARGET_TYPED_RATIO}x): ${typedRatio <= TARGET_TYPED_RATIO ? "MET" : "MISSED"}`,
        `plan/typed-floor per round (median of adjacent-block ratios): wall ${pairedTyped.toFixed(2)}, process CPU ${cpuTyped.toFixed(2)} (plan ${median(cpuPerRound.plan).toFixed(1)} ms, typed floor ${median(cpuPerRound.typed).toFixed(1)} ms CPU a run)`,
        `component tree (tree/typed floor): wall ${(median(perRound.tree) / median(typedMs)).toFixed(2)}, CPU ${median(cpuPerRound.tree.map((t, i) => t / cpuPerRound.typed[i])).toFixed(2)}; ` +
            `Outputs between resources and the rest (plan/tree floor): wall ${(median(planMs) / median(perRound.tree)).toFixed(2)}, CPU ${median(cpuPerRound.plan.map((p, i) => p / cpuPerRound.tree[i])).toFixed(2)}`,
        `typed/bare floor ratio (provider SDK classes): ${(median(typedMs) / median(floorMs)).toFixed(2)}; plan/floor ratio: ${ratio.toFixed(2)}`,
        `cli start ratio: ${(cli.helpMs / cli.nodeMs).toFixed(2)}`,
        ...(await containBench(example, security)),
        ...(await containBenchAccountMode(example, security)),
    ];
    process.stdout.write(`${out.join("\n")}\n`);
    return 0;
}
