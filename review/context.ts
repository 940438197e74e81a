// The request context AWS would attach to a simulated request: who calls (principal keys), from where (network keys),
// on what (resource tags, SSE headers, KMS via-service) and when. iam-simulate does not derive context keys from the
// request (aws:SourceVpce, aws:PrincipalArn, kms:ViaService... are all supplied here) and silently ignores keys that
// do not apply to the action; the request context we supply SAYS where a request came from, the simulator cannot
// check that it could (routes and security groups are not modelled).
import { hostInCidr } from "../config/network";
import { bucketOfResource, regionOfWorld, type PolicyDoc, type World } from "./world";

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

/** The account of an ARN a request names (a principal outside the plans has no other record of it). */
export const accountOf = (arn: string) => arn.split(":")[4] ?? "";
export const serviceOf = (action: string) => action.split(":")[0].toLowerCase();

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
        const owner = req.resourceAccount ?? bucket?.accountId;
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
