import {
    AttachVolumeCommand,
    CreateRouteTableCommand,
    CreateSecurityGroupCommand,
    CreateSubnetCommand,
    CreateVolumeCommand,
    CreateVpcCommand,
    CreateVpcEndpointCommand,
    DescribeImagesCommand,
    RevokeSecurityGroupEgressCommand,
    RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { CreateAliasCommand, CreateKeyCommand, DisableKeyCommand } from "@aws-sdk/client-kms";
import { CreateBucketCommand, PutBucketPolicyCommand, PutBucketTaggingCommand } from "@aws-sdk/client-s3";
import type { AwsClients } from "../../runbook/aws/clients";
import type { Plan, PlanResource } from "../../plan/types";
import type { DnsFirewallRuleGroup, StackOutput } from "../../runbook/types";
import { vendorTags } from "../../iam/names";

// Seeds moto with one enclave's resources as the offline plan describes them: the same names, documents and tags the
// Pulumi program would write. moto assigns its own ids (key, VPC, subnets, endpoints), so every plan id is mapped to
// the real one and rewritten inside the documents that name it. The DNS Firewall is not emulated by moto: its rule
// groups are returned for the test to serve from a client mock.

export interface SeededEnclave {
    /** The stack outputs a real `pulumi up` would have produced, with moto's ids. */
    outputs: Record<string, StackOutput>;
    vpcId: string;
    keyId: string;
    keyArn: string;
    subnetIds: string[];
    /** The DNS Firewall rule groups the plan associates with the VPC (for a Route53Resolver client mock). */
    dnsFirewall: DnsFirewallRuleGroup[];
    /** plan id -> moto id */
    ids: Map<string, string>;
}

const tagList = (tags: Record<string, string>): { Key: string; Value: string }[] => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const str = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

export async function seedEnclave(c: AwsClients, plan: Plan, vendorId: string): Promise<SeededEnclave> {
    const ids = new Map<string, string>();
    const real = (s: string) => [...ids].reduce((acc, [from, to]) => acc.split(from).join(to), s);
    const of = (type: string) => plan.resources.filter((r) => r.type === type);
    const one = (type: string) => {
        const r = of(type);
        if (r.length !== 1) throw new Error(`plan has ${r.length} ${type}, expected 1`);
        return r[0];
    };
    // The provider's default tags, as the Pulumi AWS provider merges them into every taggable resource.
    const tags = (r: PlanResource) => ({ ...vendorTags(vendorId), ...((r.inputs.tags as Record<string, string>) ?? {}) });

    // KMS and the network side by side (moto's first EC2 call is slow); every document may name their ids.
    const seedKey = async () => {
        const keyRes = one("aws:kms/key:Key");
        const key = await c.kms.send(
            new CreateKeyCommand({
                Description: str(keyRes.inputs.description),
                Policy: str(keyRes.inputs.policy),
                Tags: Object.entries(tags(keyRes)).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
            }),
        );
        const keyId = key.KeyMetadata!.KeyId!;
        ids.set(String(keyRes.outputs.id), keyId);
        await c.kms.send(new CreateAliasCommand({ AliasName: str(one("aws:kms/alias:Alias").inputs.name), TargetKeyId: keyId }));
        // moto fails DisableKey by key ARN (AWS accepts both): the key id here.
        if (keyRes.inputs.isEnabled === false) await c.kms.send(new DisableKeyCommand({ KeyId: keyId }));
        return { keyRes, keyId };
    };
    const keyReady = seedKey();
    const seedNetwork = async () => {
        const vpcRes = one("aws:ec2/vpc:Vpc");
        const vpc = await c.ec2.send(
            new CreateVpcCommand({ CidrBlock: str(vpcRes.inputs.cidrBlock), TagSpecifications: [{ ResourceType: "vpc", Tags: tagList(tags(vpcRes)) }] }),
        );
        const vpcId = vpc.Vpc!.VpcId!;
        ids.set(String(vpcRes.outputs.id), vpcId);
        // Independent creations run in parallel: moto is slow per call on a loaded machine.
        const subnetIds = await Promise.all(
            of("aws:ec2/subnet:Subnet").map(async (s) => {
                const sub = await c.ec2.send(
                    new CreateSubnetCommand({
                        VpcId: vpcId,
                        CidrBlock: str(s.inputs.cidrBlock),
                        AvailabilityZone: str(s.inputs.availabilityZone),
                        TagSpecifications: [{ ResourceType: "subnet", Tags: tagList(tags(s)) }],
                    }),
                );
                ids.set(String(s.outputs.id), sub.Subnet!.SubnetId!);
                return sub.Subnet!.SubnetId!;
            }),
        );
        await Promise.all([
            ...of("aws:ec2/securityGroup:SecurityGroup").map(async (sg) => {
                const g = await c.ec2.send(
                    new CreateSecurityGroupCommand({
                        VpcId: vpcId,
                        GroupName: str(sg.inputs.name),
                        Description: str(sg.inputs.description),
                        TagSpecifications: [{ ResourceType: "security-group", Tags: tagList(tags(sg)) }],
                    }),
                );
                ids.set(String(sg.outputs.id), g.GroupId!);
                // `egress: []` in the program: the provider revokes the allow-all egress rule AWS gives a new group.
                if (Array.isArray(sg.inputs.egress) && sg.inputs.egress.length === 0)
                    await c.ec2.send(
                        new RevokeSecurityGroupEgressCommand({
                            GroupId: g.GroupId!,
                            IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
                        }),
                    );
            }),
            ...of("aws:ec2/routeTable:RouteTable").map(async (rt) => {
                const t = await c.ec2.send(
                    new CreateRouteTableCommand({ VpcId: vpcId, TagSpecifications: [{ ResourceType: "route-table", Tags: tagList(tags(rt)) }] }),
                );
                ids.set(String(rt.outputs.id), t.RouteTable!.RouteTableId!);
            }),
        ]);
        // The interface endpoints' policies name the key.
        await keyReady;
        let s3EndpointId = "";
        await Promise.all(
            of("aws:ec2/vpcEndpoint:VpcEndpoint").map(async (ep) => {
                const i = ep.inputs;
                const e = await c.ec2.send(
                    new CreateVpcEndpointCommand({
                        VpcId: vpcId,
                        ServiceName: str(i.serviceName),
                        VpcEndpointType: str(i.vpcEndpointType) as "Gateway" | "Interface",
                        PolicyDocument: real(str(i.policy)),
                        ...(i.routeTableIds ? { RouteTableIds: (i.routeTableIds as string[]).map(real) } : {}),
                        ...(i.subnetIds ? { SubnetIds: (i.subnetIds as string[]).map(real) } : {}),
                        ...(i.securityGroupIds ? { SecurityGroupIds: (i.securityGroupIds as string[]).map(real) } : {}),
                        ...(i.privateDnsEnabled !== undefined ? { PrivateDnsEnabled: Boolean(i.privateDnsEnabled) } : {}),
                        TagSpecifications: [{ ResourceType: "vpc-endpoint", Tags: tagList(tags(ep)) }],
                    }),
                );
                ids.set(String(ep.outputs.id), e.VpcEndpoint!.VpcEndpointId!);
                if (i.vpcEndpointType === "Gateway" && str(i.serviceName).endsWith(".s3")) s3EndpointId = e.VpcEndpoint!.VpcEndpointId!;
            }),
        );
        return { vpcId, subnetIds, s3EndpointId };
    };
    const [{ keyRes, keyId }, { vpcId, subnetIds, s3EndpointId }] = await Promise.all([keyReady, seedNetwork()]);

    // IAM (the boundary, the roles with their trust policies, their inline policies) and S3 (the data buckets, their
    // tags and policies, which name the endpoint and the key by moto's ids), side by side.
    const iam = async () => {
        await Promise.all(
            of("aws:iam/policy:Policy").map((p) =>
                c.iam.send(
                    new CreatePolicyCommand({
                        PolicyName: str(p.inputs.name),
                        Description: str(p.inputs.description),
                        PolicyDocument: real(str(p.inputs.policy)),
                    }),
                ),
            ),
        );
        await Promise.all(
            of("aws:iam/role:Role").map((r) =>
                c.iam.send(
                    new CreateRoleCommand({
                        RoleName: str(r.inputs.name),
                        AssumeRolePolicyDocument: real(str(r.inputs.assumeRolePolicy)),
                        Description: str(r.inputs.description),
                        MaxSessionDuration: Number(r.inputs.maxSessionDuration ?? 3600),
                        ...(r.inputs.permissionsBoundary ? { PermissionsBoundary: str(r.inputs.permissionsBoundary) } : {}),
                        Tags: tagList(tags(r)),
                    }),
                ),
            ),
        );
        await Promise.all([
            ...of("aws:iam/rolePolicy:RolePolicy").map((p) =>
                c.iam.send(
                    new PutRolePolicyCommand({ RoleName: str(p.inputs.role), PolicyName: str(p.inputs.name), PolicyDocument: real(str(p.inputs.policy)) }),
                ),
            ),
            ...of("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) =>
                c.iam.send(new AttachRolePolicyCommand({ RoleName: str(a.inputs.role), PolicyArn: str(a.inputs.policyArn) })),
            ),
        ]);
    };
    const s3 = () =>
        Promise.all(
            of("aws:s3/bucket:Bucket").map(async (b) => {
                const name = str(b.inputs.bucket);
                await c.s3.send(new CreateBucketCommand({ Bucket: name }));
                await c.s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: tagList(tags(b)) } }));
                const policy = of("aws:s3/bucketPolicy:BucketPolicy").find((p) => p.inputs.bucket === name);
                if (policy) await c.s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: real(str(policy.inputs.policy)) }));
            }),
        );
    await Promise.all([iam(), s3()]);

    // The DNS Firewall as the plan has it: one rule group, its rules, associated with the VPC.
    const rules = of("aws:route53/resolverFirewallRule:ResolverFirewallRule").map((r) => ({ name: str(r.inputs.name), action: str(r.inputs.action) }));
    const dnsFirewall = of("aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup").map(() => ({ id: "rslvr-frg-0moto0000000001", rules }));

    const keyArn = `arn:aws:kms:${c.region}:${plan.outputs.accountId ?? keyRes.outputs.arn?.toString().split(":")[4]}:key/${keyId}`;
    const outputs: Record<string, StackOutput> = {
        ...Object.fromEntries(Object.entries(plan.outputs).map(([k, v]) => [k, { value: typeof v === "string" ? real(v) : v, secret: false }])),
        keyArn: { value: keyArn, secret: false },
        vpcId: { value: vpcId, secret: false },
        s3EndpointId: { value: s3EndpointId, secret: false },
    };
    return { outputs, vpcId, keyId, keyArn, subnetIds, dnsFirewall, ids };
}

export interface SeededInstance {
    instanceId: string;
    rootVolumeId: string;
    /** An encrypted data volume, attached as /dev/sdf. */
    dataVolumeId: string;
}

/** One workload instance in the enclave's first subnet, with an encrypted data volume besides its root volume. */
export async function seedInstance(c: AwsClients, s: SeededEnclave, vendorId: string): Promise<SeededInstance> {
    const images = await c.ec2.send(new DescribeImagesCommand({ Owners: ["amazon"], MaxResults: 5 }));
    const imageId = images.Images?.[0]?.ImageId;
    if (!imageId) throw new Error("moto lists no AMI to launch from");
    const run = await c.ec2.send(
        new RunInstancesCommand({
            ImageId: imageId,
            InstanceType: "t3.micro",
            MinCount: 1,
            MaxCount: 1,
            SubnetId: s.subnetIds[0],
            TagSpecifications: [{ ResourceType: "instance", Tags: tagList({ ...vendorTags(vendorId), Name: `${vendorId}-workload` }) }],
        }),
    );
    const inst = run.Instances![0];
    const rootVolumeId = inst.BlockDeviceMappings?.[0]?.Ebs?.VolumeId ?? "";
    const vol = await c.ec2.send(
        new CreateVolumeCommand({ AvailabilityZone: inst.Placement!.AvailabilityZone!, Size: 8, Encrypted: true, KmsKeyId: s.keyArn }),
    );
    await c.ec2.send(new AttachVolumeCommand({ InstanceId: inst.InstanceId!, VolumeId: vol.VolumeId!, Device: "/dev/sdf" }));
    return { instanceId: inst.InstanceId!, rootVolumeId, dataVolumeId: vol.VolumeId! };
}
