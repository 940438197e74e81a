import { DescribeInstancesCommand, DescribeSecurityGroupsCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import { DeleteAliasCommand } from "@aws-sdk/client-kms";
import {
    ListFirewallRuleGroupAssociationsCommand,
    ListFirewallRuleGroupsCommand,
    ListFirewallRulesCommand,
    Route53ResolverClient,
} from "@aws-sdk/client-route53resolver";
import { CreateBucketCommand, DeleteBucketCommand, GetObjectCommand, PutBucketTaggingCommand } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { VendorSpec } from "../config/schema";
import { vendorNames } from "../iam/names";
import type { AwsClients } from "../runbook/aws/clients";
import { isolateInstances, snapshotVolumes, type ContainmentContext } from "../runbook/aws/containment";
import { lookupEnclave, lookupLines, targetsFromLookup } from "../runbook/aws/lookup";
import { SdkAws } from "../runbook/aws/reads";
import type { AwsReads } from "../runbook/types";
import { observe, sealFindings, targetsFor, unsealFindings } from "../runbook/verify";
import { MOTO_ACCOUNT as ACCOUNT, MOTO_CREDENTIALS, motoMissingFor, motoSecuritySpec, motoVendorSpec, startSeededMoto, type Moto } from "./support/moto";
import { seedInstance, type SeededEnclave, type SeededInstance } from "./support/motoSeed";

// The runbook's AWS layer against moto_server, seeded from the OFFLINE PLAN of two fixture specs: evalcorp sealed (its
// plan's sealed documents, key disabled, one workload instance with an encrypted data volume) and acme-labeling
// unsealed, side by side in one account. moto proves the SDK calls, their parameters, pagination plumbing and the
// state they leave; it does not evaluate IAM, so nothing here proves that a document denies what it says (the
// simulator tests do). The DNS Firewall is not emulated by moto: its client is mocked, so the DNS lines below prove
// only that the reads are wired to the verify logic, not the resolver API.

const SEALED_AT = "2026-11-23T12:00:00Z";
const INCIDENT = "INC-2026-0042";
const MISSING = motoMissingFor("aws-moto.test.ts");

describe.skipIf(MISSING !== null)(`runbook AWS layer against moto_server${MISSING ? ` (skipped: ${MISSING})` : ""}`, () => {
    let moto: Moto;
    let clients: AwsClients;
    let aws: SdkAws;
    let evalcorp: VendorSpec;
    let acme: VendorSpec;
    let ev: SeededEnclave;
    let ac: SeededEnclave;
    let inst: SeededInstance;
    // The resolver client comes from an older SDK release than the mock's types: the class is passed untyped.
    const resolver = mockClient(Route53ResolverClient as never) as unknown as {
        on(command: unknown, input?: object): { resolves(output: object): unknown };
        restore(): void;
    };

    beforeAll(async () => {
        evalcorp = { ...motoVendorSpec("evalcorp"), sealed: true, sealedAt: SEALED_AT };
        acme = motoVendorSpec("acme-labeling");
        ({
            moto,
            clients,
            seeded: [ev, ac],
        } = await startSeededMoto(motoSecuritySpec(), [evalcorp, acme]));
        aws = new SdkAws(clients);
        inst = await seedInstance(clients, ev, evalcorp.id);

        // The DNS Firewall, as each plan associates it with its VPC (moto answers CreateFirewallRuleGroup with a 500).
        const groups = [
            { spec: evalcorp, seeded: ev, id: "rslvr-frg-0evalcorp000001" },
            { spec: acme, seeded: ac, id: "rslvr-frg-0acme000000001" },
        ];
        resolver.on(ListFirewallRuleGroupsCommand).resolves({
            FirewallRuleGroups: groups.map((g) => ({
                Id: g.id,
                Name: vendorNames(g.spec.id).dnsRuleGroup,
                Arn: `arn:aws:route53resolver:us-east-1:${ACCOUNT}:firewall-rule-group/${g.id}`,
            })),
        });
        resolver.on(ListFirewallRuleGroupAssociationsCommand).resolves({ FirewallRuleGroupAssociations: [] });
        for (const g of groups) {
            resolver
                .on(ListFirewallRuleGroupAssociationsCommand, { VpcId: g.seeded.vpcId })
                .resolves({ FirewallRuleGroupAssociations: [{ FirewallRuleGroupId: g.id, VpcId: g.seeded.vpcId, Status: "COMPLETE" }] });
            resolver
                .on(ListFirewallRulesCommand, { FirewallRuleGroupId: g.id })
                .resolves({ FirewallRules: g.seeded.dnsFirewall[0].rules.map((r) => ({ Name: r.name, Action: r.action as "ALLOW" | "BLOCK" })) });
        }
    }, 240_000);

    afterAll(async () => {
        resolver.restore();
        await moto?.stop();
    });

    /**
     * moto's KMS refuses DescribeKey to every caller once the key policy denies kms:* on "*" (a sealed key policy does;
     * real KMS evaluates the statement's principal condition): the key's state is read from moto's own data instead.
     * So the sealed case does not prove the DescribeKey read; the unsealed case and the lookup do.
     */
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

    it("the caller is moto's account, the fixture's; AWS_ENDPOINT_URL alone points a client at it", async () => {
        expect(await aws.callerIdentity()).toMatchObject({ account: ACCOUNT });
        vi.stubEnv("AWS_ENDPOINT_URL", moto.endpoint);
        try {
            const viaEnv = new SdkAws({ region: "us-east-1", credentials: MOTO_CREDENTIALS });
            expect((await viaEnv.callerIdentity()).account).toBe(ACCOUNT);
        } finally {
            vi.unstubAllEnvs();
        }
    });

    it("sealed evalcorp: the verify reads find every seal statement, the disabled key and every interface endpoint: no finding", async () => {
        const t = targetsFor(evalcorp, ev.outputs);
        expect(t).toMatchObject({ keyId: ev.keyArn, vpcId: ev.vpcId, interfaceServices: ["kms", "sts"] });
        const o = await observe(await withKeyStateFromMoto(aws), t);
        expect(sealFindings(o, t, SEALED_AT)).toEqual([]);
        // What the reads returned, read back from moto (not from the plan): documents parsed, ids moto's.
        expect(o.keyState).toBe("Disabled");
        expect(Object.keys(o.roles["enclave-evalcorp-vendor"].inline!).sort()).toEqual(["enclave-access", "enclave-seal"]);
        expect(o.interfaceEndpoints.map((e) => e.service).sort()).toEqual(["kms", "sts"]);
        expect(o.interfaceEndpoints.every((e) => e.id.startsWith("vpce-") && e.id !== t.s3EndpointId)).toBe(true);
        expect(o.dnsFirewall).toEqual([
            {
                id: "rslvr-frg-0evalcorp000001",
                rules: [
                    { name: "enclave-evalcorp-allow-aws", action: "BLOCK" },
                    { name: "enclave-evalcorp-block-rest", action: "BLOCK" },
                ],
            },
        ]);
        expect(unsealFindings(o, t).length).toBeGreaterThan(0);
    });

    it("beyond AwsReads: every endpoint of the VPC whatever its type, and every route (none to the internet)", async () => {
        const eps = await aws.vpcEndpoints(ev.vpcId);
        expect(eps.map((e) => [e.type, e.service]).sort()).toEqual([
            ["Gateway", "s3"],
            ["Interface", "kms"],
            ["Interface", "sts"],
        ]);
        expect(eps.find((e) => e.service === "s3")!.id).toBe(ev.outputs.s3EndpointId.value);
        expect(eps.every((e) => e.policy !== null)).toBe(true);
        const routes = await aws.vpcRoutes(ev.vpcId);
        expect(routes.length).toBeGreaterThan(0);
        // moto's own routes: "local" for the VPC's CIDR (and the gateway endpoint's prefix-list route where it adds one).
        expect(routes.filter((r) => !(r.target === "local" || r.target.startsWith("vpce-")))).toEqual([]);
    });

    it("moto's refusal of DescribeKey on the sealed key comes back as one line naming the key and the action", async () => {
        await expect(aws.keyState(ev.keyArn)).rejects.toThrow(`key ${ev.keyArn}: access denied to kms:DescribeKey`);
    });

    it("unsealed acme-labeling: the seal check lists every gap, one line each; the unseal check none", async () => {
        const t = targetsFor(acme, ac.outputs);
        const o = await observe(aws, t);
        expect(o.keyState).toBe("Enabled");
        const roles = ["enclave-acme-labeling-vendor", "enclave-acme-labeling-workload"];
        const buckets = acme.datasets.map((d) => `acme-labeling--${d.name}--${ACCOUNT}`);
        expect(sealFindings(o, t, SEALED_AT)).toEqual([
            ...roles.map((r) => `role ${r}: no inline policy enclave-seal (SealDenyAll, SealRevokeOlderSessions for sessions issued before ${SEALED_AT})`),
            ...roles.map((r) => `role ${r}: trust policy has no SealDenyAssumeRole`),
            `key ${ac.keyArn}: state is Enabled, expected Disabled`,
            `key ${ac.keyArn}: key policy has no SealDenyVendor`,
            ...buckets.map((b) => `bucket ${b}: policy has no SealDenyVendor`),
            `S3 endpoint ${t.s3EndpointId}: policy has no SealDenyVendor`,
            `DNS firewall of ${ac.vpcId}: rule enclave-acme-labeling-allow-aws in rslvr-frg-0acme000000001 still ALLOWs (expected BLOCK)`,
        ]);
        expect(unsealFindings(o, t)).toEqual([]);
    });

    it("the tag scan lists acme-labeling's buckets, key and VPC, and nothing of evalcorp's", async () => {
        const arns = (await aws.taggedResources("enclave:vendor", "acme-labeling")).map((r) => r.arn);
        expect(arns).toEqual(
            expect.arrayContaining([
                ...acme.datasets.map((d) => `arn:aws:s3:::acme-labeling--${d.name}--${ACCOUNT}`),
                ac.keyArn,
                `arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/${ac.vpcId}`,
            ]),
        );
        expect(arns.filter((a) => a.includes("evalcorp") || a.includes(ev.vpcId) || a.includes(ev.keyId))).toEqual([]);
    });

    it("evidence goes into the archive bucket as the object the runbook wrote", async () => {
        const bucket = `enclave-log-archive-${ACCOUNT}-us-east-1`;
        await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
        await aws.put(bucket, "evidence/acme-labeling/x/manifest.json", '{"ok":true}');
        const got = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "evidence/acme-labeling/x/manifest.json" }));
        expect(await got.Body!.transformToString()).toBe('{"ok":true}');
        expect(got.ContentType).toBe("application/json");
        // Written once: a rerun with the same bytes is done; other bytes under the same key are refused, not written.
        await aws.put(bucket, "evidence/acme-labeling/x/manifest.json", '{"ok":true}');
        await expect(aws.put(bucket, "evidence/acme-labeling/x/manifest.json", '{"ok":false}')).rejects.toThrow("already exists with other content");
        const kept = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "evidence/acme-labeling/x/manifest.json" }));
        expect(await kept.Body!.transformToString()).toBe('{"ok":true}');
    });

    it("lookup without state: every acme-labeling resource by its derived name, and the verify targets equal the stack outputs'", async () => {
        const l = await lookupEnclave(clients, acme);
        expect(l.results.map((r) => [r.kind, r.name, r.ok, r.via])).toEqual([
            ["role", "enclave-acme-labeling-vendor", true, "name"],
            ["role", "enclave-acme-labeling-workload", true, "name"],
            ["key", "alias/enclave/acme-labeling", true, "name"],
            ...acme.datasets.map((d) => ["bucket", `acme-labeling--${d.name}--${ACCOUNT}`, true, "name"]),
            ["vpc", "enclave-acme-labeling-vpc", true, "name"],
            ["s3-endpoint", "enclave-acme-labeling-s3", true, "name"],
            ["dns-rule-group", "enclave-acme-labeling-dns", true, "name"],
            ["dns-rule", "enclave-acme-labeling-allow-aws", true, "name"],
            ["dns-rule", "enclave-acme-labeling-block-rest", true, "name"],
        ]);
        expect(targetsFromLookup(acme, l)).toEqual(targetsFor(acme, ac.outputs));
        expect(lookupLines(l)[2]).toBe(`key alias/enclave/acme-labeling: found by name (${ac.keyId}, ${ac.keyArn}, Enabled)`);
    });

    it("lookup without state: a bucket recreated under another name and a key whose alias is gone are found by the enclave:vendor tag; a vendor with nothing is not found, per resource", async () => {
        const moved = `acme-labeling--guidelines--${ACCOUNT}-restored`;
        const original = `acme-labeling--guidelines--${ACCOUNT}`;
        await clients.s3.send(new CreateBucketCommand({ Bucket: moved }));
        await clients.s3.send(
            new PutBucketTaggingCommand({
                Bucket: moved,
                Tagging: {
                    TagSet: [
                        { Key: "enclave:vendor", Value: "acme-labeling" },
                        { Key: "enclave:dataset", Value: "guidelines" },
                    ],
                },
            }),
        );
        await clients.s3.send(new DeleteBucketCommand({ Bucket: original }));
        await clients.kms.send(new DeleteAliasCommand({ AliasName: "alias/enclave/acme-labeling" }));

        const l = await lookupEnclave(clients, acme);
        const by = (name: string) => l.results.find((r) => r.name === name)!;
        expect(by(original)).toMatchObject({ ok: true, via: "tag", arn: `arn:aws:s3:::${moved}` });
        expect(by("alias/enclave/acme-labeling")).toMatchObject({ ok: true, via: "tag", arn: ac.keyArn });
        expect(targetsFromLookup(acme, l)).toMatchObject({
            buckets: [moved, `acme-labeling--task-batches--${ACCOUNT}`, `acme-labeling--labels-dropbox--${ACCOUNT}`],
            keyId: ac.keyArn,
        });

        const ghost = await lookupEnclave(clients, { ...acme, id: "ghost" });
        expect(ghost.results.every((r) => !r.ok)).toBe(true);
        expect(lookupLines(ghost)).toContain("role enclave-ghost-vendor: not found by name, nor by tag enclave:vendor=ghost");
        expect(lookupLines(ghost)).toContain("dns-rule enclave-ghost-allow-aws: not looked up (the rule group was not found)");
    });

    const ctx = (over: Partial<ContainmentContext> = {}): ContainmentContext => ({
        clients,
        account: ACCOUNT,
        vendorId: "evalcorp",
        incident: INCIDENT,
        ...over,
    });

    it("wrong-account credentials: containment refuses before any write (the instance stays where it was)", async () => {
        await expect(isolateInstances(ctx({ account: "999999999999" }), ev.vpcId)).rejects.toThrow(`the AWS credentials are for account ${ACCOUNT}`);
        await expect(snapshotVolumes(ctx({ account: "999999999999" }), ev.vpcId)).rejects.toThrow("evalcorp's enclave is in 999999999999");
        // The isolation group is the stack's (seeded from the plan): rule-less, and nobody moved into it.
        const groups = await clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["enclave-evalcorp-isolation"] }] }));
        expect(groups.SecurityGroups!.map((g) => [g.VpcId, g.IpPermissions, g.IpPermissionsEgress])).toEqual([[ev.vpcId, [], []]]);
        const i = (await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [inst.instanceId] }))).Reservations![0].Instances![0];
        expect(i.NetworkInterfaces!.flatMap((n) => n.Groups!.map((g) => g.GroupId))).not.toContain(groups.SecurityGroups![0].GroupId);
        const snaps = await clients.ec2.send(
            new DescribeSnapshotsCommand({ OwnerIds: ["self"], Filters: [{ Name: "tag:enclave:incident", Values: [INCIDENT] }] }),
        );
        expect(snaps.Snapshots).toEqual([]);
    });

    it("isolation: the instance's interface moves to the rule-less isolation group the stack deployed (found, not created), the instance is tagged; a rerun changes nothing", async () => {
        const first = await isolateInstances(ctx(), ev.vpcId);
        expect(first.filter((r) => !r.ok)).toEqual([]);
        expect(first[0]).toMatchObject({ resource: "security group enclave-evalcorp-isolation", action: "find (deployed with the vendor stack)", ok: true });
        const sgId = first[0].id!;
        const sg = (await clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [sgId] }))).SecurityGroups![0];
        expect(sg).toMatchObject({ GroupName: "enclave-evalcorp-isolation", VpcId: ev.vpcId, IpPermissions: [], IpPermissionsEgress: [] });
        expect(sg.Tags).toEqual(
            expect.arrayContaining([
                { Key: "enclave:vendor", Value: "evalcorp" },
                { Key: "enclave:managed-by", Value: "vendor-enclaves" },
            ]),
        );
        const i = (await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [inst.instanceId] }))).Reservations![0].Instances![0];
        expect(i.NetworkInterfaces!.map((n) => n.Groups!.map((g) => g.GroupId))).toEqual([[sgId]]);
        expect(i.Tags).toContainEqual({ Key: "enclave:isolated", Value: INCIDENT });

        const again = await isolateInstances(ctx(), ev.vpcId);
        expect(again.map((r) => [r.resource, r.ok, r.skipped])).toEqual(first.map((r) => [r.resource, true, true]));
    });

    it("evidence: every EBS volume of the instance is snapshotted, tagged with the incident and vendor, the encrypted one encrypted; a rerun takes none twice", async () => {
        const first = await snapshotVolumes(ctx(), ev.vpcId);
        expect(first.map((r) => [r.resource, r.ok, r.skipped ?? false]).sort()).toEqual(
            [
                [`volume ${inst.dataVolumeId}`, true, false],
                [`volume ${inst.rootVolumeId}`, true, false],
            ].sort(),
        );
        const snaps = (
            await clients.ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"], Filters: [{ Name: "tag:enclave:incident", Values: [INCIDENT] }] }))
        ).Snapshots!;
        expect(snaps.map((s) => s.SnapshotId).sort()).toEqual(first.map((r) => r.id).sort());
        const of = (vol: string) => snaps.find((s) => s.VolumeId === vol)!;
        expect(of(inst.dataVolumeId).Encrypted).toBe(true);
        expect(of(inst.rootVolumeId).Encrypted).toBe(false);
        for (const s of snaps)
            expect(s.Tags).toEqual(
                expect.arrayContaining([
                    { Key: "enclave:incident", Value: INCIDENT },
                    { Key: "enclave:vendor", Value: "evalcorp" },
                    { Key: "enclave:managed-by", Value: "vendor-enclaves" },
                ]),
            );

        const again = await snapshotVolumes(ctx(), ev.vpcId);
        expect(again.every((r) => r.ok && r.skipped)).toBe(true);
        expect(again.map((r) => r.id).sort()).toEqual(first.map((r) => r.id).sort());
    });
});
