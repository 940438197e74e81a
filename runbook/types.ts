// The two seams of the breach runbook. Everything the runbook does to Pulumi goes through StackOps and everything it
// reads back from AWS goes through AwsReads (plus the single write, the evidence upload, through EvidenceArchive).
// The real implementations are runbook/automation.ts (Pulumi Automation API) and runbook/aws/ (the AWS SDK);
// the tests use in-memory fakes, which is why the tests prove the orchestration and never AWS's behaviour.

/** An IAM / S3 / KMS policy document as AWS returns it (parsed JSON, statements as a list): contract/policy.ts. */
export type { PolicyDocument as PolicyJson, Statement as PolicyStatementJson } from "../contract/policy";
import type { PolicyDocument as PolicyJson } from "../contract/policy";
import type { AwsClients } from "./aws/clients";
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { SealKind } from "../contract/seal";

export interface ToolingInfo {
    /** e.g. "3.200.0" */
    pulumiVersion: string;
    /** Backend URL (file://..., s3://..., https://api.pulumi.com). */
    backend: string;
}

export interface StackOutput {
    value: unknown;
    secret: boolean;
}

/** One resource step of a preview, from the engine's resourcePreEvent metadata. */
export interface PreviewStep {
    /** "same", "update", "create", "replace", "delete", "read", ... */
    op: string;
    urn: string;
    type: string;
    /** The top-level inputs that change; undefined when the engine does not report them (older engines). */
    diffs?: string[];
    /** The inputs before (the state's) and after (the program's), as the engine reports them: secrets masked as "[secret]". */
    old?: Record<string, unknown>;
    new?: Record<string, unknown>;
}

export interface PreviewResult {
    /** The change summary by operation, e.g. {same: 47, update: 9}. */
    changes: Record<string, number>;
    /** Every resource step the engine reported. */
    steps: PreviewStep[];
}

/** One Pulumi stack, selected. */
export interface StackHandle {
    readonly name: string;
    refresh(): Promise<void>;
    /** What `up` would do, without doing it: the change summary and each resource's step. */
    preview(): Promise<PreviewResult>;
    /** Applies the stack program (which reads stacks/<vendor>.yaml) and returns the change summary, e.g. {update: 9}. */
    up(): Promise<Record<string, number>>;
    /** Destroys every resource except protected ones. */
    destroy(): Promise<Record<string, number>>;
    /** The raw state checkpoint (`pulumi stack export`), secrets still encrypted. */
    exportStack(): Promise<unknown>;
    outputs(): Promise<Record<string, StackOutput>>;
}

export interface StackOps {
    /** Pulumi CLI present and logged in to a backend; throws a one-line CliError otherwise. */
    checkTooling(command: string): Promise<ToolingInfo>;
    listStacks(): Promise<string[]>;
    select(stackName: string): Promise<StackHandle>;
}

export interface CallerIdentity {
    account: string;
    arn: string;
}

export type KeyState = "Enabled" | "Disabled" | "PendingDeletion" | "PendingImport" | "Unavailable" | "Creating" | "Updating" | "NotFound";

export interface RolePolicies {
    /** Inline policies by name; null when the role does not exist. */
    inline: Record<string, PolicyJson> | null;
    trust: PolicyJson | null;
}

/** An interface VPC endpoint as EC2 describes it; `service` is the last part of the service name ("kms"). */
export interface InterfaceEndpoint {
    id: string;
    service: string;
    /** null: the endpoint has no policy document. */
    policy: PolicyJson | null;
}

/** One rule of a Route 53 Resolver DNS Firewall rule group. */
export interface DnsFirewallRule {
    name: string;
    /** "ALLOW", "BLOCK" or "ALERT" as the resolver API returns it; ALLOW and ALERT both let the query through. */
    action: string;
}

/** A DNS Firewall rule group associated with a VPC, with its rules; `id` is the rule group's (rslvr-frg-...). */
export interface DnsFirewallRuleGroup {
    id: string;
    rules: DnsFirewallRule[];
}

export interface TaggedResource {
    arn: string;
}

/** One CloudWatch Logs event, as the evidence bundle keeps it. */
export interface LogEvent {
    stream: string;
    timestamp: number;
    message: string;
}

export interface AwsReads {
    /** Throws a one-line CliError when there are no usable AWS credentials. */
    callerIdentity(): Promise<CallerIdentity>;
    rolePolicies(roleName: string): Promise<RolePolicies>;
    keyState(keyId: string): Promise<KeyState>;
    /** The key's "default" policy; null: the key no longer exists. */
    keyPolicy(keyId: string): Promise<PolicyJson | null>;
    /** null: the bucket has no policy or no longer exists. */
    bucketPolicy(bucket: string): Promise<PolicyJson | null>;
    /** null: the endpoint no longer exists. */
    endpointPolicy(vpcEndpointId: string): Promise<PolicyJson | null>;
    /** Every interface endpoint of the VPC that is not deleted (managed by the stack or not). */
    interfaceEndpoints(vpcId: string): Promise<InterfaceEndpoint[]>;
    /** Every DNS Firewall rule group associated with the VPC (by the stack or not), each with all its rules. */
    dnsFirewallRuleGroups(vpcId: string): Promise<DnsFirewallRuleGroup[]>;
    /** Every resource the Resource Groups Tagging API lists with this tag in the region. */
    taggedResources(key: string, value: string): Promise<TaggedResource[]>;
    /**
     * Every event of a log group (null: no such group), for the evidence bundle before a destroy deletes it. Optional:
     * a reader without it (an older fake) leaves the workload logs out and the manifest says so.
     */
    logEvents?(logGroup: string): Promise<{ events: LogEvent[]; truncated: boolean } | null>;
}

/** The only write outside Pulumi: evidence objects into the central archive (Object Lock applies its retention). */
export interface EvidenceArchive {
    put(bucket: string, key: string, body: string): Promise<void>;
    /**
     * Who the uploads are made as. Account mode checks it before the first put: the archive's policies admit evidence
     * writes from the log-archive account's deployer alone. Optional: a writer without it is not checked.
     */
    uploader?(): Promise<CallerIdentity>;
}

export interface Confirm {
    /** A human is at a terminal (stdin is a TTY). */
    interactive: boolean;
    ask(question: string): Promise<string>;
}

export interface Clock {
    now(): Date;
    sleep(ms: number): Promise<void>;
}

export interface RetryPolicy {
    attempts: number;
    initialDelayMs: number;
    factor: number;
    maxDelayMs: number;
}

/** IAM changes "might take a few minutes" and AWS gives no bound: about 4 minutes of reads before giving up. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 10, initialDelayMs: 1_000, factor: 2, maxDelayMs: 30_000 };

export interface RunbookDeps {
    stacks: StackOps;
    aws: AwsReads;
    archive: EvidenceArchive;
    confirm: Confirm;
    clock: Clock;
    out: (line: string) => void;
    /** Local OS user running the command (the AWS identity is recorded separately). */
    operator: string;
    stacksDir: string;
    incidentsDir: string;
    evidenceDir: string;
    retry?: RetryPolicy;
    /**
     * The AWS SDK clients `enclave seal` contains with (the seal's writes, straight to AWS, before Pulumi). Without
     * them the seal is the Pulumi reconcile alone (the Pulumi-side tests run that way).
     */
    contain?: { clients: AwsClients; afterWrite?(id: string): void };
    /** Account-mode vendors: the Organizations client of the management account (runbook/quarantine.ts). */
    organizations?: OrganizationsClient;
    /** Called as each step starts, after its "started" line is logged. Tests inject crashes here; unused in production. */
    onStep?: (step: string) => void;
}

/**
 * The containment writes that are not a seal document (runbook/contain.ts CONTAIN_EXTRAS): the enclave's instances into
 * the rule-less isolation group, and the end of every Session Manager session on them.
 */
export type ContainExtra = "isolation" | "sessions";

/** What a write is for: a kind of the seal catalogue, or one of the containment writes beside it (CONTAIN_EXTRAS). */
export type ContainKind = SealKind | ContainExtra;

/** One write of the seal: an id stable across runs (the incident log records it), the resource, and the call. */
export interface ContainWrite {
    id: string;
    kind: ContainKind;
    resource: string;
    action: string;
    /** Set when an input the write needs is missing: the write is reported failed with this reason, never attempted. */
    blocked?: string;
    /** Runs on every invocation, even when an earlier one of this run recorded it (a sweep that finds what is new). */
    always?: boolean;
    apply(): Promise<ActionResult[] | void>;
}

/** The outcome of one AWS action of contain, the quarantine or an isolation step, per resource. */
export interface ActionResult {
    /** e.g. "instance i-0abc", "volume vol-0abc", "security group enclave-acme-isolation". */
    resource: string;
    action: string;
    ok: boolean;
    /** Done by an earlier run: nothing was called. */
    skipped?: boolean;
    /** The id created or found (sg-, snap-). */
    id?: string;
    error?: string;
}
