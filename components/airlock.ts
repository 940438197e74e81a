import { tripwireTokenOf } from "../iam/archive";
import type { VendorTripwire } from "./tripwire";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { airlockDefinition } from "../airlock/stateMachine";
import type { AirlockSpec } from "../config/schema";
import { AIRLOCK_HANDLERS, AIRLOCK_PREFIX, AIRLOCK_RULES, type AirlockHandler, type AirlockRule } from "../contract/airlock";
import { TAG } from "../contract/tags";
import { AIRLOCK_COMPONENT } from "../contract/tokens";
import {
    airlockArns,
    airlockRolePolicy,
    airlockTrustPolicy,
    controlBucketPolicy,
    deadLetterQueuePolicy,
    outboxBucketPolicy,
    releasedBucketPolicy,
    scanRolePolicy,
    scanRoleTrustPolicy,
    type AirlockPolicyInputs,
} from "../iam/airlock";
import { render } from "../iam/document";
import { archivePrefixes, type Tags } from "../iam/names";
import type { VendorPolicyInputs } from "../iam/vendor";
import { secureBucket } from "./secureBucket";
import { ON_FIRST_OCCURRENCE } from "./alarms";

/** Seconds between two reads of GuardDuty's scan tag, and how many reads before a request is blocked as unscanned. */
export const SCAN_POLL_SECONDS = 30;
export const SCAN_MAX_ATTEMPTS = 40;

/**
 * Delivery of an airlock event: EventBridge retries a failed delivery for up to a day (185 attempts is its maximum),
 * then dead-letters it; Lambda retries a handler that failed twice more, then dead-letters the event too. Nothing is
 * dropped silently: the queue's depth raises the enclave's security alarm, and the leak check blocks exports while
 * the index misses a dataset version (a reindex after the alarm fills it).
 */
export const EVENT_RETRY = { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 } as const;
export const HANDLER_RETRY = { maximumEventAgeInSeconds: 21_600, maximumRetryAttempts: 2 } as const;
/** Fourteen days, SQS's maximum: a dead letter outlives a long weekend and the alarm's escalation. */
export const DEAD_LETTER_RETENTION_SECONDS = 1_209_600;

/** Where the bundled handlers are (`npm run bundle:airlock` writes them); the path is relative to the project root. */
/** The control bucket's canary list: the tripwire's token, where it is planted (airlock/store.ts reads it). */
export function canaryListOf(t: VendorTripwire, readableDatasets: readonly string[]): string {
    return JSON.stringify(readableDatasets.map((dataset) => ({ dataset, key: t.key, token: tripwireTokenOf(t.content) })));
}

export const handlerBundle = (h: AirlockHandler) => `dist/lambda/airlock/${h}/index.js`;

export interface EnclaveAirlockArgs {
    vendorId: string;
    accountId: string;
    region: string;
    airlock: AirlockSpec;
    /** The enclave's policy inputs (roles, operators, key, endpoint, datasets, seal state). */
    inputs: pulumi.Output<VendorPolicyInputs>;
    keyArn: pulumi.Input<string>;
    archiveBucketArn: pulumi.Input<string>;
    archiveBucketName: pulumi.Input<string>;
    archiveKeyArn: pulumi.Input<string>;
    accessLogBucket: pulumi.Input<string>;
    /** The dataset buckets, by dataset name: their object events feed the fingerprint handler. */
    datasetBuckets: Record<string, pulumi.Input<string>>;
    /** Readable datasets: each holds the vendor's tripwire, whose token the leak check blocks. */
    readableDatasets: string[];
    /** Secret: the vendor's tripwire (components/tripwire.ts plants it); absent when no dataset is readable. */
    tripwire?: pulumi.Output<VendorTripwire>;
    noncurrentVersionExpirationDays: number;
    logRetentionDays: number;
    /** The security stack's alarm topic: the dead-letter queue's depth alarms to it. */
    alarmTopicArn?: pulumi.Input<string>;
    tags: Tags;
}

/**
 * The export airlock of one vendor (docs/airlock.md): outbox, released and control buckets, the airlock and scan roles,
 * one Lambda function per handler, the Standard state machine, GuardDuty Malware Protection on the outbox and the
 * EventBridge rules that start it all. Opt-in: a spec without `airlock` creates none of this.
 */
export class EnclaveAirlock extends pulumi.ComponentResource {
    readonly outbox: aws.s3.Bucket;
    readonly released: aws.s3.Bucket;
    readonly control: aws.s3.Bucket;
    readonly bucketPolicies: Record<"outbox" | "released" | "control", aws.s3.BucketPolicy>;
    readonly role: aws.iam.Role;
    readonly scanRole: aws.iam.Role;
    readonly functions: Record<AirlockHandler, aws.lambda.Function>;
    readonly stateMachine: aws.sfn.StateMachine;
    readonly malwareProtection: aws.guardduty.MalwareProtectionPlan;
    readonly deadLetterQueue: aws.sqs.Queue;

    constructor(name: string, args: EnclaveAirlockArgs, opts?: pulumi.ComponentResourceOptions) {
        super(AIRLOCK_COMPONENT, name, {}, opts);
        const id = args.vendorId;
        const a = airlockArns(id, args.accountId, args.region);
        const n = a.names;
        const child = { parent: this };
        const tags = (role?: string): Tags => ({ ...args.tags, ...(role ? { [TAG.airlock]: role } : {}) });

        const inputs: pulumi.Output<AirlockPolicyInputs> = pulumi
            .all([args.inputs, args.archiveBucketArn, args.archiveKeyArn])
            .apply(([p, archiveBucketArn, archiveKeyArn]) => ({
                vendorId: id,
                accountId: args.accountId,
                region: args.region,
                vendorRoleArn: p.vendorRoleArn,
                workloadRoleArn: p.workloadRoleArn,
                deployerRoleArn: p.deployerRoleArn,
                breakGlassRoleArn: p.breakGlassRoleArn,
                approvers: args.airlock.approvers,
                recipient: args.airlock.recipient,
                keyArn: p.keyArn,
                datasetBucketArns: p.datasets.map((d) => d.bucketArn),
                archiveBucketArn,
                archiveKeyArn,
                s3EndpointId: p.s3EndpointId,
                dataPath: p.dataPath,
                egressCidrs: p.egressCidrs,
                sealed: p.sealed,
            }));

        // Buckets: every guarantee of a dataset bucket (secureBucket), SSE-KMS under the vendor key, access logs.
        const bucket = (which: "outbox" | "released" | "control", bucketName: string, doc: (p: AirlockPolicyInputs) => string) =>
            secureBucket(
                `${id}-airlock-${which}`,
                {
                    bucketName,
                    tags: tags(which),
                    kmsKeyArn: args.keyArn,
                    accessLog: { targetBucket: args.accessLogBucket, targetPrefix: archivePrefixes.accessLogs(id, `airlock-${which}`) },
                    noncurrentVersionExpirationDays: args.noncurrentVersionExpirationDays,
                    policy: inputs.apply(doc),
                    forceDestroy: true,
                },
                child,
            );
        const outbox = bucket("outbox", n.outboxBucket, (p) => render(outboxBucketPolicy(p)));
        const released = bucket("released", n.releasedBucket, (p) => render(releasedBucketPolicy(p)));
        const control = bucket("control", n.controlBucket, (p) => render(controlBucketPolicy(p)));
        this.outbox = outbox.bucket;
        this.released = released.bucket;
        this.control = control.bucket;
        this.bucketPolicies = { outbox: outbox.bucketPolicy, released: released.bucketPolicy, control: control.bucketPolicy };

        // Object events to EventBridge: the outbox (submissions), the control bucket (decisions), the datasets (fingerprints).
        const notify = (key: string, b: pulumi.Input<string>) =>
            new aws.s3.BucketNotification(`${id}-airlock-events-${key}`, { bucket: b, eventbridge: true }, child);
        const outboxEvents = notify("outbox", outbox.bucket.id);
        const controlEvents = notify("control", control.bucket.id);
        const datasetEvents = Object.entries(args.datasetBuckets).map(([d, b]) => notify(`dataset-${d}`, b));

        // Roles. Each has a boundary with its own grants, so a later hurried policy cannot widen it.
        const roleWith = (key: string, roleName: string, trust: pulumi.Input<string>, doc: pulumi.Input<string>) => {
            const boundary = new aws.iam.Policy(`${id}-${key}-boundary`, { name: `${roleName}-boundary`, policy: doc, tags: tags("role") }, child);
            const role = new aws.iam.Role(
                `${id}-${key}`,
                { name: roleName, assumeRolePolicy: trust, maxSessionDuration: 3600, permissionsBoundary: boundary.arn, tags: tags("role") },
                child,
            );
            const policy = new aws.iam.RolePolicy(`${id}-${key}-policy`, { role: role.name, name: "enclave-airlock", policy: doc }, child);
            return { role, policy };
        };
        const airlockRole = roleWith(
            "airlock-role",
            n.role,
            render(airlockTrustPolicy({ vendorId: id, accountId: args.accountId, region: args.region })),
            inputs.apply((p) => render(airlockRolePolicy(p))),
        );
        const scanRole = roleWith(
            "airlock-scan-role",
            n.scanRole,
            render(scanRoleTrustPolicy({ accountId: args.accountId })),
            inputs.apply((p) => render(scanRolePolicy(p))),
        );
        this.role = airlockRole.role;
        this.scanRole = scanRole.role;

        // GuardDuty Malware Protection for S3 on the outbox's submissions, with the scan tag (the bucket policy reads it).
        this.malwareProtection = new aws.guardduty.MalwareProtectionPlan(
            `${id}-airlock-malware-protection`,
            {
                role: scanRole.role.arn,
                protectedResource: { s3Bucket: { bucketName: outbox.bucket.id, objectPrefixes: [AIRLOCK_PREFIX.submit] } },
                actions: [{ taggings: [{ status: "ENABLED" }] }],
                tags: tags("scan"),
            },
            { ...child, dependsOn: [scanRole.policy, outbox.bucketPolicy] },
        );

        // Log groups, encrypted with the vendor key, kept as long as the enclave's other logs.
        const logGroup = (key: string, groupName: string) =>
            new aws.cloudwatch.LogGroup(
                `${id}-airlock-logs-${key}`,
                { name: groupName, retentionInDays: args.logRetentionDays, kmsKeyId: args.keyArn, tags: tags() },
                child,
            );
        const functionLogs = Object.fromEntries(AIRLOCK_HANDLERS.map((h, i) => [h, logGroup(h, a.functionLogGroups[i])])) as Record<
            AirlockHandler,
            aws.cloudwatch.LogGroup
        >;
        const stateMachineLogs = logGroup("state-machine", a.stateMachineLogGroup);

        const environment = pulumi.all([args.archiveBucketName]).apply(([archive]) => ({
            VENDOR_ID: id,
            OUTBOX_BUCKET: n.outboxBucket,
            CONTROL_BUCKET: n.controlBucket,
            RELEASED_BUCKET: n.releasedBucket,
            ARCHIVE_BUCKET: archive,
            STATE_MACHINE_ARN: a.stateMachineArn,
            APPROVERS: JSON.stringify(args.airlock.approvers),
            RECIPIENT: args.airlock.recipient,
            READABLE_DATASETS: JSON.stringify(args.readableDatasets),
        }));
        this.functions = {} as Record<AirlockHandler, aws.lambda.Function>;
        for (const h of AIRLOCK_HANDLERS) {
            this.functions[h] = new aws.lambda.Function(
                `${id}-airlock-${h}`,
                {
                    name: n.functions[h],
                    role: airlockRole.role.arn,
                    runtime: "nodejs20.x",
                    handler: "index.handler",
                    // The engine reads the file at `pulumi up`; an offline plan only records the path.
                    code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.FileAsset(handlerBundle(h)) }),
                    // The submit and leak-check handlers stream whole objects (SHA-256, fingerprints); the fingerprint
                    // handler streams a dataset object of any size and the leak check may index a few on the spot:
                    // Lambda's maximum, 15 minutes (about 40 GiB hashed at S3's single-stream read rate).
                    timeout: h === "leakCheck" || h === "fingerprint" ? 900 : h === "submit" ? 300 : 30,
                    memorySize: h === "leakCheck" || h === "fingerprint" ? 1024 : 256,
                    environment: { variables: environment },
                    loggingConfig: { logFormat: "JSON", logGroup: functionLogs[h].name },
                    tags: tags("handler"),
                },
                { ...child, dependsOn: [airlockRole.policy, functionLogs[h]] },
            );
        }

        // The definition is computed when the function ARNs resolve: nothing here runs it at construction time.
        const functionArns = pulumi
            .all(Object.fromEntries(AIRLOCK_HANDLERS.map((h) => [h, this.functions[h].arn])))
            .apply((arns) => arns as Record<AirlockHandler, string>);
        this.stateMachine = new aws.sfn.StateMachine(
            `${id}-airlock-state-machine`,
            {
                name: n.stateMachine,
                type: "STANDARD",
                roleArn: airlockRole.role.arn,
                definition: functionArns.apply((fns) =>
                    JSON.stringify(
                        airlockDefinition({
                            functionArns: fns,
                            reviewTimeoutSeconds: args.airlock.reviewTimeoutDays * 86400,
                            scanPollSeconds: SCAN_POLL_SECONDS,
                            scanMaxAttempts: SCAN_MAX_ATTEMPTS,
                        }),
                    ),
                ),
                loggingConfiguration: { level: "ALL", includeExecutionData: false, logDestination: pulumi.interpolate`${stateMachineLogs.arn}:*` },
                tracingConfiguration: { enabled: false },
                tags: tags("state-machine"),
            },
            { ...child, dependsOn: [airlockRole.policy] },
        );

        // EventBridge: S3 Object Created events to their handlers. Every target dead-letters to one queue (SSE-SQS: it
        // holds event envelopes, bucket and key names, never object bytes), alarmed on its depth.
        const dlq = new aws.sqs.Queue(
            `${id}-airlock-dlq`,
            { name: n.deadLetterQueue, sqsManagedSseEnabled: true, messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS, tags: tags("dead-letters") },
            child,
        );
        this.deadLetterQueue = dlq;
        const ruleKeys = (Object.keys(AIRLOCK_RULES) as AirlockRule[]).filter((k) => k !== "fingerprint" || Object.keys(args.datasetBuckets).length > 0);
        const dlqPolicy = new aws.sqs.QueuePolicy(
            `${id}-airlock-dlq-policy`,
            { queueUrl: dlq.id, policy: inputs.apply((p) => render(deadLetterQueuePolicy(p, ruleKeys))) },
            child,
        );
        new aws.cloudwatch.MetricAlarm(
            `${id}-airlock-dlq-alarm`,
            {
                name: `enclave-${id}-airlock-dead-letters`,
                alarmDescription: `Airlock events of ${id} were not handled (a submission, a decision or a dataset fingerprint): read the queue ${n.deadLetterQueue}, then run enclave airlock reindex ${id} (docs/airlock-operations.md)`,
                namespace: "AWS/SQS",
                metricName: "ApproximateNumberOfMessagesVisible",
                dimensions: { QueueName: n.deadLetterQueue },
                statistic: "Maximum",
                ...ON_FIRST_OCCURRENCE,
                ...(args.alarmTopicArn ? { alarmActions: [args.alarmTopicArn], okActions: [args.alarmTopicArn] } : {}),
                tags: tags(),
            },
            { ...child, dependsOn: [dlq] },
        );
        // An execution that ends aborted (states:StopExecution), failed or timed out leaves its request where it was: a
        // review ended that way leaves approvals with nothing to release. Every such end is worth a look.
        for (const [metric, what] of [
            ["ExecutionsAborted", "stopped (states:StopExecution)"],
            ["ExecutionsFailed", "failed"],
            ["ExecutionsTimedOut", "timed out"],
        ] as const) {
            new aws.cloudwatch.MetricAlarm(
                `${id}-airlock-${metric}-alarm`,
                {
                    name: `enclave-${id}-airlock-${metric.toLowerCase()}`,
                    alarmDescription: `An airlock execution of ${id} was ${what}: its request may be left in review or approved with nothing released; read it with enclave airlock show ${id} and the execution's history (docs/airlock-operations.md)`,
                    namespace: "AWS/States",
                    metricName: metric,
                    dimensions: { StateMachineArn: this.stateMachine.arn },
                    statistic: "Sum",
                    ...ON_FIRST_OCCURRENCE,
                    ...(args.alarmTopicArn ? { alarmActions: [args.alarmTopicArn], okActions: [args.alarmTopicArn] } : {}),
                    tags: tags(),
                },
                child,
            );
        }
        const rule = (key: AirlockRule, pattern: pulumi.Input<string>, dependsOn: pulumi.Resource[]) => {
            const handler: AirlockHandler = AIRLOCK_RULES[key];
            const r = new aws.cloudwatch.EventRule(
                `${id}-airlock-rule-${key}`,
                { name: `enclave-${id}-airlock-${key}`, eventPattern: pattern, tags: tags() },
                { ...child, dependsOn },
            );
            new aws.cloudwatch.EventTarget(
                `${id}-airlock-target-${key}`,
                { rule: r.name, arn: this.functions[handler].arn, deadLetterConfig: { arn: dlq.arn }, retryPolicy: { ...EVENT_RETRY } },
                { ...child, dependsOn: [dlqPolicy] },
            );
            new aws.lambda.FunctionEventInvokeConfig(
                `${id}-airlock-invoke-config-${key}`,
                { functionName: this.functions[handler].name, ...HANDLER_RETRY, destinationConfig: { onFailure: { destination: dlq.arn } } },
                { ...child, dependsOn: [airlockRole.policy] },
            );
            new aws.lambda.Permission(
                `${id}-airlock-invoke-${key}`,
                {
                    function: this.functions[handler].name,
                    action: "lambda:InvokeFunction",
                    principal: "events.amazonaws.com",
                    sourceArn: r.arn,
                    sourceAccount: args.accountId,
                },
                child,
            );
            return r;
        };
        const created = (buckets: pulumi.Input<string>[], prefix?: string) =>
            pulumi.all(buckets).apply((names) =>
                JSON.stringify({
                    source: ["aws.s3"],
                    "detail-type": ["Object Created"],
                    detail: { bucket: { name: names }, ...(prefix ? { object: { key: [{ prefix }] } } : {}) },
                }),
            );
        rule("submit", created([outbox.bucket.id], AIRLOCK_PREFIX.submit), [outboxEvents]);
        rule("decide", created([control.bucket.id], AIRLOCK_PREFIX.decisions), [controlEvents]);
        if (datasetEvents.length) rule("fingerprint", created(Object.values(args.datasetBuckets)), datasetEvents);

        // The canary list: the tripwire token planted in each readable dataset (its body's secret id), kept where only
        // the airlock reads it. The leak check blocks an export that holds it anywhere, and names the dataset and key:
        // the vendor could only have copied it out of a dataset.
        const canaryList = args.tripwire ? args.tripwire.apply((t) => canaryListOf(t, args.readableDatasets)) : pulumi.output("[]");
        new aws.s3.BucketObjectv2(
            `${id}-airlock-canaries`,
            {
                bucket: control.bucket.id,
                key: `${AIRLOCK_PREFIX.index}_canaries.json`,
                content: pulumi.secret(canaryList),
                contentType: "application/json",
                serverSideEncryption: "aws:kms",
                kmsKeyId: args.keyArn,
                tags: tags("canaries"),
            },
            { ...child, dependsOn: [control.bucketPolicy] },
        );

        this.registerOutputs({});
    }
}
