// Runs the pack's policies over an offline plan (plan/types.ts) without the Pulumi engine: the same validateResource /
// validateStack functions, fed hand-built ResourceValidationArgs and StackValidationArgs. Never imports guardrails/index.ts
// (constructing the PolicyPack would start its gRPC server).
//
// What differs from a real `pulumi preview --policy-pack guardrails`: props come from the mocked plan, so every id and ARN
// is known (at a real preview of a new stack many are unknown and those checks are skipped); property dependencies are
// rebuilt from values (a prop equal to another resource's id or ARN); the provider is the stack's AWS provider.
import type {
    EnforcementLevel,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import type { Plan, PlanResource } from "../plan/types";
import { RESOURCE_POLICIES, STACK_POLICIES } from "./rules";

export interface Violation {
    policy: string;
    ruleIds: string[];
    enforcementLevel: EnforcementLevel;
    /** The resource the violation is about; the stack's URN when a stack policy names no resource. */
    urn: string;
    message: string;
    fix: string;
}

export interface CheckOptions {
    /** Per-policy config, as `--policy-pack-config` would give it (keyed by policy name). */
    config?: Record<string, Record<string, unknown>>;
    resourcePolicies?: ResourceValidationPolicy[];
    stackPolicies?: StackValidationPolicy[];
}

class NotApplicable extends Error {}

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

function optionsOf(r: PlanResource): PolicyResourceOptions {
    return {
        protect: r.protect,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        parent: r.parent ?? undefined,
    };
}

type ResourceClass = { __pulumiType?: string };
const typeChecks = (type: string) => ({
    isType: (cls: unknown) => (cls as ResourceClass).__pulumiType === type,
});

function providerFor(plan: Plan, r: PlanResource): PolicyProviderResource | undefined {
    const pkg = r.type.split(":")[0];
    const p = plan.resources.filter((x) => x.type === `pulumi:providers:${pkg}`);
    if (p.length !== 1) return undefined;
    return { type: p[0].type, props: clone(p[0].inputs), urn: p[0].urn, name: p[0].name };
}

function meta(p: ResourceValidationPolicy | StackValidationPolicy) {
    return { policy: p.name, ruleIds: p.tags ?? [], enforcementLevel: p.enforcementLevel ?? "advisory", fix: p.remediationSteps ?? "" };
}

const stackUrn = (plan: Plan) =>
    plan.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn ??
    `urn:pulumi:${plan.stack}::${plan.project}::pulumi:pulumi:Stack::${plan.project}-${plan.stack}`;

/** What CrossGuard hands a policy about one resource, for both the resource and the stack views. */
function resourceView(plan: Plan, r: PlanResource, props: Record<string, unknown>) {
    return {
        type: r.type,
        props,
        urn: r.urn,
        name: r.name,
        opts: optionsOf(r),
        provider: providerFor(plan, r),
        ...typeChecks(r.type),
        asType: (cls: unknown) => ((cls as ResourceClass).__pulumiType === r.type ? props : undefined),
    };
}

/** The stack view: outputs (the mocked state) as props, parents linked, property dependencies rebuilt from ids/ARNs. */
export function policyResources(plan: Plan): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const refs = new Map<string, PolicyResource>();
    for (const r of plan.resources) {
        const props = clone(r.custom && Object.keys(r.outputs ?? {}).length > 0 ? r.outputs : r.inputs) ?? {};
        const pr = { ...resourceView(plan, r, props), dependencies: [], propertyDependencies: {} } as unknown as PolicyResource;
        byUrn.set(r.urn, pr);
        // Only resources with their own ARN are referable: S3 side resources reuse the bucket's name as their id.
        if (!r.custom || typeof props.arn !== "string") continue;
        for (const key of ["id", "arn"]) {
            const v = props[key];
            if (typeof v === "string" && v.length > 0 && v !== "none") refs.set(v, pr);
        }
    }
    for (const r of plan.resources) {
        const pr = byUrn.get(r.urn)!;
        if (r.parent) pr.parent = byUrn.get(r.parent);
        const deps = new Set<PolicyResource>();
        for (const [prop, value] of Object.entries(r.inputs ?? {})) {
            const found = (Array.isArray(value) ? value : [value])
                .map((v) => (typeof v === "string" ? refs.get(v) : undefined))
                .filter((d): d is PolicyResource => d !== undefined && d !== pr);
            if (found.length > 0) {
                pr.propertyDependencies[prop] = found;
                found.forEach((d) => deps.add(d));
            }
        }
        pr.dependencies = [...deps];
    }
    return plan.resources.map((r) => byUrn.get(r.urn)!);
}

/** Every violation of every policy over one plan, in policy order. Resolves to [] for a compliant plan. */
export async function checkPlan(plan: Plan, options: CheckOptions = {}): Promise<Violation[]> {
    const out: Violation[] = [];
    const configOf = (name: string) => () => (options.config?.[name] ?? {}) as never;
    const notApplicable = (): never => {
        throw new NotApplicable();
    };
    for (const policy of options.resourcePolicies ?? RESOURCE_POLICIES) {
        const validations =
            policy.validateResource === undefined ? [] : Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
        for (const r of plan.resources) {
            const args: ResourceValidationArgs = {
                ...(resourceView(plan, r, clone(r.inputs) ?? {}) as Pick<
                    ResourceValidationArgs,
                    "type" | "props" | "urn" | "name" | "opts" | "provider" | "isType" | "asType"
                >),
                stackTags: new Map(),
                getConfig: configOf(policy.name),
                notApplicable,
            };
            for (const validate of validations) {
                try {
                    await validate(args, (message) => out.push({ ...meta(policy), urn: r.urn, message }));
                } catch (err) {
                    if (!(err instanceof NotApplicable)) throw err;
                }
            }
        }
    }
    const resources = policyResources(plan);
    for (const policy of options.stackPolicies ?? STACK_POLICIES) {
        const args: StackValidationArgs = { resources, stackTags: new Map(), getConfig: configOf(policy.name), notApplicable };
        try {
            await policy.validateStack(args, (message, urn) => out.push({ ...meta(policy), urn: urn ?? stackUrn(plan), message }));
        } catch (err) {
            if (!(err instanceof NotApplicable)) throw err;
        }
    }
    return out;
}

export const POLICY_COUNT = RESOURCE_POLICIES.length + STACK_POLICIES.length;

export interface CheckTotals {
    /** Policies run. */
    checked: number;
    /** Policies with no finding. */
    passed: number;
    /** Mandatory policies with at least one violation. */
    failed: number;
    /** Advisory policies with at least one finding (reported, not failing unless strict). */
    advisory: number;
}

/** Totals per policy, the way CrossGuard judges a preview: a mandatory violation fails it, an advisory one does not. */
export function totalsOf(violations: Violation[]): CheckTotals {
    const failed = new Set(violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policy)).size;
    const advisory = new Set(violations.filter((v) => v.enforcementLevel !== "mandatory").map((v) => v.policy)).size;
    return { checked: POLICY_COUNT, passed: POLICY_COUNT - failed - advisory, failed, advisory };
}

/** Mandatory violations fail a check; advisory findings only when `strict`. */
export function failsCheck(violations: Violation[], strict = false): boolean {
    return violations.some((v) => v.enforcementLevel === "mandatory" || (strict && v.enforcementLevel !== "disabled"));
}
