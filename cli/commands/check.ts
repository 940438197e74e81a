import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import type { FleetTask } from "../fleet/runner";
import { addFleetOptions, runFleetCommand } from "../fleet";
import { checkPlan, failsCheck, POLICY_COUNT, totalsOf, type Violation } from "../../guardrails/offline";
import { ALL_POLICIES } from "../../guardrails/rules";
import { awsResources } from "../../plan/summary";
import type { Plan } from "../../plan/types";
import { CliError, EXIT } from "../../contract/errors";
import { planFromOptions, type PlanOptions } from "./plan";

export interface CheckOptions extends PlanOptions {
    plan?: string;
    strict?: boolean;
    sarif?: string;
    format?: string;
}

const FORMATS = ["text", "json", "sarif"];

/** The fleet task behind `check --all`: plan each vendor, run every policy, exit 3 for the fleet if any vendor fails. */
export function checkTaskFor(strict: boolean): FleetTask<{ plan: Plan; violations: Violation[] }> {
    return {
        verb: "check",
        run: async (v) => {
            const plan = await (await import("../../plan/stacks.js")).planVendor(v.spec, v.security);
            return { plan, violations: await checkPlan(plan) };
        },
        summarize: ({ plan, violations }) => {
            const resources = awsResources(plan).length;
            if (violations.length === 0) return { result: `clean (${POLICY_COUNT} policies)`, resources };
            const t = totalsOf(violations);
            const result = `${violations.length} violation(s): ${[...new Set(violations.map((v) => v.policy))].join(", ")}${t.failed === 0 ? " (advisory)" : ""}`;
            return { result, resources, ...(failsCheck(violations, strict) ? { exitCode: EXIT.finding } : {}) };
        },
    };
}
export const checkTask = checkTaskFor(false);

/** One line of totals: how many policies ran over how many AWS resources, and how each ended. */
export function renderTotals(plan: Plan, violations: Violation[]): string {
    const t = totalsOf(violations);
    return `${t.checked} policies checked over ${awsResources(plan).length} AWS resources: ${t.passed} passed, ${t.failed} failed (mandatory), ${t.advisory} advisory`;
}

export function renderViolations(plan: Plan, violations: Violation[]): string {
    if (violations.length === 0) return `enclave check ${plan.stack}: clean - ${renderTotals(plan, violations)}`;
    const lines = [`enclave check ${plan.stack}: ${violations.length} violation(s) of the guardrail policies - ${renderTotals(plan, violations)}`, ""];
    for (const v of violations) {
        lines.push(`${v.enforcementLevel.toUpperCase()} ${v.policy} [${v.ruleIds.join(", ")}]`);
        lines.push(`  resource: ${v.urn}`);
        lines.push(`  problem:  ${v.message}`);
        lines.push(`  fix:      ${v.fix}`);
        lines.push("");
    }
    return lines.join("\n").trimEnd();
}

const SECURITY_SEVERITY: Record<string, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };

/**
 * SARIF 2.1.0 for code scanning: every policy is a rule (mandatory = error, advisory = warning); every violation a
 * result located in the file the plan came from (the spec or plan file), with the resource's URN as its logical
 * location. A plan has no line numbers, so each result points at line 1 of that file.
 */
export function renderSarif(source: string, violations: Violation[]): object {
    const uri = path.relative(process.cwd(), path.resolve(source)).split(path.sep).join("/");
    const rules = ALL_POLICIES.map((p) => ({
        id: p.name,
        name: p.name,
        shortDescription: { text: p.description.split(/(?<=\.)\s/)[0] },
        fullDescription: { text: p.description },
        help: { text: p.remediationSteps ?? "" },
        defaultConfiguration: { level: (p.enforcementLevel ?? "advisory") === "mandatory" ? "error" : "warning" },
        properties: {
            tags: ["security", ...(p.tags ?? [])],
            ...(p.severity && SECURITY_SEVERITY[p.severity] ? { "security-severity": SECURITY_SEVERITY[p.severity] } : {}),
        },
    }));
    const index = new Map(rules.map((r, i) => [r.id, i]));
    return {
        $schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [
            {
                tool: { driver: { name: "enclave check", informationUri: "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/", rules } },
                results: violations.map((v) => ({
                    ruleId: v.policy,
                    ruleIndex: index.get(v.policy),
                    level: v.enforcementLevel === "mandatory" ? "error" : "warning",
                    message: { text: `${v.message}. Fix: ${v.fix}` },
                    locations: [
                        {
                            physicalLocation: { artifactLocation: { uri }, region: { startLine: 1 } },
                            logicalLocations: [{ fullyQualifiedName: v.urn, kind: "resource" }],
                        },
                    ],
                    partialFingerprints: { "enclaveViolation/v1": `${v.policy}|${v.urn}|${v.message}` },
                })),
            },
        ],
    };
}

/** The file a checked plan came from, for SARIF locations. */
function sourceOf(vendor: string | undefined, opts: CheckOptions): string {
    if (opts.plan) return opts.plan;
    if (opts.spec) return opts.spec;
    if (opts.security) return opts.securitySpec ?? path.join("stacks", "security.yaml");
    return path.join("stacks", `${vendor}.yaml`);
}

export function register(program: Command): void {
    const cmd = program
        .command("check")
        .description("Run the CrossGuard guardrail policies (guardrails/) offline over a plan (exit 3 on a mandatory violation, or any with --strict)")
        .argument("[vendor]", "vendor id: plans and checks stacks/<vendor>.yaml")
        .option("--plan <file>", "check this plan JSON (enclave plan --json) instead of planning a spec")
        .option("--spec <file>", "plan and check this vendor spec file")
        .option("--security-spec <file>", "security stack spec (default: stacks/security.yaml)")
        .option("--security", "check the security stack (log archive)")
        .option("--organization", "check the organization stack (stacks/organization.yaml)")
        .option("--strict", "advisory findings fail the check too (exit 3)")
        .option("--format <format>", "output: text (default), json or sarif (SARIF 2.1.0 on stdout)")
        .option("--sarif <file>", "also write SARIF 2.1.0 (for code scanning) to this file")
        .option("--json", "print {stack, policies, totals, violations: [{policy, ruleIds, enforcementLevel, urn, message, fix}]} (same as --format json)");
    addFleetOptions(cmd, "check").action(async (vendor: string | undefined, opts: CheckOptions) => {
        if (opts.format !== undefined && !FORMATS.includes(opts.format))
            throw new CliError(`--format ${opts.format}: not a format. Fix: give one of ${FORMATS.join(", ")}`, EXIT.invalidInput);
        if (opts.json && opts.format !== undefined && opts.format !== "json")
            throw new CliError(`--json and --format ${opts.format} disagree: give one of them`, EXIT.invalidInput);
        const format = opts.json ? "json" : (opts.format ?? "text");
        if (opts.all && (format === "sarif" || opts.sarif))
            throw new CliError("SARIF describes one stack: drop --all, or run `enclave check <vendor> --sarif <file>` per vendor", EXIT.invalidInput);
        const fleet = await runFleetCommand(vendor, { ...opts, json: format === "json" }, checkTaskFor(Boolean(opts.strict)), {
            conflicting: [
                ["--spec", opts.spec],
                ["--plan", opts.plan],
                ["--security", opts.security],
            ],
            json: ({ violations }) => ({ policies: POLICY_COUNT, violations }),
            text: ({ plan, violations }) => (violations.length ? `${renderViolations(plan, violations)}\n` : undefined),
        });
        if (fleet) return;
        const { evaluatePlanFile, readPlanFile } = await import("../../plan/read.js");
        if (opts.plan && (vendor || opts.spec || opts.security))
            throw new CliError("--plan checks a plan file: give no vendor, --spec or --security with it", EXIT.invalidInput);
        if (opts.plan && opts.securitySpec)
            throw new CliError("--plan checks a plan file, which already holds the security stack's outputs: drop --security-spec", EXIT.invalidInput);
        const plan = opts.plan ? readPlanFile(opts.plan) : await planFromOptions(vendor, opts);
        const violations = opts.plan ? await evaluatePlanFile(opts.plan, () => checkPlan(plan)) : await checkPlan(plan);
        const sarif = () => `${JSON.stringify(renderSarif(sourceOf(vendor, opts), violations), null, 2)}\n`;
        if (opts.sarif) fs.writeFileSync(opts.sarif, sarif());
        if (format === "json")
            process.stdout.write(`${JSON.stringify({ stack: plan.stack, policies: POLICY_COUNT, totals: totalsOf(violations), violations }, null, 2)}\n`);
        else if (format === "sarif") process.stdout.write(sarif());
        else process.stdout.write(`${renderViolations(plan, violations)}\n`);
        process.exitCode = failsCheck(violations, Boolean(opts.strict)) ? EXIT.finding : EXIT.ok;
    });
}
