import {
    CreateSecurityGroupCommand,
    DeleteTagsCommand,
    CreateSnapshotCommand,
    CreateTagsCommand,
    DescribeInstancesCommand,
    DescribeSecurityGroupsCommand,
    DescribeSnapshotsCommand,
    DescribeVolumesCommand,
    ModifyNetworkInterfaceAttributeCommand,
} from "@aws-sdk/client-ec2";
import { GetRoleCommand, GetRolePolicyCommand, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import { DescribeKeyCommand, GetKeyPolicyCommand } from "@aws-sdk/client-kms";
import { GetResourcesCommand } from "@aws-sdk/client-resource-groups-tagging-api";
import { GetBucketPolicyCommand } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CliError } from "../contract/errors";
import { createClients, DEFAULT_MAX_ATTEMPTS } from "../runbook/aws/clients";
import { isolateInstances, snapshotVolumes } from "../runbook/aws/containment";
import { describeAwsError } from "../runbook/aws/errors";
import { SdkAws } from "../runbook/aws/reads";

// The SDK layer in isolation: aws-sdk-client-mock replaces each client's `send`, so these tests prove how the runbook
// turns AWS's answers (typed errors, pages, URL-encoded documents) into results and one-line messages, and that no
// write happens with another account's credentials. They do not prove AWS's behaviour. The retry tests go one level
// lower (a fake HTTP handler under a real client), because a mocked `send` would skip the SDK's retry middleware.

const REGION = "us-east-1";
const ACCOUNT = "111122223333";
const awsError = (name: string, message = name) => Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: 400 } });
const creds = { accessKeyId: "AKIDTEST", secretAccessKey: "secret" };

// Mocks on one set of client instances (not on the classes): the retry tests below build clients of their own.
const shared = createClients({ region: REGION, credentials: creds });
const mocks = {
    sts: mockClient(shared.sts),
    iam: mockClient(shared.iam),
    kms: mockClient(shared.kms),
    s3: mockClient(shared.s3),
    ec2: mockClient(shared.ec2),
    tagging: mockClient(shared.tagging),
};
afterEach(() => Object.values(mocks).forEach((m) => m.reset()));

const aws = () => new SdkAws(shared);

describe("typed errors: missing resources are answers, other failures one line naming the resource", () => {
    it("a role that does not exist reads as {inline: null, trust: null}; a role's documents are URL-decoded and parsed", async () => {
        mocks.iam.on(GetRoleCommand, { RoleName: "gone" }).rejects(awsError("NoSuchEntity", "The role with name gone cannot be found."));
        mocks.iam.on(ListRolePoliciesCommand, { RoleName: "gone" }).rejects(awsError("NoSuchEntity"));
        expect(await aws().rolePolicies("gone")).toEqual({ inline: null, trust: null });

        const trust = { Version: "2012-10-17", Statement: [{ Sid: "SealDenyAssumeRole", Effect: "Deny", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }] };
        const inline = { Version: "2012-10-17", Statement: [{ Sid: "SealDenyAll", Effect: "Deny", Action: "*", Resource: "*" }] };
        mocks.iam.on(GetRoleCommand, { RoleName: "r" }).resolves({
            Role: {
                RoleName: "r",
                Arn: "arn:aws:iam::1:role/r",
                Path: "/",
                RoleId: "x",
                CreateDate: new Date(),
                AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)),
            },
        });
        // Two pages: the paginator must follow the marker.
        mocks.iam
            .on(ListRolePoliciesCommand, { RoleName: "r" })
            .resolvesOnce({ PolicyNames: ["a"], IsTruncated: true, Marker: "m1" })
            .resolvesOnce({ PolicyNames: ["b"], IsTruncated: false });
        mocks.iam.on(GetRolePolicyCommand).callsFake((input: { PolicyName: string }) => ({
            RoleName: "r",
            PolicyName: input.PolicyName,
            PolicyDocument: encodeURIComponent(JSON.stringify(inline)),
        }));
        const r = await aws().rolePolicies("r");
        expect(r.trust).toEqual(trust);
        expect(r.inline).toEqual({ a: inline, b: inline });
        // The paginator reuses one input object, so only the last request's marker can be checked.
        expect(mocks.iam.commandCalls(ListRolePoliciesCommand, { RoleName: "r" })).toHaveLength(2);
        expect(mocks.iam.commandCalls(ListRolePoliciesCommand, { RoleName: "r" })[1].args[0].input).toMatchObject({ RoleName: "r", Marker: "m1" });
    });

    it("a key that does not exist is NotFound with a null policy; no bucket policy or no bucket is null", async () => {
        mocks.kms.on(DescribeKeyCommand).rejects(awsError("NotFoundException"));
        mocks.kms.on(GetKeyPolicyCommand).rejects(awsError("NotFoundException"));
        mocks.s3.on(GetBucketPolicyCommand, { Bucket: "nopolicy" }).rejects(awsError("NoSuchBucketPolicy"));
        mocks.s3.on(GetBucketPolicyCommand, { Bucket: "gone" }).rejects(awsError("NoSuchBucket"));
        expect(await aws().keyState("k")).toBe("NotFound");
        expect(await aws().keyPolicy("k")).toBeNull();
        expect(await aws().bucketPolicy("nopolicy")).toBeNull();
        expect(await aws().bucketPolicy("gone")).toBeNull();
    });

    it("AccessDenied names the resource and the action, in one line, as a CliError", async () => {
        mocks.s3.on(GetBucketPolicyCommand).rejects(awsError("AccessDenied", "Access Denied\nmore detail"));
        const err = await aws()
            .bucketPolicy("acme--guidelines--1")
            .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(CliError);
        expect((err as Error).message).toBe(
            "bucket acme--guidelines--1: access denied to s3:GetBucketPolicy (AccessDenied: Access Denied); run as the deployer role of the enclave's account",
        );
        mocks.kms.on(DescribeKeyCommand).rejects(awsError("AccessDeniedException", "not authorized"));
        await expect(aws().keyState("arn:aws:kms:us-east-1:1:key/k")).rejects.toThrow(
            "key arn:aws:kms:us-east-1:1:key/k: access denied to kms:DescribeKey (AccessDeniedException: not authorized)",
        );
    });

    it("no credentials at all: one line saying so", async () => {
        mocks.sts.on(GetCallerIdentityCommand).rejects(awsError("CredentialsProviderError", "Could not load credentials from any providers"));
        await expect(aws().callerIdentity()).rejects.toThrow(
            new CliError("no usable AWS credentials (Could not load credentials from any providers): sign in as the deployer role of the enclave's account"),
        );
    });

    it("the tag scan follows every page", async () => {
        mocks.tagging
            .on(GetResourcesCommand)
            .resolvesOnce({ ResourceTagMappingList: [{ ResourceARN: "arn:a" }], PaginationToken: "t1" })
            .resolvesOnce({ ResourceTagMappingList: [{ ResourceARN: "arn:b" }], PaginationToken: "" });
        expect(await aws().taggedResources("enclave:vendor", "acme")).toEqual([{ arn: "arn:a" }, { arn: "arn:b" }]);
        expect(mocks.tagging.commandCalls(GetResourcesCommand)).toHaveLength(2);
        expect(mocks.tagging.commandCalls(GetResourcesCommand)[1].args[0].input).toMatchObject({
            TagFilters: [{ Key: "enclave:vendor", Values: ["acme"] }],
            PaginationToken: "t1",
        });
    });

    it("every error kind has its line", () => {
        expect(describeAwsError("volume vol-1", "ec2:CreateSnapshot", awsError("RequestLimitExceeded", "Request limit exceeded."))).toBe(
            "volume vol-1: ec2:CreateSnapshot still throttled after the SDK's retries (RequestLimitExceeded: Request limit exceeded.); rerun in a minute",
        );
        expect(describeAwsError("role r", "iam:GetRole", awsError("ExpiredToken", "The security token included in the request is expired"))).toBe(
            "no usable AWS credentials for iam:GetRole on role r (ExpiredToken: The security token included in the request is expired): sign in as the deployer role",
        );
        expect(describeAwsError("key k", "kms:GetKeyPolicy", awsError("KMSInternalException", "boom"))).toBe(
            "key k: kms:GetKeyPolicy failed (KMSInternalException: boom)",
        );
    });
});

describe("the SDK's own retries (standard mode) under a real client", () => {
    /** An HTTP handler standing in for KMS: answers each request with the next canned response, counting requests. */
    function kmsHandler(responses: { status: number; body: unknown }[]) {
        const seen: string[] = [];
        return {
            seen,
            handler: {
                metadata: { handlerProtocol: "http/1.1" },
                updateHttpClientConfig() {},
                httpHandlerConfigs: () => ({}),
                destroy() {},
                async handle(req: { headers: Record<string, string> }) {
                    seen.push(req.headers["x-amz-target"] ?? req.headers["X-Amz-Target"] ?? "?");
                    const r = responses[Math.min(seen.length - 1, responses.length - 1)];
                    return {
                        response: {
                            statusCode: r.status,
                            headers: { "content-type": "application/x-amz-json-1.1" },
                            body: new TextEncoder().encode(JSON.stringify(r.body)),
                        },
                    };
                },
            },
        };
    }
    const throttled = { status: 400, body: { __type: "ThrottlingException", message: "Rate exceeded" } };
    const disabled = { status: 200, body: { KeyMetadata: { KeyId: "k", Arn: "arn:aws:kms:us-east-1:1:key/k", KeyState: "Disabled" } } };

    it("the clients use standard retry mode with the project's attempts", async () => {
        const c = createClients({ region: REGION, credentials: creds });
        for (const client of [c.sts, c.iam, c.kms, c.s3, c.ec2, c.resolver, c.tagging]) {
            expect(await client.config.maxAttempts()).toBe(DEFAULT_MAX_ATTEMPTS);
            expect((client.config as { retryMode?: string | (() => Promise<string>) }).retryMode).toBeDefined();
            const strategy = await (client.config as unknown as { retryStrategy: () => Promise<{ mode: string }> }).retryStrategy();
            expect(strategy.mode).toBe("standard");
        }
    });

    it("a throttled read is retried by the SDK and succeeds", async () => {
        const h = kmsHandler([throttled, disabled]);
        const a = new SdkAws({ region: REGION, credentials: creds, requestHandler: h.handler });
        expect(await a.keyState("k")).toBe("Disabled");
        expect(h.seen).toEqual(["TrentService.DescribeKey", "TrentService.DescribeKey"]);
    });

    it("throttled past maxAttempts: one line naming the key, after exactly maxAttempts requests", async () => {
        const h = kmsHandler([throttled]);
        const a = new SdkAws({ region: REGION, credentials: creds, requestHandler: h.handler, maxAttempts: 2 });
        await expect(a.keyState("k")).rejects.toThrow(
            "key k: kms:DescribeKey still throttled after the SDK's retries (ThrottlingException: Rate exceeded); rerun in a minute",
        );
        expect(h.seen).toHaveLength(2);
    });
});

describe("containment primitives: per-resource results, refused with another account's credentials", () => {
    const ctx = (account = ACCOUNT) => ({ clients: shared, account, vendorId: "acme", incident: "INC-1" });
    const instance = (id: string, eni: string, vols: string[]) => ({
        InstanceId: id,
        State: { Name: "running" as const },
        NetworkInterfaces: [{ NetworkInterfaceId: eni, Groups: [{ GroupId: "sg-workload" }] }],
        BlockDeviceMappings: vols.map((v, i) => ({ DeviceName: `/dev/sd${"af"[i]}`, Ebs: { VolumeId: v } })),
        Tags: [],
    });

    it("wrong-account credentials: refused before any EC2 call", async () => {
        mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: "999999999999", Arn: "arn:aws:sts::999999999999:assumed-role/other/x" });
        await expect(isolateInstances(ctx(), "vpc-1")).rejects.toThrow(
            "the AWS credentials are for account 999999999999 (arn:aws:sts::999999999999:assumed-role/other/x); acme's enclave is in 111122223333: use the deployer role of that account",
        );
        await expect(snapshotVolumes(ctx(), "vpc-1")).rejects.toThrow("acme's enclave is in 111122223333");
        expect(mocks.ec2.calls()).toHaveLength(0);
    });

    it("isolation: an interface the API refuses is reported for its instance, the other instance is isolated and tagged; the tag written beside the refused move is taken off again", async () => {
        mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: "arn:aws:sts::111122223333:assumed-role/enclave-deployer/x" });
        mocks.ec2
            .on(DescribeSecurityGroupsCommand)
            .resolvesOnce({ SecurityGroups: [] })
            .resolves({ SecurityGroups: [{ GroupId: "sg-iso", IpPermissions: [], IpPermissionsEgress: [] }] });
        mocks.ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: "sg-iso" });
        mocks.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance("i-1", "eni-1", []), instance("i-2", "eni-2", [])] }] });
        mocks.ec2
            .on(ModifyNetworkInterfaceAttributeCommand, { NetworkInterfaceId: "eni-1" })
            .rejects(awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
        mocks.ec2.on(ModifyNetworkInterfaceAttributeCommand, { NetworkInterfaceId: "eni-2" }).resolves({});
        mocks.ec2.on(CreateTagsCommand).resolves({});
        mocks.ec2.on(DeleteTagsCommand).resolves({});
        const r = await isolateInstances(ctx(), "vpc-1");
        expect(r.map((x) => [x.resource, x.action.split(" (")[0], x.ok])).toEqual([
            ["security group enclave-acme-isolation", "create", true],
            ["instance i-1", "move eni-1 to sg-iso", false],
            ["instance i-1", "tag enclave:isolated=INC-1", false],
            ["instance i-2", "move eni-2 to sg-iso", true],
            ["instance i-2", "tag enclave:isolated=INC-1", true],
        ]);
        expect(r[2].error).toBe("instance i-1: tag taken off again: an interface is still outside the isolation group");
        expect(r[1].error).toBe(
            "instance i-1 interface eni-1: access denied to ec2:ModifyNetworkInterfaceAttribute (UnauthorizedOperation: You are not authorized to perform this operation.); run as the deployer role of the enclave's account",
        );
        // Tagged beside the moves (one round); the refused instance's tag removed again.
        expect(mocks.ec2.commandCalls(CreateTagsCommand).map((c) => c.args[0].input.Resources)).toEqual([["i-1"], ["i-2"]]);
        expect(mocks.ec2.commandCalls(DeleteTagsCommand).map((c) => c.args[0].input)).toEqual([{ Resources: ["i-1"], Tags: [{ Key: "enclave:isolated" }] }]);
        expect(mocks.ec2.commandCalls(CreateSecurityGroupCommand)[0].args[0].input).toMatchObject({ GroupName: "enclave-acme-isolation", VpcId: "vpc-1" });
    });

    it("snapshots: one volume refused, the others taken; one already taken for this incident is skipped", async () => {
        mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: "arn:aws:sts::111122223333:assumed-role/enclave-deployer/x" });
        mocks.ec2
            .on(DescribeInstancesCommand)
            .resolves({ Reservations: [{ Instances: [instance("i-1", "eni-1", ["vol-a", "vol-b"]), instance("i-2", "eni-2", ["vol-c"])] }] });
        mocks.ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: "snap-old", VolumeId: "vol-c", State: "completed" }] });
        mocks.ec2.on(DescribeVolumesCommand).resolves({
            Volumes: [
                { VolumeId: "vol-a", Encrypted: true },
                { VolumeId: "vol-b", Encrypted: false },
                { VolumeId: "vol-c", Encrypted: false },
            ],
        });
        mocks.ec2.on(CreateSnapshotCommand, { VolumeId: "vol-a" }).rejects(awsError("IncorrectState", "The volume is not available."));
        mocks.ec2.on(CreateSnapshotCommand, { VolumeId: "vol-b" }).resolves({ SnapshotId: "snap-b" });
        const r = await snapshotVolumes(ctx(), "vpc-1");
        expect(r).toEqual([
            {
                resource: "volume vol-a",
                action: "snapshot (i-1 /dev/sda, encrypted)",
                ok: false,
                error: "volume vol-a: ec2:CreateSnapshot failed (IncorrectState: The volume is not available.)",
            },
            { resource: "volume vol-b", action: "snapshot (i-1 /dev/sdf)", ok: true, id: "snap-b" },
            { resource: "volume vol-c", action: "snapshot (i-2 /dev/sda)", ok: true, skipped: true, id: "snap-old" },
        ]);
        expect(mocks.ec2.commandCalls(CreateSnapshotCommand, { VolumeId: "vol-b" })[0].args[0].input.TagSpecifications).toEqual([
            {
                ResourceType: "snapshot",
                Tags: [
                    { Key: "Name", Value: "INC-1-i-1-sdf" },
                    { Key: "enclave:vendor", Value: "acme" },
                    { Key: "enclave:managed-by", Value: "vendor-enclaves" },
                    { Key: "enclave:incident", Value: "INC-1" },
                ],
            },
        ]);
        expect(mocks.ec2.commandCalls(DescribeSnapshotsCommand)[0].args[0].input).toMatchObject({
            OwnerIds: ["self"],
            Filters: [
                { Name: "tag:enclave:incident", Values: ["INC-1"] },
                { Name: "tag:enclave:vendor", Values: ["acme"] },
            ],
        });
    });
});

describe("no aws CLI left in the runbook", () => {
    it("no file under runbook/ spawns a process (child_process, spawn, execFile) or names the aws binary", () => {
        const root = path.join(__dirname, "..", "runbook");
        const files = fs.readdirSync(root, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
        expect(files.length).toBeGreaterThan(5);
        const offenders: string[] = [];
        for (const f of files) {
            const text = fs.readFileSync(path.join(root, f), "utf8");
            const awsSpawn =
                /(child_process|execFile|spawn(Sync)?\s*\(|exec(Sync)?\s*\()[\s\S]{0,200}["'`]aws["'`]|["'`]aws["'`][\s\S]{0,40}(execFile|spawn)/.test(text);
            if (awsSpawn || /from "node:child_process"[\s\S]*["'`]aws["'`]\s*[,)]/.test(text)) offenders.push(f);
        }
        expect(offenders).toEqual([]);
        expect(fs.existsSync(path.join(root, "awsCli.ts"))).toBe(false);
    });
});
