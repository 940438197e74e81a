import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ALARM_FILTERS, accessLogBucketPolicy, alarmTopicPolicy, archiveBucketPolicy, archiveKeyPolicy, trailToLogsPolicy, trailToLogsTrustPolicy, type ArchivePolicyInputs } from "../iam/archive";
import { render } from "../iam/document";
import { accessLogBucketName, archiveBucketName, archivePrefixes, bucketArn, logGroupArn, securityTags } from "../iam/names";
import type { SecuritySpec } from "../config/schema";
import type { SecurityStackOutputs } from "../contract/outputs";
import { secureBucket } from "./secureBucket";

const TRAIL_LOG_GROUP = "/enclave/security/account-trail";
export const ACCOUNT_TRAIL = "enclave-account-trail";
export const ALARM_TOPIC = "enclave-security-alarms";

/**
 * The central log archive, owned by the security stack so evidence survives every vendor's `pulumi destroy`.
 * Object Lock (default retention) on the archive; a separate SSE-S3 bucket for S3 access logs, because an access-log
 * target can be neither Object Lock-enabled nor SSE-KMS. The account trail feeds CloudWatch alarms on the changes an
 * attacker makes to widen access or hide. Everything stateful is protected and retained on delete.
 */
export class LogArchive extends pulumi.ComponentResource {
    readonly archiveBucket: aws.s3.Bucket;
    readonly accessLogBucket: aws.s3.Bucket;
    readonly archiveKey: aws.kms.Key;
    readonly accountTrail: aws.cloudtrail.Trail;
    readonly alarmTopic: aws.sns.Topic;

    constructor(name: string, args: { spec: SecuritySpec }, opts?: pulumi.ComponentResourceOptions) {
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
        };

        this.archiveKey = new aws.kms.Key(
            `${name}-archive-key`,
            {
                description: "Central log archive key (trails, flow logs, trail log group, alarm topic)",
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                isEnabled: true,
                policy: render(archiveKeyPolicy(inputs)),
                tags,
            },
            keep,
        );
        new aws.kms.Alias(`${name}-archive-key-alias`, { name: "alias/enclave/log-archive", targetKeyId: this.archiveKey.keyId }, { parent: this });

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
                accessLog: { targetBucket: this.accessLogBucket.id, targetPrefix: "log-archive/" },
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
            { name: TRAIL_LOG_GROUP, retentionInDays: spec.archive.logRetentionDays, kmsKeyId: this.archiveKey.arn, tags },
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
                cloudWatchLogsGroupArn: pulumi.interpolate`${logGroup.arn}:*`,
                cloudWatchLogsRoleArn: trailRole.arn,
                tags,
            },
            { parent: this, dependsOn: [archive.bucketPolicy, trailRolePolicy] },
        );

        this.alarmTopic = new aws.sns.Topic(`${name}-alarms`, { name: ALARM_TOPIC, kmsMasterKeyId: this.archiveKey.arn, tags }, { parent: this });
        new aws.sns.TopicPolicy(`${name}-alarms-policy`, { arn: this.alarmTopic.arn, policy: this.alarmTopic.arn.apply((arn) => render(alarmTopicPolicy(arn, acct))) }, { parent: this });
        for (const f of ALARM_FILTERS) {
            const metricName = `enclave-${f.key}`;
            new aws.cloudwatch.LogMetricFilter(
                `${name}-${f.key}-filter`,
                { name: metricName, logGroupName: logGroup.name, pattern: f.pattern, metricTransformation: { name: metricName, namespace: "Enclave/Security", value: "1" } },
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
                    period: 300,
                    evaluationPeriods: 1,
                    threshold: 1,
                    comparisonOperator: "GreaterThanOrEqualToThreshold",
                    treatMissingData: "notBreaching",
                    alarmActions: [this.alarmTopic.arn],
                    tags,
                },
                { parent: this },
            );
        }
        this.registerOutputs({});
    }
}

/** The security stack's outputs (contract/outputs.ts); vendor stacks read them through a StackReference. Non-secret by design. */
export function securityStackOutputs(spec: SecuritySpec, archive: LogArchive): { [K in keyof SecurityStackOutputs]: pulumi.Input<SecurityStackOutputs[K]> } {
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
    };
}
