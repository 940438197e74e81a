import type { Statement } from "./document";

// Statements that the vendor and archive documents share, written once.

/** Key administration without kms:Encrypt/Decrypt: the deployer manages the key but cannot read vendor data. */
export const KMS_ADMIN_ACTIONS = [
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:PutKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:UpdateKeyDescription",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ListResourceTags",
    "kms:CreateAlias",
    "kms:UpdateAlias",
    "kms:DeleteAlias",
];

/**
 * Administration of a key by exact roles, named only by `aws:PrincipalArn` under the account principal: KMS validates
 * no role ARN on write, so the policy can be put while a role is missing (a break-glass role provisioned just in time)
 * and survives a role re-created under the same name. Each role still needs its own IAM permission for it.
 */
export function keyAdministrationByRoleArn(accountId: string, admins: string[]): Statement {
    return {
        Sid: "KeyAdministrationByRoleArn",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: KMS_ADMIN_ACTIONS,
        Resource: "*",
        Condition: { ArnEquals: { "aws:PrincipalArn": admins } },
    };
}

/** CloudWatch Logs may use a key only for the one log group named in its encryption context. */
export function cloudWatchLogsKeyUse(sid: string, region: string, logGroupArn: string): Statement {
    return {
        Sid: sid,
        Effect: "Allow",
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
        Resource: "*",
        Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": logGroupArn } },
    };
}

/** FSBP S3.5 / CIS 2.1.1: any request over plain HTTP to the bucket or its objects is refused. */
export function denyInsecureTransport(bucketArn: string): Statement {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}
