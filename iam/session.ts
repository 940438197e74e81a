import { s3ServiceHost, type Statement } from "./document";

// Session Manager, as pure documents: what the vendor role may open, what the SSM agent on a workspace instance may
// call, and the enclave's own session document. Everything here is empty when the enclave has no workspace, so an
// enclave without one grants no session permission at all.

/** What the session documents and grants need, all known before any resource exists. */
export interface SessionPolicyBase {
    /** The enclave's session document (iam/names.ts sessionDocumentArn). */
    documentArn: string;
    /**
     * Where transcripts are uploaded: the archive (shared account), or in account mode the member account's log bucket
     * (iam/memberLogs.ts), which replicates them into the archive: the workload role reaches no other account.
     */
    archiveBucketArn: string;
    /** The archive key; absent in account mode, where the member log bucket is SSE-S3 and no key is used. */
    archiveKeyArn?: string;
    /** `vendors/<id>/sessions/` in the archive. */
    sessionLogPrefix: string;
}

/** The non-root user every session runs as (created by the instance's user data, no sudo). */
export const SESSION_RUN_AS_USER = "enclave";
/** Minutes of no input before Session Manager ends a session. */
export const SESSION_IDLE_MINUTES = 20;
/** Longest session in minutes: the vendor role's own credentials last at most an hour too. */
export const SESSION_MAX_MINUTES = 60;

/**
 * AWS-owned session documents that forward ports, run SSH or run commands: each opens a path around the shell's
 * transcript. The vendor role's NotResource deny already refuses every document but the enclave's; naming them too
 * makes the refusal readable in the policy and in the access report.
 */
export const FORWARDING_SESSION_DOCUMENTS = [
    "AWS-StartPortForwardingSession",
    "AWS-StartPortForwardingSessionToRemoteHost",
    "AWS-StartPortForwardingSessionToSocket",
    "AWS-StartSSHSession",
    "AWS-StartInteractiveCommand",
    "AWS-StartNonInteractiveCommand",
] as const;

/** The SSM agent's own calls for Session Manager and its message channel (AWS: "instance profile for Session Manager"). */
export const AGENT_CHANNEL_ACTIONS = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
];
export const AGENT_MESSAGE_ACTIONS = [
    "ec2messages:AcknowledgeMessage",
    "ec2messages:DeleteMessage",
    "ec2messages:FailMessage",
    "ec2messages:GetEndpoint",
    "ec2messages:GetMessages",
    "ec2messages:SendReply",
];
export const AGENT_SSM_ACTIONS = ["ssm:UpdateInstanceInformation"];

export const instanceArns = (region: string, accountId: string) => `arn:aws:ec2:${region}:${accountId}:instance/*`;
const sessionArns = (region: string, accountId: string) => `arn:aws:ssm:${region}:${accountId}:session/*`;
const documentArnOf = (region: string, accountId: string, name: string) => `arn:aws:ssm:${region}:${accountId}:document/${name}`;

interface Scope {
    vendorId: string;
    accountId: string;
    region: string;
    logGroupArn: string;
    /**
     * The enclave's S3 gateway endpoint: the only way the agent's transcript upload reaches the archive. Absent for the
     * permissions boundary, which is written before the endpoint exists; the identity policy carries the condition.
     */
    s3EndpointId?: string;
}

/**
 * The vendor role's session grants: start a session only on an instance tagged with this vendor, only with the
 * enclave's document (SessionDocumentAccessCheck makes Session Manager check the document too, so the account's default
 * shell document is refused); end or resume only its own sessions. The denies stand on their own: any other document,
 * any instance outside this account and region, and SendCommand.
 */
export function vendorSessionStatements(p: Scope, s: SessionPolicyBase): Statement[] {
    return [
        {
            Sid: "StartSessionOnEnclaveInstances",
            Effect: "Allow",
            Action: "ssm:StartSession",
            Resource: instanceArns(p.region, p.accountId),
            // Bool, not BoolIfExists: a request that does not ask Session Manager to check the document (so might start
            // the account's default shell) gets no instance at all.
            Condition: { StringEquals: { "ssm:resourceTag/enclave:vendor": p.vendorId }, Bool: { "ssm:SessionDocumentAccessCheck": "true" } },
        },
        {
            Sid: "StartSessionWithEnclaveDocument",
            Effect: "Allow",
            Action: "ssm:StartSession",
            Resource: s.documentArn,
            Condition: { BoolIfExists: { "ssm:SessionDocumentAccessCheck": "true" } },
        },
        {
            Sid: "EndOwnSessions",
            Effect: "Allow",
            Action: ["ssm:TerminateSession", "ssm:ResumeSession"],
            Resource: sessionArns(p.region, p.accountId),
            Condition: { StringLike: { "ssm:resourceTag/aws:ssmmessages:session-id": ["${aws:userid}"] } },
        },
        {
            Sid: "DenySessionsElsewhere",
            Effect: "Deny",
            Action: "ssm:StartSession",
            NotResource: [instanceArns(p.region, p.accountId), s.documentArn],
        },
        {
            Sid: "DenyForwardingSessions",
            Effect: "Deny",
            Action: "ssm:StartSession",
            // AWS-owned documents have no account in their ARN; "*" there matches that empty account and any other.
            Resource: FORWARDING_SESSION_DOCUMENTS.map((d) => documentArnOf("*", "*", d)),
        },
        { Sid: "DenySendCommand", Effect: "Deny", Action: "ssm:SendCommand", Resource: "*" },
    ];
}

/**
 * The workload role's share: what the SSM agent needs (the channel actions take no resource; UpdateInstanceInformation
 * is pinned to this vendor's instances by tag), the session transcript into the archive under this vendor's prefix
 * only, and the archive key for it only through S3 and only for that prefix.
 */
export function workloadSessionStatements(p: Scope, s: SessionPolicyBase): Statement[] {
    const prefix = `${s.archiveBucketArn}/${s.sessionLogPrefix}`;
    return [
        { Sid: "SessionAgentChannels", Effect: "Allow", Action: [...AGENT_CHANNEL_ACTIONS, ...AGENT_MESSAGE_ACTIONS], Resource: "*" },
        {
            Sid: "SessionAgentRegisters",
            Effect: "Allow",
            Action: AGENT_SSM_ACTIONS,
            Resource: instanceArns(p.region, p.accountId),
            Condition: { StringEquals: { "ssm:resourceTag/enclave:vendor": p.vendorId } },
        },
        // Only through the enclave's S3 endpoint, as the agent uploads: the instance role's credentials, read from IMDS and
        // used outside the VPC, cannot add objects to the transcript prefix (the archive has no endpoint check of its own).
        {
            Sid: "SessionLogsToArchive",
            Effect: "Allow",
            Action: "s3:PutObject",
            Resource: `${prefix}*`,
            ...(p.s3EndpointId ? { Condition: { StringEquals: { "aws:SourceVpce": p.s3EndpointId } } } : {}),
        },
        // s3EncryptionEnabled: the agent checks the bucket's default encryption before it uploads.
        { Sid: "SessionLogsArchiveEncryption", Effect: "Allow", Action: "s3:GetEncryptionConfiguration", Resource: s.archiveBucketArn },
        ...(s.archiveKeyArn
            ? [
                  {
                      Sid: "SessionLogsArchiveKey",
                      Effect: "Allow" as const,
                      Action: "kms:GenerateDataKey",
                      Resource: s.archiveKeyArn,
                      Condition: {
                          StringEquals: { "kms:ViaService": s3ServiceHost(p.region) },
                          StringLike: { "kms:EncryptionContext:aws:s3:arn": `${prefix}*` },
                      },
                  },
              ]
            : []),
        // cloudWatchEncryptionEnabled: the agent checks that the log group is encrypted before it streams.
        { Sid: "SessionLogsLogGroupCheck", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: `arn:aws:logs:${p.region}:${p.accountId}:log-group:*` },
    ];
}

/** The session document's content (type Session): shell only, logged or not started. */
export function sessionDocumentContent(p: { logGroupName: string; archiveBucketName: string; sessionLogPrefix: string }): Record<string, unknown> {
    return {
        schemaVersion: "1.0",
        description: "Enclave shell: a non-root user, logged to the archive and CloudWatch, encrypted, or not started.",
        sessionType: "Standard_Stream",
        inputs: {
            s3BucketName: p.archiveBucketName,
            s3KeyPrefix: p.sessionLogPrefix.replace(/\/$/, ""),
            s3EncryptionEnabled: true,
            cloudWatchLogGroupName: p.logGroupName,
            cloudWatchEncryptionEnabled: true,
            cloudWatchStreamingEnabled: true,
            kmsKeyId: "",
            runAsEnabled: true,
            runAsDefaultUser: SESSION_RUN_AS_USER,
            idleSessionTimeout: String(SESSION_IDLE_MINUTES),
            maxSessionDuration: String(SESSION_MAX_MINUTES),
            shellProfile: { linux: "umask 077; cd ~", windows: "" },
        },
    };
}

/** The logging inputs a session document must carry for a session that cannot be logged never to start. */
export const MANDATORY_SESSION_LOGGING = { s3EncryptionEnabled: true, cloudWatchEncryptionEnabled: true, runAsEnabled: true } as const;
