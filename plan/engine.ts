import * as pulumi from "@pulumi/pulumi";
import { TOKEN } from "../contract/tokens";
import { createMocks, type MockContext, type MockRecorder } from "./mocks";
import { PROJECT, SECRET_PLACEHOLDER, type Plan, type PlanResource } from "./types";

// Internal SDK entry points (present in the JS, not in the .d.ts). The run is complete only once the SDK's pending
// RPCs drain; without this a run records a fraction of its resources.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void>; getMonitor(): MonitorLike };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc = require("@pulumi/pulumi/runtime/rpc") as {
    deserializeProperties(s: unknown): Record<string, unknown>;
    specialSigKey: string;
    specialSecretSig: string;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T> };
const resourceStatics = pulumi.Resource as unknown as { stackTrace: (skip: number) => unknown[] };

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProtect(): boolean;
    getRetainondelete(): boolean;
    getObject(): unknown;
    getDependenciesList(): string[];
}
interface ReadRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getProperties(): unknown;
}
type Callback = (err: unknown, resp?: { getUrn(): string }) => void;
interface MonitorLike {
    registerResource(req: RegisterRequest, cb: Callback): void;
    readResource(req: ReadRequest, cb: Callback): void;
}

export interface RunOptions {
    stack: string;
    mock: MockContext;
    /** Values to show as "[secret]" wherever they appear (e.g. an external ID given in a spec). */
    knownSecrets: string[];
    /** The stack program; an async one (the vendor program reads its own deployed outputs first) is awaited. */
    program: () => Record<string, unknown> | Promise<Record<string, unknown>>;
}

interface Registration {
    mockUrn: string;
    type: string;
    name: string;
    parentMockUrn: string;
    custom: boolean;
    protect: boolean;
    retainOnDelete: boolean;
    inputs: Record<string, unknown>;
    dependencyMockUrns: string[];
}

const isSecretWrapper = (v: unknown): v is { value: unknown } =>
    v !== null && typeof v === "object" && (v as Record<string, unknown>)[rpc.specialSigKey] === rpc.specialSecretSig;

/**
 * What the engine must create first (and delete last): the resources whose outputs feed this one's inputs, plus its
 * explicit dependsOn. Absent when there are none. Parents and providers are not listed (the URN and provider say so).
 */
function dependenciesOf(r: Registration, urnOf: Map<string, string>): string[] | undefined {
    const urns = [...new Set(r.dependencyMockUrns.map((u) => urnOf.get(u)).filter((u): u is string => Boolean(u)))].sort();
    return urns.length ? urns : undefined;
}

/** Top-level inputs passed as secrets: a reviewer (and a test) can see what the state will hold encrypted. */
function secretKeys(inputs: Record<string, unknown>): string[] | undefined {
    const keys = Object.keys(inputs)
        .filter((k) => isSecretWrapper(inputs[k]))
        .sort();
    return keys.length ? keys : undefined;
}

function redact(value: unknown, secrets: string[], insideSecret = false): unknown {
    if (isSecretWrapper(value)) return redact(value.value, secrets, true);
    if (typeof value === "string") {
        let out = value;
        // Checked first: a split and join per secret of every string of the plan was most of redact's garbage.
        for (const s of secrets) if (s && out.includes(s)) out = out.split(s).join(SECRET_PLACEHOLDER);
        // A secret we cannot locate inside its value (not one of ours) is hidden whole.
        return insideSecret && out === value ? SECRET_PLACEHOLDER : out;
    }
    if (Array.isArray(value)) return value.map((v) => redact(v, secrets, insideSecret));
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, secrets, insideSecret)]));
    }
    return insideSecret && value !== undefined ? SECRET_PLACEHOLDER : value;
}

/** Keys sorted at every level, undefined dropped: the same spec gives byte-identical JSON. */
export function canonical(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(canonical);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(
            Object.keys(value)
                .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
                .sort()
                .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
        );
    }
    return value;
}

/** The URN the real engine would give: the full parent type chain, without the root Stack's type. */
function engineUrn(stack: string, typeChain: string[], name: string): string {
    return `urn:pulumi:${stack}::${PROJECT}::${typeChain.join("$")}::${name}`;
}

let running = false;

export const MOCK_ORGANIZATION = "organization";

/**
 * Turns off, for one offline run, SDK diagnostics that cost most of a plan's time and that nothing offline reads;
 * returns the function that restores them. Error messages are unaffected. Left on when ENCLAVE_DEBUG=1 or
 * PULUMI_DEBUG_PROMISE_LEAKS is set (plans are byte-identical either way; test/isolation.test.ts).
 * - Promise-leak tracker: every internal promise gets `new Error().stack` (under tsx each frame is mapped through
 *   source maps: once ~75% of a plan), three tagged properties, a then/catch pair and a place in a set until it
 *   settles - about half of what each declared property of an @pulumi/aws class costs - for a report printed at
 *   process exit. A run here already waits for every RPC and fails on any rejection.
 * - Source positions: every resource records its caller from an unlimited stack trace (Resource.stackTrace), parsed
 *   and turned into file URLs; the engine keeps them for diagnostics, the mock monitor drops them.
 */
function muteSdkDiagnostics(): () => void {
    const stackTraceLimit = Error.stackTraceLimit;
    // process.sourceMapsEnabled appeared in Node 20.7: on older 20.x the translation setting is left alone.
    const sourceMaps = typeof process.sourceMapsEnabled === "boolean" ? process.sourceMapsEnabled : undefined;
    const trackPromise = debuggable.debuggablePromise;
    const stackTrace = resourceStatics.stackTrace;
    Error.stackTraceLimit = 0;
    if (sourceMaps !== undefined) process.setSourceMapsEnabled(false);
    // Both are internal to the SDK: if a release renames them, plans get slower, never different.
    if (typeof trackPromise === "function") debuggable.debuggablePromise = (p) => p;
    if (typeof stackTrace === "function") resourceStatics.stackTrace = () => [];
    return () => {
        Error.stackTraceLimit = stackTraceLimit;
        if (sourceMaps !== undefined) process.setSourceMapsEnabled(sourceMaps);
        debuggable.debuggablePromise = trackPromise;
        resourceStatics.stackTrace = stackTrace;
    };
}

/**
 * Runs a stack program in-process under the SDK's mock runtime and records every resource registration with its
 * parent, options and serialized inputs. Runs are strictly one after another: the SDK keeps global state.
 */
export async function runPlan(opts: RunOptions): Promise<Plan> {
    if (running) throw new Error("offline plans cannot run concurrently in one process (the Pulumi SDK keeps global state)");
    running = true;
    const restoreDiagnostics = process.env.ENCLAVE_DEBUG !== "1" && !process.env.PULUMI_DEBUG_PROMISE_LEAKS ? muteSdkDiagnostics() : () => {};
    const recorder: MockRecorder = { outputs: new Map(), unmockedCalls: [] };
    const registrations: Registration[] = [];
    let firstFailure: unknown;
    const onRejection = (reason: unknown) => {
        firstFailure ??= reason;
    };
    process.on("unhandledRejection", onRejection);
    try {
        pulumi.runtime.setAllConfig({});
        // The file backend's organization name: a stack's reference to itself is organization/PROJECT/STACK.
        await pulumi.runtime.setMocks(createMocks(opts.mock, recorder), PROJECT, opts.stack, false, MOCK_ORGANIZATION);
        const monitor = settings.getMonitor();
        const original = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req, cb) => {
            const base = {
                type: req.getType(),
                name: req.getName(),
                parentMockUrn: req.getParent(),
                custom: req.getCustom(),
                protect: Boolean(req.getProtect()),
                retainOnDelete: Boolean(req.getRetainondelete()),
                inputs: rpc.deserializeProperties(req.getObject()),
                dependencyMockUrns: req.getDependenciesList(),
            };
            original(req, (err, resp) => {
                if (!err && resp) registrations.push({ ...base, mockUrn: resp.getUrn() });
                cb(err, resp);
            });
        };

        // Reads (the StackReference to the security stack) are recorded too: a reviewer should see what a stack reads.
        const originalRead = monitor.readResource.bind(monitor);
        monitor.readResource = (req, cb) => {
            const base = {
                type: req.getType(),
                name: req.getName(),
                parentMockUrn: req.getParent(),
                custom: true,
                protect: false,
                retainOnDelete: false,
                inputs: rpc.deserializeProperties(req.getProperties()),
                dependencyMockUrns: [],
            };
            originalRead(req, (err, resp) => {
                if (!err && resp) registrations.push({ ...base, mockUrn: resp.getUrn() });
                cb(err, resp);
            });
        };

        const exported = await opts.program();
        const outputs: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(exported)) {
            const out = pulumi.output(value);
            const [resolved, secret] = await Promise.all([
                (out as unknown as { promise(): Promise<unknown> }).promise(),
                (out as unknown as { isSecret: Promise<boolean> }).isSecret,
            ]);
            outputs[key] = secret ? SECRET_PLACEHOLDER : resolved;
        }
        await settings.waitForRPCs();
        // Let late rejections surface before deciding the run succeeded.
        await new Promise((r) => setImmediate(r));
        if (firstFailure) throw firstFailure;
        if (registrations.length === 0) throw new Error("the program registered no resources (are the mocks installed?)");

        const secrets = [...opts.knownSecrets, ...collectGeneratedSecrets(recorder)];
        return assemble(opts.stack, registrations, recorder, outputs, secrets);
    } finally {
        process.off("unhandledRejection", onRejection);
        restoreDiagnostics();
        running = false;
    }
}

function collectGeneratedSecrets(recorder: MockRecorder): string[] {
    return [...recorder.outputs.entries()]
        .filter(([key]) => key.startsWith("random:index/randomPassword:RandomPassword::"))
        .map(([, state]) => String(state.result));
}

function assemble(stack: string, regs: Registration[], recorder: MockRecorder, outputs: Record<string, unknown>, secrets: string[]): Plan {
    const byMockUrn = new Map(regs.map((r) => [r.mockUrn, r]));
    const chain = (r: Registration): string[] => {
        const parent = r.parentMockUrn ? byMockUrn.get(r.parentMockUrn) : undefined;
        return parent ? [...chain(parent), r.type] : [r.type];
    };
    const urnOf = new Map(regs.map((r) => [r.mockUrn, engineUrn(stack, chain(r), r.name)]));
    const stackUrn = engineUrn(stack, [TOKEN.stack], `${PROJECT}-${stack}`);
    const resources: PlanResource[] = [
        {
            urn: stackUrn,
            type: TOKEN.stack,
            name: `${PROJECT}-${stack}`,
            parent: null,
            custom: false,
            protect: false,
            retainOnDelete: false,
            inputs: {},
            outputs: {},
        },
    ];
    for (const r of regs) {
        resources.push({
            urn: urnOf.get(r.mockUrn)!,
            type: r.type,
            name: r.name,
            parent: (r.parentMockUrn && urnOf.get(r.parentMockUrn)) || stackUrn,
            custom: r.custom,
            protect: r.protect,
            retainOnDelete: r.retainOnDelete,
            inputs: redact(r.inputs, secrets) as Record<string, unknown>,
            secretInputs: secretKeys(r.inputs),
            dependencies: dependenciesOf(r, urnOf),
            outputs: redact(recorder.outputs.get(`${r.type}::${r.name}`) ?? {}, secrets) as Record<string, unknown>,
        });
    }
    resources.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    return canonical({ project: PROJECT, stack, resources, outputs: redact(outputs, secrets) }) as Plan;
}
