import { ModifyVpcEndpointCommand, paginateDescribeVpcEndpoints, type SecurityGroup, type VpcEndpoint } from "@aws-sdk/client-ec2";
import { GetRoleCommand, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand } from "@aws-sdk/client-iam";
import { DescribeKeyCommand, DisableKeyCommand, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { paginateListFirewallDomainLists, paginateListFirewallRuleGroups, UpdateFirewallRuleCommand } from "@aws-sdk/client-route53resolver";
import { PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { CliError } from "../contract/errors";
import { SEAL_CATALOGUE, SEAL_POLICY_NAME, type SealKind } from "../contract/seal";
import { TAG } from "../contract/tags";
import type { PolicyDocument } from "../iam/document";
import { bucketName, vendorNames } from "../iam/names";
import {
    dataBucketPolicy,
    interfaceEndpointPolicy,
    s3EndpointPolicy,
    sealRolePolicy,
    vendorKeyPolicy,
    vendorTrustPolicy,
    workloadTrustPolicy,
    type VendorPolicyInputs,
} from "../iam/vendor";
import { INTERFACE_ENDPOINT_SERVICES, type InterfaceEndpointService, type VendorSpec } from "../config/schema";
import type { AwsClients } from "./aws/clients";
import { sessionsToTerminate, type ObservedSession } from "../iam/containment";
import {
    ensureIsolationGroup,
    isolateInstance,
    isolationGroupsByName,
    listInstances,
    taggedInstances,
    type ActionResult,
    type EnclaveInstance,
} from "./aws/containment";
import { activeSessions, terminateSession } from "./aws/ssm";
import { awsCall, errorName, orNull } from "./aws/errors";
import { vpcsByTags } from "./aws/ec2";
import { bucketPolicy } from "./aws/s3";
import { parsePolicy } from "./aws/policy";
import { callerIdentity } from "./aws/sts";
import type { CallerIdentity, ContainExtra, ContainKind, ContainWrite, PolicyJson, StackOutput } from "./types";
export type { ContainExtra, ContainKind, ContainWrite } from "./types";
import { targetsFor, type EnclaveTargets } from "./verify";
import { airlockFreezeWrites } from "./airlockFreeze";

// Containment: the seal applied directly against AWS, in seconds, before (and without) Pulumi. One round of reads finds
// the enclave by its derived names (and the caller's account, checked before any write); then every write of the seal
// runs at once, each independent of the others: a call that fails (a principal the vendor deleted, AccessDenied, a
// resource gone) is reported on its own line and stops nothing else. Each document comes from the same iam/ builder
// the sealed Pulumi program uses, rendered for the same sealedAt, so the later `pulumi up` finds them already as it
// would write them (an in-place no-op). What contain writes is keyed by the seal catalogue's kinds (CONTAIN_WRITES);
// a kind without a write does not compile.

/** The operator roles the seal must never lock out; the key and bucket policies name them. */
export interface OperatorArns {
    deployerRoleArn: string;
    breakGlassRoleArn: string;
    /** Where they were read: "stacks/security.yaml" or "the security stack's outputs". */
    source: string;
}

/** What the round of reads found, by derived name; a field is undefined when not found (with the reason in `missing`). */
export interface ContainLookup {
    identity?: CallerIdentity;
    /** role name -> its deployed trust policy (null: the role does not exist). */
    trust: Record<string, PolicyJson | null>;
    keyId?: string;
    keyArn?: string;
    vpcId?: string;
    s3EndpointId?: string;
    /** The interface endpoints of the enclave VPC (tagged with the vendor or not), by id. */
    interfaceEndpoints: { id: string; service: string }[];
    /** S3 gateway endpoints of the enclave VPC other than the stack's (sealed with the same policy). */
    otherS3Gateways?: string[];
    dnsRuleGroupId?: string;
    dnsAwsDomainListId?: string;
    /** The tripwire's object key, as the deployed policy of a readable dataset bucket names it (DeployerPutsTripwireOnly). */
    tripwireKey?: string;
    /** The isolation group of the enclave VPC, deployed with the vendor stack (null: not there, an older stack; undefined: not read). */
    isolationGroup?: SecurityGroup | null;
    /** The instances tagged with the vendor (in the enclave VPC or not). */
    instances: EnclaveInstance[];
    /** Every active Session Manager session of the region (the enclave's are picked by target). */
    sessions: ObservedSession[];
    /** Why a lookup has no answer, by what it looked for ("key", "vpc", "s3-endpoint", "dns-rule-group", ...). */
    missing: Record<string, string>;
}

export interface ContainResult {
    id: string;
    /** quarantine: an account-mode vendor's organization-level writes (runbook/quarantine.ts). */
    kind: ContainKind | "quarantine";
    resource: string;
    action: string;
    ok: boolean;
    /** Applied by an earlier invocation of this run (incident log): not called again. */
    skipped?: boolean;
    error?: string;
}

interface WriteCtx {
    clients: AwsClients;
    spec: VendorSpec;
    sealedAt: string;
    lookup: ContainLookup;
    inputs: VendorPolicyInputs;
    /** Inputs the documents may need but that are unknown, with the reason (deployer ARN, key ARN, ...). */
    unknown: Partial<Record<keyof VendorPolicyInputs, string>>;
    incident: string;
    /** The caller's account, checked before any write (the isolation calls do not check it again). */
    account: string;
    /** The isolation group made ready once, shared by every instance's write (no call when the stack deployed it rule-less). */
    isolationGroup(): Promise<{ groupId?: string; results: ActionResult[] }>;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0];
const json = (d: PolicyDocument) => JSON.stringify(d);

/**
 * Whether a document depends on an input that is unknown: rendered with two different placeholders for it, the
 * document differs. Generic on purpose: a builder that starts naming the deployer ARN is caught without a list here.
 */
function blockedBy(w: WriteCtx, build: (p: VendorPolicyInputs) => PolicyDocument): string | undefined {
    const reasons: string[] = [];
    for (const [field, why] of Object.entries(w.unknown) as [keyof VendorPolicyInputs, string][]) {
        const a = json(build({ ...w.inputs, [field]: "arn:aws:iam::000000000000:role/placeholder-a" }));
        const b = json(build({ ...w.inputs, [field]: "arn:aws:iam::000000000000:role/placeholder-b" }));
        if (a !== b) reasons.push(why);
    }
    return reasons.length ? [...new Set(reasons)].join("; ") : undefined;
}

const sealedInputs = (p: VendorPolicyInputs, sealedAt: string): VendorPolicyInputs => ({ ...p, sealed: true, sealedAt });

/**
 * The tripwire's key as a deployed dataset bucket policy names it: the NotResource of DeployerPutsTripwireOnly. It is
 * a secret of the security stack, which contain does not read; without it the sealed bucket policy refuses the
 * deployer every object, tripwire included (safe, and Pulumi's reconcile writes the exemption back).
 */
export function deployedTripwireKey(policy: PolicyJson | null | undefined, bucketArn: string): string | undefined {
    const stmts = policy ? (Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement]) : [];
    const s = stmts.find((x) => x?.Sid === "DeployerPutsTripwireOnly");
    const arn = s && typeof s.NotResource === "string" ? s.NotResource : undefined;
    return arn?.startsWith(`${bucketArn}/`) ? arn.slice(bucketArn.length + 1) : undefined;
}

/** The external ID the deployed vendor trust requires (the program generates it unless the spec sets one). */
export function externalIdOf(trust: PolicyJson | null | undefined): string | undefined {
    const stmts = trust ? (Array.isArray(trust.Statement) ? trust.Statement : [trust.Statement]) : [];
    for (const s of stmts) {
        for (const [op, kv] of Object.entries((s.Condition ?? {}) as Record<string, Record<string, unknown>>)) {
            if (op !== "StringEquals") continue;
            for (const [k, v] of Object.entries(kv)) if (k.toLowerCase() === "sts:externalid") return Array.isArray(v) ? String(v[0]) : String(v);
        }
    }
    return undefined;
}

/** The sealed documents contain writes, from the builders (exported so a test can hold them to the sealed plan). */
export function containDocuments(spec: VendorSpec, targets: EnclaveTargets, sealedAt: string) {
    // The inputs and the interface endpoints (the session endpoints of a workspace included) as verify assembles them.
    const s = sealedInputs(targets.policyInputs, sealedAt);
    const interfaceServices = targets.interfaceServices;
    const names = vendorNames(spec.id);
    return {
        sealPolicy: sealRolePolicy(sealedAt),
        trust: { [names.vendorRole]: vendorTrustPolicy(s), [names.workloadRole]: workloadTrustPolicy(s) } as Record<string, PolicyDocument>,
        keyPolicy: vendorKeyPolicy(s),
        buckets: Object.fromEntries(spec.datasets.map((d) => [bucketName(spec.id, d.name, spec.account.id), dataBucketPolicy(s, d.name)])) as Record<
            string,
            PolicyDocument
        >,
        s3Endpoint: s3EndpointPolicy(s),
        interfaceEndpoints: Object.fromEntries(interfaceServices.map((svc) => [svc, interfaceEndpointPolicy(svc, s)])) as Partial<
            Record<InterfaceEndpointService, PolicyDocument>
        >,
        dns: { Action: "BLOCK" as const, BlockResponse: "NXDOMAIN" as const },
    };
}

const isService = (svc: string): svc is InterfaceEndpointService => (INTERFACE_ENDPOINT_SERVICES as readonly string[]).includes(svc);

/**
 * What contain writes for each kind of the seal catalogue. `describe` is for people (RUNBOOK.md, docs); `writes`
 * the calls. Each document is the builder's for the sealed spec; a write whose inputs are unknown is blocked (reported
 * failed with the reason) and every other write still runs.
 */
export const CONTAIN_WRITES: { readonly [K in SealKind]: { describe: string; writes(w: WriteCtx): ContainWrite[] } } = {
    sealPolicy: {
        describe: `iam:PutRolePolicy \`${SEAL_POLICY_NAME}\` on each enclave role (needs nothing but the role's name and sealedAt)`,
        writes: (w) =>
            roleNames(w.spec).map((role) => ({
                id: `seal-policy:${role}`,
                kind: "sealPolicy",
                resource: `role ${role}`,
                action: `iam:PutRolePolicy ${SEAL_POLICY_NAME}`,
                apply: async () => {
                    await awsCall(`role ${role}`, "iam:PutRolePolicy", () =>
                        w.clients.iam.send(
                            new PutRolePolicyCommand({ RoleName: role, PolicyName: SEAL_POLICY_NAME, PolicyDocument: json(sealRolePolicy(w.sealedAt)) }),
                        ),
                    );
                },
            })),
    },
    trustPolicy: {
        describe: "iam:UpdateAssumeRolePolicy with the sealed trust policy on each enclave role (it names no vendor ARN as principal)",
        writes: (w) => {
            const names = vendorNames(w.spec.id);
            return roleNames(w.spec).map((role) => {
                const isVendor = role === names.vendorRole;
                const deployed = w.lookup.trust[role];
                const externalId = w.spec.access.externalId ?? externalIdOf(deployed);
                const blocked =
                    deployed === undefined
                        ? (w.lookup.missing[`role ${role}`] ?? `role ${role}: not read`)
                        : deployed === null
                          ? `role ${role}: not found`
                          : isVendor && !externalId
                            ? `role ${role}: its deployed trust policy has no sts:ExternalId and the spec sets none: the sealed trust cannot be rendered`
                            : undefined;
                const doc = () => {
                    const s = sealedInputs({ ...w.inputs, externalId: externalId ?? "" }, w.sealedAt);
                    return isVendor ? vendorTrustPolicy(s) : workloadTrustPolicy(s);
                };
                return {
                    id: `trust:${role}`,
                    kind: "trustPolicy" as const,
                    resource: `role ${role}`,
                    action: "iam:UpdateAssumeRolePolicy",
                    blocked,
                    apply: async () => {
                        await awsCall(`role ${role} trust policy`, "iam:UpdateAssumeRolePolicy", () =>
                            w.clients.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: role, PolicyDocument: json(doc()) })),
                        );
                    },
                };
            });
        },
    },
    key: {
        describe: "kms:DisableKey on the vendor key (by key id) and kms:PutKeyPolicy with the sealed key policy",
        writes: (w) => {
            const keyId = w.lookup.keyId;
            const noKey = keyId ? undefined : w.lookup.missing.key;
            const resource = `key ${keyId ?? vendorNames(w.spec.id).keyAlias}`;
            const build = (p: VendorPolicyInputs) => vendorKeyPolicy(sealedInputs(p, w.sealedAt));
            return [
                {
                    id: "key:disable",
                    kind: "key",
                    resource,
                    action: "kms:DisableKey",
                    blocked: noKey,
                    apply: async () => {
                        // By key id: AWS takes an id or an ARN, the id works everywhere (an emulator included).
                        await awsCall(resource, "kms:DisableKey", () => w.clients.kms.send(new DisableKeyCommand({ KeyId: keyId! })));
                    },
                },
                {
                    id: "key:policy",
                    kind: "key",
                    resource,
                    action: "kms:PutKeyPolicy",
                    blocked: noKey ?? blockedBy(w, build),
                    apply: async () => {
                        await awsCall(resource, "kms:PutKeyPolicy", () =>
                            w.clients.kms.send(new PutKeyPolicyCommand({ KeyId: keyId!, PolicyName: "default", Policy: json(build(w.inputs)) })),
                        );
                    },
                },
            ];
        },
    },
    bucketPolicy: {
        describe:
            "s3:PutBucketPolicy with the sealed policy on each dataset bucket and, with an airlock, on its outbox, control and released buckets (the vendor deny and the freeze)",
        writes: (w) => [
            ...airlockFreezeWrites({ spec: w.spec, inputs: w.inputs, s3: w.clients.s3, blockedBy: (build) => blockedBy(w, build) }),
            ...w.spec.datasets.map((d) => {
                const bucket = bucketName(w.spec.id, d.name, w.spec.account.id);
                const build = (p: VendorPolicyInputs) => dataBucketPolicy(sealedInputs(p, w.sealedAt), d.name);
                return {
                    id: `bucket-policy:${bucket}`,
                    kind: "bucketPolicy" as const,
                    resource: `bucket ${bucket}`,
                    action: "s3:PutBucketPolicy",
                    blocked: blockedBy(w, build),
                    apply: async () => {
                        await awsCall(`bucket ${bucket}`, "s3:PutBucketPolicy", () =>
                            w.clients.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: json(build(w.inputs)) })),
                        );
                    },
                };
            }),
        ],
    },
    endpointPolicy: {
        describe: "ec2:ModifyVpcEndpoint PolicyDocument with the sealed policy on the S3 gateway endpoint and each interface endpoint of the enclave",
        writes: (w) => {
            const modify = (id: string, resource: string, build: (p: VendorPolicyInputs) => PolicyDocument, blocked?: string): ContainWrite => ({
                id: `endpoint-policy:${id}`,
                kind: "endpointPolicy",
                resource,
                action: "ec2:ModifyVpcEndpoint",
                blocked: blocked ?? blockedBy(w, build),
                apply: async () => {
                    await awsCall(resource, "ec2:ModifyVpcEndpoint", () =>
                        w.clients.ec2.send(new ModifyVpcEndpointCommand({ VpcEndpointId: id, PolicyDocument: json(build(w.inputs)) })),
                    );
                },
            });
            const s3 = w.lookup.s3EndpointId;
            return [
                modify(
                    s3 ?? "s3",
                    `S3 endpoint ${s3 ?? `enclave-${w.spec.id}-s3`}`,
                    (p) => s3EndpointPolicy(sealedInputs(p, w.sealedAt)),
                    s3 ? undefined : w.lookup.missing["s3-endpoint"],
                ),
                ...(w.lookup.otherS3Gateways ?? []).map((id) =>
                    modify(
                        id,
                        `S3 gateway endpoint ${id} (not the stack's)`,
                        (p) => s3EndpointPolicy(sealedInputs(p, w.sealedAt)),
                        s3 ? undefined : w.lookup.missing["s3-endpoint"],
                    ),
                ),
                ...w.lookup.interfaceEndpoints.map((e) =>
                    isService(e.service)
                        ? modify(e.id, `${e.service} interface endpoint ${e.id}`, (p) =>
                              interfaceEndpointPolicy(e.service as InterfaceEndpointService, sealedInputs(p, w.sealedAt)),
                          )
                        : modify(
                              e.id,
                              `${e.service} interface endpoint ${e.id}`,
                              (p) => s3EndpointPolicy(p),
                              `${e.service} interface endpoint ${e.id}: not an enclave service, the enclave has no policy for it: remove the endpoint`,
                          ),
                ),
            ];
        },
    },
    dnsAllowRule: {
        describe: "route53resolver:UpdateFirewallRule: the allow rule to BLOCK with NXDOMAIN",
        writes: (w) => {
            const names = vendorNames(w.spec.id);
            const group = w.lookup.dnsRuleGroupId;
            const list = w.lookup.dnsAwsDomainListId;
            const resource = `dns-rule ${names.dnsAllowRule}`;
            return [
                {
                    id: `dns-rule:${names.dnsAllowRule}`,
                    kind: "dnsAllowRule",
                    resource,
                    action: "route53resolver:UpdateFirewallRule BLOCK/NXDOMAIN",
                    blocked: !group ? w.lookup.missing["dns-rule-group"] : !list ? w.lookup.missing["dns-domain-list"] : undefined,
                    apply: async () => {
                        await awsCall(resource, "route53resolver:UpdateFirewallRule", () =>
                            w.clients.resolver.send(
                                new UpdateFirewallRuleCommand({
                                    FirewallRuleGroupId: group!,
                                    FirewallDomainListId: list!,
                                    Name: names.dnsAllowRule,
                                    Action: "BLOCK",
                                    BlockResponse: "NXDOMAIN",
                                }),
                            ),
                        );
                    },
                },
            ];
        },
    },
};

const roleNames = (spec: VendorSpec) => {
    const n = vendorNames(spec.id);
    return [n.vendorRole, n.workloadRole];
};

// ---- beside the catalogue: compute and sessions ---------------------------------------------------------------------

const containmentCtx = (w: WriteCtx) => ({ clients: w.clients, account: w.account, vendorId: w.spec.id, incident: w.incident, accountChecked: true });

/** The instance ids whose sessions contain ends: every instance tagged with the vendor (in the VPC or not). */
const enclaveInstanceIds = (w: WriteCtx) => w.lookup.instances.map((i) => i.id);

/**
 * The containment writes that are not a seal document: the enclave's instances into the rule-less isolation group, and
 * the end of every Session Manager session on them. Keyed like CONTAIN_WRITES, so one more (another path to cut at
 * contain time) is one more entry here; every entry's writes run in the same round as the seal's.
 */
export const CONTAIN_EXTRAS: { readonly [K in ContainExtra]: { describe: string; writes(w: WriteCtx): ContainWrite[] } } = {
    isolation: {
        describe:
            "each instance tagged with the vendor has every network interface moved (`ec2:ModifyNetworkInterfaceAttribute`) into the rule-less isolation group `enclave-<vendor>-isolation` the vendor stack deploys, and is tagged `enclave:isolated`; a sweep of the enclave VPC in the same round isolates any instance without the tag (a round later). An older stack without the group: contain creates it and strips AWS's default egress rule first (two more rounds, reported)",
        writes: (w) => {
            const vpc = w.lookup.vpcId;
            const name = vendorNames(w.spec.id).isolationGroup;
            const noVpc = vpc ? undefined : (w.lookup.missing.vpc ?? "the enclave VPC was not found");
            const out: ContainWrite[] = [
                {
                    id: `isolation-group:${name}`,
                    kind: "isolation",
                    resource: `security group ${name}`,
                    action: w.lookup.isolationGroup ? "use the deployed rule-less group" : "create the rule-less group (the deployed stack has none)",
                    blocked: noVpc,
                    always: true,
                    apply: async () => (await w.isolationGroup()).results,
                },
            ];
            if (w.lookup.missing.instances)
                out.push({
                    id: "instances-by-tag",
                    kind: "isolation",
                    resource: `instances tagged ${TAG.vendor}=${w.spec.id}`,
                    action: "isolate",
                    blocked: `${w.lookup.missing.instances} (the sweep of the enclave VPC still isolates the VPC's instances; one tagged outside the VPC is not found)`,
                    apply: async () => undefined,
                });
            for (const inst of w.lookup.instances) {
                const resource = `instance ${inst.id}`;
                const outside = vpc && inst.vpcId !== vpc;
                out.push({
                    id: `isolate:${inst.id}`,
                    kind: "isolation",
                    resource,
                    action: "isolate (interfaces into the rule-less group, tag)",
                    blocked:
                        noVpc ??
                        (outside
                            ? `${resource}: tagged ${TAG.vendor}=${w.spec.id} but in ${inst.vpcId || "no VPC"}, not the enclave VPC ${vpc}: the isolation group cannot hold it; stop it or isolate it by hand (RUNBOOK.md "a call keeps failing")`
                            : undefined),
                    apply: async () => {
                        const g = await w.isolationGroup();
                        if (!g.groupId)
                            return [
                                { resource, action: "isolate", ok: false, error: `${resource}: not isolated: the isolation group is not ready (see its line)` },
                            ];
                        return isolateInstance(containmentCtx(w), inst, g.groupId);
                    },
                });
            }
            if (vpc)
                out.push({
                    id: `isolate-sweep:${vpc}`,
                    kind: "isolation",
                    resource: `instances of ${vpc} without the ${TAG.vendor} tag`,
                    action: "sweep the VPC (ec2:DescribeInstances), isolate what the tag missed and end its sessions",
                    always: true,
                    apply: async () => {
                        const known = new Set(enclaveInstanceIds(w));
                        const [found, g] = await Promise.all([listInstances(w.clients, vpc), w.isolationGroup()]);
                        const extra = found.filter((i) => !known.has(i.id));
                        if (!extra.length) return [];
                        const ids = extra.map((i) => i.id);
                        const sessions = sessionsToTerminate(w.lookup.sessions, ids);
                        const targetOf = new Map(w.lookup.sessions.map((x) => [x.SessionId, x.Target ?? ""]));
                        const per = await Promise.all([
                            ...extra.map(async (inst): Promise<ActionResult[]> =>
                                g.groupId
                                    ? isolateInstance(containmentCtx(w), inst, g.groupId)
                                    : [
                                          {
                                              resource: `instance ${inst.id}`,
                                              action: "isolate",
                                              ok: false,
                                              error: `instance ${inst.id}: not isolated: the isolation group is not ready (see its line)`,
                                          },
                                      ],
                            ),
                            ...sessions.map((id) => endSession(w, id, targetOf.get(id) ?? "")),
                        ]);
                        return per.flat();
                    },
                });
            return out;
        },
    },
    sessions: {
        describe:
            "`ssm:TerminateSession` on every active Session Manager session (`ssm:DescribeSessions`, read with the lookups) whose target is an instance tagged with the vendor; the sweep ends those on instances it finds",
        writes: (w) => {
            if (w.lookup.missing.sessions)
                return [
                    {
                        id: "sessions",
                        kind: "sessions",
                        resource: "Session Manager sessions",
                        action: "ssm:TerminateSession",
                        blocked: w.lookup.missing.sessions,
                        apply: async () => undefined,
                    },
                ];
            const targetOf = new Map(w.lookup.sessions.map((x) => [x.SessionId, x.Target ?? ""]));
            return sessionsToTerminate(w.lookup.sessions, enclaveInstanceIds(w)).map((id) => ({
                id: `session:${id}`,
                kind: "sessions" as const,
                resource: `session ${id} on ${targetOf.get(id)}`,
                action: "ssm:TerminateSession",
                apply: async () => [await endSession(w, id, targetOf.get(id) ?? "")],
            }));
        },
    },
};

async function endSession(w: WriteCtx, id: string, target: string): Promise<ActionResult> {
    const resource = `session ${id} on ${target}`;
    try {
        await terminateSession(w.clients, id, target);
        return { resource, action: "ssm:TerminateSession", ok: true };
    } catch (err) {
        return { resource, action: "ssm:TerminateSession", ok: false, error: message(err) };
    }
}

// ---- the round of reads ----------------------------------------------------------------------------------------------

function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
    return p.then(
        (value) => ({ ok: true as const, value }),
        (err: unknown) => ({ ok: false as const, error: message(err) }),
    );
}

const serviceShort = (region: string, name: string) => (name.startsWith(`com.amazonaws.${region}.`) ? name.slice(`com.amazonaws.${region}.`.length) : name);

/**
 * Everything contain needs, in one round of independent reads: the caller, the roles' trust policies (the vendor trust
 * carries the external ID), the key by alias, the VPC and the enclave's endpoints by tag, the DNS rule group and domain
 * list by name, the isolation group by name, the instances by tag and the active Session Manager sessions. No read
 * waits for another.
 */
export async function containLookup(clients: AwsClients, spec: VendorSpec): Promise<ContainLookup> {
    const names = vendorNames(spec.id);
    const region = clients.region;
    const readable = spec.datasets.filter((d) => d.access !== "write").map((d) => bucketName(spec.id, d.name, spec.account.id));
    const [identity, trusts, key, vpcs, endpoints, groups, lists, isolationGroups, instances, sessions, tripwire] = await Promise.all([
        settle(callerIdentity(clients.sts)),
        Promise.all(
            roleNames(spec).map((role) =>
                settle(
                    orNull(`role ${role}`, "iam:GetRole", () => clients.iam.send(new GetRoleCommand({ RoleName: role }))).then((r) =>
                        r?.Role ? parsePolicy(`role ${role} trust policy`, r.Role.AssumeRolePolicyDocument) : null,
                    ),
                ),
            ),
        ),
        settle(orNull(`key ${names.keyAlias}`, "kms:DescribeKey", () => clients.kms.send(new DescribeKeyCommand({ KeyId: names.keyAlias })))),
        settle(vpcsByTags(clients.ec2, { Name: `enclave-${spec.id}-vpc`, [TAG.vendor]: spec.id })),
        settle(
            // Every endpoint of the region, not only the tagged ones: the VPC id is not known yet in this round, and an
            // endpoint added to the enclave VPC without the tag is a path out like any other.
            awsCall(`VPC endpoints of the region`, "ec2:DescribeVpcEndpoints", async () => {
                const out: VpcEndpoint[] = [];
                for await (const page of paginateDescribeVpcEndpoints({ client: clients.ec2 }, {})) out.push(...(page.VpcEndpoints ?? []));
                return out.filter((e) => !["deleted", "deleting"].includes(String(e.State ?? "").toLowerCase()));
            }),
        ),
        settle(
            awsCall(`dns-rule-group ${names.dnsRuleGroup}`, "route53resolver:ListFirewallRuleGroups", async () => {
                const out: { Name?: string; Id?: string }[] = [];
                for await (const page of paginateListFirewallRuleGroups({ client: clients.resolver }, { MaxResults: 100 }))
                    out.push(...(page.FirewallRuleGroups ?? []));
                return out;
            }),
        ),
        settle(
            awsCall(`dns-domain-list enclave-${spec.id}-aws-domains`, "route53resolver:ListFirewallDomainLists", async () => {
                const out: { Name?: string; Id?: string }[] = [];
                for await (const page of paginateListFirewallDomainLists({ client: clients.resolver }, { MaxResults: 100 }))
                    out.push(...(page.FirewallDomainLists ?? []));
                return out;
            }),
        ),
        settle(isolationGroupsByName(clients, spec.id)),
        settle(taggedInstances(clients, spec.id)),
        settle(activeSessions(clients)),
        // One readable bucket's policy is enough: every readable dataset carries the same tripwire key.
        readable.length ? settle(bucketPolicy(clients.s3, readable[0]).then((doc) => deployedTripwireKey(doc, `arn:aws:s3:::${readable[0]}`))) : undefined,
    ]);
    const missing: Record<string, string> = {};
    const trust: Record<string, PolicyJson | null> = {};
    roleNames(spec).forEach((role, i) => {
        const t = trusts[i];
        if (t.ok) trust[role] = t.value;
        else missing[`role ${role}`] = t.error;
    });
    const out: ContainLookup = { trust, interfaceEndpoints: [], instances: [], sessions: [], missing };
    if (tripwire?.ok && tripwire.value) out.tripwireKey = tripwire.value;
    if (identity.ok) out.identity = identity.value;
    else missing.identity = identity.error;

    if (!key.ok) missing.key = key.error;
    else if (!key.value?.KeyMetadata?.KeyId) missing.key = `key ${names.keyAlias}: not found (no key has this alias)`;
    else {
        out.keyId = key.value.KeyMetadata.KeyId;
        out.keyArn = key.value.KeyMetadata.Arn;
    }

    if (!vpcs.ok) missing.vpc = vpcs.error;
    else if (vpcs.value.length !== 1)
        missing.vpc = `vpc enclave-${spec.id}-vpc: ${vpcs.value.length} VPCs carry this name and ${TAG.vendor}=${spec.id} (expected 1)`;
    else out.vpcId = vpcs.value[0];

    if (!endpoints.ok) missing["s3-endpoint"] = endpoints.error;
    else {
        const tagged = (e: VpcEndpoint) => (e.Tags ?? []).some((t) => t.Key === TAG.vendor && t.Value === spec.id);
        const mine = endpoints.value.filter((e) => (out.vpcId ? e.VpcId === out.vpcId : tagged(e)));
        const isS3Gateway = (e: VpcEndpoint) =>
            serviceShort(region, e.ServiceName ?? "") === "s3" && String(e.VpcEndpointType ?? "").toLowerCase() === "gateway";
        const s3 = mine.filter((e) => isS3Gateway(e) && tagged(e));
        if (s3.length === 1) out.s3EndpointId = s3[0].VpcEndpointId;
        else missing["s3-endpoint"] = `s3-endpoint enclave-${spec.id}-s3: ${s3.length} S3 gateway endpoints tagged ${TAG.vendor}=${spec.id} (expected 1)`;
        // Another S3 gateway endpoint in the VPC (added outside the stack): a route to S3 with a policy of its own.
        out.otherS3Gateways = mine.filter((e) => isS3Gateway(e) && e.VpcEndpointId !== out.s3EndpointId).map((e) => e.VpcEndpointId ?? "");
        out.interfaceEndpoints = mine
            .filter((e) => String(e.VpcEndpointType ?? "").toLowerCase() === "interface")
            .map((e) => ({ id: e.VpcEndpointId ?? "", service: serviceShort(region, e.ServiceName ?? "") }));
    }

    const one = (r: typeof groups, name: string, what: string, key: string) => {
        if (!r.ok) return void (missing[key] = r.error);
        const found = r.value.filter((x) => x.Name === name);
        if (found.length === 1) return found[0].Id;
        missing[key] = `${what} ${name}: ${found.length ? `${found.length} carry this name` : "not found"}`;
        return undefined;
    };
    // The isolation group is the one in the enclave VPC; without a VPC there is nothing to isolate into.
    if (!isolationGroups.ok) missing["isolation-group"] = isolationGroups.error;
    else if (out.vpcId) out.isolationGroup = isolationGroups.value.find((g) => g.VpcId === out.vpcId) ?? null;
    if (!instances.ok) missing.instances = instances.error;
    else out.instances = instances.value;
    if (!sessions.ok) missing.sessions = sessions.error;
    else out.sessions = sessions.value;

    out.dnsRuleGroupId = one(groups, names.dnsRuleGroup, "dns-rule-group", "dns-rule-group");
    out.dnsAwsDomainListId = one(lists, `enclave-${spec.id}-aws-domains`, "dns-domain-list", "dns-domain-list");
    return out;
}

/** The verify targets for what contain found (verify judges by content against the same builders). */
export function containTargets(spec: VendorSpec, l: ContainLookup, operators?: OperatorArns): EnclaveTargets {
    const v = (value: string | undefined): StackOutput => ({ value, secret: false });
    return targetsFor(spec, { keyArn: v(l.keyArn), s3EndpointId: v(l.s3EndpointId), vpcId: v(l.vpcId) }, operators);
}

// ---- contain -----------------------------------------------------------------------------------------------------------

export interface ContainOptions {
    clients: AwsClients;
    spec: VendorSpec;
    sealedAt: string;
    /** The operator roles, or why they are unknown (the writes that need them are then reported failed). */
    operators: OperatorArns | { error: string };
    incident: string;
    /** Ids of writes an earlier invocation of this run applied (incident log): not called again. */
    done?: ReadonlySet<string>;
    /** Called as each write succeeds, before the next result is awaited: the incident log records it. */
    onApplied?(result: ContainResult): void;
    /** Tests inject a crash here (after a write applied); unused in production. */
    afterWrite?(id: string): void;
}

export interface ContainOutcome {
    lookup: ContainLookup;
    targets: EnclaveTargets;
    results: ContainResult[];
}

/** The ordered list of writes for a lookup (exported for the tests and the RUNBOOK). */
export function containWrites(w: WriteCtx): ContainWrite[] {
    return [...SEAL_CATALOGUE.flatMap((e) => CONTAIN_WRITES[e.kind].writes(w)), ...Object.values(CONTAIN_EXTRAS).flatMap((x) => x.writes(w))];
}

/**
 * Contain: one round of reads, the account check, then every write at once. Throws (before any write) only when the
 * credentials are for another account or unusable; every other failure is a result line.
 */
export async function contain(o: ContainOptions): Promise<ContainOutcome> {
    const { spec } = o;
    const lookup = await containLookup(o.clients, o.spec);
    if (!lookup.identity) throw new CliError(`${lookup.missing.identity ?? "no usable AWS credentials"} (nothing was written)`);
    if (lookup.identity.account !== spec.account.id) {
        throw new CliError(
            `the AWS credentials are for account ${lookup.identity.account} (${lookup.identity.arn}); ${spec.id}'s enclave is in ${spec.account.id}: use the deployer role of that account (nothing was written)`,
        );
    }
    const operators = "error" in o.operators ? undefined : o.operators;
    const targets = containTargets(spec, lookup, operators);
    const unknown: WriteCtx["unknown"] = {};
    if (!operators) {
        const why = (o.operators as { error: string }).error;
        unknown.deployerRoleArn = `the deployer and break-glass role ARNs are unknown (${why})`;
        unknown.breakGlassRoleArn = unknown.deployerRoleArn;
    }
    if (!lookup.keyArn) unknown.keyArn = `the key ARN is unknown (${lookup.missing.key})`;
    if (!lookup.s3EndpointId) unknown.s3EndpointId = `the S3 endpoint id is unknown (${lookup.missing["s3-endpoint"]})`;
    let group: ReturnType<WriteCtx["isolationGroup"]> | undefined;
    const w: WriteCtx = {
        clients: o.clients,
        spec,
        sealedAt: o.sealedAt,
        lookup,
        inputs: lookup.tripwireKey ? { ...targets.policyInputs, tripwireKey: lookup.tripwireKey } : targets.policyInputs,
        unknown,
        incident: o.incident,
        account: spec.account.id,
        isolationGroup: () =>
            (group ??= ensureIsolationGroup(
                { clients: o.clients, account: spec.account.id, vendorId: spec.id, incident: o.incident, accountChecked: true },
                lookup.vpcId!,
                lookup.missing["isolation-group"] ? undefined : lookup.isolationGroup,
            )),
    };

    const writes = containWrites(w);
    const results = await Promise.all(
        writes.map(async (wr): Promise<ContainResult> => {
            const base = { id: wr.id, kind: wr.kind, resource: wr.resource, action: wr.action };
            if (o.done?.has(wr.id) && !wr.always) return { ...base, ok: true, skipped: true };
            if (wr.blocked) return { ...base, ok: false, error: `${wr.resource}: not written: ${wr.blocked.replace(`${wr.resource}: `, "")}` };
            let r: ContainResult;
            try {
                const sub = await wr.apply();
                const failed = (sub ?? []).filter((x) => !x.ok);
                r = failed.length
                    ? { ...base, ok: false, error: failed.map((x) => x.error ?? `${x.resource}: ${x.action} failed`).join("; ") }
                    : { ...base, ok: true };
            } catch (err) {
                r = { ...base, ok: false, error: explain(wr, err) };
            }
            if (r.ok) o.onApplied?.(r);
            o.afterWrite?.(wr.id);
            return r;
        }),
    );
    return { lookup, targets, results };
}

/** The one line for a failed write, with what to do about the failures only an operator can fix. */
function explain(wr: ContainWrite, err: unknown): string {
    const line = message(err);
    const name = (err as { code?: string }).code ?? errorName(err);
    if (name === "MalformedPolicyDocument" && wr.kind === "trustPolicy")
        return `${line}; AWS refused the document, most likely because the deployed trust still names a principal that no longer exists (a vendor can delete its own): the role seal policy and every other write still apply; see RUNBOOK.md "a call keeps failing"`;
    return line;
}

/** What contain writes, one line per catalogue kind, then the compute and session writes (RUNBOOK.md's list, scripts/runbook-seal-lists.ts). */
export function renderContainWrites(): string {
    const extras: Record<ContainExtra, string> = { isolation: "instances", sessions: "Session Manager sessions" };
    return [
        "",
        ...SEAL_CATALOGUE.map((e) => `- ${e.what}: ${CONTAIN_WRITES[e.kind].describe}`),
        ...(Object.keys(CONTAIN_EXTRAS) as ContainExtra[]).map((k) => `- ${extras[k]}: ${CONTAIN_EXTRAS[k].describe}`),
        "",
    ].join("\n");
}

/** One line per write, for the terminal and the incident log. */
export function containLines(results: ContainResult[]): string[] {
    return results.map((r) => {
        if (r.skipped) return `  skip ${r.resource}: ${r.action} (applied earlier in this run)`;
        return r.ok ? `  ok   ${r.resource}: ${r.action}` : `  FAIL ${r.error}`;
    });
}
