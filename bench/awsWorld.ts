import {
    CreateSecurityGroupCommand,
    CreateTagsCommand,
    DeleteTagsCommand,
    DescribeInstancesCommand,
    DescribeSecurityGroupsCommand,
    DescribeVpcEndpointsCommand,
    DescribeVpcsCommand,
    ModifyNetworkInterfaceAttributeCommand,
    ModifyVpcEndpointCommand,
    RevokeSecurityGroupEgressCommand,
    RevokeSecurityGroupIngressCommand,
    type Filter,
} from "@aws-sdk/client-ec2";
import { GetRoleCommand, GetRolePolicyCommand, ListRolePoliciesCommand, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand } from "@aws-sdk/client-iam";
import { DescribeKeyCommand, DisableKeyCommand, GetKeyPolicyCommand, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import {
    ListFirewallDomainListsCommand,
    ListFirewallRuleGroupAssociationsCommand,
    ListFirewallRuleGroupsCommand,
    ListFirewallRulesCommand,
    UpdateFirewallRuleCommand,
} from "@aws-sdk/client-route53resolver";
import { GetBucketPolicyCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { DescribeSessionsCommand, TerminateSessionCommand } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import {
    AttachPolicyCommand,
    ListOrganizationalUnitsForParentCommand,
    ListParentsCommand,
    ListPoliciesCommand,
    ListPoliciesForTargetCommand,
    MoveAccountCommand,
    OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { mockClient } from "aws-sdk-client-mock";
import { createClients, type AwsClients } from "../runbook/aws/clients";
import { vendorTags } from "../iam/names";
import type { Plan, PlanResource } from "../plan/types";

// An in-memory AWS account behind aws-sdk-client-mock, seeded from an offline plan (the plan's own ids and documents):
// the calls contain and verify make read and change it, each answering after a fixed latency. The contain bench
// measures with it, and the contain tests inject failures into it. It models the API shapes the runbook uses, not AWS's
// behaviour (no IAM evaluation, no principal validation unless a test plants the refusal).

export interface CallRecord {
    command: string;
    input: Record<string, unknown>;
    start: number;
    end: number;
}

export interface AwsWorldOptions {
    account: string;
    region?: string;
    /** Milliseconds every call takes (0: answer on the next tick). */
    latencyMs?: number;
    /** The caller's account, when it is not the enclave's (wrong-account credentials). */
    callerAccount?: string;
}

interface Rule {
    name: string;
    groupId: string;
    domainListId: string;
    action: string;
    blockResponse?: string;
}

export interface AwsWorld {
    clients: AwsClients;
    calls: CallRecord[];
    roles: Map<string, { trust: string; inline: Map<string, string> }>;
    key: { id: string; arn: string; alias: string; state: string; policy: string };
    buckets: Map<string, string | null>;
    vpcId: string;
    endpoints: Map<string, { type: string; serviceName: string; policy: string; vpcId: string; tags: Record<string, string> }>;
    dns: { groupId: string; groupName: string; domainLists: { id: string; name: string }[]; rules: Rule[] };
    instances: { id: string; eni: string; groups: string[]; tags: Record<string, string>; vpcId: string }[];
    /** Session Manager sessions (Active until terminated). */
    sessions: { id: string; target: string; owner: string; status: "Active" | "Terminated" }[];
    securityGroups: { id: string; name: string; vpcId: string; egress: unknown[]; ingress: unknown[]; tags: Record<string, string> }[];
    /** Makes the next calls of `command` (matching `input`, if given) fail with this AWS error, `times` times (default: always). */
    fail(command: string, error: { name: string; message: string }, match?: (input: Record<string, unknown>) => boolean, times?: number): void;
    /** The sequential depth of the calls so far: the longest chain of calls each started after the previous one ended. */
    criticalPath(): number;
    restore(): void;
}

const str = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: 400 } });

/** Whether a resource with these tags (or fields) passes EC2 filters (tag:K, vpc-id, group-name, ...). */
function passes(filters: Filter[] | undefined, fields: Record<string, string | undefined>, tags: Record<string, string>): boolean {
    return (filters ?? []).every((f) => {
        const v = f.Name!.startsWith("tag:") ? tags[f.Name!.slice(4)] : fields[f.Name!];
        return v !== undefined && (f.Values ?? []).includes(v);
    });
}

export function awsWorld(plan: Plan, vendorId: string, o: AwsWorldOptions): AwsWorld {
    const region = o.region ?? "us-east-1";
    const clients = createClients({ region, credentials: { accessKeyId: "AKIDWORLD", secretAccessKey: "world" }, maxAttempts: 1 });
    const of = (type: string) => plan.resources.filter((r) => r.type === type);
    const one = (type: string) => of(type)[0];
    const tags = (r: PlanResource) => ({ ...vendorTags(vendorId), ...((r.inputs.tags as Record<string, string>) ?? {}) });

    const roles = new Map<string, { trust: string; inline: Map<string, string> }>();
    for (const r of of("aws:iam/role:Role")) roles.set(str(r.inputs.name), { trust: str(r.inputs.assumeRolePolicy), inline: new Map() });
    for (const p of of("aws:iam/rolePolicy:RolePolicy")) roles.get(str(p.inputs.role))?.inline.set(str(p.inputs.name), str(p.inputs.policy));
    const keyRes = one("aws:kms/key:Key");
    const key = {
        id: str(keyRes.outputs.id),
        arn: str(keyRes.outputs.arn),
        alias: str(one("aws:kms/alias:Alias").inputs.name),
        state: keyRes.inputs.isEnabled === false ? "Disabled" : "Enabled",
        policy: str(keyRes.inputs.policy),
    };
    const buckets = new Map<string, string | null>();
    for (const b of of("aws:s3/bucket:Bucket")) buckets.set(str(b.inputs.bucket), null);
    for (const p of of("aws:s3/bucketPolicy:BucketPolicy")) if (buckets.has(str(p.inputs.bucket))) buckets.set(str(p.inputs.bucket), str(p.inputs.policy));
    const vpcRes = one("aws:ec2/vpc:Vpc");
    const vpcId = str(vpcRes.outputs.id);
    const vpcTags = tags(vpcRes);
    const endpoints = new Map<string, { type: string; serviceName: string; policy: string; vpcId: string; tags: Record<string, string> }>();
    for (const e of of("aws:ec2/vpcEndpoint:VpcEndpoint"))
        endpoints.set(str(e.outputs.id), {
            type: str(e.inputs.vpcEndpointType),
            serviceName: str(e.inputs.serviceName),
            policy: str(e.inputs.policy),
            vpcId,
            tags: tags(e),
        });
    const group = one("aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup");
    const dns = {
        groupId: str(group.outputs.id),
        groupName: str(group.inputs.name),
        domainLists: of("aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList").map((d) => ({ id: str(d.outputs.id), name: str(d.inputs.name) })),
        rules: of("aws:route53/resolverFirewallRule:ResolverFirewallRule").map((r) => ({
            name: str(r.inputs.name),
            groupId: str(r.inputs.firewallRuleGroupId),
            domainListId: str(r.inputs.firewallDomainListId),
            action: str(r.inputs.action),
            ...(r.inputs.blockResponse ? { blockResponse: str(r.inputs.blockResponse) } : {}),
        })),
    };
    const instances: AwsWorld["instances"] = [
        { id: "i-0world000000000001", eni: "eni-0world000000000001", groups: ["sg-0workload"], tags: { ...vendorTags(vendorId) }, vpcId },
    ];
    // The plan's security groups as the provider leaves them: `egress: []` and `ingress: []` mean no rule at all.
    const securityGroups: AwsWorld["securityGroups"] = of("aws:ec2/securityGroup:SecurityGroup").map((g) => ({
        id: str(g.outputs.id),
        name: str(g.inputs.name),
        vpcId,
        ingress: (g.inputs.ingress as unknown[] | undefined) ?? [],
        egress: (g.inputs.egress as unknown[] | undefined) ?? [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
        tags: tags(g),
    }));
    const sessions: AwsWorld["sessions"] = [
        {
            id: "operator-0world00000000001",
            target: "i-0world000000000001",
            owner: `arn:aws:sts::${o.account}:assumed-role/enclave-${vendorId}-vendor/dev`,
            status: "Active",
        },
        { id: "operator-0elsewhere0000001", target: "i-0elsewhere00000001", owner: `arn:aws:sts::${o.account}:assumed-role/other/dev`, status: "Active" },
    ];

    const calls: CallRecord[] = [];
    const failures: { command: string; error: { name: string; message: string }; match?: (i: Record<string, unknown>) => boolean; left: number }[] = [];
    const mocks = [
        mockClient(clients.sts),
        mockClient(clients.iam),
        mockClient(clients.kms),
        mockClient(clients.s3),
        mockClient(clients.ec2),
        mockClient(clients.resolver as never),
        mockClient(clients.ssm),
    ] as unknown as {
        on(cmd: unknown): { callsFake(fn: (input: Record<string, unknown>) => unknown): unknown };
        restore(): void;
    }[];
    const [sts, iam, kms, s3, ec2, resolver, ssm] = mocks;
    const latency = o.latencyMs ?? 0;
    const serve = (m: (typeof mocks)[number], cmd: { name: string }, fn: (input: Record<string, unknown>) => unknown) =>
        m.on(cmd).callsFake(async (input: Record<string, unknown>) => {
            const rec: CallRecord = { command: cmd.name, input, start: performance.now(), end: 0 };
            calls.push(rec);
            await new Promise((r) => setTimeout(r, latency));
            rec.end = performance.now();
            const f = failures.find((x) => x.command === cmd.name && x.left !== 0 && (!x.match || x.match(input)));
            if (f) {
                f.left--;
                throw awsError(f.error.name, f.error.message);
            }
            return fn(input);
        });
    const notFound = (name: string, what: string) => {
        throw awsError(name, `${what} not found`);
    };
    const keyOf = (id: unknown) => (id === key.id || id === key.arn || id === key.alias ? key : notFound("NotFoundException", `key ${String(id)}`));
    const role = (name: unknown) => roles.get(String(name)) ?? notFound("NoSuchEntity", `role ${String(name)}`);

    serve(sts, GetCallerIdentityCommand, () => ({
        Account: o.callerAccount ?? o.account,
        Arn: `arn:aws:sts::${o.callerAccount ?? o.account}:assumed-role/deployer/op`,
    }));
    serve(iam, GetRoleCommand, (i) => ({
        Role: {
            RoleName: i.RoleName,
            Arn: `arn:aws:iam::${o.account}:role/${String(i.RoleName)}`,
            Path: "/",
            RoleId: "AROAWORLD",
            CreateDate: new Date(0),
            AssumeRolePolicyDocument: encodeURIComponent(role(i.RoleName)!.trust),
        },
    }));
    serve(iam, ListRolePoliciesCommand, (i) => ({ PolicyNames: [...role(i.RoleName)!.inline.keys()], IsTruncated: false }));
    serve(iam, GetRolePolicyCommand, (i) => ({
        RoleName: i.RoleName,
        PolicyName: i.PolicyName,
        PolicyDocument: encodeURIComponent(role(i.RoleName)!.inline.get(String(i.PolicyName)) ?? notFound("NoSuchEntity", "policy")!),
    }));
    serve(iam, PutRolePolicyCommand, (i) => (role(i.RoleName)!.inline.set(String(i.PolicyName), String(i.PolicyDocument)), {}));
    serve(iam, UpdateAssumeRolePolicyCommand, (i) => ((role(i.RoleName)!.trust = String(i.PolicyDocument)), {}));
    serve(kms, DescribeKeyCommand, (i) => {
        const k = keyOf(i.KeyId)!;
        return { KeyMetadata: { KeyId: k.id, Arn: k.arn, KeyState: k.state } };
    });
    serve(kms, GetKeyPolicyCommand, (i) => ({ Policy: keyOf(i.KeyId)!.policy }));
    serve(kms, DisableKeyCommand, (i) => ((keyOf(i.KeyId)!.state = "Disabled"), {}));
    serve(kms, PutKeyPolicyCommand, (i) => ((keyOf(i.KeyId)!.policy = String(i.Policy)), {}));
    serve(s3, GetBucketPolicyCommand, (i) => {
        const b = buckets.get(String(i.Bucket));
        if (b === undefined) notFound("NoSuchBucket", `bucket ${String(i.Bucket)}`);
        if (b === null) notFound("NoSuchBucketPolicy", "policy");
        return { Policy: b };
    });
    serve(s3, PutBucketPolicyCommand, (i) => {
        if (!buckets.has(String(i.Bucket))) notFound("NoSuchBucket", `bucket ${String(i.Bucket)}`);
        buckets.set(String(i.Bucket), String(i.Policy));
        return {};
    });
    serve(ec2, DescribeVpcsCommand, (i) => ({ Vpcs: passes(i.Filters as Filter[], { "vpc-id": vpcId }, vpcTags) ? [{ VpcId: vpcId }] : [] }));
    serve(ec2, DescribeVpcEndpointsCommand, (i) => ({
        VpcEndpoints: [...endpoints]
            .filter(
                ([id, e]) => (!i.VpcEndpointIds || (i.VpcEndpointIds as string[]).includes(id)) && passes(i.Filters as Filter[], { "vpc-id": e.vpcId }, e.tags),
            )
            .map(([id, e]) => ({
                VpcEndpointId: id,
                VpcEndpointType: e.type,
                ServiceName: e.serviceName,
                PolicyDocument: e.policy,
                VpcId: e.vpcId,
                State: "available",
                Tags: Object.entries(e.tags).map(([Key, Value]) => ({ Key, Value })),
            })),
    }));
    serve(ec2, ModifyVpcEndpointCommand, (i) => {
        const e = endpoints.get(String(i.VpcEndpointId)) ?? notFound("InvalidVpcEndpointId.NotFound", `endpoint ${String(i.VpcEndpointId)}`);
        e!.policy = String(i.PolicyDocument);
        return { Return: true };
    });
    serve(ec2, DescribeInstancesCommand, (i) => ({
        Reservations: [
            {
                Instances: instances
                    .filter((x) =>
                        passes(
                            (i.Filters as Filter[]).filter((f) => f.Name !== "instance-state-name"),
                            { "vpc-id": x.vpcId },
                            x.tags,
                        ),
                    )
                    .map((x) => ({
                        InstanceId: x.id,
                        VpcId: x.vpcId,
                        State: { Name: "running" },
                        NetworkInterfaces: [{ NetworkInterfaceId: x.eni, Groups: x.groups.map((GroupId) => ({ GroupId })) }],
                        BlockDeviceMappings: [],
                        Tags: Object.entries(x.tags).map(([Key, Value]) => ({ Key, Value })),
                    })),
            },
        ],
    }));
    const sgView = (g: AwsWorld["securityGroups"][number]) => ({
        GroupId: g.id,
        GroupName: g.name,
        VpcId: g.vpcId,
        IpPermissions: g.ingress,
        IpPermissionsEgress: g.egress,
        Tags: Object.entries(g.tags).map(([Key, Value]) => ({ Key, Value })),
    });
    serve(ec2, DescribeSecurityGroupsCommand, (i) => ({
        SecurityGroups: securityGroups
            .filter(
                (g) =>
                    (!i.GroupIds || (i.GroupIds as string[]).includes(g.id)) &&
                    passes(i.Filters as Filter[], { "vpc-id": g.vpcId, "group-name": g.name }, g.tags),
            )
            .map(sgView),
    }));
    serve(ec2, CreateSecurityGroupCommand, (i) => {
        const id = `sg-0isolation${String(securityGroups.length).padStart(6, "0")}`;
        const t = ((i.TagSpecifications as { Tags: { Key: string; Value: string }[] }[] | undefined)?.[0]?.Tags ?? []).map((x) => [x.Key, x.Value]);
        securityGroups.push({
            id,
            name: String(i.GroupName),
            vpcId: String(i.VpcId),
            ingress: [],
            egress: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
            tags: Object.fromEntries(t),
        });
        return { GroupId: id };
    });
    serve(ec2, RevokeSecurityGroupEgressCommand, (i) => ((securityGroups.find((g) => g.id === i.GroupId)!.egress = []), { Return: true }));
    serve(ec2, RevokeSecurityGroupIngressCommand, (i) => ((securityGroups.find((g) => g.id === i.GroupId)!.ingress = []), { Return: true }));
    serve(ec2, ModifyNetworkInterfaceAttributeCommand, (i) => ((instances.find((x) => x.eni === i.NetworkInterfaceId)!.groups = i.Groups as string[]), {}));
    serve(ec2, CreateTagsCommand, (i) => {
        for (const id of i.Resources as string[])
            for (const t of i.Tags as { Key: string; Value: string }[]) instances.find((x) => x.id === id)!.tags[t.Key] = t.Value;
        return {};
    });
    serve(ec2, DeleteTagsCommand, (i) => {
        for (const id of i.Resources as string[]) for (const t of i.Tags as { Key: string }[]) delete instances.find((x) => x.id === id)!.tags[t.Key];
        return {};
    });
    serve(ssm, DescribeSessionsCommand, (i) => ({
        Sessions: sessions
            .filter((x) => i.State !== "Active" || x.status === "Active")
            .map((x) => ({ SessionId: x.id, Target: x.target, Owner: x.owner, Status: "Connected", DocumentName: "SSM-SessionManagerRunShell" })),
    }));
    serve(ssm, TerminateSessionCommand, (i) => {
        const x = sessions.find((y) => y.id === i.SessionId) ?? notFound("DoesNotExistException", `session ${String(i.SessionId)}`);
        x!.status = "Terminated";
        return { SessionId: x!.id };
    });
    serve(resolver, ListFirewallRuleGroupsCommand, () => ({
        FirewallRuleGroups: [
            { Id: dns.groupId, Name: dns.groupName, Arn: `arn:aws:route53resolver:${region}:${o.account}:firewall-rule-group/${dns.groupId}` },
        ],
    }));
    serve(resolver, ListFirewallDomainListsCommand, () => ({ FirewallDomainLists: dns.domainLists.map((d) => ({ Id: d.id, Name: d.name })) }));
    serve(resolver, ListFirewallRuleGroupAssociationsCommand, (i) => ({
        FirewallRuleGroupAssociations: i.VpcId === vpcId ? [{ FirewallRuleGroupId: dns.groupId, VpcId: vpcId, Status: "COMPLETE" }] : [],
    }));
    serve(resolver, ListFirewallRulesCommand, (i) => ({
        FirewallRules: dns.rules
            .filter((r) => r.groupId === i.FirewallRuleGroupId)
            .map((r) => ({ Name: r.name, Action: r.action, BlockResponse: r.blockResponse, FirewallDomainListId: r.domainListId })),
    }));
    serve(resolver, UpdateFirewallRuleCommand, (i) => {
        const r =
            dns.rules.find((x) => x.groupId === i.FirewallRuleGroupId && x.domainListId === i.FirewallDomainListId) ??
            notFound("ResourceNotFoundException", "rule");
        r!.action = String(i.Action);
        if (i.BlockResponse) r!.blockResponse = String(i.BlockResponse);
        return { FirewallRule: { Name: r!.name, Action: r!.action } };
    });

    return {
        clients,
        calls,
        roles,
        key,
        buckets,
        vpcId,
        endpoints,
        dns,
        instances,
        securityGroups,
        sessions,
        fail(command, error, match, times = -1) {
            failures.push({ command, error, match, left: times });
        },
        criticalPath() {
            const depth = new Map<CallRecord, number>();
            const sorted = [...calls].sort((a, b) => a.start - b.start);
            for (const c of sorted) depth.set(c, 1 + Math.max(0, ...sorted.filter((d) => d.end > 0 && d.end <= c.start).map((d) => depth.get(d) ?? 0)));
            return Math.max(0, ...depth.values());
        },
        restore() {
            for (const m of mocks) m.restore();
        },
    };
}

/** The Organizations side of an account-mode enclave: one member account in the Vendors OU, the prepared policies. */
export interface OrganizationWorld {
    client: OrganizationsClient;
    org: { rootId: string; vendorsOuId: string; quarantineOuId: string };
    /** The member account's parent now. */
    parent(): string;
    /** Policy ids attached, by target id. */
    attached: Map<string, Set<string>>;
    restore(): void;
}

/**
 * An in-memory organization behind aws-sdk-client-mock for the account-mode contain: the reads and writes
 * runbook/quarantine.ts makes, each answering after the same fixed latency and recorded in `calls` (pass the
 * in-account world's to measure one critical path across both).
 */
export function organizationWorld(o: { accountId: string; vendorId: string; latencyMs?: number; calls: CallRecord[] }): OrganizationWorld {
    const client = new OrganizationsClient({ region: "us-east-1", credentials: { accessKeyId: "AKIDWORLD", secretAccessKey: "world" }, maxAttempts: 1 });
    const m = mockClient(client as never) as unknown as {
        on(cmd: unknown): { callsFake(fn: (input: Record<string, unknown>) => unknown): unknown };
        restore(): void;
    };
    const org = { rootId: "r-wrld", vendorsOuId: "ou-wrld-vendors1", quarantineOuId: "ou-wrld-quarant1" };
    const policies = [
        { Id: "p-scpquarantine", Name: "enclave-quarantine", Type: "SERVICE_CONTROL_POLICY" },
        { Id: "p-rcpprincipals", Name: `enclave-${o.vendorId}-principals`, Type: "RESOURCE_CONTROL_POLICY" },
        { Id: "p-rcpquarantine", Name: `enclave-${o.vendorId}-quarantine`, Type: "RESOURCE_CONTROL_POLICY" },
    ];
    const attached = new Map<string, Set<string>>([
        [org.quarantineOuId, new Set(["p-scpquarantine"])],
        [o.accountId, new Set(["p-rcpprincipals"])],
    ]);
    let parent = org.vendorsOuId;
    const serve = (cmd: { name: string }, fn: (input: Record<string, unknown>) => unknown) =>
        m.on(cmd).callsFake(async (input: Record<string, unknown>) => {
            const rec: CallRecord = { command: cmd.name, input, start: performance.now(), end: 0 };
            o.calls.push(rec);
            await new Promise((r) => setTimeout(r, o.latencyMs ?? 0));
            rec.end = performance.now();
            return fn(input);
        });
    serve(ListParentsCommand, () => ({ Parents: [{ Id: parent, Type: "ORGANIZATIONAL_UNIT" }] }));
    serve(ListOrganizationalUnitsForParentCommand, () => ({
        OrganizationalUnits: [
            { Id: org.vendorsOuId, Name: "Vendors" },
            { Id: org.quarantineOuId, Name: "Quarantine" },
        ],
    }));
    serve(ListPoliciesCommand, (i) => ({ Policies: policies.filter((p) => p.Type === i.Filter).map(({ Id, Name }) => ({ Id, Name })) }));
    serve(ListPoliciesForTargetCommand, (i) => ({
        Policies: policies.filter((p) => p.Type === i.Filter && attached.get(String(i.TargetId))?.has(p.Id)).map(({ Id, Name }) => ({ Id, Name })),
    }));
    serve(MoveAccountCommand, (i) => {
        if (i.SourceParentId !== parent) throw awsError("SourceParentNotFoundException", "source parent is not the account's");
        parent = String(i.DestinationParentId);
        return {};
    });
    serve(AttachPolicyCommand, (i) => {
        const set = attached.get(String(i.TargetId)) ?? new Set<string>();
        if (set.has(String(i.PolicyId))) throw awsError("DuplicatePolicyAttachmentException", "already attached");
        attached.set(String(i.TargetId), set.add(String(i.PolicyId)));
        return {};
    });
    return { client, org, parent: () => parent, attached, restore: () => m.restore() };
}
