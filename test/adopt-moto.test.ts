// `enclave adopt` end to end against moto_server's Organizations: an adopted member account found in the root (or in
// another OU) is moved into the Vendors OU and confirmed there; a rerun is a skip; an account in the Quarantine OU is
// left where it is; a missing Vendors OU, an account outside the organization and a shared-account vendor are each one
// clear line. moto proves the calls, their parameters and the state they leave (the parent ListParents reads back);
// it does not evaluate SCPs or RCPs: what the Vendors OU's policies deny is proved by organization-simulation.test.ts.
import {
    AttachPolicyCommand,
    CreateOrganizationalUnitCommand,
    DetachPolicyCommand,
    MoveAccountCommand,
    type OrganizationsClient,
} from "@aws-sdk/client-organizations";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { organizationSpecPath } from "../config/load";
import type { OrganizationSpec } from "../config/schema";
import { EXIT, describeFailure } from "../contract/errors";
import { accountParent, organizationsClient } from "../runbook/aws/organizations";
import { adoptAccount, adoptCommand } from "../runbook/adopt";
import { ACME, fixtureFile, vendorFixture } from "./support/fixtures";
import { MOTO_CREDENTIALS, motoMissingFor, startMoto, type Moto } from "./support/moto";
import { accountModeFixture, ORG_SPEC, orgPolicyNames, seedOrganization, type SeededOrganization } from "./support/orgFacts";

const MANAGEMENT = "999900001111";
const MISSING = motoMissingFor("adopt-moto.test.ts");

describe.skipIf(MISSING !== null)(`enclave adopt against moto_server${MISSING ? ` (skipped: ${MISSING})` : ""}`, () => {
    let moto: Moto;
    let client: OrganizationsClient;
    let org: SeededOrganization;
    let orgSpec: OrganizationSpec;
    let sent: string[] = [];

    beforeAll(async () => {
        moto = await startMoto(MANAGEMENT);
        client = organizationsClient({ endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS, maxAttempts: 2 });
        org = await seedOrganization(client, [{ vendorId: ACME, principals: vendorFixture(ACME).access.principals }]);
        orgSpec = { ...ORG_SPEC, rootId: org.rootId };
        // Every command adopt sends, in order.
        const send = client.send.bind(client) as (cmd: unknown) => Promise<unknown>;
        (client as unknown as { send: (cmd: { constructor: { name: string } }) => Promise<unknown> }).send = (cmd) => {
            sent.push(cmd.constructor.name);
            return send(cmd);
        };
    }, 60_000);

    afterAll(async () => {
        client?.destroy();
        await moto?.stop();
    });

    const account = () => org.accounts[ACME];
    const spec = () => accountModeFixture(ACME, account());
    /** Puts the account where an adopted account may be found (the seed leaves it in Vendors), outside adopt's view. */
    const place = async (ouId: string) => {
        const from = await accountParent(client, account());
        if (from !== ouId) await client.send(new MoveAccountCommand({ AccountId: account(), SourceParentId: from, DestinationParentId: ouId }));
        sent = [];
    };
    const adopt = async (o: OrganizationSpec = orgSpec, s = spec()) => {
        const lines: string[] = [];
        const code = await adoptAccount({ client, org: o, spec: s, out: (l) => lines.push(l) });
        return { code, lines };
    };
    const confirmed = () => [
        `ok   check: account ${account()} is in the Vendors OU (parent ${org.vendorsOuId})`,
        `ok   check: policy ${orgPolicyNames.vendorPrincipals(ACME)} is attached to account ${account()} (attached: RCPFullAWSAccess, ${orgPolicyNames.vendorPrincipals(ACME)})`,
        `ok   check: the Vendors OU ${org.vendorsOuId} carries enclave-vendors-baseline, enclave-vendors-logging, enclave-vendors-perimeter, enclave-data-perimeter (all attached)`,
    ];

    it("an adopted account in the root is moved into the Vendors OU in one MoveAccount, then confirmed there", async () => {
        await place(org.rootId);
        const r = await adopt();
        expect(r.code).toBe(EXIT.ok);
        expect(r.lines).toEqual([`ok   account ${account()}: organizations:MoveAccount ${org.rootId} -> Vendors OU ${org.vendorsOuId}`, ...confirmed()]);
        expect(sent.filter((c) => c === "MoveAccountCommand")).toHaveLength(1);
        // Nothing attached or detached: the organization stack owns every attachment.
        expect(sent.filter((c) => c === "AttachPolicyCommand" || c === "DetachPolicyCommand")).toEqual([]);
        expect(await accountParent(client, account())).toBe(org.vendorsOuId);
    });

    it("a rerun is a skip: no write, the same checks confirmed", async () => {
        sent = [];
        const r = await adopt();
        expect(r.code).toBe(EXIT.ok);
        expect(r.lines).toEqual([`skip account ${account()}: already placed in the Vendors OU (${org.vendorsOuId})`, ...confirmed()]);
        expect(sent).not.toContain("MoveAccountCommand");
    });

    it("an account in another OU is moved from there", async () => {
        const sandbox = (await client.send(new CreateOrganizationalUnitCommand({ ParentId: org.rootId, Name: "Sandbox" }))).OrganizationalUnit!.Id!;
        await place(sandbox);
        const r = await adopt();
        expect(r.code).toBe(EXIT.ok);
        expect(r.lines[0]).toBe(`ok   account ${account()}: organizations:MoveAccount ${sandbox} -> Vendors OU ${org.vendorsOuId}`);
        expect(await accountParent(client, account())).toBe(org.vendorsOuId);
    });

    it("an account in the Quarantine OU is left there: sealed, nothing changed, exit 0", async () => {
        await place(org.quarantineOuId);
        const r = await adopt();
        expect(r.code).toBe(EXIT.ok);
        expect(r.lines).toEqual([
            `skip account ${account()}: in the Quarantine OU (${org.quarantineOuId}): sealed, left there; \`enclave unseal ${ACME}\` moves it into the Vendors OU`,
        ]);
        expect(sent).not.toContain("MoveAccountCommand");
        expect(await accountParent(client, account())).toBe(org.quarantineOuId);
        await place(org.vendorsOuId);
    });

    it("the principals RCP missing from the account is a check not confirmed (exit 3), and adopt does not attach it", async () => {
        const rcp = org.policyIds[orgPolicyNames.vendorPrincipals(ACME)];
        await client.send(new DetachPolicyCommand({ PolicyId: rcp, TargetId: account() }));
        sent = [];
        try {
            const r = await adopt();
            expect(r.code).toBe(EXIT.finding);
            expect(r.lines).toContain(
                `FAIL check: not confirmed: policy ${orgPolicyNames.vendorPrincipals(ACME)} is attached to account ${account()} (attached: RCPFullAWSAccess; deploy the organization stack)`,
            );
            expect(sent).not.toContain("AttachPolicyCommand");
        } finally {
            await client.send(new AttachPolicyCommand({ PolicyId: rcp, TargetId: account() }));
        }
    });

    it("a missing Vendors OU is one clear error, and nothing is moved", async () => {
        await place(org.rootId);
        try {
            const failure = await adopt({ ...orgSpec, vendorsOuName: "Vendors-missing" }).then(
                () => null,
                (err: unknown) => describeFailure(err),
            );
            expect(failure).toEqual({
                message: `OU Vendors-missing: not found under ${org.rootId}; deploy the organization stack first (pulumi up -s organization)`,
                exitCode: EXIT.failure,
            });
            expect(sent).not.toContain("MoveAccountCommand");
            expect(await accountParent(client, account())).toBe(org.rootId);
        } finally {
            await place(org.vendorsOuId);
        }
    });

    it("an account outside the organization is one line per resource, exit 1", async () => {
        const r = await adopt(orgSpec, accountModeFixture(ACME, "123412341234"));
        expect(r.code).toBe(EXIT.failure);
        expect(r.lines).toHaveLength(1);
        expect(r.lines[0]).toMatch(/^FAIL account 123412341234: not a member of this organization \((ChildNotFound|AccountNotFound)Exception\); invite it/);
        expect(sent).not.toContain("MoveAccountCommand");
    });

    describe("adoptCommand (the CLI's entry): the specs read from a stacks folder", () => {
        let dir: string;
        beforeAll(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "enclave-adopt-"));
            fs.writeFileSync(organizationSpecPath(dir), stringify(orgSpec));
        });
        afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
        const run = async (vendor: string) => {
            const lines: string[] = [];
            let made = 0;
            const result = await adoptCommand(vendor, {
                stacksDir: dir,
                organizations: async () => {
                    made++;
                    return organizationsClient({ endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS, maxAttempts: 2 });
                },
                out: (l) => lines.push(l),
            }).then(
                (code) => ({ code, message: "" }),
                (err: unknown) => {
                    const f = describeFailure(err);
                    return { code: f.exitCode, message: f.message };
                },
            );
            return { ...result, lines, made };
        };

        it("a shared-account vendor: exit 2, one line, no Organizations client made", async () => {
            const file = path.join(dir, `${ACME}.yaml`);
            fs.copyFileSync(fixtureFile(ACME), file);
            const r = await run(ACME);
            expect(r).toMatchObject({ code: EXIT.invalidInput, lines: [], made: 0 });
            expect(r.message).toBe(
                `${file}: ${ACME} is a shared-account enclave (isolation: shared-account); only an account-mode vendor has a member account to adopt`,
            );
            expect(r.message).not.toContain("\n");
        });

        it("an unknown vendor: exit 2, no Organizations client made", async () => {
            const r = await run("no-such-vendor");
            expect(r.code).toBe(EXIT.invalidInput);
            expect(r.made).toBe(0);
            expect(r.message).toMatch(/no-such-vendor/);
        });

        it("an account-mode vendor in the root: moved into the Vendors OU", async () => {
            await place(org.rootId);
            const text = fs
                .readFileSync(fixtureFile(ACME), "utf8")
                .replace(/^(\s+id: )"?\d{12}"?$/m, `$1"${account()}"`)
                .concat("isolation: account\nmemberAccount:\n  roleName: enclave-deployer\n");
            fs.writeFileSync(path.join(dir, `${ACME}.yaml`), text);
            const r = await run(ACME);
            expect(r.message).toBe("");
            expect(r.code).toBe(EXIT.ok);
            expect(r.lines[0]).toBe(`ok   account ${account()}: organizations:MoveAccount ${org.rootId} -> Vendors OU ${org.vendorsOuId}`);
            expect(await accountParent(client, account())).toBe(org.vendorsOuId);
        });
    });
});
