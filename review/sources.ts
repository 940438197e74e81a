// Plans and access reports for the two sides of `enclave diff` (a git ref's side: review/revision.ts).
import { loadSelectedVendor } from "../config/select";
import { planVendor } from "../plan/stacks";
import type { Plan } from "../plan/types";
import type { SecuritySpec } from "../config/schema";
import { accessReport, type AccessReport } from "./access";
import { worldFromPlans } from "./world";

/** Report of a vendor plan, with the security plan (archive) when given. */
export async function reportOfPlan(plan: Plan, security?: Plan): Promise<AccessReport> {
    return accessReport(security ? worldFromPlans(plan, security) : worldFromPlans(plan), String(plan.outputs.vendorId));
}

/** Plans a spec file (validated like `plan --spec`). */
export async function planSpecFile(file: string, securitySpec?: string): Promise<{ plan: Plan; security: SecuritySpec }> {
    const loaded = loadSelectedVendor({ spec: file, securitySpec });
    return { plan: await planVendor(loaded.spec, loaded.security), security: loaded.security };
}
