import {
    CreateSecurityGroupCommand,
    CreateSnapshotCommand,
    CreateTagsCommand,
    DescribeSecurityGroupsCommand,
    ModifyNetworkInterfaceAttributeCommand,
    RevokeSecurityGroupEgressCommand,
    RevokeSecurityGroupIngressCommand,
    paginateDescribeInstances,
    paginateDescribeSnapshots,
    paginateDescribeVolumes,
    type SecurityGroup,
    type Tag,
} from "@aws-sdk/client-ec2";
import { MANAGED_BY, TAG } from "../../contract/tags";
import { vendorNames } from "../../iam/names";
import type { AwsClients } from "./clients";
import { awsCall } from "./errors";
import { requireAccount } from "./sts";

// Containment primitives for a breach: take the enclave's instances off every network path (a security group with
// no rules) and keep their disks as evidence (EBS snapshots), without touching anything Pulumi manages. Every action is
// reported per resource; one failing call does not stop the others, and a rerun skips what is already done, so the
// step can be repeated until every line is ok.
//
// What this does not do: a security group change does not cut a connection that is already established and tracked
// (AWS keeps tracked flows until they idle out); the seal's key disable and policy denies cut the data plane behind it.
// The instances keep running: memory is evidence too, and stopping them is a decision for the responder.

export interface ContainmentContext {
    clients: AwsClients;
    /** The enclave's account; the credentials must be for it before anything is written. */
    account: string;
    vendorId: string;
    /** The incident id, written into the tags so evidence and isolated instances point at it. */
    incident: string;
    /** The caller already checked the account in this run (contain does, before any write): no second STS call. */
    accountChecked?: boolean;
}

export interface ActionResult {
    /** e.g. "instance i-0abc", "volume vol-0abc", "security group enclave-acme-isolation". */
    resource: string;
    action: string;
    ok: boolean;
    /** Done by an earlier run: nothing was called. */
    skipped?: boolean;
    /** The id created or found (sg-, snap-). */
    id?: string;
    error?: string;
}

export interface EnclaveInstance {
    id: string;
    state: string;
    networkInterfaces: { id: string; groups: string[] }[];
    /** EBS volumes attached, by device. */
    volumes: { id: string; device: string }[];
    tags: Record<string, string>;
}

const tagList = (tags: Record<string, string>): Tag[] => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const tagMap = (tags: Tag[] | undefined) => Object.fromEntries((tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0];

/** Instances of the VPC that are not terminated (or on their way there). */
export async function listInstances(clients: AwsClients, vpcId: string): Promise<EnclaveInstance[]> {
    return awsCall(`VPC ${vpcId}`, "ec2:DescribeInstances", async () => {
        const out: EnclaveInstance[] = [];
        const filters = [
            { Name: "vpc-id", Values: [vpcId] },
            { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
        ];
        for await (const page of paginateDescribeInstances({ client: clients.ec2 }, { Filters: filters })) {
            for (const inst of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
                out.push({
                    id: inst.InstanceId ?? "",
                    state: String(inst.State?.Name ?? ""),
                    networkInterfaces: (inst.NetworkInterfaces ?? []).map((n) => ({
                        id: n.NetworkInterfaceId ?? "",
                        groups: (n.Groups ?? []).map((g) => g.GroupId ?? ""),
                    })),
                    volumes: (inst.BlockDeviceMappings ?? []).filter((b) => b.Ebs?.VolumeId).map((b) => ({ id: b.Ebs!.VolumeId!, device: b.DeviceName ?? "" })),
                    tags: tagMap(inst.Tags),
                });
            }
        }
        return out;
    });
}

/**
 * The isolation group of the VPC, created by its deterministic name if missing, and emptied of every rule: a new
 * group comes with an allow-all egress rule, and someone may have added rules to an existing one since.
 */
export async function ensureIsolationGroup(ctx: ContainmentContext, vpcId: string): Promise<{ groupId?: string; results: ActionResult[] }> {
    const ec2 = ctx.clients.ec2;
    const name = vendorNames(ctx.vendorId).isolationGroup;
    const resource = `security group ${name}`;
    const results: ActionResult[] = [];
    let group: SecurityGroup | undefined;
    try {
        const found = await awsCall(resource, "ec2:DescribeSecurityGroups", () =>
            ec2.send(
                new DescribeSecurityGroupsCommand({
                    Filters: [
                        { Name: "vpc-id", Values: [vpcId] },
                        { Name: "group-name", Values: [name] },
                    ],
                }),
            ),
        );
        group = found.SecurityGroups?.[0];
        if (group) {
            results.push({ resource, action: "create", ok: true, skipped: true, id: group.GroupId });
        } else {
            const created = await awsCall(resource, "ec2:CreateSecurityGroup", () =>
                ec2.send(
                    new CreateSecurityGroupCommand({
                        GroupName: name,
                        VpcId: vpcId,
                        Description: `Isolation for ${ctx.vendorId}: no inbound, no outbound`,
                        TagSpecifications: [
                            { ResourceType: "security-group", Tags: tagList({ Name: name, [TAG.vendor]: ctx.vendorId, [TAG.managedBy]: MANAGED_BY }) },
                        ],
                    }),
                ),
            );
            results.push({ resource, action: "create", ok: true, id: created.GroupId });
            const reread = await awsCall(resource, "ec2:DescribeSecurityGroups", () =>
                ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [created.GroupId!] })),
            );
            group = reread.SecurityGroups?.[0] ?? { GroupId: created.GroupId };
        }
    } catch (err) {
        results.push({ resource, action: "create", ok: false, error: message(err) });
        return { results };
    }
    const groupId = group.GroupId!;
    const strip = async (direction: "ingress" | "egress") => {
        const perms = direction === "ingress" ? group!.IpPermissions : group!.IpPermissionsEgress;
        const action = `revoke ${direction} rules`;
        if (!perms?.length) return results.push({ resource, action, ok: true, skipped: true, id: groupId });
        try {
            if (direction === "ingress")
                await awsCall(resource, "ec2:RevokeSecurityGroupIngress", () =>
                    ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: perms })),
                );
            else
                await awsCall(resource, "ec2:RevokeSecurityGroupEgress", () =>
                    ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: perms })),
                );
            results.push({ resource, action, ok: true, id: groupId });
        } catch (err) {
            results.push({ resource, action, ok: false, id: groupId, error: message(err) });
        }
    };
    await Promise.all([strip("ingress"), strip("egress")]);
    // A group that still has a rule is no isolation: refuse to move instances into it.
    return { groupId: results.every((r) => r.ok) ? groupId : undefined, results };
}

/** Moves every network interface of every instance of the VPC into the isolation group, then tags the instance. */
export async function isolateInstances(ctx: ContainmentContext, vpcId: string): Promise<ActionResult[]> {
    if (!ctx.accountChecked) await requireAccount(ctx.clients.sts, ctx.account, `${ctx.vendorId}'s enclave`);
    const ec2 = ctx.clients.ec2;
    const [group, instances] = await Promise.all([ensureIsolationGroup(ctx, vpcId), listInstances(ctx.clients, vpcId).catch((err: unknown) => err as Error)]);
    const results = [...group.results];
    if (instances instanceof Error) return [...results, { resource: `VPC ${vpcId}`, action: "list instances", ok: false, error: message(instances) }];
    const per = await Promise.all(
        instances.map(async (inst): Promise<ActionResult[]> => {
            const resource = `instance ${inst.id}`;
            if (!group.groupId)
                return [{ resource, action: "isolate", ok: false, error: `${resource}: not isolated: the isolation group is not ready (see its line)` }];
            const out: ActionResult[] = await Promise.all(
                inst.networkInterfaces.map(async (eni): Promise<ActionResult> => {
                    const action = `move ${eni.id} to ${group.groupId}`;
                    if (eni.groups.length === 1 && eni.groups[0] === group.groupId) return { resource, action, ok: true, skipped: true };
                    try {
                        await awsCall(`${resource} interface ${eni.id}`, "ec2:ModifyNetworkInterfaceAttribute", () =>
                            ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eni.id, Groups: [group.groupId!] })),
                        );
                        return { resource, action, ok: true };
                    } catch (err) {
                        return { resource, action, ok: false, error: message(err) };
                    }
                }),
            );
            // The tag says "isolated": written only once every interface is in the group.
            const action = `tag ${TAG.isolated}=${ctx.incident}`;
            if (out.some((r) => !r.ok))
                out.push({ resource, action, ok: false, error: `${resource}: not tagged: an interface is still outside the isolation group` });
            else if (inst.tags[TAG.isolated] === ctx.incident) out.push({ resource, action, ok: true, skipped: true });
            else {
                try {
                    await awsCall(resource, "ec2:CreateTags", () =>
                        ec2.send(new CreateTagsCommand({ Resources: [inst.id], Tags: tagList({ [TAG.isolated]: ctx.incident }) })),
                    );
                    out.push({ resource, action, ok: true });
                } catch (err) {
                    out.push({ resource, action, ok: false, error: message(err) });
                }
            }
            return out;
        }),
    );
    return [...results, ...per.flat()];
}

/**
 * Snapshots every EBS volume of the VPC's instances, tagged with the incident and the vendor. A snapshot of an
 * encrypted volume is encrypted with the volume's key (AWS does that; nothing to ask for). A volume that already has
 * a snapshot for this incident (not failed) is skipped.
 */
export async function snapshotVolumes(ctx: ContainmentContext, vpcId: string): Promise<ActionResult[]> {
    await requireAccount(ctx.clients.sts, ctx.account, `${ctx.vendorId}'s enclave`);
    const ec2 = ctx.clients.ec2;
    let instances: EnclaveInstance[];
    const done = new Map<string, string>();
    const encrypted = new Map<string, boolean>();
    try {
        instances = await listInstances(ctx.clients, vpcId);
        const volumeIds = instances.flatMap((i) => i.volumes.map((v) => v.id));
        if (!volumeIds.length) return [];
        await Promise.all([
            awsCall(`snapshots of ${ctx.incident}`, "ec2:DescribeSnapshots", async () => {
                const filters = [
                    { Name: `tag:${TAG.incident}`, Values: [ctx.incident] },
                    { Name: `tag:${TAG.vendor}`, Values: [ctx.vendorId] },
                ];
                for await (const page of paginateDescribeSnapshots({ client: ec2 }, { OwnerIds: ["self"], Filters: filters })) {
                    for (const s of page.Snapshots ?? []) if (s.VolumeId && s.SnapshotId && s.State !== "error") done.set(s.VolumeId, s.SnapshotId);
                }
            }),
            awsCall(`volumes of ${vpcId}`, "ec2:DescribeVolumes", async () => {
                for await (const page of paginateDescribeVolumes({ client: ec2 }, { VolumeIds: volumeIds })) {
                    for (const v of page.Volumes ?? []) if (v.VolumeId) encrypted.set(v.VolumeId, Boolean(v.Encrypted));
                }
            }),
        ]);
    } catch (err) {
        return [{ resource: `VPC ${vpcId}`, action: "snapshot volumes", ok: false, error: message(err) }];
    }
    const volumes = instances.flatMap((i) => i.volumes.map((v) => ({ ...v, instance: i.id })));
    return Promise.all(
        volumes.map(async (v): Promise<ActionResult> => {
            const resource = `volume ${v.id}`;
            const action = `snapshot (${v.instance} ${v.device}${encrypted.get(v.id) ? ", encrypted" : ""})`;
            const existing = done.get(v.id);
            if (existing) return { resource, action, ok: true, skipped: true, id: existing };
            try {
                const snap = await awsCall(resource, "ec2:CreateSnapshot", () =>
                    ec2.send(
                        new CreateSnapshotCommand({
                            VolumeId: v.id,
                            Description: `Evidence for incident ${ctx.incident}: ${v.instance} ${v.device}`,
                            TagSpecifications: [
                                {
                                    ResourceType: "snapshot",
                                    Tags: tagList({
                                        Name: `${ctx.incident}-${v.instance}-${v.device.replace(/^\/dev\//, "")}`,
                                        [TAG.vendor]: ctx.vendorId,
                                        [TAG.managedBy]: MANAGED_BY,
                                        [TAG.incident]: ctx.incident,
                                    }),
                                },
                            ],
                        }),
                    ),
                );
                return { resource, action, ok: true, id: snap.SnapshotId };
            } catch (err) {
                return { resource, action, ok: false, error: message(err) };
            }
        }),
    );
}

/** One line per action, for the terminal and the incident log. */
export function actionLines(results: ActionResult[]): string[] {
    return results.map(
        (r) =>
            `${r.resource}: ${r.action}: ${r.ok ? (r.skipped ? "already done" : "done") : "FAILED"}${r.id ? ` (${r.id})` : ""}${r.error ? `: ${r.error}` : ""}`,
    );
}
