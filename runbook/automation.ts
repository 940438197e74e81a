import { LocalWorkspace, PulumiCommand, type EngineEvent, type Stack } from "@pulumi/pulumi/automation";
import { CliError } from "../contract/errors";
import { REPO_ROOT } from "../config/repoRoot";
import type { PreviewResult, PreviewStep, StackHandle, StackOps, StackOutput, ToolingInfo } from "./types";

// The real StackOps: the Pulumi Automation API over the local program (workDir = repository root, so `up` runs
// index.ts, which reads stacks/<vendor>.yaml). It needs the Pulumi CLI on PATH; it never installs one.

export { REPO_ROOT };

const firstLine = (err: unknown) =>
    (err instanceof Error ? err.message : String(err))
        .split("\n")
        .find((l) => l.trim() !== "")
        ?.trim() ?? "unknown error";

export class AutomationStackOps implements StackOps {
    private cmd?: PulumiCommand;
    private ws?: LocalWorkspace;

    constructor(
        private readonly workDir: string = REPO_ROOT,
        private readonly onOutput: (text: string) => void = () => {},
    ) {}

    /** The CLI type-checks TypeScript on every run (~8 s); CI type-checks separately, so a seal skips it. */
    private get envVars(): Record<string, string> {
        return { PULUMI_NODEJS_TRANSPILE_ONLY: "true" };
    }

    async checkTooling(command: string): Promise<ToolingInfo> {
        try {
            this.cmd = await PulumiCommand.get();
        } catch (err) {
            if (/ENOENT/.test(err instanceof Error ? err.message : String(err))) {
                throw new CliError(
                    `the Pulumi CLI is not installed (needed for ${command}); install it from https://www.pulumi.com/docs/install/ and log in with \`pulumi login\``,
                );
            }
            throw new CliError(`the Pulumi CLI cannot be used (needed for ${command}): ${firstLine(err)}`);
        }
        this.ws = await LocalWorkspace.create({ workDir: this.workDir, pulumiCommand: this.cmd, envVars: this.envVars });
        let backend: string;
        try {
            const who = await this.ws.whoAmI();
            backend = who.url ?? who.user;
        } catch (err) {
            throw new CliError(`not logged in to a Pulumi backend (${firstLine(err)}): run \`pulumi login\` or set PULUMI_BACKEND_URL`);
        }
        if (!/^https?:/.test(backend) && !process.env.PULUMI_CONFIG_PASSPHRASE && !process.env.PULUMI_CONFIG_PASSPHRASE_FILE) {
            throw new CliError(`PULUMI_CONFIG_PASSPHRASE is not set: the ${backend} backend needs it to decrypt the stack's secrets`);
        }
        return { pulumiVersion: this.cmd.version?.toString() ?? "unknown", backend };
    }

    async listStacks(): Promise<string[]> {
        if (!this.ws) throw new CliError("internal: checkTooling must run before listStacks");
        return (await this.ws.listStacks()).map((s) => s.name);
    }

    async select(stackName: string): Promise<StackHandle> {
        const stack = await LocalWorkspace.selectStack({ stackName, workDir: this.workDir }, { pulumiCommand: this.cmd, envVars: this.envVars });
        return new AutomationStack(stack, this.onOutput);
    }
}

class AutomationStack implements StackHandle {
    constructor(
        private readonly stack: Stack,
        private readonly onOutput: (text: string) => void,
    ) {}

    get name(): string {
        return this.stack.name;
    }

    async refresh(): Promise<void> {
        await this.stack.refresh({ onOutput: this.onOutput, color: "never" });
    }

    async preview(): Promise<PreviewResult> {
        // The per-resource steps, so the runbook can check which inputs an update changes, not only how many updates.
        const steps: PreviewStep[] = [];
        const onEvent = (e: EngineEvent) => {
            const m = e.resourcePreEvent?.metadata;
            if (m)
                steps.push({
                    op: m.op,
                    urn: m.urn,
                    type: m.type,
                    ...(m.diffs ? { diffs: [...m.diffs] } : {}),
                    // The documents themselves: the guard compares them, not only which inputs change.
                    ...(m.old?.inputs ? { old: { ...m.old.inputs } } : {}),
                    ...(m.new?.inputs ? { new: { ...m.new.inputs } } : {}),
                });
        };
        const res = await this.stack.preview({ onOutput: this.onOutput, onEvent, color: "never" });
        return { changes: { ...(res.changeSummary ?? {}) } as Record<string, number>, steps };
    }

    async up(): Promise<Record<string, number>> {
        const res = await this.stack.up({ onOutput: this.onOutput, color: "never" });
        return { ...(res.summary.resourceChanges ?? {}) } as Record<string, number>;
    }

    async destroy(): Promise<Record<string, number>> {
        // Protected resources are kept (the vendor stack has none; the log archive lives in the security stack).
        const res = await this.stack.destroy({ onOutput: this.onOutput, color: "never", excludeProtected: true });
        return { ...(res.summary.resourceChanges ?? {}) } as Record<string, number>;
    }

    exportStack(): Promise<unknown> {
        return this.stack.exportStack();
    }

    async outputs(): Promise<Record<string, StackOutput>> {
        const out = await this.stack.outputs();
        return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { value: v.value, secret: v.secret }]));
    }
}
