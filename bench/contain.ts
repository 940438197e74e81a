import { planVendor } from "../plan/stacks";
import type { SecuritySpec, VendorSpec } from "../config/schema";
import { contain } from "../runbook/contain";
import { SdkAws } from "../runbook/aws/reads";
import { observe, sealFindings } from "../runbook/verify";
import { awsWorld, organizationWorld } from "./awsWorld";
import { organizationContain } from "../runbook/quarantine";

// The containment benchmark: `enclave seal`'s contain and verify against an in-memory account (bench/awsWorld.ts)
// where every AWS call answers after a fixed latency. What it measures is our sequencing, not AWS: how many calls
// stand one after the other on the critical path, and the wall time that gives. The goal: the seal's writes in one
// round after one round of reads, the whole contain under 3x the latency of one call.

export const INJECTED_LATENCY_MS = 100;
export const TARGET_LATENCY_MULTIPLE = 3;
const SEALED_AT = "2026-11-23T12:00:00Z";

export async function containBench(spec: VendorSpec, security: SecuritySpec): Promise<string[]> {
    const plan = await planVendor(spec, security);
    const operators = { deployerRoleArn: security.deployerRoleArn, breakGlassRoleArn: security.breakGlassRoleArn, source: "bench" };

    // The stack as deployed today (its rule-less isolation group included), and an older stack without the group.
    const runOnce = async (olderStack: boolean) => {
        const world = awsWorld(plan, spec.id, { account: spec.account.id, region: spec.account.region, latencyMs: INJECTED_LATENCY_MS });
        if (olderStack) world.securityGroups.length = 0;
        try {
            const t0 = performance.now();
            const outcome = await contain({ clients: world.clients, spec, sealedAt: SEALED_AT, operators, incident: "INC-BENCH" });
            const containMs = performance.now() - t0;
            const failed = outcome.results.filter((r) => !r.ok);
            if (failed.length) throw new Error(`contain bench: ${failed.length} writes failed, first: ${failed[0].error}`);
            if (world.instances.some((i) => i.tags["enclave:isolated"] !== "INC-BENCH")) throw new Error("contain bench: an instance was not isolated");
            if (world.sessions.some((x) => x.target === world.instances[0].id && x.status === "Active"))
                throw new Error("contain bench: a session was not ended");
            const containCalls = world.calls.length;
            const path = world.criticalPath();
            const t1 = performance.now();
            const o = await observe(new SdkAws(world.clients), outcome.targets);
            const findings = sealFindings(o, outcome.targets, SEALED_AT);
            const verifyMs = performance.now() - t1;
            if (findings.length) throw new Error(`contain bench: verify found ${findings.length} gaps, first: ${findings[0]}`);
            return { containMs, containCalls, path, verifyMs, verifyCalls: world.calls.length - containCalls, writes: outcome.results.length };
        } finally {
            world.restore();
        }
    };
    const r = await runOnce(false);
    const older = await runOnce(true);
    const limit = TARGET_LATENCY_MULTIPLE * INJECTED_LATENCY_MS;
    return [
        `contain bench (${spec.id}, every AWS call answers after ${INJECTED_LATENCY_MS} ms; instance isolation and session ends included):`,
        `contain critical path: ${r.path} sequential AWS calls (${r.containCalls} calls, ${r.writes} writes)`,
        `contain wall time: ${r.containMs.toFixed(0)} ms; verify: ${r.verifyMs.toFixed(0)} ms (${r.verifyCalls} calls)`,
        `target: whole contain < ${TARGET_LATENCY_MULTIPLE}x the latency (${limit} ms): ${r.containMs < limit ? "MET" : "MISSED"}; writes in one round after the reads (depth 2): ${r.path <= 2 ? "MET" : "MISSED"}`,
        `older stack without the isolation group (contain creates it): ${older.path} sequential AWS calls, ${older.containMs.toFixed(0)} ms`,
    ];
}

/** The longest chain of calls each started after the previous one answered. */
function depth(calls: { start: number; end: number }[]): number {
    const sorted = [...calls].sort((a, b) => a.start - b.start);
    const d = new Map<(typeof sorted)[number], number>();
    for (const c of sorted) d.set(c, 1 + Math.max(0, ...sorted.filter((x) => x.end > 0 && x.end <= c.start).map((x) => d.get(x) ?? 0)));
    return Math.max(0, ...d.values());
}

/**
 * The account-mode scenario: the same contain with the organization-level quarantine beside it (runbook/quarantine.ts,
 * as `enclave seal` runs them), against the in-memory account and organization. The quarantine itself is one call
 * (MoveAccount); with the RCP and the SCP attaches it must add nothing to the critical path (reads, then writes).
 */
export async function containBenchAccountMode(spec: VendorSpec, security: SecuritySpec): Promise<string[]> {
    const member = {
        ...spec,
        account: { ...spec.account, id: "210987654321" },
        isolation: "account" as const,
        memberAccount: { roleName: security.deployerRoleArn.split("/").pop()! },
    };
    const plan = await planVendor(member, security);
    const operators = { deployerRoleArn: security.deployerRoleArn, breakGlassRoleArn: security.breakGlassRoleArn, source: "bench" };
    const world = awsWorld(plan, member.id, { account: member.account.id, region: member.account.region, latencyMs: INJECTED_LATENCY_MS });
    const orgWorld = organizationWorld({ accountId: member.account.id, vendorId: member.id, latencyMs: INJECTED_LATENCY_MS, calls: world.calls });
    const org = { ...ORGANIZATION_BENCH_SPEC, rootId: orgWorld.org.rootId };
    try {
        const t0 = performance.now();
        const [outcome, quarantine] = await Promise.all([
            contain({ clients: world.clients, spec: member, sealedAt: SEALED_AT, operators, incident: "INC-BENCH" }),
            organizationContain({ client: orgWorld.client, org }, member),
        ]);
        const containMs = performance.now() - t0;
        const failed = [...outcome.results.filter((r) => !r.ok), ...quarantine.filter((r) => !r.ok)];
        if (failed.length) throw new Error(`contain bench (account mode): ${failed.length} writes failed, first: ${failed[0].error}`);
        if (orgWorld.parent() !== orgWorld.org.quarantineOuId) throw new Error("contain bench (account mode): the account is not in the Quarantine OU");
        const orgCalls = world.calls.filter((c) => ORGANIZATION_COMMANDS.includes(c.command));
        const moves = orgCalls.filter((c) => c.command === "MoveAccountCommand").length;
        const orgDepth = depth(orgCalls);
        const whole = world.criticalPath();
        const inAccount = depth(world.calls.filter((c) => !ORGANIZATION_COMMANDS.includes(c.command)));
        return [
            `contain bench, account mode (${member.id} in its member account, the quarantine beside the in-account writes):`,
            `quarantine: ${moves} call (MoveAccount into the Quarantine OU); organization calls: ${orgCalls.length}, their depth: ${orgDepth}; contain critical path: ${whole} sequential AWS calls (${inAccount} without the quarantine); wall time ${containMs.toFixed(0)} ms`,
            `target: quarantine one call: ${moves === 1 ? "MET" : "MISSED"}; organization writes in one round after the reads (depth 2): ${orgDepth <= 2 ? "MET" : "MISSED"}; the quarantine adds nothing to the critical path: ${whole <= inAccount ? "MET" : "MISSED"}`,
        ];
    } finally {
        world.restore();
        orgWorld.restore();
    }
}

const ORGANIZATION_COMMANDS = [
    "ListParentsCommand",
    "ListOrganizationalUnitsForParentCommand",
    "ListPoliciesCommand",
    "ListPoliciesForTargetCommand",
    "MoveAccountCommand",
    "AttachPolicyCommand",
];

/** The organization facts the quarantine reads (the OU names); the ids come from the in-memory organization. */
const ORGANIZATION_BENCH_SPEC = {
    organizationId: "o-a1b2c3d4e5",
    rootId: "r-wrld",
    managementAccountId: "999900001111",
    region: "us-east-1",
    deployerRoleName: "enclave-deployer",
    breakGlassRoleName: "enclave-break-glass",
    allowedRegions: ["us-east-1"],
    logArchiveAccountId: "111122223333",
    vendorsOuName: "Vendors",
    quarantineOuName: "Quarantine",
};
