import * as path from "node:path";
import { beforeAll, describe, it, vi } from "vitest";
import { loadVendorSpec } from "../config/load";
import { checkPlan } from "../guardrails/offline";
import { planVendor } from "../plan/stacks";
import type { Plan } from "../plan/types";
import { FIXTURES_DIR, securityFixture, SEALED_AT } from "./support/fixtures";

// The state machine's definition is the lead's (airlock/stateMachine.ts); until it lands, its builder throws. The
// plan only needs some definition to render, so the builder is replaced here by one that echoes its arguments.
vi.mock("../airlock/stateMachine", () => ({ airlockDefinition: (args: unknown) => ({ Comment: "mocked in test", args }) }));

const security = securityFixture();
const spec = loadVendorSpec(path.join(FIXTURES_DIR, "airlock", "harbor-annotate.yaml"));
let plan: Plan;
let sealed: Plan;

beforeAll(async () => {
    plan = await planVendor(spec, security);
    sealed = await planVendor({ ...spec, sealed: true, sealedAt: SEALED_AT }, security);
});

describe("airlock plan", () => {
    it("renders", () => {
        console.log(plan.resources.filter((r) => r.name.includes("airlock")).map((r) => `${r.type} ${r.name}`).join("\n"));
    });
    it("check", async () => {
        console.log(JSON.stringify((await checkPlan(plan)).map((v) => [v.policy, v.message, v.urn?.split("::").pop()]), null, 1));
        console.log(JSON.stringify((await checkPlan(sealed)).map((v) => [v.policy, v.message, v.urn?.split("::").pop()]), null, 1));
    });
});
