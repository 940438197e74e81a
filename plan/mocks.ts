import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { SecurityStackOutputs } from "../contract/outputs";
import { TOKEN } from "../contract/tokens";
import { SELF_STACK_REFERENCE } from "../contract/unsealWindow";

/** Deterministic hex from a resource's identity: the same spec always gives the same ids, ARNs and plan bytes. */
export function stableHex(seed: string, length: number): string {
    return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

export function mockUuid(seed: string): string {
    const h = stableHex(seed, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The key id the mock gives a KMS key registered under `name`. */
export function mockKeyId(name: string): string {
    return mockUuid(`${TOKEN.key}:${name}`);
}

/** The value the mock gives every generated external ID: tests and the simulator can use it; plans show "[secret]". */
export function mockGeneratedSecret(resourceName: string): string {
    return `mock${stableHex(`secret:${resourceName}`, 28)}`;
}

export interface MockContext {
    accountId: string;
    region: string;
    /** Outputs returned for any StackReference read but the stack's reference to itself (the security stack's). */
    stackReferenceOutputs: Partial<SecurityStackOutputs>;
    /** Outputs the stack's reference to itself reads (its outputs as last deployed). Default: none, a fresh stack. */
    deployedOutputs?: Record<string, unknown>;
}

type State = Record<string, unknown>;

/**
 * Realistic ids and ARNs per type, as AWS would return them. Without these, policies that interpolate ARNs render
 * "undefined". Each rule returns the state to merge over the inputs, and the id.
 */
function stateFor(ctx: MockContext, type: string, name: string, inputs: State): { id: string; state: State } {
    const { accountId: acct, region } = ctx;
    const seed = `${type}:${name}`;
    const named = (inputs.name as string | undefined) ?? `${name}-${stableHex(seed, 7)}`;
    const ec2 = (prefix: string) => {
        const id = `${prefix}-${stableHex(seed, 17)}`;
        return { id, state: { id, arn: `arn:aws:ec2:${region}:${acct}:${prefixResource[prefix] ?? prefix}/${id}`, ownerId: acct } };
    };
    switch (type) {
        case TOKEN.bucket: {
            const bucket = (inputs.bucket as string | undefined) ?? `${name}-${stableHex(seed, 7)}`;
            return { id: bucket, state: { bucket, arn: `arn:aws:s3:::${bucket}`, bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`, region } };
        }
        case TOKEN.key: {
            const keyId = mockUuid(seed);
            return { id: keyId, state: { keyId, arn: `arn:aws:kms:${region}:${acct}:key/${keyId}` } };
        }
        case TOKEN.kmsAlias:
            return {
                id: inputs.name as string,
                state: { arn: `arn:aws:kms:${region}:${acct}:${inputs.name}`, targetKeyArn: `arn:aws:kms:${region}:${acct}:key/${inputs.targetKeyId}` },
            };
        case TOKEN.role:
            return { id: named, state: { name: named, arn: `arn:aws:iam::${acct}:role/${named}`, uniqueId: `AROA${stableHex(seed, 17).toUpperCase()}` } };
        case TOKEN.managedPolicy:
            return {
                id: `arn:aws:iam::${acct}:policy/${named}`,
                state: { name: named, arn: `arn:aws:iam::${acct}:policy/${named}`, policyId: `ANPA${stableHex(seed, 17).toUpperCase()}` },
            };
        case TOKEN.instanceProfile:
            return { id: named, state: { name: named, arn: `arn:aws:iam::${acct}:instance-profile/${named}` } };
        case TOKEN.rolePolicy:
            return { id: `${inputs.role}:${inputs.name}`, state: {} };
        case TOKEN.vpc:
            return ec2("vpc");
        case TOKEN.subnet:
            return ec2("subnet");
        case TOKEN.routeTable:
            return ec2("rtb");
        case TOKEN.routeTableAssociation:
            return ec2("rtbassoc");
        case TOKEN.sg:
        case TOKEN.defaultSg:
            return ec2("sg");
        case TOKEN.endpoint:
            return ec2("vpce");
        case TOKEN.flowLog:
            return ec2("fl");
        case TOKEN.trail:
            return { id: named, state: { name: named, arn: `arn:aws:cloudtrail:${region}:${acct}:trail/${named}`, homeRegion: region } };
        case TOKEN.logGroup:
            return { id: named, state: { name: named, arn: `arn:aws:logs:${region}:${acct}:log-group:${named}` } };
        case TOKEN.alarm:
            return { id: named, state: { arn: `arn:aws:cloudwatch:${region}:${acct}:alarm:${named}` } };
        case TOKEN.metricFilter:
            return { id: named, state: {} };
        case TOKEN.eventRule:
            return { id: named, state: { name: named, arn: `arn:aws:events:${region}:${acct}:rule/${named}` } };
        case TOKEN.eventTarget:
            // AWS ids a target by its rule and target id; its `arn` input is where it delivers, not its own.
            return { id: `${inputs.rule}-${inputs.targetId}`, state: {} };
        case TOKEN.snsTopic:
            return { id: `arn:aws:sns:${region}:${acct}:${named}`, state: { name: named, arn: `arn:aws:sns:${region}:${acct}:${named}` } };
        case TOKEN.lambdaFunction:
            return { id: named, state: { name: named, arn: `arn:aws:lambda:${region}:${acct}:function:${named}` } };
        case TOKEN.stateMachine:
            return {
                id: `arn:aws:states:${region}:${acct}:stateMachine:${named}`,
                state: { name: named, arn: `arn:aws:states:${region}:${acct}:stateMachine:${named}` },
            };
        case TOKEN.sqsQueue:
            // AWS ids a queue by its URL.
            return {
                id: `https://sqs.${region}.amazonaws.com/${acct}/${named}`,
                state: { name: named, arn: `arn:aws:sqs:${region}:${acct}:${named}`, url: `https://sqs.${region}.amazonaws.com/${acct}/${named}` },
            };
        case TOKEN.malwareProtectionPlan: {
            const planId = stableHex(seed, 20);
            return { id: planId, state: { arn: `arn:aws:guardduty:${region}:${acct}:malware-protection-plan/${planId}` } };
        }
        case TOKEN.randomPassword:
            return { id: "none", state: { result: mockGeneratedSecret(name) } };
        default:
            // Bucket side resources (versioning, policy, ...), topic policies: AWS ids them by the bucket or topic.
            return { id: (inputs.bucket as string | undefined) ?? (inputs.arn as string | undefined) ?? `${name}-${stableHex(seed, 8)}`, state: {} };
    }
}

const prefixResource: Record<string, string> = {
    vpc: "vpc",
    subnet: "subnet",
    rtb: "route-table",
    sg: "security-group",
    vpce: "vpc-endpoint",
    fl: "vpc-flow-log",
};

export interface MockRecorder {
    outputs: Map<string, State>;
    unmockedCalls: string[];
}

export function createMocks(ctx: MockContext, recorder: MockRecorder): pulumi.runtime.Mocks {
    return {
        newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: State } {
            let result: { id: string | undefined; state: State };
            if (args.type === TOKEN.stackReference) {
                const referenced = String(args.inputs.name ?? args.name);
                const outputs = args.name === SELF_STACK_REFERENCE ? (ctx.deployedOutputs ?? {}) : ctx.stackReferenceOutputs;
                result = { id: referenced, state: { name: referenced, outputs, secretOutputNames: [] } };
            } else if (args.type.startsWith("pulumi:providers:")) {
                result = { id: `${args.name}-provider`, state: args.inputs };
            } else if (!args.custom) {
                result = { id: undefined, state: {} };
            } else {
                const { id, state } = stateFor(ctx, args.type, args.name, args.inputs);
                result = { id, state: { ...args.inputs, ...state, id } };
            }
            recorder.outputs.set(`${args.type}::${args.name}`, result.state);
            return result;
        },
        call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
            // The program makes no invokes. One that appears is a change nobody reviewed for offline use: fail it.
            recorder.unmockedCalls.push(args.token);
            throw new Error(`unexpected provider call ${args.token} during an offline plan`);
        },
    };
}
