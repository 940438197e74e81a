// Review tooling only: the Pulumi program (index.ts, components/, iam/, spec/, plan/) never imports this folder.
// @cloud-copilot/iam-simulate is an AGPL devDependency: it is loaded lazily by loadSimulator() so that a production
// install (no dev deps) can still run every other command, and `enclave access` fails with one clear line.
//
// What this harness models, and what it cannot prove
// - Policies come FROM A PLAN (plan/types.ts), never rebuilt by hand: inline RolePolicy documents, the permissions
//   boundary (aws:iam/policy:Policy named by the role's permissionsBoundary), trust policies, bucket policies, key
//   policies and VPC endpoint policies, exactly as the program would send them to AWS.
// - Evaluation is iam-simulate's: identity + boundary + resource policy + VPC endpoint policy, explicit deny first,
//   same-account vs cross-account rules, the KMS rule that the key policy must grant (no root statement = no IAM
//   delegation), and the trust-policy rules for sts:AssumeRole.
// - Not modelled (simulation cannot prove them): IAM/bucket-policy propagation delay; SCPs and RCPs of the real
//   organisation (none are given: the default full-access ones apply); session policies and session tags; S3 Block
//   Public Access and ACLs (BucketOwnerEnforced disables ACLs anyway); S3 Bucket Keys caching data keys (a disabled
//   key may keep serving reads for a while); service-side behaviour such as S3 refusing a PutObject whose KMS key is
//   disabled being an S3 error rather than a policy decision; network reachability (routes, security groups) -
//   the request context we supply SAYS where the request came from, the simulator cannot check that it could.
// - Principals outside the plan (the deployer, break-glass, vendor-side principals, attackers) have identity
//   policies we do not know: they are modelled as allow-all in their own account (worst case), so a "denied" for
//   them is proved by the resource / endpoint / trust layers alone.
// - Limits of iam-simulate hit here: it validates context keys per action and silently IGNORES keys that do not
//   apply (reported in `ignoredContextKeys`); it does not derive context keys from the request (aws:SourceVpce,
//   aws:PrincipalArn, kms:ViaService... are all supplied by us, see buildContext); it has no notion of a key's
//   enabled state (handled here: a disabled key denies every KMS use at the "key" layer); it evaluates one request,
//   so the S3 -> KMS call S3 makes on the caller's behalf for SSE-KMS objects is chained here (chainKms).
import type { Plan, PlanResource } from "../plan/types";
import { SECRET_PLACEHOLDER } from "../plan/types";
import { hostInCidr } from "../config/network";
import { parsePolicyDocument } from "../iam/document";

type IamSimulate = typeof import("@cloud-copilot/iam-simulate");

/** Thrown when the AGPL devDependency is absent (production install): the CLI prints one line and exits 1. */
export class SimulatorMissingError extends Error {
    constructor() {
        super("@cloud-copilot/iam-simulate is not installed (it is a devDependency): run `npm install` with dev dependencies to use access/diff");
        this.name = "SimulatorMissingError";
    }
}

let loaded: Promise<IamSimulate> | undefined;
/** Loads iam-simulate once. ENCLAVE_IAM_SIMULATE_MODULE overrides the module name (tests of the missing case). */
export function loadSimulator(): Promise<IamSimulate> {
    const name = process.env.ENCLAVE_IAM_SIMULATE_MODULE || "@cloud-copilot/iam-simulate";
    if (name !== "@cloud-copilot/iam-simulate") return importSimulator(name);
    loaded ??= importSimulator(name);
    return loaded;
}
async function importSimulator(name: string): Promise<IamSimulate> {
    try {
        return (await import(name)) as IamSimulate;
    } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND") throw new SimulatorMissingError();
        throw err;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The world: every policy of one or more plans (vendor stacks and the security stack), indexed by ARN / id.

export interface PolicyDoc {
    Version: string;
    Statement: Record<string, unknown>[];
}
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
    policy?: PolicyDoc;
    /** Default SSE-KMS key of the bucket, if any. */
    keyArn?: string;
    tags: Record<string, string>;
}
export interface KeyModel {
    arn: string;
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
/** What a vendor plan exports, plus the network facts request contexts need. */
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
    /** The vendor's allow-listed egress ranges (allow-list mode), read from the bucket policy's perimeter. */
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
}
export interface World {
    roles: Map<string, RoleModel>;
    buckets: Map<string, BucketModel>;
    keys: Map<string, KeyModel>;
    endpoints: Map<string, EndpointModel>;
    vendors: VendorFacts[];
    /** The value a "right" external ID has in this world: plans redact it to "[secret]", so that string it is. */
    externalIdPlaceholder: string;
}

const parseDoc = (v: unknown, where: string): PolicyDoc | undefined => {
    if (v === undefined || v === null || v === "") return undefined;
    if (v === SECRET_PLACEHOLDER) throw new Error(`${where}: the policy is redacted as "[secret]" in the plan; nothing can be simulated from it`);
    const doc = parsePolicyDocument(v);
    if (!doc) throw new Error(`${where}: not a policy document`);
    return doc as unknown as PolicyDoc;
};
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** Builds the world from plans (`enclave plan --json` output or planVendor/planSecurity results). */
export function worldFromPlans(...plans: Plan[]): World {
    const world: World = { roles: new Map(), buckets: new Map(), keys: new Map(), endpoints: new Map(), vendors: [], externalIdPlaceholder: SECRET_PLACEHOLDER };
    for (const plan of plans) addPlan(world, plan);
    return world;
}

function addPlan(world: World, plan: Plan): void {
    const byType = (t: string) => plan.resources.filter((r) => r.type === t);
    const policiesByArn = new Map<string, PlanResource>();
    for (const p of byType("aws:iam/policy:Policy")) policiesByArn.set(String(p.outputs.arn ?? p.outputs.id), p);
    const roleByName = new Map<string, RoleModel>();
    for (const r of byType("aws:iam/role:Role")) {
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
    for (const rp of byType("aws:iam/rolePolicy:RolePolicy")) {
        const role = roleByName.get(String(rp.inputs.role));
        if (!role) throw new Error(`${rp.urn}: role ${String(rp.inputs.role)} is not in the plan`);
        role.identity.push({ name: String(rp.inputs.name ?? rp.name), policy: parseDoc(rp.inputs.policy, rp.urn)! });
    }
    const keyOfBucket = new Map<string, string>();
    for (const e of byType("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")) {
        const rule = (e.inputs.rules as { applyServerSideEncryptionByDefault?: { kmsMasterKeyId?: string } }[] | undefined)?.[0];
        const k = rule?.applyServerSideEncryptionByDefault?.kmsMasterKeyId;
        if (k) keyOfBucket.set(String(e.inputs.bucket), k);
    }
    const policyOfBucket = new Map<string, PolicyDoc | undefined>();
    for (const bp of byType("aws:s3/bucketPolicy:BucketPolicy")) policyOfBucket.set(String(bp.inputs.bucket), parseDoc(bp.inputs.policy, bp.urn));
    for (const b of byType("aws:s3/bucket:Bucket")) {
        const name = String(b.outputs.bucket ?? b.inputs.bucket);
        world.buckets.set(`arn:aws:s3:::${name}`, {
            arn: `arn:aws:s3:::${name}`,
            name,
            policy: policyOfBucket.get(name),
            keyArn: keyOfBucket.get(name),
            tags: (b.inputs.tags as Record<string, string>) ?? {},
        });
    }
    for (const k of byType("aws:kms/key:Key")) {
        const arn = String(k.outputs.arn);
        world.keys.set(arn, { arn, policy: parseDoc(k.inputs.policy, k.urn), enabled: k.inputs.isEnabled !== false, tags: (k.inputs.tags as Record<string, string>) ?? {} });
    }
    for (const e of byType("aws:ec2/vpcEndpoint:VpcEndpoint")) {
        const id = String(e.outputs.id);
        world.endpoints.set(id, { id, service: String(e.inputs.serviceName).split(".").pop()!, vpcId: str(e.inputs.vpcId), policy: parseDoc(e.inputs.policy, e.urn) });
    }
    const o = plan.outputs as Record<string, unknown>;
    if (typeof o.vendorRoleArn === "string") {
        const vpc = byType("aws:ec2/vpc:Vpc")[0];
        const ref = byType("pulumi:pulumi:StackReference")[0]?.outputs.outputs as Record<string, string> | undefined;
        const buckets = (o.buckets as Record<string, string>) ?? {};
        const bucketArns = Object.fromEntries(Object.entries(buckets).map(([d, n]) => [d, `arn:aws:s3:::${n}`]));
        const firstBucket = world.buckets.get(Object.values(bucketArns)[0] ?? "");
        world.vendors.push({
            vendorId: String(o.vendorId),
            accountId: String(o.vendorRoleArn).split(":")[4],
            region: String(o.keyArn).split(":")[3],
            vendorRoleArn: String(o.vendorRoleArn),
            workloadRoleArn: String(o.workloadRoleArn),
            keyArn: String(o.keyArn),
            s3EndpointId: String(o.s3EndpointId),
            vpcId: str(o.vpcId),
            vpcCidr: str(vpc?.inputs.cidrBlock),
            buckets: bucketArns,
            egressCidrs: egressFromBucketPolicy(firstBucket?.policy),
            sealed: o.sealed === true,
            sealedAt: str(o.sealedAt),
            deployerRoleArn: ref?.deployerRoleArn,
            breakGlassRoleArn: ref?.breakGlassRoleArn,
            archiveBucketArn: ref?.archiveBucketArn,
            trailArn: str(o.trailArn),
            flowLogArn: str(byType("aws:ec2/flowLog:FlowLog")[0]?.outputs.arn),
            interfaceEndpoints: Object.fromEntries(
                byType("aws:ec2/vpcEndpoint:VpcEndpoint")
                    .filter((e) => e.inputs.vpcEndpointType === "Interface")
                    .map((e) => [String(e.inputs.serviceName).split(".").pop()!, String(e.outputs.id)]),
            ),
        });
    }
}

/** The allow-listed ranges, used only to place a realistic aws:SourceIp in a request (not to derive access). */
function egressFromBucketPolicy(doc: PolicyDoc | undefined): string[] {
    const st = doc?.Statement.find((s) => s.Sid === "DenyOutsideNetworkPerimeter") as { Condition?: Record<string, Record<string, unknown>> } | undefined;
    const v = st?.Condition?.NotIpAddress?.["aws:SourceIp"];
    return v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
}

export function vendorFacts(world: World, vendorId: string): VendorFacts {
    const v = world.vendors.find((x) => x.vendorId === vendorId);
    if (!v) throw new Error(`vendor ${vendorId} is not in the simulated plans`);
    return v;
}

// ---------------------------------------------------------------------------------------------------------------
// Requests and results

/** The evaluation layers. "key" is the key's state and the S3 -> KMS call S3 makes for SSE-KMS objects. */
export type Layer = "identity" | "boundary" | "resource" | "endpoint" | "key";
export const LAYERS: Layer[] = ["identity", "boundary", "resource", "endpoint", "key"];
export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

export type Network =
    /** Through a VPC endpoint (gateway or interface) of an enclave: its policy applies, aws:SourceVpce is set. */
    | { via: "endpoint"; endpointId: string; sourceIp?: string }
    /** Over the internet / public service endpoint from this address. */
    | { via: "internet"; sourceIp: string }
    /** A call an AWS service makes on the caller's behalf (e.g. S3 -> KMS): no network keys at all. */
    | { via: "service" };

export const ANONYMOUS = "anonymous";

export interface SimRequest {
    /** A role ARN (a session of it is simulated), any other principal ARN, a service principal, or ANONYMOUS. */
    principal: string;
    action: string;
    resource: string;
    /** Account owning the resource; default: the account in the ARN, else the bucket's/known owner, else the principal's. */
    resourceAccount?: string;
    /** Default: internet from 203.0.113.10 (documentation range: nobody's allow-list). */
    network?: Network;
    /** Default true. */
    secureTransport?: boolean;
    /**
     * For s3:PutObject: default SSE-KMS with the bucket's own key. `null` = no encryption header (bucket default);
     * aws:kms without keyId = S3 uses the AWS managed key aws/s3; SSE-C = a customer-provided key (no SSE header).
     */
    sse?: { algorithm: "aws:kms"; keyId?: string } | { algorithm: "AES256" } | { algorithm: "SSE-C" } | null;
    /** KMS requests: the service the call came through (e.g. "s3.us-east-1.amazonaws.com"). */
    viaService?: string;
    /** Defaults: now and 10 minutes ago. */
    currentTime?: string;
    tokenIssueTime?: string;
    /** sts:AssumeRole only; `null` = no external ID sent. */
    externalId?: string | null;
    /** Replaces the resource policy (e.g. an attacker-owned bucket's). */
    resourcePolicy?: PolicyDoc;
    /** Replaces the principal's identity policies (default: the plan's, or allow-all for principals outside it). */
    identityPolicies?: { name: string; policy: PolicyDoc }[];
    /** Extra or overriding context keys; a value of null removes a key. */
    context?: Record<string, string | string[] | null>;
}

export interface SimOptions {
    /** Layers replaced by allow-all (defense-in-depth proofs). "key" also skips the chained S3 -> KMS call. */
    replace?: Layer[];
    /** Simulate the KMS call S3 makes for SSE-KMS GetObject/PutObject (default true). */
    chainKms?: boolean;
}

export interface Verdict {
    layer: Layer;
    effect: "Allow" | "Deny";
    /** Statement Sid, or undefined for an implicit deny (no statement allowed it). */
    sid?: string;
    /** The policy's name in the simulation (e.g. "enclave-access", "bucket-policy", the endpoint id). */
    policy?: string;
}

export interface SimResult {
    decision: Decision;
    allowed: boolean;
    /** The deciding layer/statement: first explicit deny, else the first layer that gave no allow, else the grant. */
    decidedBy: Verdict;
    /** Every explicit deny that matched, in layer order. */
    denials: Verdict[];
    /** Per-layer outcome as iam-simulate reported it ("NotApplicable" when the layer had no policy). */
    layers: Partial<Record<Layer, string>>;
    /** The chained S3 -> KMS request, when one was simulated. */
    kms?: SimResult;
    /** Context keys iam-simulate ignored as not applicable to the action. */
    ignoredContextKeys: string[];
    request: { principal: string; action: string; resource: string; context: Record<string, string | string[]> };
}

const ALLOW_ALL_IDENTITY: PolicyDoc = { Version: "2012-10-17", Statement: [{ Sid: "AllowAll", Effect: "Allow", Action: "*", Resource: "*" }] };
/**
 * A resource policy that restricts nothing and grants nothing by itself: it delegates to the caller's account (like a
 * key policy's "Enable IAM policies" statement), so the caller's identity side still has to allow. Principal "*" would
 * instead GRANT same-account access on its own and hide what the identity layers prove.
 */
const allowAllResource = (resource: string, callerAccount: string | undefined): PolicyDoc => ({
    Version: "2012-10-17",
    Statement: [{ Sid: "AllowAll", Effect: "Allow", Principal: callerAccount ? { AWS: `arn:aws:iam::${callerAccount}:root` } : "*", Action: "*", Resource: resource }],
});
const ALLOW_ALL_ENDPOINT: PolicyDoc = { Version: "2012-10-17", Statement: [{ Sid: "AllowAll", Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }] };

const accountOf = (arn: string) => arn.split(":")[4] ?? "";
const serviceOf = (action: string) => action.split(":")[0].toLowerCase();

/** Where a role ARN's session comes from: arn:aws:iam::A:role/path/name -> arn:aws:sts::A:assumed-role/name/s. */
function sessionArn(roleArn: string): string {
    const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
    return m ? `arn:aws:sts::${m[1]}:assumed-role/${m[2]}/enclave-simulation` : roleArn;
}

function bucketOfResource(world: World, resource: string): BucketModel | undefined {
    const m = /^arn:aws:s3:::([^/]+)/.exec(resource);
    return m ? world.buckets.get(`arn:aws:s3:::${m[1]}`) : undefined;
}

function regionOfWorld(world: World): string {
    return world.vendors[0]?.region ?? "us-east-1";
}

/** The request context AWS would attach, from the request's facts. Exported for reviewers who want to see it. */
export function buildContext(world: World, req: SimRequest): Record<string, string | string[]> {
    const ctx: Record<string, string | string[]> = {};
    const now = req.currentTime ?? new Date().toISOString();
    const anonymous = req.principal === ANONYMOUS;
    const isService = /\.amazonaws\.com$/.test(req.principal);
    ctx["aws:CurrentTime"] = now;
    ctx["aws:EpochTime"] = String(Math.floor(Date.parse(now) / 1000));
    ctx["aws:SecureTransport"] = req.secureTransport === false ? "false" : "true";
    ctx["aws:RequestedRegion"] = regionOfWorld(world);
    if (!anonymous) {
        ctx["aws:PrincipalIsAWSService"] = isService ? "true" : "false";
        if (isService) ctx["aws:PrincipalServiceName"] = req.principal;
        else {
            ctx["aws:PrincipalArn"] = req.principal;
            ctx["aws:PrincipalAccount"] = accountOf(req.principal);
            ctx["aws:PrincipalType"] = /:role\//.test(req.principal) ? "AssumedRole" : "User";
            ctx["aws:TokenIssueTime"] = req.tokenIssueTime ?? new Date(Date.parse(now) - 10 * 60_000).toISOString();
            ctx["aws:MultiFactorAuthPresent"] = "false";
        }
    }
    const network = req.network ?? { via: "internet", sourceIp: "203.0.113.10" };
    if (network.via === "endpoint") {
        const ep = world.endpoints.get(network.endpointId);
        ctx["aws:SourceVpce"] = network.endpointId;
        if (ep?.vpcId) ctx["aws:SourceVpc"] = ep.vpcId;
        const v = world.vendors.find((x) => x.vpcId && x.vpcId === ep?.vpcId);
        ctx["aws:VpcSourceIp"] = network.sourceIp ?? (v?.vpcCidr ? hostInCidr(v.vpcCidr, 10) : "10.0.0.10");
    } else if (network.via === "internet") {
        ctx["aws:SourceIp"] = network.sourceIp;
    }
    const service = serviceOf(req.action);
    if (service === "s3") {
        const bucket = bucketOfResource(world, req.resource);
        if (bucket) for (const [k, v] of Object.entries(bucket.tags)) ctx[`aws:ResourceTag/${k}`] = v;
        // S3 sends the owner of the bucket addressed with every request; a bucket outside the plans is someone else's.
        const owner = req.resourceAccount ?? (bucket ? accountOfBucket(world, bucket) : undefined);
        if (owner) ctx["s3:ResourceAccount"] = owner;
        if (req.action.toLowerCase() === "s3:putobject") {
            const sse = req.sse === undefined ? { algorithm: "aws:kms" as const, keyId: bucket?.keyArn } : req.sse;
            if (sse?.algorithm === "SSE-C") ctx["s3:x-amz-server-side-encryption-customer-algorithm"] = "AES256";
            else if (sse) {
                ctx["s3:x-amz-server-side-encryption"] = sse.algorithm;
                if (sse.algorithm === "aws:kms" && sse.keyId) ctx["s3:x-amz-server-side-encryption-aws-kms-key-id"] = sse.keyId;
            }
        }
    }
    if (service === "kms") {
        const key = world.keys.get(req.resource);
        if (key) for (const [k, v] of Object.entries(key.tags)) ctx[`aws:ResourceTag/${k}`] = v;
        if (!anonymous && !isService) ctx["kms:CallerAccount"] = accountOf(req.principal);
        if (req.viaService) ctx["kms:ViaService"] = req.viaService;
    }
    if (service === "sts" && req.externalId !== undefined && req.externalId !== null) ctx["sts:ExternalId"] = req.externalId;
    for (const [k, v] of Object.entries(req.context ?? {})) {
        if (v === null) delete ctx[k];
        else ctx[k] = v;
    }
    return ctx;
}


interface AnalysisLike {
    result: Decision;
    blockedBy?: string[];
    identityAnalysis?: LayerAnalysis;
    permissionBoundaryAnalysis?: LayerAnalysis;
    resourceAnalysis?: LayerAnalysis;
    endpointAnalysis?: LayerAnalysis;
}
interface LayerAnalysis {
    result: string;
    denyStatements: { policyId: string; statement: { sid(): string | undefined } }[];
    allowStatements: { policyId: string; statement: { sid(): string | undefined } }[];
}

/**
 * Simulates one request the way AWS evaluates it, with the policies of the plan(s) in `world`.
 * Never throws on a denial; throws when iam-simulate rejects the input (an invalid policy, action or ARN).
 */
export async function simulate(world: World, req: SimRequest, opts: SimOptions = {}): Promise<SimResult> {
    const lib = await loadSimulator();
    const replace = new Set(opts.replace ?? []);
    const context = buildContext(world, req);
    const anonymous = req.principal === ANONYMOUS;
    const role = world.roles.get(req.principal);
    const service = serviceOf(req.action);

    // Identity side: the plan's inline policies and boundary for roles in the plan, allow-all for anyone else.
    const identityPolicies = anonymous
        ? []
        : replace.has("identity")
          ? [{ name: "allow-all", policy: ALLOW_ALL_IDENTITY }]
          : (req.identityPolicies ?? (role ? role.identity : [{ name: "outside-the-plan", policy: ALLOW_ALL_IDENTITY }]));
    const boundary = anonymous || !role?.boundary ? undefined : replace.has("boundary") ? { name: "allow-all", policy: ALLOW_ALL_IDENTITY } : role.boundary;

    // Resource side: trust policy for AssumeRole, bucket policy, key policy.
    const bucket = service === "s3" ? bucketOfResource(world, req.resource) : undefined;
    const key = service === "kms" ? world.keys.get(req.resource) : undefined;
    const target = service === "sts" ? world.roles.get(req.resource) : undefined;
    let resourcePolicy = req.resourcePolicy ?? (service === "sts" && req.action.toLowerCase().startsWith("sts:assumerole") ? target?.trust : (bucket?.policy ?? key?.policy));
    if (replace.has("resource")) {
        const caller = anonymous || /\.amazonaws\.com$/.test(req.principal) ? undefined : accountOf(req.principal);
        resourcePolicy = allowAllResource(service === "s3" && bucket ? `${bucket.arn}*` : req.resource.includes(":") ? req.resource : "*", caller);
    }
    // A bucket outside the plans (an attacker's) is in some other account: defaulting to the caller's would judge
    // cross-account exfiltration as same-account, where a resource policy alone can grant access.
    const resourceAccount = req.resourceAccount ?? (accountOf(req.resource) || (bucket ? accountOfBucket(world, bucket) : undefined) || "000000000000");

    // Network side: the endpoint's policy applies when the request travels through an endpoint of that service.
    const network = req.network ?? { via: "internet", sourceIp: "203.0.113.10" };
    let endpointPolicies: { name: string; policy: PolicyDoc }[] | undefined;
    if (network.via === "endpoint") {
        const ep = world.endpoints.get(network.endpointId);
        if (!ep) throw new Error(`endpoint ${network.endpointId} is not in the simulated plans`);
        if (ep.service !== service) throw new Error(`endpoint ${ep.id} is a ${ep.service} endpoint; a ${req.action} request cannot travel through it`);
        endpointPolicies = [{ name: ep.id, policy: replace.has("endpoint") || !ep.policy ? ALLOW_ALL_ENDPOINT : ep.policy }];
    }

    const principal = anonymous ? lib.anonymousPrincipal : role || /:role\//.test(req.principal) ? sessionArn(req.principal) : req.principal;
    const response = await lib.runSimulation(
        {
            request: { principal, action: req.action, resource: { resource: req.resource, accountId: resourceAccount }, contextVariables: context },
            identityPolicies,
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            ...(resourcePolicy ? { resourcePolicy } : {}),
            ...(boundary ? { permissionBoundaryPolicies: [boundary] } : {}),
            ...(endpointPolicies ? { vpcEndpointPolicies: endpointPolicies } : {}),
        },
        { simulationMode: "Strict" },
    );
    if (response.resultType === "error") throw new Error(`iam-simulate rejected ${req.action} on ${req.resource}: ${response.errors.message} ${JSON.stringify(response.errors)}`);
    const single = response.resultType === "single" ? response.result : response.results[0];
    if (!single) throw new Error(`iam-simulate returned no result for ${req.action} on ${req.resource}`);
    const analysis = single.analysis as unknown as AnalysisLike;
    let result = interpret(analysis, { resourceAccount, principalAccount: anonymous ? "" : accountOf(req.principal), service });
    result.ignoredContextKeys = single.ignoredContextKeys ?? [];
    result.request = { principal: req.principal, action: req.action, resource: req.resource, context };

    // Key state: a disabled key refuses every use (DisableKey is a state, not a policy; iam-simulate does not know it).
    if (key && !key.enabled && !replace.has("key") && KMS_USE.has(req.action.toLowerCase())) {
        result = { ...result, decision: "ExplicitlyDenied", allowed: false, decidedBy: { layer: "key", effect: "Deny", sid: "KeyDisabled" }, denials: [...result.denials, { layer: "key", effect: "Deny", sid: "KeyDisabled" }] };
        result.layers.key = "Disabled";
    }

    // SSE-KMS objects: S3 calls KMS with the caller's identity (kms:ViaService = s3.<region>); both must allow.
    if (result.allowed && bucket && opts.chainKms !== false && !replace.has("key") && !anonymous) {
        const kmsAction = req.action.toLowerCase() === "s3:getobject" || req.action.toLowerCase() === "s3:getobjectversion" ? "kms:Decrypt" : req.action.toLowerCase() === "s3:putobject" ? "kms:GenerateDataKey" : undefined;
        // aws:kms without a key id puts under the AWS managed key aws/s3, which is in no plan: nothing to chain.
        const putKey = req.sse && req.sse.algorithm === "aws:kms" ? (req.sse.keyId ?? AWS_MANAGED_S3_KEY) : undefined;
        const keyArn = kmsAction === "kms:GenerateDataKey" && req.sse === null ? bucket.keyArn : (putKey ?? bucket.keyArn);
        if (kmsAction && keyArn && world.keys.has(keyArn)) {
            const kms = await simulate(
                world,
                { principal: req.principal, action: kmsAction, resource: keyArn, network: { via: "service" }, viaService: `s3.${keyArn.split(":")[3]}.amazonaws.com`, currentTime: req.currentTime, tokenIssueTime: req.tokenIssueTime, identityPolicies: req.identityPolicies },
                { replace: [...replace].filter((l) => l !== "endpoint" && l !== "resource"), chainKms: false },
            );
            result.kms = kms;
            result.layers.key = kms.decision;
            if (!kms.allowed) {
                const v: Verdict = { layer: "key", effect: "Deny", sid: kms.decidedBy.sid, policy: `${kmsAction} via S3 (${kms.decidedBy.layer})` };
                result = { ...result, decision: kms.decision, allowed: false, decidedBy: v, denials: [...result.denials, ...kms.denials.map((d) => ({ ...d, layer: "key" as Layer, policy: `${kmsAction} via S3 (${d.layer})` }))] };
            }
        }
    }
    return result;
}

// Cryptographic use, refused by a disabled key. DescribeKey is not in it: AWS answers it for a disabled key (and
// `pulumi refresh` of a sealed stack relies on that).
const KMS_USE = new Set(["kms:decrypt", "kms:encrypt", "kms:generatedatakey", "kms:generatedatakeywithoutplaintext", "kms:reencryptfrom", "kms:reencryptto", "kms:creategrant"]);
const AWS_MANAGED_S3_KEY = "alias/aws/s3";

function accountOfBucket(world: World, bucket: BucketModel): string | undefined {
    const m = /--(\d{12})$/.exec(bucket.name) ?? /-(\d{12})-[a-z0-9-]+$/.exec(bucket.name);
    return m?.[1] ?? world.vendors[0]?.accountId;
}

function interpret(a: AnalysisLike, facts: { resourceAccount: string; principalAccount: string; service: string }): SimResult {
    const layerOf: [Layer, LayerAnalysis | undefined][] = [
        ["identity", a.identityAnalysis],
        ["boundary", a.permissionBoundaryAnalysis],
        ["resource", a.resourceAnalysis],
        ["endpoint", a.endpointAnalysis],
    ];
    const layers: Partial<Record<Layer, string>> = {};
    const denials: Verdict[] = [];
    for (const [layer, la] of layerOf) {
        if (!la) continue;
        layers[layer] = la.result;
        for (const s of la.denyStatements) denials.push({ layer, effect: "Deny", sid: s.statement.sid(), policy: s.policyId });
    }
    const base = { decision: a.result, allowed: a.result === "Allowed", denials, layers, ignoredContextKeys: [], request: { principal: "", action: "", resource: "", context: {} } };
    if (a.result === "ExplicitlyDenied") return { ...base, decidedBy: denials[0] ?? { layer: "identity", effect: "Deny" } };
    const crossAccount = facts.principalAccount !== facts.resourceAccount;
    // KMS (key policy must grant), AssumeRole (trust policy) and cross-account requests need the resource side.
    const resourceNeeded = facts.service === "kms" || facts.service === "sts" || crossAccount;
    if (a.result === "Allowed") {
        const order: Layer[] = resourceNeeded ? ["resource", "identity"] : ["identity", "resource"];
        const grant = order.map((l) => layerOf.find(([x]) => x === l)!).find(([, la]) => la && la.allowStatements.length > 0);
        const s = grant?.[1]?.allowStatements[0];
        return { ...base, decidedBy: { layer: grant?.[0] ?? "identity", effect: "Allow", sid: s?.statement.sid(), policy: s?.policyId } };
    }
    // Implicit deny: a guardrail that gave no allow (boundary, endpoint) or no grant at all.
    const blocked = (a.blockedBy ?? []).map((b) => ({ pb: "boundary", vpce: "endpoint", identity: "identity", resource: "resource" })[b] as Layer | undefined).filter(Boolean) as Layer[];
    if (blocked.length) return { ...base, decidedBy: { layer: blocked[0], effect: "Deny" } };
    const granted = (la?: LayerAnalysis) => Boolean(la && la.allowStatements.length > 0);
    const layer: Layer = !facts.principalAccount ? "resource" : resourceNeeded && !granted(a.resourceAnalysis) && granted(a.identityAnalysis) ? "resource" : !granted(a.identityAnalysis) ? "identity" : "resource";
    return { ...base, decidedBy: { layer, effect: "Deny" } };
}

/**
 * Same request with the given layers replaced by allow-all: a denial that survives proves the remaining layers deny
 * on their own (defense in depth).
 */
export function simulateWith(world: World, req: SimRequest, replace: Layer[], opts: Omit<SimOptions, "replace"> = {}): Promise<SimResult> {
    return simulate(world, req, { ...opts, replace });
}

/** Every layer except `keep` replaced by allow-all. */
export function simulateOnly(world: World, req: SimRequest, keep: Layer, opts: Omit<SimOptions, "replace"> = {}): Promise<SimResult> {
    return simulate(world, req, { ...opts, replace: LAYERS.filter((l) => l !== keep) });
}

export interface AssumeRoleRequest {
    roleArn: string;
    /** Who calls sts:AssumeRole: a principal ARN, a service principal, or ANONYMOUS. */
    principal: string;
    /** The external ID sent; "right" = the plan's (redacted) value; null/undefined = none sent. */
    externalId?: string | null | "right";
    network?: Network;
    tokenIssueTime?: string;
    currentTime?: string;
    context?: Record<string, string | string[] | null>;
}

/**
 * sts:AssumeRole against the role's trust policy (the resource policy of the role). The caller's own identity
 * policy is assumed allow-all (it lives in the caller's account, worst case). Plans redact the external ID to
 * "[secret]", so `externalId: "right"` sends that placeholder, which is exactly what the plan's trust policy expects.
 */
export function simulateAssumeRole(world: World, req: AssumeRoleRequest, opts: SimOptions = {}): Promise<SimResult> {
    const externalId = req.externalId === "right" ? world.externalIdPlaceholder : req.externalId;
    const isService = /\.amazonaws\.com$/.test(req.principal);
    return simulate(
        world,
        {
            principal: req.principal,
            action: "sts:AssumeRole",
            resource: req.roleArn,
            externalId: externalId ?? null,
            network: req.network,
            tokenIssueTime: req.tokenIssueTime,
            currentTime: req.currentTime,
            context: { ...(isService ? { "aws:SourceAccount": accountOf(req.roleArn) } : {}), ...req.context },
            ...(world.roles.has(req.principal) ? {} : { identityPolicies: [{ name: "caller-account", policy: ALLOW_ALL_IDENTITY }] }),
        },
        opts,
    );
}
