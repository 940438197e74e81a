import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { listVendorIds, loadSecuritySpec, loadVendorSpec, securitySpecPath, vendorSpecPath } from "../../config/load";
import type { SecuritySpec, VendorSpec } from "../../config/schema";
import { planSecurity, planVendor } from "../../plan/stacks";
import type { Plan } from "../../plan/types";
import { withSealState } from "../../runbook/specFile";

// The specs the tests reason about live in test/fixtures/, not in stacks/. stacks/ is the lab's own list of vendors:
// onboarding, editing or offboarding one there must not turn a test red unless that vendor's spec is broken (that is
// what test/live-stacks.test.ts checks, generically). The fixtures started as copies of the first two example vendors
// and the security stack; each test may rely on every detail of them.

/** The folder holding the fixture vendor specs (<id>.yaml) and the fixture security stack (security.yaml). */
export const FIXTURES_DIR = path.resolve(__dirname, "..", "fixtures");

/** Endpoint-only data path; two read datasets and a write-only drop box; one vendor principal, no external ID. */
export const ACME = "acme-labeling";
/** Allow-listed egress range; a read dataset and a read-write one; two principals, an external ID, KMS and STS endpoints. */
export const EVALCORP = "evalcorp";
/** Every fixture vendor id, sorted (the same listing the fleet commands make of a stacks folder). */
export const FIXTURE_VENDOR_IDS: readonly string[] = listVendorIds(FIXTURES_DIR);

export const SECURITY_FIXTURE_FILE = securitySpecPath(FIXTURES_DIR);
export const fixtureFile = (id: string): string => vendorSpecPath(id, FIXTURES_DIR);
export const fixtureText = (id: string): string => fs.readFileSync(fixtureFile(id), "utf8");

/** The one seal time the tests use for a sealed spec (what `enclave seal` would write as sealedAt). */
export const SEALED_AT = "2026-11-23T12:00:00Z";

const securitySpec = loadSecuritySpec(SECURITY_FIXTURE_FILE);
const vendorSpecs = new Map<string, VendorSpec>();

/** The fixture security spec (a fresh copy each call: callers may edit it). */
export function securityFixture(): SecuritySpec {
    return structuredClone(securitySpec);
}

/** A fixture vendor spec, validated by the same loader the CLI uses (a fresh copy each call). */
export function vendorFixture(id: string): VendorSpec {
    if (!vendorSpecs.has(id)) vendorSpecs.set(id, loadVendorSpec(fixtureFile(id), id));
    return structuredClone(vendorSpecs.get(id)!);
}

/** The fixture vendor spec sealed at SEALED_AT. */
export function sealedFixture(id: string): VendorSpec {
    return { ...vendorFixture(id), sealed: true, sealedAt: SEALED_AT };
}

/** The fixture spec's text with the seal written in the way `enclave seal` writes it. */
export function sealedFixtureText(id: string): string {
    return withSealState(fixtureText(id), SEALED_AT);
}

/** The lab account, and the two roles no enclave may lock out, as the fixture security stack names them. */
export const LAB_ACCOUNT = securitySpec.account.id;
export const DEPLOYER_ROLE_ARN = securitySpec.deployerRoleArn;
export const BREAK_GLASS_ROLE_ARN = securitySpec.breakGlassRoleArn;

// Planning runs the Pulumi program under the SDK's mock runtime, whose state is global: plans must be made one at a
// time. Each distinct plan is made once per test process and handed out as a deep copy, so a test that plants a
// defect in its copy cannot leak it into another test.
let queue: Promise<unknown> = Promise.resolve();
const plans = new Map<string, Promise<Plan>>();

function once(key: string, make: () => Promise<Plan>): Promise<Plan> {
    if (!plans.has(key)) {
        const p = queue.then(make);
        queue = p.catch(() => undefined);
        plans.set(key, p);
    }
    return plans.get(key)!.then((plan) => structuredClone(plan));
}

/** The offline plan of a fixture vendor, unsealed. */
export const fixturePlan = (id: string): Promise<Plan> => once(`vendor:${id}`, () => planVendor(vendorFixture(id), securitySpec));
/** The offline plan of a fixture vendor sealed at SEALED_AT. */
export const sealedFixturePlan = (id: string): Promise<Plan> => once(`sealed:${id}`, () => planVendor(sealedFixture(id), securitySpec));
/** The offline plan of the fixture security stack. */
export const securityFixturePlan = (): Promise<Plan> => once("security", () => planSecurity(securitySpec));

/** CLI arguments that select a fixture vendor (its security spec sits beside it, so the CLI picks that one up). */
export const fixtureSpecArgs = (id: string): string[] => ["--spec", fixtureFile(id)];

/** A fresh temporary copy of the fixture folder, for tests that write specs or point `--stacks-dir` at a folder. */
export function copyFixtures(prefix = "enclave-fixtures-"): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fs.cpSync(FIXTURES_DIR, dir, { recursive: true });
    return dir;
}

/** Escapes text for use inside a RegExp. */
export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const REPO = path.resolve(__dirname, "..", "..");
const scratchCopies: string[] = [];

/**
 * A temporary copy of the checkout whose stacks/ holds the fixtures, for spawning bin/enclave.js on commands that only
 * read stacks/ (the runbook has no --stacks-dir). Sources are copied, not linked: the code finds stacks/ next to its
 * own file, and Node resolves a linked module to its real place. node_modules is linked. Remove with removeScratchCopies.
 */
export function checkoutWithFixtures(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "enclave-checkout-"));
    scratchCopies.push(root);
    const skip = new Set([".git", "node_modules", "stacks", "test", "incidents", "evidence"]);
    for (const entry of fs.readdirSync(REPO)) {
        if (!skip.has(entry)) fs.cpSync(path.join(REPO, entry), path.join(root, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(root, "node_modules"));
    fs.cpSync(FIXTURES_DIR, path.join(root, "stacks"), { recursive: true });
    return root;
}

export function removeScratchCopies(): void {
    for (const dir of scratchCopies.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
