import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { airlockArns } from "../iam/airlock";
import * as random from "@pulumi/random";
import { createHash } from "node:crypto";
import {
    accessLogBucketPolicy,
    alarmFilters,
    alarmKeyPolicy,
    alarmTopicPolicy,
    ARCHIVE_ACCESS_LOG_PREFIX,
    archiveBucketPolicy,
    archiveKeyPolicy,
    trailToLogsPolicy,
    trailToLogsTrustPolicy,
    tripwireContentOf,
    tripwireEventSelector,
    tripwireFilter,
    tripwireKeyOf,
    tripwireObjectArns,
    type AlarmFilter,
    type ArchivePolicyInputs,
} from "../iam/archive";
import { render } from "../iam/document";
import {
    accessLogBucketName,
    archiveBucketName,
    archivePrefixes,
    bucketArn,
    bucketName,
    logGroupArn,
    logReplicationRoleName,
    roleArn,
    securityTags,
    vendorNames,
} from "../iam/names";
import { hasWorkspace } from "../config/workspace";
import type { AlarmSubscription, SecuritySpec, VendorSpec } from "../config/schema";
import type { SecurityStackOutputs } from "../contract/outputs";
import { secureBucket } from "./secureBucket";
import { ON_FIRST_OCCURRENCE } from "./alarms";

const TRAIL_LOG_GROUP = "/enclave/security/account-trail";
export const ACCOUNT_TRAIL = "enclave-account-trail";
export const ALARM_TOPIC = "enclave-security-alarms";

/** One vendor's tripwire: the secret object key planted in each of its readable datasets, and the secret content. */
export interface Tripwire {
    key: string;
    content: string;
    /** Bucket names of the readable datasets that carry it. */
    buckets: string[];
}

/** The SNS protocol and endpoint of a subscription from the security spec. */
export function subscriptionTarget(s: AlarmSubscription): { protocol: "email" | "https" | "sqs"; endpoint: string } {
    if (s.email !== undefined) return { protocol: "email", endpoint: s.email };
    if (s.https !== undefined) return { protocol: "https", endpoint: s.https };
    return { protocol: "sqs", endpoint: s.sqs! };
}

/**
 * The central log archive, owned by the security stack so evidence survives every vendor's `pulumi destroy`.
 * Object Lock (default retention) on the archive; a separate SSE-S3 bucket for S3 access logs, because an access-log
 * target can be neither Object Lock-enabled nor SSE-KMS. The account trail feeds CloudWatch alarms on the changes an
 * attacker makes to widen access or hide, through a log group and topic under their own key. The archive and alarm
 * keys and buckets are administered by the archive administrator and break-glass only: the vendor-stack deployer
 * writes evidence bundles and nothing else here. Everything stateful is protected and retained on delete.
 */
export class LogArchive extends pulumi.ComponentResource {
    readonly archiveBucket: aws.s3.Bucket;
    readonly accessLogBucket: aws.s3.Bucket;
    readonly archiveKey: aws.kms.Key;
    readonly accountTrail: aws.cloudtrail.Trail;
    readonly alarmTopic: aws.sns.Topic;
    readonly alarmKey: aws.kms.Key;
    /** Secret: per vendor id, the tripwire planted in its readable datasets. */
    readonly tripwires: pulumi.Output<Record<string, Tripwire>>;

    constructor(name: string, args: { spec: SecuritySpec; vendors: VendorSpec[] }, opts?: pulumi.ComponentResourceOptions) {
        // protect is inherited by every child; retainOnDelete is not, so each stateful child sets it.
        super("enclave:security:LogArchive", name, {}, { ...opts, protect: true });
        const { spec } = args;
        const acct = spec.account.id;
        const region = spec.account.region;
        const tags = securityTags();
        const keep = { parent: this, retainOnDelete: true };
        const inputs: ArchivePolicyInputs = {
            accountId: acct,
            region,
            archiveBucketArn: bucketArn(archiveBucketName(acct, region)),
            accessLogBucketArn: bucketArn(accessLogBucketName(acct, region)),
            logGroupArn: logGroupArn(region, acct, TRAIL_LOG_GROUP),
            deployerRoleArn: spec.deployerRoleArn,
            breakGlassRoleArn: spec.breakGlassRoleArn,
            archiveAdminRoleArn: spec.archiveAdminRoleArn,
            accountTrailName: ACCOUNT_TRAIL,
            vendors: args.vendors.map((v) => ({
                id: v.id,
                trailName: vendorNames(v.id).trail,
                // Named in the account that holds them: the archive's in shared mode, the member account in account mode.
                bucketArns: [
                    ...v.datasets.map((d) => bucketArn(bucketName(v.id, d.name, v.account.id))),
                    // The airlock's buckets log their access beside the datasets'.
                    ...(v.airlock
                        ? [airlockArns(v.id, v.account.id, v.account.region)].flatMap((a) => [a.outboxBucketArn, a.releasedBucketArn, a.controlBucketArn])
                        : []),
                ],
                // Account mode: the workload role cannot reach this account (perimeter SCP); its transcripts arrive by
                // replication from the member log bucket instead, as the replication role below.
                ...(hasWorkspace(v) && v.isolation !== "account" ? { sessionLogWriterArn: roleArn(v.account.id, vendorNames(v.id).workloadRole) } : {}),
                ...(v.airlock ? { airlockRecordWriterArn: airlockArns(v.id, v.account.id, v.account.region).roleArn } : {}),
                // Account mode: its trail and log deliveries come from its member account (spec.account there).
                ...(v.isolation === "account"
                    ? {
                          memberAccount: { id: v.account.id, region: v.account.region },
                          logReplicationRoleArn: roleArn(v.account.id, logReplicationRoleName(v.id)),
                      }
                    : {}),
                workloadLogGroupArn: logGroupArn(v.account.region, v.account.id, vendorNames(v.id).workloadLogGroup),
            })),
        };

        this.archiveKey = new aws.kms.Key(
            `${name}-archive-key`,
            {
                description: "Central log archive key (trails, flow logs, DNS query logs, evidence bundles)",
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                isEnabled: true,
                policy: render(archiveKeyPolicy(inputs)),
                tags,
            },
            keep,
        );
        new aws.kms.Alias(`${name}-archive-key-alias`, { name: "alias/enclave/log-archive", targetKeyId: this.archiveKey.keyId }, { parent: this });
        // Its own key: whatever happens to the archive key is still written to the log group and still published.
        this.alarmKey = new aws.kms.Key(
            `${name}-alarm-key`,
            {
                description: "Security alarms key (account trail log group, alarm topic)",
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                isEnabled: true,
                policy: render(alarmKeyPolicy(inputs)),
                tags,
            },
            keep,
        );
        new aws.kms.Alias(`${name}-alarm-key-alias`, { name: "alias/enclave/security-alarms", targetKeyId: this.alarmKey.keyId }, { parent: this });

        const accessLogs = secureBucket(
            `${name}-access-logs`,
            {
                bucketName: accessLogBucketName(acct, region),
                tags,
                noncurrentVersionExpirationDays: spec.archive.retentionDays,
                policy: render(accessLogBucketPolicy(inputs)),
                forceDestroy: false,
            },
            keep,
        );
        this.accessLogBucket = accessLogs.bucket;

        const archive = secureBucket(
            `${name}-archive`,
            {
                bucketName: archiveBucketName(acct, region),
                tags,
                kmsKeyArn: this.archiveKey.arn,
                bucketKey: false,
                accessLog: { targetBucket: this.accessLogBucket.id, targetPrefix: ARCHIVE_ACCESS_LOG_PREFIX },
                // Noncurrent versions outlive the Object Lock retention; expiring earlier would only fail.
                noncurrentVersionExpirationDays: spec.archive.retentionDays + 1,
                policy: render(archiveBucketPolicy(inputs)),
                forceDestroy: false,
                objectLock: { mode: spec.archive.objectLockMode, days: spec.archive.retentionDays },
            },
            keep,
        );
        this.archiveBucket = archive.bucket;

        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-trail-logs`,
            { name: TRAIL_LOG_GROUP, retentionInDays: spec.archive.logRetentionDays, kmsKeyId: this.alarmKey.arn, tags },
            keep,
        );
        const trailRole = new aws.iam.Role(
            `${name}-trail-logs-role`,
            { name: "enclave-account-trail-to-logs", assumeRolePolicy: render(trailToLogsTrustPolicy(acct)), maxSessionDuration: 3600, tags },
            { parent: this },
        );
        const trailRolePolicy = new aws.iam.RolePolicy(
            `${name}-trail-logs-policy`,
            { name: "write-trail-log-group", role: trailRole.name, policy: render(trailToLogsPolicy(inputs.logGroupArn)) },
            { parent: this },
        );
        // Tripwires: generated here, where every vendor of the stacks folder is known and a vendor stack's deploy
        // cannot change or forget them; the vendor stack plants them (components/tripwire.ts). Lowercase letters and
        // digits only, so the key is a plain object name.
        const tripwires: Record<string, pulumi.Output<Tripwire>> = {};
        for (const v of args.vendors) {
            // Named in the account that holds them (the member account in account mode).
            const readable = v.datasets.filter((d) => d.access !== "write").map((d) => bucketName(v.id, d.name, v.account.id));
            if (readable.length === 0) continue;
            const secret = (part: string, length: number) =>
                new random.RandomPassword(`${name}-tripwire-${v.id}-${part}`, { length, special: false, upper: false }, { parent: this }).result;
            tripwires[v.id] = pulumi.secret(
                pulumi
                    .all([secret("key", 24), secret("content", 48)])
                    .apply(([key, content]) => ({ key: tripwireKeyOf(key), content: tripwireContentOf(content), buckets: readable })),
            );
        }
        this.tripwires = pulumi.secret(pulumi.all(tripwires));
        // Management events as before, plus data events of the tripwire objects only (a handful, near free).
        const canaryArns = this.tripwires.apply((t) => Object.values(t).flatMap(tripwireObjectArns));
        const advancedEventSelectors = canaryArns.apply((arns) => [
            { name: "Management events", fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] },
            ...(arns.length ? [tripwireEventSelector(arns)] : []),
        ]);
        this.accountTrail = new aws.cloudtrail.Trail(
            `${name}-account-trail`,
            {
                name: ACCOUNT_TRAIL,
                s3BucketName: this.archiveBucket.id,
                s3KeyPrefix: archivePrefixes.accountTrail,
                kmsKeyId: this.archiveKey.arn,
                isMultiRegionTrail: true,
                includeGlobalServiceEvents: true,
                enableLogFileValidation: true,
                enableLogging: true,
                advancedEventSelectors,
                cloudWatchLogsGroupArn: pulumi.interpolate`${logGroup.arn}:*`,
                cloudWatchLogsRoleArn: trailRole.arn,
                tags,
            },
            { parent: this, dependsOn: [archive.bucketPolicy, trailRolePolicy] },
        );

        this.alarmTopic = new aws.sns.Topic(`${name}-alarms`, { name: ALARM_TOPIC, kmsMasterKeyId: this.alarmKey.arn, tags }, { parent: this });
        new aws.sns.TopicPolicy(
            `${name}-alarms-policy`,
            { arn: this.alarmTopic.arn, policy: this.alarmTopic.arn.apply((arn) => render(alarmTopicPolicy(arn, inputs))) },
            { parent: this },
        );
        for (const sub of spec.alarms.subscriptions) {
            const { protocol, endpoint } = subscriptionTarget(sub);
            // Named by the endpoint's hash: stable across reordering, and no address in a resource name.
            const id = createHash("sha256").update(`${protocol}:${endpoint}`).digest("hex").slice(0, 10);
            new aws.sns.TopicSubscription(`${name}-alarms-${protocol}-${id}`, { topic: this.alarmTopic.arn, protocol, endpoint }, { parent: this });
        }

        const alarm = (f: { key: string; description: string }, pattern: pulumi.Input<string>) => {
            const metricName = `enclave-${f.key}`;
            new aws.cloudwatch.LogMetricFilter(
                `${name}-${f.key}-filter`,
                {
                    name: metricName,
                    logGroupName: logGroup.name,
                    pattern,
                    metricTransformation: { name: metricName, namespace: "Enclave/Security", value: "1" },
                },
                { parent: this },
            );
            new aws.cloudwatch.MetricAlarm(
                `${name}-${f.key}-alarm`,
                {
                    name: metricName,
                    alarmDescription: f.description,
                    namespace: "Enclave/Security",
                    metricName,
                    statistic: "Sum",
                    ...ON_FIRST_OCCURRENCE,
                    alarmActions: [this.alarmTopic.arn],
                    tags,
                },
                { parent: this },
            );
        };
        const filterInputs = pulumi.all([this.archiveKey.arn, this.alarmKey.arn]).apply(([archiveKeyArn, alarmKeyArn]) =>
            alarmFilters({
                accountId: acct,
                archiveKeyArn,
                alarmKeyArn,
                archiveBucketName: archiveBucketName(acct, region),
                accessLogBucketName: accessLogBucketName(acct, region),
                deployerRoleArn: spec.deployerRoleArn,
            }),
        );
        // The set of alarms is static (the keys); only the patterns wait for the key ARNs.
        const placeholder = { accountId: acct, archiveKeyArn: "", alarmKeyArn: "", archiveBucketName: "", accessLogBucketName: "", deployerRoleArn: "" };
        for (const f of alarmFilters(placeholder))
            alarm(
                f,
                filterInputs.apply((all) => (all.find((x) => x.key === f.key) as AlarmFilter).pattern),
            );
        for (const vendorId of Object.keys(tripwires)) {
            const f = tripwireFilter(vendorId, "", spec.deployerRoleArn);
            alarm(
                f,
                tripwires[vendorId].apply((t) => tripwireFilter(vendorId, t.key, spec.deployerRoleArn).pattern),
            );
        }
        this.registerOutputs({});
    }
}

/** The security stack's outputs (contract/outputs.ts); vendor stacks read them through a StackReference. Non-secret by design. */
export function securityStackOutputs(spec: SecuritySpec, archive: LogArchive): { [K in keyof SecurityStackOutputs]: pulumi.Input<SecurityStackOutputs[K]> } {
    // tripwires is the one secret output: only the security team may know the objects it names.
    return {
        accountId: spec.account.id,
        region: spec.account.region,
        archiveBucketName: archive.archiveBucket.id,
        archiveBucketArn: archive.archiveBucket.arn,
        accessLogBucketName: archive.accessLogBucket.id,
        archiveKeyArn: archive.archiveKey.arn,
        deployerRoleArn: spec.deployerRoleArn,
        breakGlassRoleArn: spec.breakGlassRoleArn,
        accountTrailArn: archive.accountTrail.arn,
        alarmTopicArn: archive.alarmTopic.arn,
        alarmKeyArn: archive.alarmKey.arn,
        archiveAdminRoleArn: spec.archiveAdminRoleArn,
        tripwires: archive.tripwires,
    };
}
