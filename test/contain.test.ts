import * as fs from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { awsWorld, type AwsWorld } from "../bench/awsWorld";
import { CliError, EXIT } from "../contract/errors";
import { SEAL_CATALOGUE, SEAL_POLICY_NAME } from "../contract/seal";
import { T } from "../contract/tokens";
import { vendorNames } from "../iam/names";
import type { Plan } from "../plan/types";
import { SdkAws } from "../runbook/aws/reads";
import { contain, containDocuments, CONTAIN_WRITES, type ContainResult, type OperatorArns } from "../runbook/contain";
import { targetsFor } from "../runbook/verify";
import { loadVendorSpec } from "../config/load";
import * as path from "node:path";
import { runCommand } from "../runbook/runbook";
import {
    ACME,
    BREAK_GLASS_ROLE_ARN,
    DEPLOYER_ROLE_ARN,
    EVALCORP,
    fixturePlan,
    LAB_ACCOUNT,
    SEALED_AT,
    sealedFixturePlan,
    vendorFixture,
} from "./support/fixtures";
import { Crash, makeFake, removeFakes } from "./support/runbookFake";

// Contain (runbook/contain.ts): the seal written straight to AWS before Pulumi runs. The AWS account is an in-memory
// world behind aws-sdk-client-mock (bench/awsWorld.ts), seeded from the fixture's UNSEALED offline plan, so these tests
// prove which calls contain makes, with which documents, what it does when calls fail, and how the runbook around it
// behaves without Pulumi. They do not prove AWS's behaviour: that AWS accepts these documents, or that it rejects a
// deleted principal (that refusal is planted); test/aws-moto.test.ts runs the same contain against moto_server.

afterAll(removeFakes);

const OPERATORS: OperatorArns = { deployerRoleArn: DEPLOYER_ROLE_ARN, breakGlassRoleArn: BREAK_GLASS_ROLE_ARN, source: "test" };
const WRITE_COMMANDS = [
    "PutRolePolicyCommand",
    "UpdateAssumeRolePolicyCommand",
    "DisableKeyCommand",
    "PutKeyPolicyCommand",
    "PutBucketPolicyCommand",
    "ModifyVpcEndpointCommand",
    "UpdateFirewallRuleCommand",
    "CreateSecurityGroupCommand",
    "ModifyNetworkInterfaceAttributeCommand",
    "CreateTagsCommand",
    "RevokeSecurityGroupEgressCommand",
    "TerminateSessionCommand",
];

const plans: Record<string, { unsealed: Plan; sealed: Plan }> = {};
beforeAll(async () => {
    for (const id of [ACME, EVALCORP]) plans[id] = { unsealed: await fixturePlan(id), sealed: await sealedFixturePlan(id) };
}, 120_000);

let world: AwsWorld | undefined;
afterEach(() => world?.restore());
const newWorld = (id: string, over: { callerAccount?: string } = {}) => (world = awsWorld(plans[id].unsealed, id, { account: LAB_ACCOUNT, ...over }));
const run = (w: AwsWorld, id: string, over: Partial<Parameters<typeof contain>[0]> = {}) =>
    contain({ clients: w.clients, spec: vendorFixture(id), sealedAt: SEALED_AT, operators: OPERATORS, incident: "INC-TEST", ...over });
const writesCalled = (w: AwsWorld) => w.calls.filter((c) => WRITE_COMMANDS.includes(c.command));
const failedOf = (results: ContainResult[]) => results.filter((r) => !r.ok).map((r) => [r.id, r.error]);
const parse = (s: unknown) => JSON.parse(String(s));

describe("contain: what it writes", () => {
    it("every kind of the seal catalogue has a contain write, and nothing else is keyed", () => {
        expect(Object.keys(CONTAIN_WRITES).sort()).toEqual(SEAL_CATALOGUE.map((e) => e.kind).sort());
    });

    for (const id of [ACME, EVALCORP]) {
        it(`${id}: every document contain writes equals the sealed offline plan's input (so the reconcile's up is an in-place no-op for them)`, async () => {
            const w = newWorld(id);
            const { results } = await run(w, id);
            expect(failedOf(results)).toEqual([]);
            // Every catalogue kind wrote at least once.
            for (const e of SEAL_CATALOGUE) expect(results.filter((r) => r.kind === e.kind && r.ok).length, e.kind).toBeGreaterThan(0);
            const sealed = plans[id].sealed;
            const of = (type: string) => sealed.resources.filter((r) => r.type === type);
            const names = vendorNames(id);
            // Role seal policies and trust policies (the trust's external ID came from the deployed trust, as in AWS).
            for (const p of of("aws:iam/rolePolicy:RolePolicy").filter((p) => p.inputs.name === SEAL_POLICY_NAME))
                expect(parse(w.roles.get(String(p.inputs.role))!.inline.get(SEAL_POLICY_NAME))).toEqual(parse(p.inputs.policy));
            expect(
                of("aws:iam/rolePolicy:RolePolicy")
                    .filter((p) => p.inputs.name === SEAL_POLICY_NAME)
                    .map((p) => p.inputs.role)
                    .sort(),
            ).toEqual([names.vendorRole, names.workloadRole].sort());
            // A spec that sets the external ID makes the trust a secret input: the plan shows "[secret]" in its place.
            const externalId = vendorFixture(id).access.externalId;
            const unmask = (doc: unknown) => (externalId ? String(doc).split('"[secret]"').join(JSON.stringify(externalId)) : String(doc));
            for (const r of of("aws:iam/role:Role"))
                expect(parse(w.roles.get(String(r.inputs.name))!.trust), String(r.inputs.name)).toEqual(parse(unmask(r.inputs.assumeRolePolicy)));
            const key = of("aws:kms/key:Key")[0];
            expect(parse(w.key.policy)).toEqual(parse(key.inputs.policy));
            expect([w.key.state, key.inputs.isEnabled]).toEqual(["Disabled", false]);
            for (const b of of("aws:s3/bucketPolicy:BucketPolicy"))
                expect(parse(w.buckets.get(String(b.inputs.bucket))), String(b.inputs.bucket)).toEqual(parse(b.inputs.policy));
            for (const e of of("aws:ec2/vpcEndpoint:VpcEndpoint"))
                expect(parse(w.endpoints.get(String(e.outputs.id))!.policy), String(e.inputs.serviceName)).toEqual(parse(e.inputs.policy));
            for (const r of of(T.dnsRule[0])) {
                const got = w.dns.rules.find((x) => x.name === r.inputs.name)!;
                expect([got.action, got.blockResponse], String(r.inputs.name)).toEqual([r.inputs.action, r.inputs.blockResponse]);
            }
            // The instance is isolated into the rule-less group the stack deployed (found, not created), and tagged.
            const group = w.securityGroups.find((g) => g.name === names.isolationGroup)!;
            expect(group).toMatchObject({ egress: [], ingress: [], tags: { "enclave:vendor": id, "enclave:managed-by": "vendor-enclaves" } });
            expect(w.calls.filter((c) => c.command === "CreateSecurityGroupCommand")).toEqual([]);
            expect(w.instances[0].groups).toEqual([group.id]);
            expect(w.instances[0].tags["enclave:isolated"]).toBe("INC-TEST");
            // The session on the enclave's instance is ended; the one on another account's instance is not touched.
            expect(w.sessions.map((x) => [x.target, x.status])).toEqual([
                [w.instances[0].id, "Terminated"],
                ["i-0elsewhere00000001", "Active"],
            ]);
        });
    }

    it("the writes run in one round after one round of reads: no write waits for another, the isolation and the session ends included", async () => {
        const w = (world = awsWorld(plans[ACME].unsealed, ACME, { account: LAB_ACCOUNT, latencyMs: 5 }));
        await run(w, ACME);
        const firstWrite = Math.min(...writesCalled(w).map((c) => c.start));
        const reads = w.calls.filter((c) => c.start < firstWrite);
        // The lookups of the first round: the isolation group, the instances and the sessions among them.
        expect(reads.map((c) => c.command)).toEqual(
            expect.arrayContaining(["DescribeSecurityGroupsCommand", "DescribeInstancesCommand", "DescribeSessionsCommand", "GetCallerIdentityCommand"]),
        );
        // Every read of the first round started before any of them answered.
        expect(Math.max(...reads.map((c) => c.start))).toBeLessThanOrEqual(Math.min(...reads.map((c) => c.end)));
        const writes = writesCalled(w);
        expect(writes.map((c) => c.command)).toEqual(
            expect.arrayContaining(["ModifyNetworkInterfaceAttributeCommand", "CreateTagsCommand", "TerminateSessionCommand"]),
        );
        expect(Math.max(...writes.map((c) => c.start))).toBeLessThanOrEqual(Math.min(...writes.map((c) => c.end)));
        // Two rounds in all: the VPC sweep runs beside the writes and finds nothing the tag missed.
        expect(w.criticalPath()).toBe(2);
    });
});

describe("verify targets", () => {
    it("a workspace's session endpoints are verified (and contain's documents rendered) even where the spec lists only kms", () => {
        const spec = loadVendorSpec(path.join(__dirname, "fixtures", "workspace", "studio-nine.yaml"), "studio-nine");
        expect(spec.network.interfaceEndpoints).toEqual(["kms"]);
        const t = targetsFor(spec, {});
        expect(t.interfaceServices).toEqual(["kms", "ssm", "ssmmessages", "ec2messages", "logs"]);
        expect(Object.keys(containDocuments(spec, t, SEALED_AT).interfaceEndpoints)).toEqual(["kms", "ssm", "ssmmessages", "ec2messages", "logs"]);
    });
});

describe("contain: instances and sessions", () => {
    const isolation = (w: AwsWorld) => w.securityGroups.find((g) => g.name === vendorNames(ACME).isolationGroup);

    it("an older stack without the isolation group: contain creates it, strips AWS's default egress rule, then moves the instance (reported, two more rounds)", async () => {
        const w = (world = awsWorld(plans[ACME].unsealed, ACME, { account: LAB_ACCOUNT, latencyMs: 5 }));
        w.securityGroups.splice(w.securityGroups.indexOf(isolation(w)!), 1);
        const { results } = await run(w, ACME);
        expect(failedOf(results)).toEqual([]);
        const group = isolation(w)!;
        expect(group).toMatchObject({ egress: [], ingress: [], tags: { "enclave:vendor": ACME, "enclave:managed-by": "vendor-enclaves" } });
        expect(w.instances[0].groups).toEqual([group.id]);
        const order = w.calls.filter((c) =>
            ["CreateSecurityGroupCommand", "RevokeSecurityGroupEgressCommand", "ModifyNetworkInterfaceAttributeCommand"].includes(c.command),
        );
        expect(order.map((c) => c.command)).toEqual([
            "CreateSecurityGroupCommand",
            "RevokeSecurityGroupEgressCommand",
            "ModifyNetworkInterfaceAttributeCommand",
        ]);
        // No instance enters the group before its allow-all egress rule is gone.
        expect(order[2].start).toBeGreaterThanOrEqual(order[1].end);
        expect(w.criticalPath()).toBeGreaterThan(2);
    });

    it("a rule added to the deployed isolation group is revoked before any instance is moved into it", async () => {
        const w = newWorld(ACME);
        isolation(w)!.ingress = [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }];
        const { results } = await run(w, ACME);
        expect(failedOf(results)).toEqual([]);
        expect(isolation(w)!.ingress).toEqual([]);
        const revoke = w.calls.find((c) => c.command === "RevokeSecurityGroupIngressCommand")!;
        const move = w.calls.find((c) => c.command === "ModifyNetworkInterfaceAttributeCommand")!;
        expect(move.start).toBeGreaterThanOrEqual(revoke.end);
    });

    it("an instance in the VPC without the vendor tag: the sweep isolates it and ends its session", async () => {
        const w = newWorld(ACME);
        w.instances.push({ id: "i-0untagged000000001", eni: "eni-0untagged000000001", groups: ["sg-0open"], tags: {}, vpcId: w.vpcId });
        w.sessions.push({ id: "vendor-0untagged0000001", target: "i-0untagged000000001", owner: "arn:aws:sts::x:assumed-role/r/s", status: "Active" });
        const { results } = await run(w, ACME);
        expect(failedOf(results)).toEqual([]);
        expect(w.instances[1]).toMatchObject({ groups: [isolation(w)!.id], tags: { "enclave:isolated": "INC-TEST" } });
        expect(w.sessions.find((x) => x.id === "vendor-0untagged0000001")!.status).toBe("Terminated");
    });

    it("endpoints added to the enclave VPC without the vendor tag (another S3 gateway, an interface endpoint) are sealed too", async () => {
        const w = newWorld(EVALCORP);
        const s3 = [...w.endpoints.values()].find((e) => e.type === "Gateway")!;
        const kms = [...w.endpoints.values()].find((e) => e.serviceName.endsWith(".kms"))!;
        w.endpoints.set("vpce-0untaggeds3", { ...s3, policy: '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}', tags: {} });
        w.endpoints.set("vpce-0untaggedkms", { ...kms, policy: '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}', tags: {} });
        const { results } = await run(w, EVALCORP);
        expect(failedOf(results)).toEqual([]);
        expect(parse(w.endpoints.get("vpce-0untaggeds3")!.policy)).toEqual(parse(s3.policy));
        expect(parse(w.endpoints.get("vpce-0untaggedkms")!.policy)).toEqual(parse(kms.policy));
    });

    it("an instance tagged for the vendor but outside the enclave VPC: one line naming it, the rest applied", async () => {
        const w = newWorld(ACME);
        w.instances.push({
            id: "i-0outside0000000001",
            eni: "eni-0outside0000000001",
            groups: ["sg-0open"],
            tags: { "enclave:vendor": ACME },
            vpcId: "vpc-0other",
        });
        const { results } = await run(w, ACME);
        expect(failedOf(results)).toEqual([
            [
                "isolate:i-0outside0000000001",
                `instance i-0outside0000000001: not written: tagged enclave:vendor=${ACME} but in vpc-0other, not the enclave VPC ${w.vpcId}: the isolation group cannot hold it; stop it or isolate it by hand (RUNBOOK.md "a call keeps failing")`,
            ],
        ]);
        expect(w.instances[0].groups).toEqual([isolation(w)!.id]);
        expect(w.instances[1].groups).toEqual(["sg-0open"]);
    });

    it("a move refused: the instance is reported not isolated and the isolated tag written beside the move is taken off again", async () => {
        const w = newWorld(ACME);
        w.fail("ModifyNetworkInterfaceAttributeCommand", { name: "UnauthorizedOperation", message: "not authorized to modify eni" });
        const { results } = await run(w, ACME);
        const inst = w.instances[0].id;
        expect(failedOf(results)).toEqual([
            [
                `isolate:${inst}`,
                `instance ${inst} interface eni-0world000000000001: access denied to ec2:ModifyNetworkInterfaceAttribute (UnauthorizedOperation: not authorized to modify eni); run as the deployer role of the enclave's account; instance ${inst}: tag taken off again: an interface is still outside the isolation group`,
            ],
        ]);
        expect(w.instances[0].tags["enclave:isolated"]).toBeUndefined();
        expect(w.calls.map((c) => c.command)).toContain("DeleteTagsCommand");
    });

    it("the sessions cannot be listed: one line saying so, every other write applied", async () => {
        const w = newWorld(ACME);
        w.fail("DescribeSessionsCommand", { name: "AccessDeniedException", message: "not authorized to perform ssm:DescribeSessions" });
        const { results } = await run(w, ACME);
        expect(failedOf(results).map(([id]) => id)).toEqual(["sessions"]);
        expect(failedOf(results)[0][1]).toMatch(/^Session Manager sessions: not written: .*ssm:DescribeSessions/);
        expect(w.instances[0].groups).toEqual([isolation(w)!.id]);
        expect(w.sessions[0].status).toBe("Active");
    });
});

describe("contain: faults are reported per resource and stop nothing else", () => {
    it("a vendor principal deleted (UpdateAssumeRolePolicy refused as MalformedPolicyDocument): every other write is still applied", async () => {
        const w = newWorld(ACME);
        const vendorRole = vendorNames(ACME).vendorRole;
        w.fail(
            "UpdateAssumeRolePolicyCommand",
            { name: "MalformedPolicyDocument", message: 'Invalid principal in policy: "AWS":"arn:aws:iam::444455556666:role/gone"' },
            (i) => i.RoleName === vendorRole,
        );
        const { results } = await run(w, ACME);
        expect(failedOf(results)).toEqual([
            [
                `trust:${vendorRole}`,
                expect.stringMatching(
                    new RegExp(
                        `^role ${vendorRole} trust policy: iam:UpdateAssumeRolePolicy failed \\(MalformedPolicyDocument: Invalid principal.*the role seal policy and every other write still apply`,
                    ),
                ),
            ],
        ]);
        // The deny-all reached the vendor role all the same, and the key, buckets, endpoints and DNS are sealed.
        expect(parse(w.roles.get(vendorRole)!.inline.get(SEAL_POLICY_NAME)).Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
            "SealDenyAll",
            "SealRevokeOlderSessions",
        ]);
        expect(w.key.state).toBe("Disabled");
        expect(results.filter((r) => r.ok).length).toBe(results.length - 1);
    });

    it("AccessDenied on one bucket and a missing endpoint: two lines naming them, the rest applied", async () => {
        const w = newWorld(ACME);
        const bucket = [...w.buckets.keys()][0];
        w.fail("PutBucketPolicyCommand", { name: "AccessDenied", message: "Access Denied" }, (i) => i.Bucket === bucket);
        const s3 = [...w.endpoints].find(([, e]) => e.type === "Gateway")![0];
        w.fail(
            "ModifyVpcEndpointCommand",
            { name: "InvalidVpcEndpointId.NotFound", message: `The Vpc Endpoint Id '${s3}' does not exist` },
            (i) => i.VpcEndpointId === s3,
        );
        const { results } = await run(w, ACME);
        expect(failedOf(results)).toEqual([
            [
                `bucket-policy:${bucket}`,
                `bucket ${bucket}: access denied to s3:PutBucketPolicy (AccessDenied: Access Denied); run as the deployer role of the enclave's account`,
            ],
            [
                `endpoint-policy:${s3}`,
                `S3 endpoint ${s3}: not found (ec2:ModifyVpcEndpoint: InvalidVpcEndpointId.NotFound: The Vpc Endpoint Id '${s3}' does not exist)`,
            ],
        ]);
        expect([...w.buckets.entries()].filter(([b]) => b !== bucket).every(([, p]) => String(p).includes("SealDenyVendor"))).toBe(true);
    });

    it("wrong-account credentials: refused before any write", async () => {
        const w = newWorld(ACME, { callerAccount: "999999999999" });
        await expect(run(w, ACME)).rejects.toThrow(
            `the AWS credentials are for account 999999999999 (arn:aws:sts::999999999999:assumed-role/deployer/op); ${ACME}'s enclave is in ${LAB_ACCOUNT}: use the deployer role of that account (nothing was written)`,
        );
        expect(writesCalled(w)).toEqual([]);
    });

    it("throttling: the SDK's retries are the clients' (a throttled write that stays throttled is one line naming the resource)", async () => {
        const w = newWorld(ACME);
        w.fail("DisableKeyCommand", { name: "ThrottlingException", message: "Rate exceeded" });
        const { results } = await run(w, ACME);
        expect(failedOf(results)).toEqual([
            ["key:disable", `key ${w.key.id}: kms:DisableKey still throttled after the SDK's retries (ThrottlingException: Rate exceeded); rerun in a minute`],
        ]);
    });

    it("no deployer or break-glass ARN anywhere: the writes whose documents name them fail with the reason, every other write runs", async () => {
        const w = newWorld(ACME);
        const { results } = await run(w, ACME, { operators: { error: "stacks/security.yaml: not found" } });
        const failed = results.filter((r) => !r.ok);
        expect(failed.map((r) => r.kind).sort()).toEqual(["bucketPolicy", "bucketPolicy", "bucketPolicy", "key"]);
        expect(failed.every((r) => r.error!.includes("the deployer and break-glass role ARNs are unknown (stacks/security.yaml: not found)"))).toBe(true);
        expect(writesCalled(w).filter((c) => c.command === "PutBucketPolicyCommand" || c.command === "PutKeyPolicyCommand")).toEqual([]);
        expect(w.key.state).toBe("Disabled");
    });

    it("a key that is gone: the key writes fail naming the alias; the documents that name the key's ARN too; the rest runs", async () => {
        const w = newWorld(ACME);
        w.fail("DescribeKeyCommand", { name: "NotFoundException", message: "Alias is not found" });
        const { results } = await run(w, ACME);
        const failed = results.filter((r) => !r.ok);
        expect(failed.find((r) => r.id === "key:disable")!.error).toBe(`key ${vendorNames(ACME).keyAlias}: not written: not found (no key has this alias)`);
        expect(failed.map((r) => r.kind)).toContain("bucketPolicy");
        expect(results.filter((r) => r.kind === "sealPolicy").every((r) => r.ok)).toBe(true);
    });
});

describe("enclave seal without Pulumi: contain, verify, then reconcile pending (in-process, mocked AWS)", () => {
    it("contains and verifies against mocked AWS, writes the spec, then exits 4 with the one line saying how to finish", async () => {
        const f = makeFake({ tooling: "missing-cli" });
        const w = newWorld(ACME);
        f.deps.aws = new SdkAws(w.clients);
        f.deps.contain = { clients: w.clients };
        const err = await runCommand("seal", ACME, f.deps).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(CliError);
        expect((err as CliError).exitCode).toBe(EXIT.reconcilePending);
        expect((err as CliError).message).toBe(
            `seal ${ACME}: contained and verified against AWS; reconcile pending (the Pulumi CLI is not installed (needed for seal); install it from https://www.pulumi.com/docs/install/ and log in with \`pulumi login\`): run \`enclave seal ${ACME}\` again where the Pulumi CLI and backend are reachable, and commit stacks/${ACME}.yaml`,
        );
        const sealedAt = "2026-11-23T12:00:00Z";
        expect(fs.readFileSync(f.specFile(ACME), "utf8")).toContain(`sealed: true\nsealedAt: "${sealedAt}"\n`);
        const j = f.journal(ACME).map((e) => [e.step, e.result]);
        expect(
            j
                .filter(([, r]) => r === "ok")
                .map(([s]) => s)
                .filter((s) => !String(s).startsWith("contain:")),
        ).toEqual(["contain", "verify-contain", "write-spec"]);
        expect(j[j.length - 1]).toEqual(["refusal", "failed"]);
        expect(f.calls).toEqual(["checkTooling"]);
        expect(w.key.state).toBe("Disabled");
        expect(f.out).toContain(`  ok   role ${vendorNames(ACME).vendorRole}: iam:PutRolePolicy ${SEAL_POLICY_NAME}`);
    });

    it("a call failing: the others applied, the run stops at contain (exit 1) naming it; the rerun applies only what is missing", async () => {
        const f = makeFake({ tooling: "missing-cli" });
        const w = newWorld(ACME);
        f.deps.aws = new SdkAws(w.clients);
        f.deps.contain = { clients: w.clients };
        const bucket = [...w.buckets.keys()][1];
        w.fail("PutBucketPolicyCommand", { name: "AccessDenied", message: "Access Denied" }, (i) => i.Bucket === bucket, 1);
        const err = (await runCommand("seal", ACME, f.deps).catch((e: unknown) => e)) as CliError;
        expect(err.exitCode).toBe(EXIT.failure);
        expect(err.message).toMatch(new RegExp(`^contain ${ACME}: 1 of \\d+ writes failed \\(bucket ${bucket}: access denied to s3:PutBucketPolicy`));
        const before = writesCalled(w).length;
        const err2 = (await runCommand("seal", ACME, f.deps).catch((e: unknown) => e)) as CliError;
        expect(err2.exitCode).toBe(EXIT.reconcilePending);
        expect(
            writesCalled(w)
                .slice(before)
                .map((c) => [c.command, c.input.Bucket]),
        ).toEqual([["PutBucketPolicyCommand", bucket]]);
        expect(f.out.filter((l) => l.startsWith("  skip ")).length).toBeGreaterThan(5);
    });

    it("an unknown vendor: exit 2 before any AWS call", async () => {
        const f = makeFake({ tooling: "missing-cli" });
        const w = newWorld(ACME);
        f.deps.aws = new SdkAws(w.clients);
        f.deps.contain = { clients: w.clients };
        const err = (await runCommand("seal", "no-such-vendor", f.deps).catch((e: unknown) => e)) as CliError;
        expect(err.exitCode).toBe(EXIT.invalidInput);
        expect(err.message).toContain("no-such-vendor");
        expect(w.calls).toEqual([]);
    });

    it("verify judges with the operator roles of stacks/security.yaml, not blanks", async () => {
        const f = makeFake({ tooling: "missing-cli" });
        const w = newWorld(ACME);
        f.deps.aws = new SdkAws(w.clients);
        f.deps.contain = { clients: w.clients };
        await runCommand("seal", ACME, f.deps).catch(() => undefined);
        const contained = f.journal(ACME).find((e) => e.step === "contain" && e.result === "ok")!;
        expect((contained.data as Record<string, unknown>).operators).toBe("stacks/security.yaml");
        const { targets } = await run(w, ACME);
        expect(targets.policyInputs).toMatchObject({ deployerRoleArn: DEPLOYER_ROLE_ARN, breakGlassRoleArn: BREAK_GLASS_ROLE_ARN });
    });

    it("a crash mid-contain: the rerun resumes the run and applies only the writes without an incident-log line", async () => {
        const f = makeFake({ tooling: "missing-cli" });
        const w = newWorld(ACME);
        f.deps.aws = new SdkAws(w.clients);
        let crashed = false;
        f.deps.contain = {
            clients: w.clients,
            afterWrite: (id) => {
                if (id === "key:disable" && !crashed) {
                    crashed = true;
                    throw new Crash("contain");
                }
            },
        };
        // The crash leaves some writes unrecorded: drop every line after the crash's, as kill -9 would.
        await expect(runCommand("seal", ACME, f.deps)).rejects.toThrow("simulated crash in contain");
        await new Promise((r) => setTimeout(r, 20));
        const file = `${f.deps.incidentsDir}/${ACME}.jsonl`;
        const lines = fs.readFileSync(file, "utf8").trim().split("\n");
        const keep = lines.slice(0, lines.findIndex((l) => l.includes('"step":"contain:key:disable"')) + 1);
        fs.writeFileSync(file, `${keep.join("\n")}\n`);
        const recorded = keep
            .map((l) => JSON.parse(l))
            .filter((e) => e.step.startsWith("contain:"))
            .map((e) => e.step.slice("contain:".length));
        expect(recorded).toContain("key:disable");
        const before = writesCalled(w).length;
        const err = (await runCommand("seal", ACME, f.deps).catch((e: unknown) => e)) as CliError;
        expect(err.exitCode).toBe(EXIT.reconcilePending);
        const again = writesCalled(w).slice(before);
        expect(again.some((c) => c.command === "DisableKeyCommand")).toBe(false);
        // Every write again called is one the log did not record, but the two that run on every invocation (the
        // isolation group's readiness and the VPC sweep: reads that find nothing new here, no write call).
        const always = recorded.filter((id) => id.startsWith("isolation-group:") || id.startsWith("isolate-sweep:"));
        const total = f.out.filter((l) => /^ {2}(ok|skip) /.test(l)).length;
        expect(f.out.filter((l) => l.startsWith("  skip ") && !l.includes("finished earlier")).length).toBe(recorded.length - always.length);
        expect(total).toBeGreaterThan(recorded.length);
    });
});
