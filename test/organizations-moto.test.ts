import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orgPolicyNames, seedOrganization } from "./support/orgFacts";
import {
    accountParent,
    attachedPolicies,
    organizationsClient,
    quarantineAccount,
    releaseAccount,
    verifyQuarantine,
    type QuarantineTarget,
} from "../runbook/aws/organizations";
import { MOTO_CREDENTIALS, motoMissing, startMoto, type Moto } from "./support/moto";

// The account-mode quarantine end to end against moto_server's Organizations: an organization, the Vendors and
// Quarantine OUs, a vendor account, the SCPs and RCPs this toolkit builds (iam/organization.ts), then the contain
// (MoveAccount + the prepared RCP attached), its verify, a rerun and the release. moto proves the calls, their
// parameters, their order and the state they leave; it does not evaluate SCPs or RCPs: what they deny is proved by
// test/organization-simulation.test.ts.

const MANAGEMENT = "111111111111";
const MISSING = motoMissing();
if (MISSING) console.warn(`organizations-moto.test.ts skipped: ${MISSING}`);

describe.skipIf(MISSING !== null)(`account-mode quarantine against moto_server${MISSING ? ` (skipped: ${MISSING})` : ""}`, () => {
    let moto: Moto;
    let client: OrganizationsClient;
    let target: QuarantineTarget;
    let vendorsOuId = "";
    const ids: Record<string, string> = {};

    beforeAll(async () => {
        moto = await startMoto(MANAGEMENT);
        client = organizationsClient({ endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS });
        // The organization as the organization stack leaves it (test/support/orgFacts.ts), acme-labeling in Vendors.
        const org = await seedOrganization(client, [{ vendorId: "acme-labeling", principals: ["arn:aws:iam::999999999999:role/acme-annotator"] }]);
        vendorsOuId = org.vendorsOuId;
        const quarantineOuId = org.quarantineOuId;
        const accountId = org.accounts["acme-labeling"];
        Object.assign(ids, org.policyIds);
        target = {
            client,
            accountId,
            quarantineOuId,
            quarantineRcpName: orgPolicyNames.vendorQuarantine("acme-labeling"),
            quarantineScpName: orgPolicyNames.quarantine,
        };
    }, 60_000);

    afterAll(async () => {
        client?.destroy();
        await moto?.stop();
    });

    it("before the seal, verify fails on the parent and the RCP, and names what it found", async () => {
        const checks = await verifyQuarantine(target);
        expect(checks.map((c) => [c.check, c.ok])).toEqual([
            ["account is in the Quarantine OU", false],
            ["the quarantine SCP is attached to the Quarantine OU", true],
            ["the quarantine RCP is attached to the account", false],
        ]);
        expect(checks[0].detail).toBe(`parent ${vendorsOuId}`);
        // AWS (and moto) attach the managed full-access RCP to every account: it counts toward the five.
        expect(checks[2].detail).toBe(`attached: RCPFullAWSAccess, ${orgPolicyNames.vendorPrincipals("acme-labeling")}`);
    });

    it("contain moves the account in one MoveAccount call and attaches the prepared RCP; verify then passes", async () => {
        const results = await quarantineAccount(target);
        expect(results).toEqual([
            { resource: `account ${target.accountId}`, action: `move from ${vendorsOuId} to the Quarantine OU`, ok: true, id: target.quarantineOuId },
            { resource: `policy ${target.quarantineRcpName}`, action: `attach to ${target.accountId}`, ok: true, id: ids[target.quarantineRcpName] },
        ]);
        expect(await accountParent(client, target.accountId)).toBe(target.quarantineOuId);
        const rcps = (await attachedPolicies(client, target.accountId, "RESOURCE_CONTROL_POLICY")).map((p) => p.name).sort();
        expect(rcps).toEqual(["RCPFullAWSAccess", orgPolicyNames.vendorPrincipals("acme-labeling"), target.quarantineRcpName].sort());
        expect((await verifyQuarantine(target)).every((c) => c.ok)).toBe(true);
    });

    it("a rerun calls nothing that writes: both lines skipped", async () => {
        const again = await quarantineAccount(target);
        expect(again.map((r) => [r.resource, r.ok, r.skipped])).toEqual([
            [`account ${target.accountId}`, true, true],
            [`policy ${target.quarantineRcpName}`, true, true],
        ]);
    });

    it("a missing prepared RCP is one failed line naming the fix; the move still happened", async () => {
        const results = await quarantineAccount({ ...target, quarantineRcpName: "enclave-nobody-quarantine" });
        expect(results[0]).toMatchObject({ ok: true, skipped: true });
        expect(results[1]).toMatchObject({ resource: "policy enclave-nobody-quarantine", ok: false });
        expect(results[1].error).toMatch(/not found; deploy the organization stack/);
    });

    it("release detaches the RCP and moves the account back to the Vendors OU", async () => {
        const results = await releaseAccount({ ...target, vendorsOuId });
        expect(results.map((r) => [r.resource, r.ok, r.skipped ?? false])).toEqual([
            [`policy ${target.quarantineRcpName}`, true, false],
            [`account ${target.accountId}`, true, false],
        ]);
        expect(await accountParent(client, target.accountId)).toBe(vendorsOuId);
        expect((await attachedPolicies(client, target.accountId, "RESOURCE_CONTROL_POLICY")).map((p) => p.name)).toEqual([
            "RCPFullAWSAccess",
            orgPolicyNames.vendorPrincipals("acme-labeling"),
        ]);
    });
});
