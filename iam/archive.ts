import { policy, s3ServiceHost, type PolicyDocument, type Statement } from "./document";
import { archivePrefixes } from "./names";
import { cloudWatchLogsKeyUse, denyInsecureTransport, keyAdministration } from "./common";

export interface ArchivePolicyInputs {
    accountId: string;
    region: string;
    archiveBucketArn: string;
    accessLogBucketArn: string;
    logGroupArn: string;
    deployerRoleArn: string;
    breakGlassRoleArn: string;
}

/** Evidence must outlive the incident: only break-glass may even ask to delete (Object Lock still refuses). */
const denyLogDeletion = (p: ArchivePolicyInputs, bucketArn: string): Statement => ({
    Sid: "DenyLogDeletion",
    Effect: "Deny",
    Principal: "*",
    Action: ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention", "s3:PutObjectRetention", "s3:DeleteBucket"],
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { StringNotEqualsIfExists: { "aws:PrincipalArn": p.breakGlassRoleArn } },
});

/** CloudTrail (account and vendor trails) and log delivery (VPC flow logs), each pinned to this account. */
export function archiveBucketPolicy(p: ArchivePolicyInputs): PolicyDocument {
    const logObjects = `${p.archiveBucketArn}/*/AWSLogs/${p.accountId}/*`;
    const fromThisAccount = { StringEquals: { "aws:SourceAccount": p.accountId } };
    return policy([
        denyInsecureTransport(p.archiveBucketArn),
        { Sid: "CloudTrailAclCheck", Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "s3:GetBucketAcl", Resource: p.archiveBucketArn, Condition: fromThisAccount },
        {
            Sid: "CloudTrailWrite",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: logObjects,
            Condition: { StringEquals: { "aws:SourceAccount": p.accountId, "s3:x-amz-acl": "bucket-owner-full-control" } },
        },
        {
            Sid: "LogDeliveryAclCheck",
            Effect: "Allow",
            Principal: { Service: "delivery.logs.amazonaws.com" },
            Action: "s3:GetBucketAcl",
            Resource: p.archiveBucketArn,
            Condition: { ...fromThisAccount, ArnLike: { "aws:SourceArn": `arn:aws:logs:${p.region}:${p.accountId}:*` } },
        },
        {
            Sid: "LogDeliveryWrite",
            Effect: "Allow",
            Principal: { Service: "delivery.logs.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: logObjects,
            Condition: {
                StringEquals: { "aws:SourceAccount": p.accountId, "s3:x-amz-acl": "bucket-owner-full-control" },
                ArnLike: { "aws:SourceArn": `arn:aws:logs:${p.region}:${p.accountId}:*` },
            },
        },
        denyLogDeletion(p, p.archiveBucketArn),
        {
            // `enclave destroy` writes the evidence bundle as the deployer; that is the only place it may write.
            Sid: "DeployerWritesEvidenceOnly",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            NotResource: `${p.archiveBucketArn}/${archivePrefixes.evidenceRoot}*`,
            Condition: { StringEquals: { "aws:PrincipalArn": p.deployerRoleArn } },
        },
    ]);
}

/** S3 server access logs: the logging service only, for source buckets of this account. */
export function accessLogBucketPolicy(p: ArchivePolicyInputs): PolicyDocument {
    return policy([
        denyInsecureTransport(p.accessLogBucketArn),
        {
            Sid: "S3ServerAccessLogs",
            Effect: "Allow",
            Principal: { Service: "logging.s3.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `${p.accessLogBucketArn}/*`,
            Condition: { StringEquals: { "aws:SourceAccount": p.accountId } },
        },
        denyLogDeletion(p, p.accessLogBucketArn),
    ]);
}

/**
 * The archive key encrypts trails, flow logs, the trail's log group and the alarm topic. It is deliberately not any
 * vendor's key: sealing a vendor disables that vendor's key, and its audit trail must keep being written.
 */
export function archiveKeyPolicy(p: ArchivePolicyInputs): PolicyDocument {
    const account = { "aws:SourceAccount": p.accountId };
    return policy([
        ...keyAdministration(p.accountId, [p.deployerRoleArn, p.breakGlassRoleArn]),
        {
            Sid: "InvestigatorsReadLogs",
            Effect: "Allow",
            Principal: { AWS: p.breakGlassRoleArn },
            Action: ["kms:Decrypt"],
            Resource: "*",
            Condition: { StringEquals: { "kms:CallerAccount": p.accountId } },
        },
        {
            // Evidence uploads (see DeployerWritesEvidenceOnly in the bucket policy). The archive bucket does not use
            // S3 Bucket Keys, so the encryption context is the object ARN and this admits puts under evidence/ only
            // (a top-level folder: no log delivery writes there).
            Sid: "DeployerEncryptsEvidenceViaS3",
            Effect: "Allow",
            Principal: { AWS: p.deployerRoleArn },
            Action: ["kms:GenerateDataKey"],
            Resource: "*",
            Condition: {
                StringEquals: { "kms:ViaService": s3ServiceHost(p.region), "kms:CallerAccount": p.accountId },
                StringLike: { "kms:EncryptionContext:aws:s3:arn": `${p.archiveBucketArn}/${archivePrefixes.evidenceRoot}*` },
            },
        },
        {
            Sid: "CloudTrailEncrypt",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: ["kms:GenerateDataKey"],
            Resource: "*",
            Condition: { StringEquals: account, StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${p.accountId}:trail/*` } },
        },
        {
            // Its own statement: DescribeKey carries no encryption context, so under CloudTrailEncrypt's condition it
            // would never match and CreateTrail/UpdateTrail would fail with InsufficientEncryptionPolicyException.
            Sid: "CloudTrailDescribeKey",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: ["kms:DescribeKey"],
            Resource: "*",
            Condition: { StringEquals: account },
        },
        {
            Sid: "LogDeliveryEncrypt",
            Effect: "Allow",
            Principal: { Service: "delivery.logs.amazonaws.com" },
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: "*",
            Condition: { StringEquals: account, ArnLike: { "aws:SourceArn": `arn:aws:logs:${p.region}:${p.accountId}:*` } },
        },
        cloudWatchLogsKeyUse("CloudWatchLogsEncrypt", p.region, p.logGroupArn),
        {
            Sid: "CloudWatchAlarmsToEncryptedTopic",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: "*",
            Condition: { StringEquals: account },
        },
    ]);
}

/** CloudTrail's role for delivering the account trail to CloudWatch Logs. */
export function trailToLogsTrustPolicy(accountId: string): PolicyDocument {
    return policy([
        {
            Sid: "CloudTrailOnly",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        },
    ]);
}

export function trailToLogsPolicy(logGroupArn: string): PolicyDocument {
    return policy([{ Sid: "WriteTrailLogStreams", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroupArn}:log-stream:*` }]);
}

export function alarmTopicPolicy(topicArn: string, accountId: string): PolicyDocument {
    return policy([
        {
            Sid: "CloudWatchAlarmsPublish",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Resource: topicArn,
            Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        },
    ]);
}

/** CIS 4.x style alarms on the account trail: changes an attacker would make to widen access or hide. */
export const ALARM_FILTERS: { key: string; description: string; pattern: string }[] = [
    {
        key: "iam-policy-changes",
        description: "IAM policy or role changes (CIS 4.4)",
        pattern:
            "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)||($.eventName=UpdateAssumeRolePolicy)}",
    },
    {
        key: "kms-key-disable-or-delete",
        description: "KMS key disabled or scheduled for deletion (CIS 4.7)",
        pattern: "{($.eventSource=kms.amazonaws.com)&&(($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion))}",
    },
    {
        key: "bucket-policy-changes",
        description: "S3 bucket policy changes (CIS 4.8)",
        pattern:
            "{($.eventSource=s3.amazonaws.com)&&(($.eventName=PutBucketAcl)||($.eventName=PutBucketPolicy)||($.eventName=PutBucketCors)||($.eventName=PutBucketLifecycle)||($.eventName=PutBucketReplication)||($.eventName=DeleteBucketPolicy)||($.eventName=DeleteBucketCors)||($.eventName=DeleteBucketLifecycle)||($.eventName=DeleteBucketReplication))}",
    },
    {
        key: "network-changes",
        description: "Security group, route table, gateway or VPC changes (CIS 4.10-4.14)",
        pattern:
            "{($.eventName=AuthorizeSecurityGroupIngress)||($.eventName=AuthorizeSecurityGroupEgress)||($.eventName=RevokeSecurityGroupIngress)||($.eventName=RevokeSecurityGroupEgress)||($.eventName=CreateSecurityGroup)||($.eventName=DeleteSecurityGroup)||($.eventName=CreateRoute)||($.eventName=CreateRouteTable)||($.eventName=ReplaceRoute)||($.eventName=DeleteRoute)||($.eventName=CreateInternetGateway)||($.eventName=AttachInternetGateway)||($.eventName=CreateNatGateway)||($.eventName=CreateVpc)||($.eventName=DeleteVpc)||($.eventName=ModifyVpcAttribute)||($.eventName=CreateVpcPeeringConnection)||($.eventName=ModifyVpcEndpoint)}",
    },
    {
        key: "trail-changes",
        description: "CloudTrail stopped, deleted or changed (CIS 4.5)",
        pattern: "{($.eventName=CreateTrail)||($.eventName=UpdateTrail)||($.eventName=DeleteTrail)||($.eventName=StartLogging)||($.eventName=StopLogging)||($.eventName=PutEventSelectors)}",
    },
];
