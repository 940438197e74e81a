import type { DiffOptions } from "./options";
import type { AccessReport } from "../../review/access";
import { diffReports, renderDiffMarkdown, type AccessDiff } from "../../review/accessDiff";
import { evaluatePlanFile, readPlanFile } from "../../plan/read";
import { diffPlans, isEmptyDiff, renderPlanDiffMarkdown, type PlanDiff } from "../../plan/diff";
import type { Plan } from "../../plan/types";
import { planSecurity, planVendor } from "../../plan/stacks";
import { reportOfPlan } from "../../review/sources";
import { planBase, resolveRef, vendorIdsAt } from "../../review/revision";
import { SimulatorMissingError } from "../../review/simulate";
import { listVendorIds, loadSecuritySpec, STACKS_DIR } from "../../config/load";
import { loadSelectedVendor, resolveSecuritySpecFile } from "../../config/select";
import { CliError, describeFailure, EXIT } from "../../contract/errors";
import { withSimulator } from "./access";

/** One side of a vendor's diff: its plan and, when known, the security stack's plan it was rendered against. */
interface Side {
    plan: Plan;
    security?: Plan;
    /** Where the plan came from, for error messages. */
    source?: string;
}

/** Both sides of one vendor; a side is absent when the vendor does not exist there (added or removed). */
interface Pair {
    vendor: string;
    base?: Side;
    head?: Side;
}

interface Labels {
    base: string;
    head: string;
}

/** The diff of one vendor: access (by simulation) and resources (by plan). */
export interface VendorDiff extends AccessDiff {
    resources: PlanDiff;
    /**
     * Present when the seal time (the stack's sealedAt output) differs between the two sides, null for unsealed. Any
     * change of it needs security review like a widening (exit 3): the unseal window counts from it, and moving it
     * while sealed changes no effective access, so the access diff alone would wave it through.
     */
    sealedAtChanged?: { base: string | null; head: string | null };
}

/** A diff that needs security review: access widened, or the seal time moved. */
const needsReview = (d: VendorDiff) => d.widened || d.sealedAtChanged !== undefined;

/** The sealedAt of a side, null when unsealed or absent. */
const sealedAtOf = (side: Side | undefined): string | null => (typeof side?.plan.outputs.sealedAt === "string" ? side.plan.outputs.sealedAt : null);

/** A diff compares two revisions of one vendor: refuse two different vendors before simulating anything. */
function sameVendor(base: { id: string; source: string }, head: { id: string; source: string }): void {
    if (base.id !== head.id) {
        throw new CliError(
            `base is ${base.id} (${base.source}), head is ${head.id} (${head.source}): a diff compares two revisions of one vendor. Fix: give two versions of the same vendor's spec or plan.`,
            EXIT.invalidInput,
        );
    }
}

/** The access report of a side; a plan read from a file that the simulation cannot interpret is that file's invalid input. */
function reportOf(side: Side | undefined): Promise<AccessReport | undefined> {
    if (!side) return Promise.resolve(undefined);
    const report = () => reportOfPlan(side.plan, side.security);
    return side.source ? evaluatePlanFile(side.source, report, (err) => err instanceof SimulatorMissingError) : report();
}

/** Access and resource diff of one vendor. A vendor only in the base has lost everything, and widened nothing. */
async function diffPair(pair: Pair, labels: Labels): Promise<VendorDiff> {
    const base = await reportOf(pair.base);
    const head = await reportOf(pair.head);
    const resources = diffPlans(pair.base?.plan, pair.head?.plan);
    const seal = { base: sealedAtOf(pair.base), head: sealedAtOf(pair.head) };
    if (head) return { ...diffReports(base, head, labels), resources, ...(seal.base !== seal.head ? { sealedAtChanged: seal } : {}) };
    const everything = diffReports(undefined, base!, labels);
    return { ...everything, gained: [], lost: everything.gained, widened: false, resources };
}

const renderSealedAt = (d: VendorDiff) =>
    d.sealedAtChanged
        ? `\n**Seal time changed** (${d.base} -> ${d.head}): sealedAt ${d.sealedAtChanged.base ?? "none"} -> ${d.sealedAtChanged.head ?? "none"}. Needs security review: the unseal window counts from it.\n`
        : "";
const render = (d: VendorDiff) => `${renderDiffMarkdown(d)}${renderSealedAt(d)}\n${renderPlanDiffMarkdown(d.resources, { base: d.base, head: d.head })}`;

/** `--base-plan/--head-plan`: two plan files of one vendor (no security plan: the archive's side is left out). */
function planFilePair(vendor: string | undefined, opts: DiffOptions): { pair: Pair; labels: Labels } {
    if (!opts.basePlan || !opts.headPlan) throw new CliError("--base-plan and --head-plan go together", EXIT.invalidInput);
    if (vendor) throw new CliError(`--base-plan and --head-plan name the vendor in their files: drop the vendor id (${vendor})`, EXIT.invalidInput);
    if (opts.securitySpec) throw new CliError("--base-plan and --head-plan already hold the security stack's outputs: drop --security-spec", EXIT.invalidInput);
    const base = readPlanFile(opts.basePlan, { vendorOnly: true });
    const head = readPlanFile(opts.headPlan, { vendorOnly: true });
    sameVendor({ id: base.stack, source: opts.basePlan }, { id: head.stack, source: opts.headPlan });
    return {
        pair: { vendor: head.stack, base: { plan: base, source: opts.basePlan }, head: { plan: head, source: opts.headPlan } },
        labels: { base: opts.basePlan, head: opts.headPlan },
    };
}

/** `--base-spec/--head-spec`: two spec files, both planned with the working tree's code. */
async function specFilePair(vendor: string | undefined, opts: DiffOptions): Promise<{ pair: Pair; labels: Labels }> {
    if (!opts.baseSpec || !opts.headSpec) throw new CliError("--base-spec and --head-spec go together", EXIT.invalidInput);
    if (vendor) throw new CliError(`--base-spec and --head-spec name the vendor in their files: drop the vendor id (${vendor})`, EXIT.invalidInput);
    // Both validated before either is planned, so that a bad or mismatched head fails fast.
    const baseLoaded = loadSelectedVendor({ spec: opts.baseSpec, securitySpec: opts.securitySpec });
    const headLoaded = loadSelectedVendor({ spec: opts.headSpec, securitySpec: opts.securitySpec });
    sameVendor({ id: baseLoaded.spec.id, source: opts.baseSpec }, { id: headLoaded.spec.id, source: opts.headSpec });
    // One plan at a time: the Pulumi SDK keeps global state.
    const base = await planVendor(baseLoaded.spec, baseLoaded.security);
    const head = await planVendor(headLoaded.spec, headLoaded.security);
    const security = await planSecurity(headLoaded.security);
    return {
        pair: { vendor: head.stack, base: { plan: base, security }, head: { plan: head, security } },
        labels: { base: opts.baseSpec, head: opts.headSpec },
    };
}

/** The working tree's side of one vendor, planned in this process with the working tree's code and specs. */
async function headSide(vendor: string, security: Plan, securitySpec: string | undefined): Promise<Side> {
    const loaded = loadSelectedVendor({ vendor, securitySpec });
    return { plan: await planVendor(loaded.spec, loaded.security), security };
}

function headSecurity(securitySpec: string | undefined): Promise<Plan> {
    return planSecurity(loadSecuritySpec(resolveSecuritySpecFile(securitySpec, STACKS_DIR)));
}

/** `<vendor> --base <ref>`: the ref's code and specs against the working tree's code and specs. */
async function revisionPair(vendor: string | undefined, opts: DiffOptions): Promise<{ pair: Pair; labels: Labels; security: PlanDiff }> {
    if (!vendor) throw new CliError("--base <git-ref> needs a vendor id (`enclave diff <vendor> --base main`) or --all", EXIT.invalidInput);
    const ref = opts.base!;
    const atBase = vendorIdsAt(resolveRef(ref)).includes(vendor);
    const atHead = listVendorIds().includes(vendor);
    // Unknown on both sides: the working tree's lookup says so in its usual words (known vendors, id rules).
    if (!atHead && !atBase) loadSelectedVendor({ vendor, securitySpec: opts.securitySpec });
    // The head is validated before the base revision is checked out, so a bad spec fails in a second.
    const headLoaded = atHead ? loadSelectedVendor({ vendor, securitySpec: opts.securitySpec }) : undefined;
    const base = await planBase(ref, atBase ? [vendor] : [], opts.securitySpec);
    const security = await headSecurity(opts.securitySpec);
    const head = headLoaded ? { plan: await planVendor(headLoaded.spec, headLoaded.security), security } : undefined;
    const basePlan = base.vendors.get(vendor);
    if (basePlan instanceof Error) throw basePlan;
    return {
        pair: { vendor, base: basePlan && { plan: basePlan, security: base.security }, head },
        labels: { base: atBase ? ref : `${ref} (vendor absent)`, head: atHead ? "working tree" : "working tree (vendor removed)" },
        security: diffPlans(base.security, security),
    };
}

interface FleetDiff {
    base: string;
    head: string;
    widened: boolean;
    /** Vendors whose seal time changed (each needs security review, like a widening). */
    sealedAtChanged: string[];
    vendors: Record<string, VendorDiff | { error: { message: string; exitCode: number } }>;
    security: PlanDiff;
}

/** `--all --base <ref>`: every vendor on either side, added and removed ones included, and the security stack. */
async function fleetDiff(ref: string, securitySpec: string | undefined): Promise<{ diff: FleetDiff; exitCode: number }> {
    const baseIds = vendorIdsAt(resolveRef(ref));
    const headIds = listVendorIds();
    const vendors = [...new Set([...baseIds, ...headIds])].sort();
    const base = await planBase(ref, baseIds, securitySpec);
    const security = await headSecurity(securitySpec);
    const out: FleetDiff = { base: ref, head: "working tree", widened: false, sealedAtChanged: [], vendors: {}, security: diffPlans(base.security, security) };
    const failures: number[] = [];
    for (const vendor of vendors) {
        try {
            const basePlan = base.vendors.get(vendor);
            if (basePlan instanceof Error) throw basePlan;
            const head = headIds.includes(vendor) ? await headSide(vendor, security, securitySpec) : undefined;
            const labels = { base: baseIds.includes(vendor) ? ref : `${ref} (vendor absent)`, head: head ? "working tree" : "working tree (vendor removed)" };
            const d = await diffPair({ vendor, base: basePlan && { plan: basePlan, security: base.security }, head }, labels);
            out.vendors[vendor] = d;
            out.widened ||= d.widened;
            if (d.sealedAtChanged) out.sealedAtChanged.push(vendor);
        } catch (err) {
            if (err instanceof SimulatorMissingError) throw err;
            const error = describeFailure(err);
            out.vendors[vendor] = { error };
            failures.push(error.exitCode);
        }
    }
    // A failure outranks a finding: a security-approved label must never wave through a vendor that was not compared.
    const exitCode = failures.length
        ? failures.every((c) => c === EXIT.invalidInput)
            ? EXIT.invalidInput
            : EXIT.failure
        : out.widened || out.sealedAtChanged.length
          ? EXIT.finding
          : EXIT.ok;
    return { diff: out, exitCode };
}

function renderFleet(d: FleetDiff): string {
    const entries = Object.entries(d.vendors);
    const widened = entries.filter(([, v]) => "widened" in v && v.widened).map(([k]) => k);
    const replaced = entries.filter(([, v]) => "resources" in v && v.resources.replaced.length).map(([k]) => k);
    const failed = entries.filter(([, v]) => "error" in v).map(([k]) => k);
    const lines = [
        `# Enclave diff: ${d.base} -> ${d.head}`,
        "",
        `${entries.length} vendors compared (each side planned with its own code and specs). ` +
            `Access widened: ${widened.join(", ") || "none"}. Seal time changed: ${d.sealedAtChanged.join(", ") || "none"}. Resources replaced: ${replaced.join(", ") || "none"}.${failed.length ? ` **Not compared (failed): ${failed.join(", ")}.**` : ""}`,
        "",
    ];
    for (const [vendor, v] of entries) {
        if ("error" in v) lines.push(`## Effective access diff: ${vendor}`, "", `**Diff failed** (exit ${v.error.exitCode}): ${v.error.message}`, "");
        else lines.push(render(v));
    }
    lines.push("## Security stack", "", renderPlanDiffMarkdown(d.security, { base: d.base, head: d.head }));
    return lines.join("\n");
}

/** `enclave diff`: the action behind the command (loaded on demand, with the Pulumi SDK and the simulator). */
export async function runDiff(vendor: string | undefined, opts: DiffOptions): Promise<void> {
    const modes = [
        opts.base !== undefined,
        opts.baseSpec !== undefined || opts.headSpec !== undefined,
        opts.basePlan !== undefined || opts.headPlan !== undefined,
    ].filter(Boolean).length;
    if (modes !== 1)
        throw new CliError(
            "give exactly one of: <vendor> --base <git-ref> | --all --base <git-ref> | --base-spec <f> --head-spec <f> | --base-plan <f> --head-plan <f>",
            EXIT.invalidInput,
        );
    if (opts.all) {
        if (opts.base === undefined)
            throw new CliError("--all compares every vendor between a git revision and the working tree: give --base <git-ref>", EXIT.invalidInput);
        if (vendor) throw new CliError(`--all compares every vendor: drop the vendor id (${vendor})`, EXIT.invalidInput);
        const { diff, exitCode } = await withSimulator(() => fleetDiff(opts.base!, opts.securitySpec));
        process.stdout.write(opts.json ? `${JSON.stringify(diff, null, 2)}\n` : renderFleet(diff));
        process.exitCode = exitCode;
        return;
    }
    const d: { vendor: VendorDiff; security?: PlanDiff } = await withSimulator(async () => {
        if (opts.basePlan !== undefined || opts.headPlan !== undefined) {
            const { pair, labels } = planFilePair(vendor, opts);
            return { vendor: await diffPair(pair, labels) };
        }
        if (opts.baseSpec !== undefined || opts.headSpec !== undefined) {
            const { pair, labels } = await specFilePair(vendor, opts);
            return { vendor: await diffPair(pair, labels) };
        }
        const { pair, labels, security } = await revisionPair(vendor, opts);
        // The security stack (the log archive) is shown when it changed too: each vendor's plan reads its outputs.
        return { vendor: await diffPair(pair, labels), security: isEmptyDiff(security) ? undefined : security };
    });
    if (opts.json) process.stdout.write(`${JSON.stringify(d.security ? { ...d.vendor, security: d.security } : d.vendor, null, 2)}\n`);
    else
        process.stdout.write(
            `${render(d.vendor)}${d.security ? `\n## Security stack\n\n${renderPlanDiffMarkdown(d.security, { base: d.vendor.base, head: d.vendor.head })}` : ""}`,
        );
    if (needsReview(d.vendor)) process.exitCode = EXIT.finding;
}
