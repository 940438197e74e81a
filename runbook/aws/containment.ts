import {
    CreateSecurityGroupCommand,
    CreateSnapshotCommand,
    CreateTagsCommand,
    DeleteTagsCommand,
    DescribeSecurityGroupsCommand,
    ModifyNetworkInterfaceAttributeCommand,
    RevokeSecurityGroupEgressCommand,
    RevokeSecurityGroupIngressCommand,
    paginateDescribeInstances,
    paginateDescribeSnapshots,
    paginateDescribeVolumes,
    type Filter,
    type SecurityGroup,
    type Tag,
} from "@aws-sdk/client-ec2";
import { MANAGED_BY, TAG } from "../../contract/tags";
import { enclaveInstancesQuery } from "../../iam/containment";
import { vendorNames } from "../../iam/names";
import type { AwsClients } from "./clients";
import type { ActionResult } from "../types";
export type { ActionResult } from "../types";
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

export interface EnclaveInstance {
    id: string;
    state: string;
    /** The VPC the instance is in (an instance tagged for the vendor may sit outside the enclave VPC). */
    vpcId: string;
    networkInterfaces: { id: string; groups: string[] }[];
    /** EBS volumes attached, by device. */
    volumes: { id: string; device: string }[];
    tags: Record<string, string>;
}

const tagList = (tags: Record<string, string>): Tag[] => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const tagMap = (tags: Tag[] | undefined) => Object.fromEntries((tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0];
const LIVE_STATES = ["pending", "running", "stopping", "stopped"];

/** The instances matching EC2 filters that are not terminated (or on their way there); `what` names the query in errors. */
export async function describeInstances(clients: AwsClients, what: string, filters: Filter[]): Promise<EnclaveInstance[]> {
    return awsCall(what, "ec2:DescribeInstances", async () => {
        const out: EnclaveInstance[] = [];
        const withState = filters.some((f) => f.Name === "instance-state-name") ? filters : [...filters, { Name: "instance-state-name", Values: LIVE_STATES }];
        for await (const page of paginateDescribeInstances({ client: clients.ec2 }, { Filters: withState })) {
            for (const inst of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
                out.push({
                    id: inst.InstanceId ?? "",
                    state: String(inst.State?.Name ?? ""),
                    vpcId: inst.VpcId ?? "",
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

/** Instances of the VPC that are not terminated (or on their way there). */
export const listInstances = (clients: AwsClients, vpcId: string): Promise<EnclaveInstance[]> =>
    describeInstances(clients, `VPC ${vpcId}`, [{ Name: "vpc-id", Values: [vpcId] }]);

/** Instances tagged with the vendor, wherever they are: contain's round of reads (the VPC id is not known yet). */
export const taggedInstances = (clients: AwsClients, vendorId: string): Promise<EnclaveInstance[]> =>
    describeInstances(clients, `instances tagged ${TAG.vendor}=${vendorId}`, enclaveInstancesQuery(vendorId).Filters);

/** Security groups named as the vendor's isolation group, in every VPC (the caller keeps the enclave VPC's). */
export async function isolationGroupsByName(clients: AwsClients, vendorId: string): Promise<SecurityGroup[]> {
    const name = vendorNames(vendorId).isolationGroup;
    return awsCall(`security group ${name}`, "ec2:DescribeSecurityGroups", async () => {
        const out = await clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: [name] }] }));
        return out.SecurityGroups ?? [];
    });
}

/** A group with a rule, either way, is no isolation. */
export const hasRules = (g: SecurityGroup): boolean => Boolean(g.IpPermissions?.length || g.IpPermissionsEgress?.length);

/**
 * The isolation group of the VPC, ready to move instances into: the one the vendor stack deploys (found by name in
 * the round of reads: `found`), used as is when it has no rule; stripped of its rules first when someone added one;
 * created by its deterministic name when an older stack has none (a new group comes with an allow-all egress rule,
 * which is revoked). `found` undefined: not looked up yet (a standalone call): it is described here.
 * Every step but the first case costs rounds; the results say which ran.
 */
export async function ensureIsolationGroup(
    ctx: ContainmentContext,
    vpcId: string,
    found?: SecurityGroup | null,
): Promise<{ groupId?: string; results: ActionResult[] }> {
    const ec2 = ctx.clients.ec2;
    const name = vendorNames(ctx.vendorId).isolationGroup;
    const resource = `security group ${name}`;
    const results: ActionResult[] = [];
    let group: SecurityGroup | undefined;
    try {
        if (found === undefined) {
            const all = await isolationGroupsByName(ctx.clients, ctx.vendorId);
            found = all.find((g) => g.VpcId === vpcId) ?? null;
        }
        if (found) {
            group = found;
            results.push({ resource, action: "find (deployed with the vendor stack)", ok: true, skipped: true, id: group.GroupId });
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
            results.push({
                resource,
                action: "create (the deployed stack has none, an older stack: this costs the isolation two more rounds; a `pulumi up` of the current program deploys it)",
                ok: true,
                id: created.GroupId,
            });
            const reread = await awsCall(resource, "ec2:DescribeSecurityGroups", () =>
                ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [created.GroupId!] })),
            );
            group = reread.SecurityGroups?.[0] ?? { GroupId: created.GroupId };
        }
    } catch (err) {
        results.push({ resource, action: "find or create", ok: false, error: message(err) });
        return { results };
    }
    const groupId = group.GroupId!;
    const strip = async (direction: "ingress" | "egress") => {
        const perms = direction === "ingress" ? group!.IpPermissions : group!.IpPermissionsEgress;
        const action = `revoke ${direction} rules`;
        if (!perms?.length) return;
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

/**
 * One instance into the isolation group: every network interface moved and the instance tagged, all at once (one
 * round). The tag says "isolated", so when a move fails a tag this call wrote is taken off again (one more call, on
 * failure only) and the failure is reported.
 */
export async function isolateInstance(ctx: ContainmentContext, inst: EnclaveInstance, groupId: string): Promise<ActionResult[]> {
    const ec2 = ctx.clients.ec2;
    const resource = `instance ${inst.id}`;
    const tagAction = `tag ${TAG.isolated}=${ctx.incident}`;
    const alreadyTagged = inst.tags[TAG.isolated] === ctx.incident;
    const moves = inst.networkInterfaces.map(async (eni): Promise<ActionResult> => {
        const action = `move ${eni.id} to ${groupId}`;
        if (eni.groups.length === 1 && eni.groups[0] === groupId) return { resource, action, ok: true, skipped: true };
        try {
            await awsCall(`${resource} interface ${eni.id}`, "ec2:ModifyNetworkInterfaceAttribute", () =>
                ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eni.id, Groups: [groupId] })),
            );
            return { resource, action, ok: true };
        } catch (err) {
            return { resource, action, ok: false, error: message(err) };
        }
    });
    const tag = (async (): Promise<ActionResult> => {
        if (alreadyTagged) return { resource, action: tagAction, ok: true, skipped: true };
        try {
            await awsCall(resource, "ec2:CreateTags", () =>
                ec2.send(new CreateTagsCommand({ Resources: [inst.id], Tags: tagList({ [TAG.isolated]: ctx.incident }) })),
            );
            return { resource, action: tagAction, ok: true };
        } catch (err) {
            return { resource, action: tagAction, ok: false, error: message(err) };
        }
    })();
    const [moved, tagged] = await Promise.all([Promise.all(moves), tag]);
    if (moved.every((r) => r.ok)) return [...moved, tagged];
    // Not isolated: the tag must not say it is.
    if (!tagged.ok || tagged.skipped)
        return [
            ...moved,
            { ...tagged, ok: false, error: tagged.error ?? `${resource}: tagged isolated earlier, but an interface is still outside the isolation group` },
        ];
    try {
        await awsCall(resource, "ec2:DeleteTags", () => ec2.send(new DeleteTagsCommand({ Resources: [inst.id], Tags: [{ Key: TAG.isolated }] })));
        return [
            ...moved,
            { resource, action: tagAction, ok: false, error: `${resource}: tag taken off again: an interface is still outside the isolation group` },
        ];
    } catch (err) {
        return [
            ...moved,
            {
                resource,
                action: tagAction,
                ok: false,
                error: `${resource}: tagged isolated but an interface is still outside the isolation group, and the tag could not be removed (${message(err)})`,
            },
        ];
    }
}

/**
 * Standalone isolation of a VPC's instances (outside contain): the group made ready, then every instance of the VPC
 * moved into it and tagged. Contain itself does the same from its own round of reads (runbook/contain.ts).
 */
export async function isolateInstances(ctx: ContainmentContext, vpcId: string): Promise<ActionResult[]> {
    if (!ctx.accountChecked) await requireAccount(ctx.clients.sts, ctx.account, `${ctx.vendorId}'s enclave`);
    const [group, instances] = await Promise.all([ensureIsolationGroup(ctx, vpcId), listInstances(ctx.clients, vpcId).catch((err: unknown) => err as Error)]);
    const results = [...group.results];
    if (instances instanceof Error) return [...results, { resource: `VPC ${vpcId}`, action: "list instances", ok: false, error: message(instances) }];
    const per = await Promise.all(
        instances.map(async (inst): Promise<ActionResult[]> => {
            const resource = `instance ${inst.id}`;
            if (!group.groupId)
                return [{ resource, action: "isolate", ok: false, error: `${resource}: not isolated: the isolation group is not ready (see its line)` }];
            return isolateInstance(ctx, inst, group.groupId);
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
