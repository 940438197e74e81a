import { DescribeInstancesCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import { GetRolePolicyCommand } from "@aws-sdk/client-iam";
import {
    ListFirewallDomainListsCommand,
    ListFirewallRuleGroupAssociationsCommand,
    ListFirewallRuleGroupsCommand,
    ListFirewallRulesCommand,
    Route53ResolverClient,
    UpdateFirewallRuleCommand,
} from "@aws-sdk/client-route53resolver";
import { DescribeSessionsCommand, SSMClient, TerminateSessionCommand } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SecuritySpec, VendorSpec } from "../config/schema";
import { SEAL_POLICY_NAME } from "../contract/seal";
import { vendorNames } from "../iam/names";
import { sealRolePolicy } from "../iam/vendor";
import type { AwsClients } from "../runbook/aws/clients";
import { snapshotVolumes } from "../runbook/aws/containment";
import { SdkAws } from "../runbook/aws/reads";
import { contain } from "../runbook/contain";
import type { AwsReads } from "../runbook/types";
import { observe, sealFindings } from "../runbook/verify";
import { MOTO_ACCOUNT as ACCOUNT, motoMissingFor, motoSecuritySpec, motoVendorSpec, startSeededMoto, type Moto } from "./support/moto";
import { seedInstance, type SeededEnclave, type SeededInstance } from "./support/motoSeed";

// Contain, verify and evidence end to end against moto_server: acme-labeling deployed unsealed from its offline plan
// (with one workload instance), then `enclave seal`'s contain through the real SDK clients, the verify reads, and the
// EBS snapshots. moto proves the calls, their parameters and the state they leave; it does not evaluate IAM nor
// validate principals. The DNS Firewall is not emulated by moto: the resolver client is mocked (it proves only that
// contain sends the BLOCK/NXDOMAIN update for the right rule group and domain list, and that verify reads it back).
// Session Manager's sessions API is not emulated by moto 5.2 either (DescribeSessions answers with an HTML page): the
// SSM client is mocked too, so this proves that contain ends the session whose target is the instance moto launched
// and leaves another alone, not that AWS closes the session's data channel.

const SEALED_AT = "2026-11-30T09:00:00Z";
const INCIDENT = "INC-2026-0099";
const MISSING = motoMissingFor("contain-moto.test.ts");

describe.skipIf(MISSING !== null)(`contain, verify and evidence against moto_server${MISSING ? ` (skipped: ${MISSING})` : ""}`, () => {
    let moto: Moto;
    let clients: AwsClients;
    let security: SecuritySpec;
    let acme: VendorSpec;
    let seeded: SeededEnclave;
    let inst: SeededInstance;
    const GROUP = "rslvr-frg-0acmecontain01";
    const LISTS = [
        { Id: "rslvr-fdl-0acmeaws000001", Name: "enclave-acme-labeling-aws-domains" },
        { Id: "rslvr-fdl-0acmeall000001", Name: "enclave-acme-labeling-all-domains" },
    ];
    const rules = new Map<string, { Name: string; Action: "ALLOW" | "BLOCK"; BlockResponse?: "NXDOMAIN"; FirewallDomainListId: string }>();
    const resolver = mockClient(Route53ResolverClient as never) as unknown as {
        on(command: unknown, input?: object): { resolves(output: object): unknown; callsFake(fn: (input: Record<string, unknown>) => unknown): unknown };
        restore(): void;
    };

    const ssm = mockClient(SSMClient as never) as unknown as {
        on(command: unknown): { callsFake(fn: (input: Record<string, unknown>) => unknown): unknown };
        commandCalls(command: unknown): { args: [{ input: Record<string, unknown> }] }[];
        restore(): void;
    };
    const sessions = new Map<string, { Target: string; Active: boolean }>();

    beforeAll(async () => {
        security = motoSecuritySpec();
        acme = motoVendorSpec("acme-labeling");
        ({
            moto,
            clients,
            seeded: [seeded],
        } = await startSeededMoto(security, [acme]));
        inst = await seedInstance(clients, seeded, acme.id);
        const names = vendorNames(acme.id);
        rules.set(LISTS[0].Id, { Name: names.dnsAllowRule, Action: "ALLOW", FirewallDomainListId: LISTS[0].Id });
        rules.set(LISTS[1].Id, { Name: names.dnsBlockRule, Action: "BLOCK", BlockResponse: "NXDOMAIN", FirewallDomainListId: LISTS[1].Id });
        sessions.set("vendor-dev-0a1b2c3d4e5f60001", { Target: inst.instanceId, Active: true });
        sessions.set("someone-else-0a1b2c3d4e5f6002", { Target: "i-0notinthisenclave01", Active: true });
        ssm.on(DescribeSessionsCommand).callsFake((i) => ({
            Sessions: [...sessions]
                .filter(([, x]) => i.State !== "Active" || x.Active)
                .map(([SessionId, x]) => ({ SessionId, Target: x.Target, Status: "Connected" })),
        }));
        ssm.on(TerminateSessionCommand).callsFake((i) => {
            sessions.get(String(i.SessionId))!.Active = false;
            return { SessionId: i.SessionId };
        });
        resolver.on(ListFirewallRuleGroupsCommand).resolves({ FirewallRuleGroups: [{ Id: GROUP, Name: names.dnsRuleGroup }] });
        resolver.on(ListFirewallDomainListsCommand).resolves({ FirewallDomainLists: LISTS });
        resolver.on(ListFirewallRuleGroupAssociationsCommand).callsFake((i) => ({
            FirewallRuleGroupAssociations: i.VpcId === seeded.vpcId ? [{ FirewallRuleGroupId: GROUP, VpcId: seeded.vpcId, Status: "COMPLETE" }] : [],
        }));
        resolver.on(ListFirewallRulesCommand).callsFake((i) => ({ FirewallRules: i.FirewallRuleGroupId === GROUP ? [...rules.values()] : [] }));
        resolver.on(UpdateFirewallRuleCommand).callsFake((i) => {
            const r = i.FirewallRuleGroupId === GROUP ? rules.get(String(i.FirewallDomainListId)) : undefined;
            if (!r) throw Object.assign(new Error("rule not found"), { name: "ResourceNotFoundException" });
            Object.assign(r, { Action: i.Action, BlockResponse: i.BlockResponse });
            return { FirewallRule: r };
        });
    }, 240_000);

    afterAll(async () => {
        resolver.restore();
        ssm.restore();
        await moto?.stop();
    });

    /** moto's KMS refuses DescribeKey once a key policy denies kms:* on "*" (real KMS evaluates the principal condition): the state is read from moto's own data. */
    async function withKeyStateFromMoto(reads: SdkAws): Promise<AwsReads> {
        const keys = ((await moto.data()).kms?.Key ?? []) as unknown as { arn: string; id: string; key_state: string }[];
        return new Proxy(reads, {
            get(target, prop, receiver) {
                if (prop === "keyState")
                    return async (keyId: string) => (keys.find((k) => k.arn === keyId || k.id === keyId)?.key_state ?? "NotFound") as never;
                const v = Reflect.get(target, prop, receiver);
                return typeof v === "function" ? v.bind(target) : v;
            },
        });
    }

    it("contain applies every write, verify by content finds no gap, the instance is isolated, and the snapshots are taken", async () => {
        const operators = { deployerRoleArn: security.deployerRoleArn, breakGlassRoleArn: security.breakGlassRoleArn, source: "fixture" };
        const names = vendorNames(acme.id);
        const outcome = await contain({ clients, spec: acme, sealedAt: SEALED_AT, operators, incident: INCIDENT });
        expect(outcome.results.filter((r) => !r.ok).map((r) => r.error)).toEqual([]);
        expect(outcome.lookup).toMatchObject({
            keyId: seeded.keyId,
            keyArn: seeded.keyArn,
            vpcId: seeded.vpcId,
            s3EndpointId: seeded.outputs.s3EndpointId.value,
            dnsRuleGroupId: GROUP,
            dnsAwsDomainListId: LISTS[0].Id,
        });
        expect(outcome.results.map((r) => r.kind).sort()).toEqual([
            "bucketPolicy",
            "bucketPolicy",
            "bucketPolicy",
            "dnsAllowRule",
            "endpointPolicy",
            "isolation",
            "isolation",
            "isolation",
            "key",
            "key",
            "sealPolicy",
            "sealPolicy",
            "sessions",
            "trustPolicy",
            "trustPolicy",
        ]);
        // The session on the enclave's instance is ended, the other one is not.
        expect(ssm.commandCalls(TerminateSessionCommand).map((c) => c.args[0].input)).toEqual([{ SessionId: "vendor-dev-0a1b2c3d4e5f60001" }]);
        expect(sessions.get("someone-else-0a1b2c3d4e5f6002")!.Active).toBe(true);

        // Read back from moto, not from what contain returned.
        const seal = await clients.iam.send(new GetRolePolicyCommand({ RoleName: names.vendorRole, PolicyName: SEAL_POLICY_NAME }));
        expect(JSON.parse(decodeURIComponent(seal.PolicyDocument!))).toEqual(sealRolePolicy(SEALED_AT));
        const o = await observe(await withKeyStateFromMoto(new SdkAws(clients)), outcome.targets);
        expect(o.keyState).toBe("Disabled");
        expect(sealFindings(o, outcome.targets, SEALED_AT)).toEqual([]);
        expect(rules.get(LISTS[0].Id)).toMatchObject({ Name: names.dnsAllowRule, Action: "BLOCK", BlockResponse: "NXDOMAIN" });

        const i = (await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [inst.instanceId] }))).Reservations![0].Instances![0];
        // Found by its tag in the round of reads, moved into the group the stack deployed (seeded from the plan).
        expect(outcome.results.filter((r) => r.kind === "isolation").map((r) => [r.id, r.ok])).toEqual([
            [`isolation-group:${names.isolationGroup}`, true],
            [`isolate:${inst.instanceId}`, true],
            [`isolate-sweep:${seeded.vpcId}`, true],
        ]);
        expect(i.NetworkInterfaces!.flatMap((n) => n.Groups!.map((g) => g.GroupName))).toEqual([names.isolationGroup]);
        expect(i.Tags).toContainEqual({ Key: "enclave:isolated", Value: INCIDENT });

        const snaps = await snapshotVolumes({ clients, account: ACCOUNT, vendorId: acme.id, incident: INCIDENT }, seeded.vpcId);
        expect(snaps.filter((r) => !r.ok)).toEqual([]);
        const stored = (
            await clients.ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"], Filters: [{ Name: "tag:enclave:incident", Values: [INCIDENT] }] }))
        ).Snapshots!;
        expect(stored.map((x) => x.VolumeId).sort()).toEqual([inst.rootVolumeId, inst.dataVolumeId].sort());
    });

    it("credentials of another account than the spec's: contain refuses before any write", async () => {
        await expect(
            contain({
                clients,
                spec: { ...acme, account: { ...acme.account, id: "999999999999" } },
                sealedAt: SEALED_AT,
                operators: { error: "n/a" },
                incident: INCIDENT,
            }),
        ).rejects.toThrow(`the AWS credentials are for account ${ACCOUNT}`);
    });
});
