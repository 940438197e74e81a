import type { RunbookDeps } from "./types";
import { runSteps } from "./engine";
import { commandPlan, selectVendor, type Command, type DestroyOptions } from "./steps";
import { loadVendorSpec } from "../config/load";

// The breach runbook as code: seal, unseal and destroy (runbook/steps.ts) run by the generic engine (runbook/engine.ts),
// each step recorded in the incident log before and after it runs.

export {
    CLOCK_SKEW_MARGIN_SECONDS,
    commandPlan,
    INSTANCE_PROFILE_CREDENTIALS_MAX_SECONDS,
    PREVIEW_ALLOWED_OPS,
    SEAL_FIELDS,
    sealMoments,
    selectVendor,
    stepsFor,
    unsealNotBefore,
    type Command,
    type DestroyOptions,
    type PlanOptions,
    type SealMoment,
} from "./steps";

export async function runCommand(command: Command, vendor: string, deps: RunbookDeps, opts: DestroyOptions = {}): Promise<void> {
    const { file, spec } = selectVendor(vendor, deps.stacksDir);
    await runSteps({
        command,
        vendor,
        file,
        deps,
        plan: commandPlan(command, { ...opts, contain: Boolean(deps.contain), accountMode: spec.isolation === "account" }),
        loadSpec: () => loadVendorSpec(file, vendor),
    });
}
