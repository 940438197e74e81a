import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { SEAL_POLICY_NAME } from "../contract/seal";
import {
    CLOCK_SKEW_MARGIN_SECONDS,
    deployedSealTimeRefusal,
    deployedUnsealRefusal,
    INSTANCE_PROFILE_CREDENTIALS_MAX_SECONDS,
    SELF_STACK_REFERENCE,
    unsealNotBefore,
} from "../contract/unsealWindow";
import { operatorsOf } from "../guardrails/rules/util";
import { vendorProgram } from "../components/program";
import { MOCK_ORGANIZATION } from "../plan/engine";
import { createMocks, type MockRecorder } from "../plan/mocks";
import { PROJECT, type Plan } from "../plan/types";
import { mockSecurityOutputs, planVendor } from "../plan/stacks";
import { unsealNotBefore as runbookUnsealNotBefore } from "../runbook/runbook";
import { EVALCORP, SEALED_AT, sealedFixture, securityFixture, vendorFixture } from "./support/fixtures";

// The unseal window on the deploy path: the vendor stack program reads its own deployed outputs through a
// StackReference to itself and refuses to unseal before the window, whatever runs it. These tests run the program
// under the SDK's mock runtime, which answers the self-reference with the outputs a test gives.
// What they cannot prove: that the real Pulumi engine lets a stack read itself through a StackReference during its
// own update/preview and returns its last deployed outputs (that needs a real backend; docs/verified-offline.md), nor
// that a `pulumi up --target`, a `refresh` or a state edit cannot bypass it (they can: docs/seal-internals.md).

const security = securityFixture();
const spec = vendorFixture(EVALCORP);
const HOUR = 3600 * 1000;
const sealedAtMs = Date.parse(SEALED_AT);
const at = (ms: number) => () => new Date(ms);
const deployedSealed = { ...mockSecurityOutputsFree(), sealed: true, sealedAt: SEALED_AT };
// The window: max(vendor session, 6 h instance-profile credentials) + 5 min skew from the deployed sealedAt.
const NOT_BEFORE = "2026-11-23T18:05:00.000Z";
const REFUSAL = `refusing to unseal ${EVALCORP} before ${NOT_BEFORE}: the deployed stack was sealed at ${SEALED_AT} and sessions issued before the seal may be valid until then (vendor role ${spec.access.maxSessionSeconds} s, workload instance-profile credentials up to 6 h, plus 5 min clock skew); unsealing now would let them work again. Keep sealed: true in stacks/${EVALCORP}.yaml and run \`enclave unseal ${EVALCORP}\` after that time`;

/** A deployed vendor stack's non-seal outputs do not matter to the check: only sealed and sealedAt are read. */
function mockSecurityOutputsFree(): Record<string, unknown> {
    return { vendorId: EVALCORP, accountId: spec.account.id, region: spec.account.region };
}

const ofType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);
const sealPolicies = (plan: Plan) => plan.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.inputs.name === SEAL_POLICY_NAME);

describe("the unseal window (pure)", () => {
    it("is defined once: the runbook's unsealNotBefore is the contract's", () => {
        expect(runbookUnsealNotBefore).toBe(unsealNotBefore);
        expect(INSTANCE_PROFILE_CREDENTIALS_MAX_SECONDS + CLOCK_SKEW_MARGIN_SECONDS).toBe(6 * 3600 + 5 * 60);
    });

    it("refuses a sealed-to-unsealed change before the window, with the time, the reason and the command", () => {
        expect(deployedUnsealRefusal(EVALCORP, { sealed: true, sealedAt: SEALED_AT }, false, spec.access.maxSessionSeconds, new Date(sealedAtMs + HOUR))).toBe(
            REFUSAL,
        );
        // One millisecond before the window still refuses; at the window it passes.
        expect(deployedUnsealRefusal(EVALCORP, { sealed: true, sealedAt: SEALED_AT }, false, 1800, new Date(Date.parse(NOT_BEFORE) - 1))).toBeDefined();
        expect(deployedUnsealRefusal(EVALCORP, { sealed: true, sealedAt: SEALED_AT }, false, 1800, new Date(NOT_BEFORE))).toBeUndefined();
    });

    it("does not apply to a fresh stack, an unsealed deployed stack, or a spec that stays sealed", () => {
        const early = new Date(sealedAtMs + HOUR);
        expect(deployedUnsealRefusal(EVALCORP, {}, false, 1800, early)).toBeUndefined();
        expect(deployedUnsealRefusal(EVALCORP, { sealed: false, sealedAt: null }, false, 1800, early)).toBeUndefined();
        expect(deployedUnsealRefusal(EVALCORP, { sealed: true, sealedAt: SEALED_AT }, true, 1800, early)).toBeUndefined();
    });

    it("fails closed when the deployed stack is sealed without a readable sealedAt", () => {
        expect(deployedUnsealRefusal(EVALCORP, { sealed: true, sealedAt: "yesterday" }, false, 1800, new Date("2030-01-01T00:00:00Z"))).toBe(
            `refusing to unseal ${EVALCORP}: the deployed stack is sealed but its sealedAt output is "yesterday", so the unseal window cannot be computed; run \`enclave unseal ${EVALCORP}\` (it also reads the incident log) or repair the stack's sealedAt output`,
        );
    });
});

// Plans one at a time: the offline engine refuses concurrent runs (the SDK's runtime state is global).
describe("the vendor program enforces the window on any deploy (offline, mock runtime)", () => {
    it("deployed sealed at T, spec unsealed, now T+1h: the run fails with the one line, as a RunError (no stack trace)", async () => {
        expect(spec.sealed).toBe(false);
        const run = planVendor(spec, security, { deployedOutputs: deployedSealed, now: at(sealedAtMs + HOUR) });
        await expect(run).rejects.toBeInstanceOf(pulumi.RunError);
        await expect(run).rejects.toThrow(REFUSAL);
        const err = await run.catch((e: Error) => e);
        expect((err as Error).message).toBe(REFUSAL);
        expect((err as Error).message).not.toContain("\n");
    });

    it("the refusal comes before any resource is registered: only the self-reference was read", async () => {
        const recorder: MockRecorder = { outputs: new Map(), unmockedCalls: [] };
        pulumi.runtime.setAllConfig({});
        const mock = {
            accountId: spec.account.id,
            region: spec.account.region,
            stackReferenceOutputs: mockSecurityOutputs(security),
            deployedOutputs: deployedSealed,
        };
        await pulumi.runtime.setMocks(createMocks(mock, recorder), PROJECT, EVALCORP, false, MOCK_ORGANIZATION);
        await expect(vendorProgram(spec, { now: at(sealedAtMs + HOUR) })).rejects.toThrow(REFUSAL);
        // Give any registration the program might still have started a chance to reach the mock.
        await new Promise((r) => setTimeout(r, 50));
        expect([...recorder.outputs.keys()]).toEqual([`pulumi:pulumi:StackReference::${SELF_STACK_REFERENCE}`]);
    });

    it("now after the window: the plan succeeds and is unsealed (no seal policy left on either role)", async () => {
        const plan = await planVendor(spec, security, { deployedOutputs: deployedSealed, now: () => new Date(NOT_BEFORE) });
        expect(plan.outputs.sealed).toBe(false);
        expect(plan.outputs.sealedAt).toBeNull();
        expect(sealPolicies(plan)).toEqual([]);
        expect(JSON.stringify(plan)).not.toContain("SealRevokeOlderSessions");
    });

    it("a spec that stays sealed is never refused, even inside the window (positive control: the seal policies are there)", async () => {
        const sealedSpec = { ...spec, sealed: true, sealedAt: SEALED_AT };
        const plan = await planVendor(sealedSpec, security, { deployedOutputs: deployedSealed, now: at(sealedAtMs + HOUR) });
        expect(plan.outputs.sealed).toBe(true);
        expect(sealPolicies(plan).length).toBe(2);
    });

    it("deployed unsealed: no check, whatever the clock", async () => {
        const plan = await planVendor(spec, security, {
            deployedOutputs: { ...mockSecurityOutputsFree(), sealed: false, sealedAt: null },
            now: at(sealedAtMs),
        });
        expect(plan.outputs.sealed).toBe(false);
    });

    it("a fresh stack (the default: the self-reference reads no outputs) plans; the self-reference and the security reference are both read", async () => {
        const plan = await planVendor(spec, security, { now: at(sealedAtMs) });
        const refs = ofType(plan, "pulumi:pulumi:StackReference");
        expect(refs.map((r) => r.name).sort()).toEqual([SELF_STACK_REFERENCE, spec.securityStack].sort());
        const self = refs.find((r) => r.name === SELF_STACK_REFERENCE)!;
        expect(self.inputs.name).toBe(`organization/${PROJECT}/${EVALCORP}`);
        expect(self.outputs.outputs).toEqual({});
        // The security reference still carries the security stack's outputs, and readers pick it, not the self one.
        const ref = refs.find((r) => r.name === spec.securityStack)!;
        // With this vendor's tripwire (its key and body redacted in the plan: they are secrets).
        expect(ref.outputs.outputs).toEqual({
            ...mockSecurityOutputs(security),
            tripwires: { [spec.id]: expect.objectContaining({ key: expect.stringContaining("[secret]") }) },
        });
        expect(JSON.stringify(plan)).toContain(security.deployerRoleArn);
        const asPolicyResources = plan.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: r.outputs })) as unknown as Parameters<
            typeof operatorsOf
        >[0];
        expect(operatorsOf(asPolicyResources, {})).toEqual({ deployerRoleArn: security.deployerRoleArn, breakGlassRoleArn: security.breakGlassRoleArn });
    });
});

// The seal time itself on the deploy path: the window counts from the deployed sealedAt, so the spec must not be able
// to move it. The three attack steps: backdate the sealedAt of a sealed stack (the access diff shows no widening,
// so it needs no security label), then unseal against the backdated time; or seal a stack for the first time with a
// sealedAt in the past. What these cannot prove: that a stack whose deployed sealedAt was backdated before this guard
// existed is caught (the program trusts what is deployed; docs/seal-internals.md lists the state edits it cannot see).
describe("the seal time cannot be moved by the spec (offline, mock runtime)", () => {
    const BACKDATED = "2020-01-01T00:00:00Z";
    const deployedUnsealed = { ...mockSecurityOutputsFree(), sealed: false, sealedAt: null };
    const MOVED = `refusing to deploy ${EVALCORP}: sealedAt in stacks/${EVALCORP}.yaml is ${BACKDATED} but the deployed stack was sealed at ${SEALED_AT}; the seal time of a sealed stack never changes (the unseal window counts from it). Fix: set sealedAt: "${SEALED_AT}" in stacks/${EVALCORP}.yaml`;
    const backdatedFirstSeal = (now: number) =>
        `refusing to seal ${EVALCORP}: sealedAt in stacks/${EVALCORP}.yaml is ${BACKDATED}, more than 15 min before now (${new Date(now).toISOString()}), and the unseal window would count from it. Fix: set sealedAt in stacks/${EVALCORP}.yaml to the current UTC time (a later seal time only revokes more sessions and starts the window later)`;
    const rejection = async (run: Promise<unknown>) => {
        const err = await run.then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(pulumi.RunError);
        const message = (err as Error).message;
        expect(message).not.toContain("\n");
        return message;
    };

    it("step 1: deployed sealed at T, a spec that stays sealed but backdates sealedAt is refused with one line", async () => {
        const run = planVendor({ ...spec, sealed: true, sealedAt: BACKDATED }, security, { deployedOutputs: deployedSealed, now: at(sealedAtMs + HOUR) });
        expect(await rejection(run)).toBe(MOVED);
        // Moving it forward is refused too: any change of a sealed stack's seal time goes through the unseal.
        const later = "2026-11-23T13:00:00Z";
        const forward = planVendor({ ...spec, sealed: true, sealedAt: later }, security, { deployedOutputs: deployedSealed, now: at(sealedAtMs + HOUR) });
        expect(await rejection(forward)).toBe(MOVED.replaceAll(BACKDATED, later));
    });

    it("step 2: with step 1 refused the deployed sealedAt is still T, so the unseal an hour later is refused by the window", async () => {
        // Step 1 changes nothing (the refusal comes before any resource), so step 2 meets the outputs of the real seal.
        await rejection(planVendor({ ...spec, sealed: true, sealedAt: BACKDATED }, security, { deployedOutputs: deployedSealed, now: at(sealedAtMs + HOUR) }));
        expect(await rejection(planVendor(spec, security, { deployedOutputs: deployedSealed, now: at(sealedAtMs + HOUR) }))).toBe(REFUSAL);
    });

    it("variant: a first seal of a deployed stack with a backdated sealedAt is refused with one line", async () => {
        const run = planVendor({ ...spec, sealed: true, sealedAt: BACKDATED }, security, { deployedOutputs: deployedUnsealed, now: at(sealedAtMs) });
        expect(await rejection(run)).toBe(backdatedFirstSeal(sealedAtMs));
    });

    it("a first seal with sealedAt = now plans sealed, and 14 min of skew pass while 16 min do not", async () => {
        const plan = await planVendor(sealedFixture(EVALCORP), security, { deployedOutputs: deployedUnsealed, now: at(sealedAtMs) });
        expect(plan.outputs.sealed).toBe(true);
        expect(plan.outputs.sealedAt).toBe(SEALED_AT);
        expect(sealPolicies(plan).length).toBe(2);
        const skewed = await planVendor(sealedFixture(EVALCORP), security, { deployedOutputs: deployedUnsealed, now: at(sealedAtMs + 14 * 60_000) });
        expect(skewed.outputs.sealedAt).toBe(SEALED_AT);
        const late = sealedAtMs + 16 * 60_000;
        const refused = planVendor(sealedFixture(EVALCORP), security, { deployedOutputs: deployedUnsealed, now: at(late) });
        expect(await rejection(refused)).toBe(backdatedFirstSeal(late).replaceAll(BACKDATED, SEALED_AT));
    });

    it("sealed to sealed with the same sealedAt plans (the same instant written with milliseconds too)", async () => {
        for (const same of [SEALED_AT, "2026-11-23T12:00:00.000Z"]) {
            const plan = await planVendor({ ...spec, sealed: true, sealedAt: same }, security, {
                deployedOutputs: deployedSealed,
                now: at(sealedAtMs + 30 * HOUR),
            });
            expect(plan.outputs.sealed).toBe(true);
            expect(plan.outputs.sealedAt).toBe(same);
        }
    });

    it("the unseal after the window still plans, and a stack never deployed takes any sealedAt (offline plans run that way)", async () => {
        const unsealed = await planVendor(spec, security, { deployedOutputs: deployedSealed, now: () => new Date(NOT_BEFORE) });
        expect(unsealed.outputs.sealed).toBe(false);
        const fresh = await planVendor({ ...spec, sealed: true, sealedAt: BACKDATED }, security, { now: at(sealedAtMs) });
        expect(fresh.outputs.sealedAt).toBe(BACKDATED);
    });

    it("a sealed deployed stack without a readable sealedAt takes a current one (its repair), not a past one", () => {
        const broken = { sealed: true, sealedAt: null };
        expect(deployedSealTimeRefusal(EVALCORP, broken, SEALED_AT, new Date(sealedAtMs + 60_000))).toBeUndefined();
        expect(deployedSealTimeRefusal(EVALCORP, broken, BACKDATED, new Date(sealedAtMs))).toBe(backdatedFirstSeal(sealedAtMs));
        expect(deployedSealTimeRefusal(EVALCORP, { sealed: true, sealedAt: SEALED_AT }, undefined, new Date(sealedAtMs))).toBeUndefined();
    });
});
