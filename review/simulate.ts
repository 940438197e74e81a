// Review tooling only: the Pulumi program (index.ts, components/, iam/, config/, contract/, plan/) never imports this
// folder. @cloud-copilot/iam-simulate is an AGPL devDependency: it is loaded lazily by loadSimulator() so that a
// production install (no dev deps) can still run every other command, and `enclave access` fails with one clear line.
// This file runs one request through iam-simulate and interprets the answer; the world it runs in (policies and
// vendor facts from plans) is review/world.ts, the request context AWS would attach is review/context.ts.
//
// What this harness models, and what it cannot prove
// - Policies come FROM A PLAN (plan/types.ts), never rebuilt by hand: inline RolePolicy documents, the permissions
//   boundary (aws:iam/policy:Policy named by the role's permissionsBoundary), trust policies, bucket policies, key
//   policies and VPC endpoint policies, exactly as the program would send them to AWS.
// - Evaluation is iam-simulate's: identity + boundary + resource policy + VPC endpoint policy, explicit deny first,
//   same-account vs cross-account rules, the KMS rule that the key policy must grant (no root statement = no IAM
//   delegation), and the trust-policy rules for sts:AssumeRole.
// - SCPs and RCPs: only in account-per-vendor worlds (world.organization, review/organization.ts), built by the same
//   iam/organization.ts the organization stack deploys; then aws:PrincipalOrgID and aws:ResourceAccount are supplied.
//   Shared-account worlds carry none (the default full-access ones apply).
// - Not modelled (simulation cannot prove them): IAM/bucket-policy propagation delay; session policies and session tags; S3 Block
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
import { s3ServiceHost } from "../iam/document";
import { accountOf, ANONYMOUS, buildContext, serviceOf, type Network, type SimRequest } from "./context";
import { bucketOfResource, regionOfWorld, type PolicyDoc, type World } from "./world";

// The world and the request context live in their own files; callers may import them from here as well.
export { ANONYMOUS, buildContext, type Network, type SimRequest } from "./context";
export {
    vendorFacts,
    worldFromPlans,
    type BucketModel,
    type EndpointModel,
    type KeyModel,
    type PolicyDoc,
    type RoleModel,
    type VendorFacts,
    type World,
} from "./world";

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
// Results

/** The evaluation layers. "key" is the key's state and the S3 -> KMS call S3 makes for SSE-KMS objects. */
export type Layer = "identity" | "boundary" | "resource" | "endpoint" | "key";
export const LAYERS: Layer[] = ["identity", "boundary", "resource", "endpoint", "key"];
export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";
/** The organization's layers, present only in account-per-vendor worlds (world.organization). */
export type OrgLayer = "scp" | "rcp";
export const ORG_LAYERS: OrgLayer[] = ["scp", "rcp"];
type AnyLayer = Layer | OrgLayer;

export interface SimOptions {
    /** Layers replaced by allow-all (defense-in-depth proofs). "key" also skips the chained S3 -> KMS call. */
    replace?: AnyLayer[];
    /** Simulate the KMS call S3 makes for SSE-KMS GetObject/PutObject (default true). */
    chainKms?: boolean;
}

export interface Verdict {
    layer: AnyLayer;
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
    layers: Partial<Record<AnyLayer, string>>;
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
    Statement: [
        { Sid: "AllowAll", Effect: "Allow", Principal: callerAccount ? { AWS: `arn:aws:iam::${callerAccount}:root` } : "*", Action: "*", Resource: resource },
    ],
});
const ALLOW_ALL_ENDPOINT: PolicyDoc = { Version: "2012-10-17", Statement: [{ Sid: "AllowAll", Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }] };

/** Where a role ARN's session comes from: arn:aws:iam::A:role/path/name -> arn:aws:sts::A:assumed-role/name/s. */
function sessionArn(roleArn: string): string {
    const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
    return m ? `arn:aws:sts::${m[1]}:assumed-role/${m[2]}/enclave-simulation` : roleArn;
}

interface AnalysisLike {
    result: Decision;
    blockedBy?: string[];
    identityAnalysis?: LayerAnalysis;
    scpAnalysis?: { result: string; ouAnalysis: LayerAnalysis[] };
    rcpAnalysis?: { result: string; ouAnalysis: LayerAnalysis[] };
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
    let resourcePolicy =
        req.resourcePolicy ?? (service === "sts" && req.action.toLowerCase().startsWith("sts:assumerole") ? target?.trust : (bucket?.policy ?? key?.policy));
    if (replace.has("resource")) {
        const caller = anonymous || /\.amazonaws\.com$/.test(req.principal) ? undefined : accountOf(req.principal);
        resourcePolicy = allowAllResource(service === "s3" && bucket ? `${bucket.arn}*` : req.resource.includes(":") ? req.resource : "*", caller);
    }
    // A bucket outside the plans (an attacker's) is in some other account: defaulting to the caller's would judge
    // cross-account exfiltration as same-account, where a resource policy alone can grant access.
    const resourceAccount = req.resourceAccount ?? (accountOf(req.resource) || bucket?.accountId || "000000000000");

    // Network side: the endpoint's policy applies when the request travels through an endpoint of that service.
    const network = req.network ?? { via: "internet", sourceIp: "203.0.113.10" };
    let endpointPolicies: { name: string; policy: PolicyDoc }[] | undefined;
    if (network.via === "endpoint") {
        const ep = world.endpoints.get(network.endpointId);
        if (!ep) throw new Error(`endpoint ${network.endpointId} is not in the simulated plans`);
        if (ep.service !== service) throw new Error(`endpoint ${ep.id} is a ${ep.service} endpoint; a ${req.action} request cannot travel through it`);
        endpointPolicies = [{ name: ep.id, policy: replace.has("endpoint") || !ep.policy ? ALLOW_ALL_ENDPOINT : ep.policy }];
    }

    // Organization layers: SCPs of the caller's account, RCPs of the resource's; keys AWS adds for members.
    const org = world.organization;
    const principalAccount = anonymous || /\.amazonaws\.com$/.test(req.principal) ? undefined : accountOf(req.principal);
    if (org) {
        if (principalAccount && org.scps.has(principalAccount) && !(req.context && "aws:PrincipalOrgID" in req.context)) context["aws:PrincipalOrgID"] = org.id;
        if (!(req.context && "aws:ResourceAccount" in req.context)) context["aws:ResourceAccount"] = resourceAccount;
    }
    const scps = org && principalAccount && !replace.has("scp") ? (org.scps.get(principalAccount) ?? []) : [];
    const rcps = org && !replace.has("rcp") ? (org.rcps.get(resourceAccount) ?? []) : [];

    const principal = anonymous ? lib.anonymousPrincipal : role || /:role\//.test(req.principal) ? sessionArn(req.principal) : req.principal;
    const response = await lib.runSimulation(
        {
            request: { principal, action: req.action, resource: { resource: req.resource, accountId: resourceAccount }, contextVariables: context },
            identityPolicies,
            serviceControlPolicies: scps,
            resourceControlPolicies: rcps,
            ...(resourcePolicy ? { resourcePolicy } : {}),
            ...(boundary ? { permissionBoundaryPolicies: [boundary] } : {}),
            ...(endpointPolicies ? { vpcEndpointPolicies: endpointPolicies } : {}),
        },
        { simulationMode: "Strict" },
    );
    if (response.resultType === "error")
        throw new Error(`iam-simulate rejected ${req.action} on ${req.resource}: ${response.errors.message} ${JSON.stringify(response.errors)}`);
    const single = response.resultType === "single" ? response.result : response.results[0];
    if (!single) throw new Error(`iam-simulate returned no result for ${req.action} on ${req.resource}`);
    const analysis = single.analysis as unknown as AnalysisLike;
    let result = interpret(analysis, { resourceAccount, principalAccount: anonymous ? "" : accountOf(req.principal), service });
    result.ignoredContextKeys = single.ignoredContextKeys ?? [];
    result.request = { principal: req.principal, action: req.action, resource: req.resource, context };

    // Key state: a disabled key refuses every use (DisableKey is a state, not a policy; iam-simulate does not know it).
    if (key && !key.enabled && !replace.has("key") && KMS_USE.has(req.action.toLowerCase())) {
        result = {
            ...result,
            decision: "ExplicitlyDenied",
            allowed: false,
            decidedBy: { layer: "key", effect: "Deny", sid: "KeyDisabled" },
            denials: [...result.denials, { layer: "key", effect: "Deny", sid: "KeyDisabled" }],
        };
        result.layers.key = "Disabled";
    }

    // SSE-KMS objects: S3 calls KMS with the caller's identity (kms:ViaService = s3.<region>); both must allow.
    if (result.allowed && bucket && opts.chainKms !== false && !replace.has("key") && !anonymous) {
        const kmsAction =
            req.action.toLowerCase() === "s3:getobject" || req.action.toLowerCase() === "s3:getobjectversion"
                ? "kms:Decrypt"
                : req.action.toLowerCase() === "s3:putobject"
                  ? "kms:GenerateDataKey"
                  : undefined;
        // aws:kms without a key id puts under the AWS managed key aws/s3, which is in no plan: nothing to chain.
        const putKey = req.sse && req.sse.algorithm === "aws:kms" ? (req.sse.keyId ?? AWS_MANAGED_S3_KEY) : undefined;
        const keyArn = kmsAction === "kms:GenerateDataKey" && req.sse === null ? bucket.keyArn : (putKey ?? bucket.keyArn);
        if (kmsAction && keyArn && world.keys.has(keyArn)) {
            const kms = await simulate(
                world,
                {
                    principal: req.principal,
                    action: kmsAction,
                    resource: keyArn,
                    network: { via: "service" },
                    viaService: s3ServiceHost(world.keys.get(keyArn)!.region ?? regionOfWorld(world)),
                    currentTime: req.currentTime,
                    tokenIssueTime: req.tokenIssueTime,
                    identityPolicies: req.identityPolicies,
                },
                { replace: [...replace].filter((l) => l !== "endpoint" && l !== "resource"), chainKms: false },
            );
            result.kms = kms;
            result.layers.key = kms.decision;
            if (!kms.allowed) {
                const v: Verdict = { layer: "key", effect: "Deny", sid: kms.decidedBy.sid, policy: `${kmsAction} via S3 (${kms.decidedBy.layer})` };
                result = {
                    ...result,
                    decision: kms.decision,
                    allowed: false,
                    decidedBy: v,
                    denials: [...result.denials, ...kms.denials.map((d) => ({ ...d, layer: "key" as Layer, policy: `${kmsAction} via S3 (${d.layer})` }))],
                };
            }
        }
    }
    return result;
}

// Cryptographic use, refused by a disabled key. DescribeKey is not in it: AWS answers it for a disabled key (and
// `pulumi refresh` of a sealed stack relies on that).
const KMS_USE = new Set([
    "kms:decrypt",
    "kms:encrypt",
    "kms:generatedatakey",
    "kms:generatedatakeywithoutplaintext",
    "kms:reencryptfrom",
    "kms:reencryptto",
    "kms:creategrant",
]);
const AWS_MANAGED_S3_KEY = "alias/aws/s3";

function interpret(a: AnalysisLike, facts: { resourceAccount: string; principalAccount: string; service: string }): SimResult {
    const layerOf: [Layer, LayerAnalysis | undefined][] = [
        ["identity", a.identityAnalysis],
        ["boundary", a.permissionBoundaryAnalysis],
        ["resource", a.resourceAnalysis],
        ["endpoint", a.endpointAnalysis],
    ];
    const layers: Partial<Record<AnyLayer, string>> = {};
    const denials: Verdict[] = [];
    // Organization layers first: AWS checks SCPs and RCPs before anything the account itself holds.
    for (const [layer, oa] of [
        ["scp", a.scpAnalysis],
        ["rcp", a.rcpAnalysis],
    ] as const) {
        if (!oa || oa.ouAnalysis.length === 0) continue;
        layers[layer] = oa.result;
        for (const ou of oa.ouAnalysis) for (const s of ou.denyStatements) denials.push({ layer, effect: "Deny", sid: s.statement.sid(), policy: s.policyId });
    }
    for (const [layer, la] of layerOf) {
        if (!la) continue;
        layers[layer] = la.result;
        for (const s of la.denyStatements) denials.push({ layer, effect: "Deny", sid: s.statement.sid(), policy: s.policyId });
    }
    const base = {
        decision: a.result,
        allowed: a.result === "Allowed",
        denials,
        layers,
        ignoredContextKeys: [],
        request: { principal: "", action: "", resource: "", context: {} },
    };
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
    const blocked = (a.blockedBy ?? [])
        .map((b) => ({ scp: "scp", rcp: "rcp", pb: "boundary", vpce: "endpoint", identity: "identity", resource: "resource" })[b] as AnyLayer | undefined)
        .filter(Boolean) as AnyLayer[];
    if (blocked.length) return { ...base, decidedBy: { layer: blocked[0], effect: "Deny" } };
    const granted = (la?: LayerAnalysis) => Boolean(la && la.allowStatements.length > 0);
    const layer: Layer = !facts.principalAccount
        ? "resource"
        : resourceNeeded && !granted(a.resourceAnalysis) && granted(a.identityAnalysis)
          ? "resource"
          : !granted(a.identityAnalysis)
            ? "identity"
            : "resource";
    return { ...base, decidedBy: { layer, effect: "Deny" } };
}

/**
 * Same request with the given layers replaced by allow-all: a denial that survives proves the remaining layers deny
 * on their own (defense in depth).
 */
export function simulateWith(world: World, req: SimRequest, replace: AnyLayer[], opts: Omit<SimOptions, "replace"> = {}): Promise<SimResult> {
    return simulate(world, req, { ...opts, replace });
}

/** Every layer except `keep` replaced by allow-all. */
export function simulateOnly(world: World, req: SimRequest, keep: AnyLayer, opts: Omit<SimOptions, "replace"> = {}): Promise<SimResult> {
    return simulate(world, req, { ...opts, replace: [...LAYERS, ...ORG_LAYERS].filter((l) => l !== keep) });
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
