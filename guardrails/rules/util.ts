// Shared helpers for the guardrail rules: IAM document parsing, a tiny condition evaluator, type tokens and links
// between resources. The pack directory is what `pulumi preview --policy-pack guardrails` loads, so nothing here imports
// from the rest of the repository except contract/, which is dependency-free and included in the pack's build.
import type { PolicyResource } from "@pulumi/policy";
import type { SecurityStackOutputs } from "../../contract/outputs";
import type { Statement } from "../../contract/policy";
import { LOG_ARCHIVE_ROLE, LOG_REPLICATION_ROLE, SECURITY_STACK, TAG } from "../../contract/tags";
import { T } from "../../contract/tokens";
import { SELF_STACK_REFERENCE } from "../../contract/unsealWindow";
import { operatorsInAccount } from "../../contract/operators";

export { T };
export type { Statement };

export const is = (types: readonly string[], type: string): boolean => types.includes(type);
export const ofType = (resources: PolicyResource[], types: readonly string[]) => resources.filter((r) => types.includes(r.type));

export const list = <V>(v: V | V[] | undefined | null): V[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
export const strings = (v: unknown): string[] => list(v as string | string[] | undefined).filter((x): x is string => typeof x === "string");

/** Accepts the JSON string the program passes (or an object); returns the statements, or undefined if unparsable. */
export function statementsOf(doc: unknown): Statement[] | undefined {
    let parsed: unknown = doc;
    if (typeof doc === "string") {
        try {
            parsed = JSON.parse(doc);
        } catch {
            return undefined;
        }
    }
    if (!parsed || typeof parsed !== "object") return undefined;
    return list((parsed as { Statement?: Statement | Statement[] }).Statement);
}

export const label = (s: Statement, i: number) => (s.Sid ? `statement "${s.Sid}"` : `statement #${i + 1}`);

export interface Principals {
    any: boolean;
    aws: string[];
    service: string[];
    other: string[];
}

export function principalsOf(p: unknown): Principals {
    if (p === "*") return { any: true, aws: [], service: [], other: [] };
    const o = (p ?? {}) as Record<string, unknown>;
    const aws = strings(o.AWS);
    const service = strings(o.Service);
    const other = [...strings(o.Federated), ...strings(o.CanonicalUser)];
    return { any: aws.includes("*"), aws: aws.filter((a) => a !== "*"), service, other };
}

export interface ConditionEntry {
    op: string;
    key: string;
    values: string[];
}

export function conditionsOf(s: Statement): ConditionEntry[] {
    const out: ConditionEntry[] = [];
    for (const [op, byKey] of Object.entries(s.Condition ?? {})) {
        for (const [key, v] of Object.entries(byKey ?? {})) out.push({ op, key, values: list(v as unknown).map((x) => String(x)) });
    }
    return out;
}

/** Values of a condition key under any operator (keys compared case-insensitively, as IAM does). */
export function conditionValues(s: Statement, key: string): string[] {
    return conditionsOf(s)
        .filter((c) => c.key.toLowerCase() === key.toLowerCase())
        .flatMap((c) => c.values);
}

/** IAM wildcard match: `*` any run, `?` one character; case-insensitive (actions are). */
export function globMatch(pattern: string, value: string, caseInsensitive = true): boolean {
    const re = new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
        caseInsensitive ? "i" : "",
    );
    return re.test(value);
}

export const actionsOf = (s: Statement) => strings(s.Action);
export const resourcesOf = (s: Statement) => strings(s.Resource);

/** True if the statement's Action/NotAction covers `action`. */
export function coversAction(s: Statement, action: string): boolean {
    if (s.NotAction !== undefined) return !strings(s.NotAction).some((p) => globMatch(p, action));
    return actionsOf(s).some((p) => globMatch(p, action));
}

export function coversResource(s: Statement, resource: string): boolean {
    if (s.NotResource !== undefined) return !strings(s.NotResource).some((p) => globMatch(p, resource, false));
    return resourcesOf(s).some((p) => globMatch(p, resource, false));
}

/** The request context the evaluator knows; absent keys are absent from the request. */
export type RequestContext = Record<string, string | undefined>;

/**
 * Does every condition of the statement hold for this request? A small subset of IAM's evaluation: string, ARN and
 * Bool operators with ...IfExists and negation. Unknown operators are assumed to hold (conservative for a Deny:
 * reports a possible lock-out rather than missing one).
 */
export function conditionsHold(s: Statement, ctx: RequestContext): boolean {
    for (const c of conditionsOf(s)) {
        const ifExists = c.op.endsWith("IfExists");
        const base = ifExists ? c.op.slice(0, -"IfExists".length) : c.op;
        const ctxKey = Object.keys(ctx).find((k) => k.toLowerCase() === c.key.toLowerCase());
        const value = ctxKey ? ctx[ctxKey] : undefined;
        const negated = /^(StringNot|ArnNot|NotIp)/.test(base);
        if (value === undefined) {
            if (ifExists || negated) continue;
            return false;
        }
        let matches: boolean;
        if (/^String(Not)?Equals$/.test(base) || /^Arn(Not)?Equals$/.test(base)) matches = c.values.includes(value);
        else if (/^String(Not)?EqualsIgnoreCase$/.test(base)) matches = c.values.some((v) => v.toLowerCase() === value.toLowerCase());
        else if (/^(String|Arn)(Not)?Like$/.test(base)) matches = c.values.some((v) => globMatch(v, value, false));
        else if (base === "Bool") matches = c.values.some((v) => v.toLowerCase() === value.toLowerCase());
        else continue;
        if (negated ? matches : !matches) return false;
    }
    return true;
}

export function principalCovers(s: Statement, principalArn: string): boolean {
    if (s.NotPrincipal !== undefined) return !principalsOf(s.NotPrincipal).aws.includes(principalArn);
    const p = principalsOf(s.Principal);
    if (s.Principal === undefined) return true; // identity policy: applies to its holder
    return p.any || p.aws.includes(principalArn) || p.aws.some((a) => a === `arn:aws:iam::${accountOfArn(principalArn)}:root`);
}

export const accountOfArn = (arn: string): string | undefined =>
    /^arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:(\d{12}):/.exec(arn)?.[1] ?? (/^\d{12}$/.test(arn) ? arn : undefined);

export const tagsOf = (props: Record<string, unknown>): Record<string, string> => (props.tags ?? {}) as Record<string, string>;

/**
 * Actions that support no resource-level permissions, where Resource "*" is the only valid form (the AWS service
 * authorization reference lists no resource type for them). The SSM agent's channel and message actions are among them.
 */
export const RESOURCELESS_ACTIONS = [
    "sts:GetCallerIdentity",
    "s3:ListAllMyBuckets",
    "ec2:Describe*",
    "kms:ListKeys",
    "kms:ListAliases",
    "logs:DescribeLogGroups",
    "cloudwatch:PutMetricData",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
    "ec2messages:AcknowledgeMessage",
    "ec2messages:DeleteMessage",
    "ec2messages:FailMessage",
    "ec2messages:GetEndpoint",
    "ec2messages:GetMessages",
    "ec2messages:SendReply",
    // Step Functions task tokens are not resources (the token is the capability), and CloudWatch Logs' vended-log
    // delivery for a state machine takes "*" only (IAM lists no resource type for any of these).
    "states:SendTaskSuccess",
    "states:SendTaskFailure",
    "states:SendTaskHeartbeat",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
];

/** Project convention (iam/names.ts): data buckets carry `enclave:dataset`; the security stack `enclave:role=log-archive`. */
export const isDataBucket = (r: { props: Record<string, unknown> }) => tagsOf(r.props)[TAG.dataset] !== undefined;
/** The export airlock's own resources (components/airlock.ts): lab-side, never the vendor's. */
export const isAirlockTagged = (r: { props: Record<string, unknown> }) => tagsOf(r.props)[TAG.airlock] !== undefined;
/**
 * Roles of a vendor stack that are the lab's, not the vendor side's: the airlock's, and in account mode the log
 * replication role (S3 assumes it; it must keep replicating while the vendor side is sealed).
 */
export const isLabSideRole = (r: { props: Record<string, unknown> }) => isAirlockTagged(r) || tagsOf(r.props)[TAG.role] === LOG_REPLICATION_ROLE;
export const isLogArchiveTagged = (r: { props: Record<string, unknown> }) => tagsOf(r.props)[TAG.role] === LOG_ARCHIVE_ROLE;

/** The value AWS and Pulumi use to refer to a resource: its id (a bucket's name, an sg-/vpc-/subnet- id). */
export function idOf(r: PolicyResource): string | undefined {
    const p = r.props ?? {};
    const id = (p.id as string | undefined) ?? (is(T.bucket, r.type) ? (p.bucket as string | undefined) : undefined);
    return typeof id === "string" ? id : undefined;
}

/**
 * Does `r.props[prop]` refer to `target`? The engine records property dependencies (these work at preview, when ids
 * are still unknown); the offline harness rebuilds them from ids and ARNs; values are the fallback when none is recorded.
 */
export function refersTo(r: PolicyResource, prop: string, target: PolicyResource): boolean {
    // Dependencies first: at preview the ids are unknown, and reading an unknown prop aborts the whole stack policy.
    const deps = r.propertyDependencies?.[prop] ?? [];
    if (deps.length > 0) return deps.some((d) => d.urn === target.urn);
    const id = idOf(target);
    const arn = target.props?.arn as string | undefined;
    const values = strings(r.props?.[prop]);
    return values.some((v) => v === id || (arn !== undefined && v === arn));
}

export const arnOf = (r: PolicyResource): string | undefined => r.props?.arn as string | undefined;
export const bucketArnOf = (b: PolicyResource): string => (b.props?.arn as string | undefined) ?? `arn:aws:s3:::${b.props?.bucket ?? idOf(b)}`;

/** The bucket's companion resource of `types`, linked through its `bucket` property. */
export const sideOf = (resources: PolicyResource[], bucket: PolicyResource, types: readonly string[]) =>
    ofType(resources, types).filter((s) => refersTo(s, "bucket", bucket));

export const OPEN_CIDRS = ["0.0.0.0/0", "::/0"];

/** A vendor stack holds data buckets or resources tagged for a vendor (the security stack is tagged `security`). */
export function isVendorStack(resources: PolicyResource[]): boolean {
    return resources.some((r) => {
        const v = tagsOf(r.props ?? {})[TAG.vendor];
        return (v !== undefined && v !== SECURITY_STACK) || (is(T.bucket, r.type) && isDataBucket(r));
    });
}

/** The account the stack deploys to, from the pinned provider's `allowedAccountIds` (a JSON string in provider inputs). */
export function providerAccounts(providerProps: Record<string, unknown> | undefined): string[] {
    const raw = providerProps?.allowedAccountIds;
    if (raw === undefined) return [];
    if (typeof raw === "string") {
        try {
            return strings(JSON.parse(raw));
        } catch {
            return [raw];
        }
    }
    return strings(raw);
}

export interface Operators {
    deployerRoleArn?: string;
    breakGlassRoleArn?: string;
}

/**
 * The deployer and break-glass roles: from the policy's config if given (`--policy-pack-config`), else from the
 * security stack's outputs the vendor stack reads through its StackReference (known at preview: it is a read). A
 * vendor stack pinned to another account than the security stack's (account mode) is operated by the roles of the
 * same names in its own account (contract/operators.ts), as its program writes them.
 */
export function operatorsOf(resources: PolicyResource[], config: Operators): Operators {
    // The security stack's reference, not the stack's reference to its own deployed outputs.
    const ref = ofType(resources, T.stackReference).find((r) => r.name !== SELF_STACK_REFERENCE);
    const outputs = (ref?.props?.outputs ?? {}) as { [K in keyof SecurityStackOutputs]?: unknown };
    const str = (v: unknown) => (typeof v === "string" ? v : undefined);
    const fromStack: Operators = { deployerRoleArn: str(outputs.deployerRoleArn), breakGlassRoleArn: str(outputs.breakGlassRoleArn) };
    const accounts = ofType(resources, T.awsProvider).flatMap((p) => providerAccounts(p.props));
    const member = accounts.length === 1 && str(outputs.accountId) && accounts[0] !== outputs.accountId ? accounts[0] : undefined;
    const derived = member ? operatorsInAccount(fromStack, member) : fromStack;
    return {
        deployerRoleArn: config.deployerRoleArn ?? derived.deployerRoleArn,
        breakGlassRoleArn: config.breakGlassRoleArn ?? derived.breakGlassRoleArn,
    };
}

export const operatorConfigSchema = {
    properties: {
        deployerRoleArn: { type: "string" as const, description: "Deployer role ARN; default: the security stack's deployerRoleArn output." },
        breakGlassRoleArn: { type: "string" as const, description: "Break-glass role ARN; default: the security stack's breakGlassRoleArn output." },
    },
};
