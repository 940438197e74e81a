// The world a simulation runs in: every policy of one or more plans (vendor stacks and the security stack), indexed
// by ARN or id, and each vendor's facts as its stack exports them (contract/outputs.ts). Policies come FROM A PLAN
// (plan/types.ts), never rebuilt by hand: inline RolePolicy documents, the permissions boundary (the managed policy
// named by the role's permissionsBoundary), trust policies, bucket policies, key policies and VPC endpoint policies,
// exactly as the program would send them to AWS.
import type { PolicyDocument } from "../contract/policy";
import type { OrganizationModel } from "./organization";
import type { DataPath, DatasetOutput, SecurityStackOutputs } from "../contract/outputs";
import { T } from "../contract/tokens";
import { SELF_STACK_REFERENCE } from "../contract/unsealWindow";
import { operatorsInAccount } from "../contract/operators";
import { parsePolicyDocument } from "../iam/document";
import { bucketArn } from "../iam/names";
import { vendorOutputs } from "../plan/read";
import type { Plan, PlanResource } from "../plan/types";
import { SECRET_PLACEHOLDER } from "../plan/types";

/** A policy document as the simulator reads it (contract/policy.ts). */
export type PolicyDoc = PolicyDocument;

export interface RoleModel {
    arn: string;
    name: string;
    trust?: PolicyDoc;
    /** Inline role policies (aws:iam/rolePolicy:RolePolicy) by name. */
    identity: { name: string; policy: PolicyDoc }[];
    boundary?: { name: string; policy: PolicyDoc };
    maxSessionDuration?: number;
}
export interface BucketModel {
    arn: string;
    name: string;
    /** The account of the stack that creates the bucket (its plan's `accountId` output). */
    accountId?: string;
    policy?: PolicyDoc;
    /** Default SSE-KMS key of the bucket, if any. */
    keyArn?: string;
    tags: Record<string, string>;
}
export interface KeyModel {
    arn: string;
    /** The region of the stack that creates the key (its plan's `region` output). */
    region?: string;
    policy?: PolicyDoc;
    enabled: boolean;
    tags: Record<string, string>;
}
export interface EndpointModel {
    id: string;
    /** "s3", "kms", "sts", "logs", ... (last part of the service name). */
    service: string;
    vpcId?: string;
    policy?: PolicyDoc;
}
/** What a vendor plan exports (contract/outputs.ts), plus the network facts request contexts need. */
export interface VendorFacts {
    vendorId: string;
    accountId: string;
    region: string;
    vendorRoleArn: string;
    workloadRoleArn: string;
    keyArn: string;
    s3EndpointId: string;
    vpcId?: string;
    vpcCidr?: string;
    /** dataset name -> bucket ARN */
    buckets: Record<string, string>;
    /** The datasets with their access levels, in the spec's order. */
    datasets: DatasetOutput[];
    dataPath: DataPath;
    /** The vendor's allow-listed egress ranges (allow-list mode); empty on the endpoint-only path. */
    egressCidrs: string[];
    sealed: boolean;
    sealedAt?: string;
    deployerRoleArn?: string;
    breakGlassRoleArn?: string;
    archiveBucketArn?: string;
    trailArn?: string;
    flowLogArn?: string;
    /** Interface endpoints of the enclave by service ("kms", "sts", "logs"). */
    interfaceEndpoints: Record<string, string>;
    /** The workspace as planned (review/session.ts reads it): its instances and the session documents' content. */
    workspace?: {
        instances: { name: string; vendorTag: string }[];
        documents: { name: string; content: Record<string, unknown> }[];
    };
}
export interface World {
    roles: Map<string, RoleModel>;
    buckets: Map<string, BucketModel>;
    keys: Map<string, KeyModel>;
    endpoints: Map<string, EndpointModel>;
    vendors: VendorFacts[];
    /** The value a "right" external ID has in this world: plans redact it to "[secret]", so that string it is. */
    externalIdPlaceholder: string;
    /** Account-per-vendor worlds: the organization's SCP and RCP layers (review/organization.ts). */
    organization?: OrganizationModel;
}

const parseDoc = (v: unknown, where: string): PolicyDoc | undefined => {
    if (v === undefined || v === null || v === "") return undefined;
    if (v === SECRET_PLACEHOLDER) throw new Error(`${where}: the policy is redacted as "[secret]" in the plan; nothing can be simulated from it`);
    const doc = parsePolicyDocument(v);
    if (!doc) throw new Error(`${where}: not a policy document`);
    return doc;
};
const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const endpointService = (e: PlanResource) => String(e.inputs.serviceName).split(".").pop()!;

/** Builds the world from plans (`enclave plan --json` output or planVendor/planSecurity results). */
export function worldFromPlans(...plans: Plan[]): World {
    const world: World = {
        roles: new Map(),
        buckets: new Map(),
        keys: new Map(),
        endpoints: new Map(),
        vendors: [],
        externalIdPlaceholder: SECRET_PLACEHOLDER,
    };
    for (const plan of plans) addPlan(world, plan);
    return world;
}

function addPlan(world: World, plan: Plan): void {
    const byType = (types: readonly string[]) => plan.resources.filter((r) => types.includes(r.type));
    // Both stack contracts export the account and region the stack deploys to: every resource of the plan is there.
    const stack = plan.outputs as Partial<Pick<SecurityStackOutputs, "accountId" | "region">>;
    const accountId = str(stack.accountId);
    const region = str(stack.region);
    const policiesByArn = new Map<string, PlanResource>();
    for (const p of byType(T.managedPolicy)) policiesByArn.set(String(p.outputs.arn ?? p.outputs.id), p);
    const roleByName = new Map<string, RoleModel>();
    for (const r of byType(T.role)) {
        const arn = String(r.outputs.arn);
        const bArn = str(r.inputs.permissionsBoundary);
        const b = bArn ? policiesByArn.get(bArn) : undefined;
        const role: RoleModel = {
            arn,
            name: String(r.outputs.name ?? r.inputs.name),
            trust: parseDoc(r.inputs.assumeRolePolicy, r.urn),
            identity: [],
            boundary: b ? { name: String(b.inputs.name ?? b.name), policy: parseDoc(b.inputs.policy, b.urn)! } : undefined,
            maxSessionDuration: r.inputs.maxSessionDuration as number | undefined,
        };
        if (bArn && !b) throw new Error(`${r.urn}: permissions boundary ${bArn} is not in the plan`);
        world.roles.set(arn, role);
        roleByName.set(role.name, role);
    }
    for (const rp of byType(T.rolePolicy)) {
        const role = roleByName.get(String(rp.inputs.role));
        if (!role) throw new Error(`${rp.urn}: role ${String(rp.inputs.role)} is not in the plan`);
        role.identity.push({ name: String(rp.inputs.name ?? rp.name), policy: parseDoc(rp.inputs.policy, rp.urn)! });
    }
    const keyOfBucket = new Map<string, string>();
    for (const e of byType(T.sse)) {
        const rule = (e.inputs.rules as { applyServerSideEncryptionByDefault?: { kmsMasterKeyId?: string } }[] | undefined)?.[0];
        const k = rule?.applyServerSideEncryptionByDefault?.kmsMasterKeyId;
        if (k) keyOfBucket.set(String(e.inputs.bucket), k);
    }
    const policyOfBucket = new Map<string, PolicyDoc | undefined>();
    for (const bp of byType(T.bucketPolicy)) policyOfBucket.set(String(bp.inputs.bucket), parseDoc(bp.inputs.policy, bp.urn));
    for (const b of byType(T.bucket)) {
        const name = String(b.outputs.bucket ?? b.inputs.bucket);
        const arn = bucketArn(name);
        world.buckets.set(arn, {
            arn,
            name,
            accountId,
            policy: policyOfBucket.get(name),
            keyArn: keyOfBucket.get(name),
            tags: (b.inputs.tags as Record<string, string>) ?? {},
        });
    }
    for (const k of byType(T.key)) {
        const arn = String(k.outputs.arn);
        world.keys.set(arn, {
            arn,
            region,
            policy: parseDoc(k.inputs.policy, k.urn),
            enabled: k.inputs.isEnabled !== false,
            tags: (k.inputs.tags as Record<string, string>) ?? {},
        });
    }
    for (const e of byType(T.endpoint)) {
        const id = String(e.outputs.id);
        world.endpoints.set(id, { id, service: endpointService(e), vpcId: str(e.inputs.vpcId), policy: parseDoc(e.inputs.policy, e.urn) });
    }
    const o = vendorOutputs(plan);
    if (o) {
        const security = byType(T.stackReference).find((r) => r.name !== SELF_STACK_REFERENCE)?.outputs.outputs as Partial<SecurityStackOutputs> | undefined;
        // Account mode (the vendor in another account than the security stack): its operators are the member account's
        // roles of the same names (contract/operators.ts), as the program writes them into its policies.
        const ref = security?.accountId && security.accountId !== o.accountId ? operatorsInAccount(security, o.accountId) : security;
        world.vendors.push({
            vendorId: o.vendorId,
            accountId: o.accountId,
            region: o.region,
            vendorRoleArn: o.vendorRoleArn,
            workloadRoleArn: o.workloadRoleArn,
            keyArn: o.keyArn,
            s3EndpointId: o.s3EndpointId,
            vpcId: o.vpcId,
            vpcCidr: str(byType(T.vpc)[0]?.inputs.cidrBlock),
            buckets: Object.fromEntries(o.datasets.map((d) => [d.name, bucketArn(d.bucketName)])),
            datasets: o.datasets,
            dataPath: o.dataPath,
            egressCidrs: o.egressCidrs,
            sealed: o.sealed,
            sealedAt: o.sealedAt ?? undefined,
            deployerRoleArn: ref?.deployerRoleArn,
            breakGlassRoleArn: ref?.breakGlassRoleArn,
            archiveBucketArn: ref?.archiveBucketArn,
            trailArn: o.trailArn,
            flowLogArn: str(byType(T.flowLog)[0]?.outputs.arn),
            interfaceEndpoints: Object.fromEntries(
                byType(T.endpoint)
                    .filter((e) => e.inputs.vpcEndpointType === "Interface")
                    .map((e) => [endpointService(e), String(e.outputs.id)]),
            ),
            ...workspaceOf(byType),
        });
    }
}

function workspaceOf(byType: (types: readonly string[]) => PlanResource[]): Pick<VendorFacts, "workspace"> {
    const instances = byType(T.instance).map((i) => ({
        name: i.name,
        vendorTag: String((i.inputs.tags as Record<string, string> | undefined)?.["enclave:vendor"] ?? ""),
    }));
    const documents = byType(T.ssmDocument)
        .filter((d) => d.inputs.documentType === "Session")
        .map((d) => {
            const raw = d.inputs.content;
            let content: Record<string, unknown>;
            try {
                content = typeof raw === "string" ? (JSON.parse(raw) as Record<string, unknown>) : ((raw ?? {}) as Record<string, unknown>);
            } catch {
                throw new Error(`${d.urn}: the session document's content is not JSON`);
            }
            return { name: String(d.inputs.name ?? d.name), content };
        });
    return instances.length || documents.length ? { workspace: { instances, documents } } : {};
}

export function vendorFacts(world: World, vendorId: string): VendorFacts {
    const v = world.vendors.find((x) => x.vendorId === vendorId);
    if (!v) throw new Error(`vendor ${vendorId} is not in the simulated plans`);
    return v;
}

/** The bucket a resource ARN points into (the bucket itself or an object in it), if the plans hold it. */
export function bucketOfResource(world: World, resource: string): BucketModel | undefined {
    const m = /^arn:aws:s3:::([^/]+)/.exec(resource);
    return m ? world.buckets.get(bucketArn(m[1])) : undefined;
}

/** The region requests are made in: the first vendor's (a world holds one region; the examples do). */
export function regionOfWorld(world: World): string {
    return world.vendors[0]?.region ?? "us-east-1";
}
