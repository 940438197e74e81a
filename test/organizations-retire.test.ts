import { CloseAccountCommand, DescribeAccountCommand, ListParentsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { POST_CLOSURE_DAYS, retireAccount } from "../runbook/aws/organizations";

// Destroy in account mode against a fake Organizations API (aws-sdk-client-mock): the account is closed or parked
// only after evidence, and only once quarantined. moto does not model CloseAccount's post-closure window; what these
// tests cannot prove is AWS's own suspension behaviour (90 days, reopenable through support).

const ACCOUNT = "210987654321";
const QUARANTINE = "ou-root-quarantine";
const org = mockClient(OrganizationsClient);
afterEach(() => org.reset());
const client = () => new OrganizationsClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });

describe("retireAccount (destroy in account mode)", () => {
    it("refuses without evidence and calls nothing", async () => {
        await expect(
            retireAccount({ client: client(), accountId: ACCOUNT, quarantineOuId: QUARANTINE, disposal: "close", evidence: undefined }),
        ).rejects.toThrow(`account ${ACCOUNT}: no evidence recorded; collect evidence (enclave evidence) before closing or parking the account`);
        expect(org.calls()).toHaveLength(0);
    });

    it("refuses an account that is not in the Quarantine OU, naming where it is", async () => {
        org.on(ListParentsCommand).resolves({ Parents: [{ Id: "ou-root-vendors", Type: "ORGANIZATIONAL_UNIT" }] });
        await expect(
            retireAccount({ client: client(), accountId: ACCOUNT, quarantineOuId: QUARANTINE, disposal: "close", evidence: "s3://archive/evidence/acme" }),
        ).rejects.toThrow(/is in ou-root-vendors, not the Quarantine OU ou-root-quarantine; seal it first/);
        expect(org.commandCalls(CloseAccountCommand)).toHaveLength(0);
    });

    it("closes a quarantined account once, naming the post-closure window", async () => {
        org.on(ListParentsCommand).resolves({ Parents: [{ Id: QUARANTINE, Type: "ORGANIZATIONAL_UNIT" }] });
        org.on(DescribeAccountCommand).resolves({ Account: { Id: ACCOUNT, State: "ACTIVE" } });
        org.on(CloseAccountCommand).resolves({});
        const r = await retireAccount({
            client: client(),
            accountId: ACCOUNT,
            quarantineOuId: QUARANTINE,
            disposal: "close",
            evidence: "s3://archive/evidence/acme",
        });
        expect(r).toEqual([{ resource: `account ${ACCOUNT}`, action: "close (90-day post-closure window)", ok: true }]);
        expect(POST_CLOSURE_DAYS).toBe(90);
        expect(org.commandCalls(CloseAccountCommand).map((c) => c.args[0].input)).toEqual([{ AccountId: ACCOUNT }]);
    });

    it("a rerun on a suspended account calls CloseAccount no more", async () => {
        org.on(ListParentsCommand).resolves({ Parents: [{ Id: QUARANTINE, Type: "ORGANIZATIONAL_UNIT" }] });
        org.on(DescribeAccountCommand).resolves({ Account: { Id: ACCOUNT, State: "SUSPENDED" } });
        const r = await retireAccount({
            client: client(),
            accountId: ACCOUNT,
            quarantineOuId: QUARANTINE,
            disposal: "close",
            evidence: "s3://archive/evidence/acme",
        });
        expect(r[0]).toMatchObject({ ok: true, skipped: true, id: "SUSPENDED" });
        expect(org.commandCalls(CloseAccountCommand)).toHaveLength(0);
    });

    it("park leaves the account quarantined and closes nothing", async () => {
        org.on(ListParentsCommand).resolves({ Parents: [{ Id: QUARANTINE, Type: "ORGANIZATIONAL_UNIT" }] });
        const r = await retireAccount({
            client: client(),
            accountId: ACCOUNT,
            quarantineOuId: QUARANTINE,
            disposal: "park",
            evidence: "s3://archive/evidence/acme",
        });
        expect(r).toEqual([{ resource: `account ${ACCOUNT}`, action: "park in the Quarantine OU", ok: true, skipped: true, id: QUARANTINE }]);
        expect(org.commandCalls(CloseAccountCommand)).toHaveLength(0);
        expect(org.commandCalls(DescribeAccountCommand)).toHaveLength(0);
    });

    it("a refused CloseAccount is one failed line, not a throw", async () => {
        org.on(ListParentsCommand).resolves({ Parents: [{ Id: QUARANTINE, Type: "ORGANIZATIONAL_UNIT" }] });
        org.on(DescribeAccountCommand).resolves({ Account: { Id: ACCOUNT, State: "ACTIVE" } });
        org.on(CloseAccountCommand).rejects(Object.assign(new Error("close quota reached"), { name: "ConstraintViolationException" }));
        const r = await retireAccount({
            client: client(),
            accountId: ACCOUNT,
            quarantineOuId: QUARANTINE,
            disposal: "close",
            evidence: "s3://archive/evidence/acme",
        });
        expect(r[0]).toMatchObject({ ok: false });
        expect(r[0].error).toBe(`account ${ACCOUNT}: organizations:CloseAccount failed (ConstraintViolationException: close quota reached)`);
    });
});
