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
 * Administration of a key by the deployer and break-glass roles: manage, disable, schedule deletion; never decrypt.
 * Written twice on purpose. KMS stores a role named as a principal by its unique id, so a role deleted and re-created
 * under the same name (a rebuilt CI deploy role) is no longer the principal, and nothing could grant it back: seal and
 * destroy would fail on the key. The second statement names the account and matches the role by `aws:PrincipalArn`, a
 * string compare that survives re-creation; it is no "enable IAM policies" root grant, because only these two ARNs
 * match (each still needs its own IAM permission for it, which the first statement does not).
 */
export function keyAdministration(accountId: string, admins: string[]): Statement[] {
    return [{ Sid: "KeyAdministration", Effect: "Allow", Principal: { AWS: admins }, Action: KMS_ADMIN_ACTIONS, Resource: "*" }, keyAdministrationByRoleArn(accountId, admins)];
}

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
