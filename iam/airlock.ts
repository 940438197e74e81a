import { createHash } from "node:crypto";
import {
    AIRLOCK_HANDLERS,
    AIRLOCK_PREFIX,
    AIRLOCK_RULES,
    airlockNames,
    approverKey,
    GUARDDUTY_SCAN_TAG,
    SCAN_CLEAN,
    type AirlockRequester,
    type AirlockRule,
} from "../contract/airlock";
import { denyInsecureTransport } from "./common";
import { policy, s3ServiceHost, type Condition, type PolicyDocument, type Statement } from "./document";
import { accountOfArn, accountRootArn, bucketArn, logGroupArn, roleArn } from "./names";

// The export airlock's documents: the outbox, released and control bucket policies, the airlock role's policy and
// trust, GuardDuty's scan role, the vendor-side grants on the outbox and the seal's freeze. Pure functions of plain
// strings, like every builder in this folder, so the simulation tests and the seal's direct write use the very
// documents the program deploys. No document here names a vendor-side principal as Principal: the seal writes the
// released and control bucket policies, and AWS validates every principal on write (a vendor can delete its own).

/** Everything the airlock documents need, resolved. */
export interface AirlockPolicyInputs {
    vendorId: string;
    accountId: string;
    region: string;
    vendorRoleArn: string;
    workloadRoleArn: string;
    deployerRoleArn: string;
    breakGlassRoleArn: string;
    /** Lab principals that approve; each has its own decision slot. */
    approvers: string[];
    /** "vendor" (the vendor role reads released files) or one lab principal ARN. */
    recipient: string;
    /** The vendor key (SSE-KMS of the three airlock buckets and of the datasets). */
    keyArn: string;
    /** The dataset buckets the fingerprint handler reads. */
    datasetBucketArns: string[];
    archiveBucketArn: string;
    archiveKeyArn: string;
    s3EndpointId: string;
    dataPath: "endpoint" | "allow-list";
    egressCidrs: string[];
    sealed: boolean;
}

/** The physical ARNs of the airlock, from the vendor id and account only (contract/airlock.ts names them). */
export function airlockArns(vendorId: string, accountId: string, region: string) {
    const n = airlockNames(vendorId, accountId);
    return {
        names: n,
        outboxBucketArn: bucketArn(n.outboxBucket),
        releasedBucketArn: bucketArn(n.releasedBucket),
        controlBucketArn: bucketArn(n.controlBucket),
        roleArn: roleArn(accountId, n.role),
        scanRoleArn: roleArn(accountId, n.scanRole),
        stateMachineArn: `arn:aws:states:${region}:${accountId}:stateMachine:${n.stateMachine}`,
        /** Every execution of the state machine (SendTask* and DescribeExecution name executions). */
        executionArns: `arn:aws:states:${region}:${accountId}:execution:${n.stateMachine}:*`,
        functionArns: Object.fromEntries(AIRLOCK_HANDLERS.map((h) => [h, `arn:aws:lambda:${region}:${accountId}:function:${n.functions[h]}`])) as Record<
            (typeof AIRLOCK_HANDLERS)[number],
            string
        >,
        /** Log groups: one per function (Lambda's own naming) and one for the state machine. */
        functionLogGroups: AIRLOCK_HANDLERS.map((h) => `/aws/lambda/${n.functions[h]}`),
        stateMachineLogGroup: `/aws/vendedlogs/states/${n.stateMachine}`,
        deadLetterQueueArn: `arn:aws:sqs:${region}:${accountId}:${n.deadLetterQueue}`,
        /** The EventBridge rules, by key: the dead-letter queue admits messages from these exactly. */
        ruleArns: Object.fromEntries(
            (Object.keys(AIRLOCK_RULES) as AirlockRule[]).map((k) => [k, `arn:aws:events:${region}:${accountId}:rule/enclave-${vendorId}-airlock-${k}`]),
        ) as Record<AirlockRule, string>,
    };
}

/**
 * What takes a message off the dead-letter queue unseen, or hides it from the depth alarm while it is there (a message
 * move task carries them to a queue of the caller's choosing).
 */
export const DEAD_LETTER_REMOVAL_ACTIONS = [
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:PurgeQueue",
    "sqs:ChangeMessageVisibility",
    "sqs:StartMessageMoveTask",
] as const;
/**
 * What changes the queue itself: its attributes (retention, policy, redrive), a statement of its policy by Sid
 * (RemovePermission takes any statement's Sid as its label, these denies included), or the queue (deleted with what it
 * holds, its depth metric gone and the alarm quiet on missing data; a queue of the same name created after it is the
 * creator's and receives the rules' dead letters).
 */
export const DEAD_LETTER_CHANGE_ACTIONS = ["sqs:SetQueueAttributes", "sqs:RemovePermission", "sqs:AddPermission", "sqs:DeleteQueue"] as const;

/**
 * The airlock's dead-letter queue: EventBridge sends an event it could not deliver to a handler, from the airlock's
 * own rules only (aws:SourceArn pinned to each rule's ARN, the account as source). A handler that failed every
 * attempt sends its event here too, as the airlock role (an identity grant, not this policy). TLS only.
 *
 * A lost submission or decision event exists nowhere else (a lost fingerprint event is still caught by the leak check's
 * coverage), and the alarm reads the queue's depth: whoever may receive, delete, purge or hide its messages, or cut
 * their retention, can make one disappear before the alarm sees it. So only break-glass (the operator who handles the
 * alarm) takes messages off it, and only break-glass and the deployer (Pulumi sets the queue's attributes) change its
 * attributes, whatever a lab principal's own policies allow.
 */
export function deadLetterQueuePolicy(
    p: Pick<AirlockPolicyInputs, "vendorId" | "accountId" | "region" | "breakGlassRoleArn" | "deployerRoleArn">,
    rules: readonly AirlockRule[],
): PolicyDocument {
    const a = airlockArns(p.vendorId, p.accountId, p.region);
    return policy([
        {
            Sid: "AirlockRulesDeadLetters",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sqs:SendMessage",
            Resource: a.deadLetterQueueArn,
            Condition: { ArnEquals: { "aws:SourceArn": rules.map((r) => a.ruleArns[r]) }, StringEquals: { "aws:SourceAccount": p.accountId } },
        },
        {
            Sid: "DenyDeadLetterRemoval",
            Effect: "Deny",
            Principal: "*",
            Action: [...DEAD_LETTER_REMOVAL_ACTIONS],
            Resource: a.deadLetterQueueArn,
            Condition: { ArnNotEquals: { "aws:PrincipalArn": p.breakGlassRoleArn } },
        },
        {
            Sid: "DenyDeadLetterAttributeChanges",
            Effect: "Deny",
            Principal: "*",
            Action: [...DEAD_LETTER_CHANGE_ACTIONS],
            Resource: a.deadLetterQueueArn,
            Condition: { ArnNotEquals: { "aws:PrincipalArn": [p.breakGlassRoleArn, p.deployerRoleArn] } },
        },
        {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "sqs:*",
            Resource: a.deadLetterQueueArn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
    ]);
}

/** The recipient's principal ARN: the vendor role when the spec says `vendor`. */
export const recipientArn = (p: Pick<AirlockPolicyInputs, "recipient" | "vendorRoleArn">) => (p.recipient === "vendor" ? p.vendorRoleArn : p.recipient);

/** The decision slot of an approver: its key under `decisions/<request>/`, from its ARN (what the CLI and decide use too). */
export function approverSlot(arn: string): string {
    return approverKey(createHash("sha256").update(arn).digest("hex"));
}

const vendorSide = (p: AirlockPolicyInputs) => [p.vendorRoleArn, p.workloadRoleArn];
const objectsOf = (arn: string) => `${arn}/*`;
const both = (arn: string) => [arn, objectsOf(arn)];
/** Bucket names are global and predictable: a grant naming one is pinned to the lab's account. */
const owner = (p: AirlockPolicyInputs): Condition => ({ StringEquals: { "s3:ResourceAccount": p.accountId } });

/** Every way to read an object's bytes or its metadata. */
export const OBJECT_READ_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes", "s3:GetObjectVersionAttributes", "s3:RestoreObject"];
/** Every way to change an object's tags (the request lifecycle lives in them). */
export const OBJECT_TAGGING_ACTIONS = ["s3:PutObjectTagging", "s3:PutObjectVersionTagging", "s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging"];

/**
 * The SSE-KMS guarantees of a dataset bucket: only this key, never SSE-C, never the AWS managed key. Same statements
 * as the dataset bucket policy so the guardrails read them the same way.
 */
function encryptionDenies(bucket: string, keyArn: string): Statement[] {
    const objects = objectsOf(bucket);
    return [
        {
            Sid: "DenyEncryptionOtherThanKms",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: objects,
            Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" }, Null: { "s3:x-amz-server-side-encryption": "false" } },
        },
        {
            Sid: "DenyKmsWithoutThisKey",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: objects,
            Condition: { StringEquals: { "s3:x-amz-server-side-encryption": "aws:kms" }, Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "true" } },
        },
        {
            Sid: "DenyCustomerProvidedKeys",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: objects,
            Condition: { Null: { "s3:x-amz-server-side-encryption-customer-algorithm": "false" } },
        },
        {
            Sid: "DenyOtherKmsKeys",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: objects,
            Condition: {
                StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn },
                Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
            },
        },
    ];
}

/** Anyone not listed is refused everything; AWS services act only through the roles listed (GuardDuty's scan role). */
function denyUnlisted(bucket: string, listed: string[]): Statement {
    return {
        Sid: "DenyUnlistedPrincipals",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: both(bucket),
        Condition: { StringNotEqualsIfExists: { "aws:PrincipalArn": [...new Set(listed)] }, BoolIfExists: { "aws:PrincipalIsAWSService": "false" } },
    };
}

/** The vendor side reaches an airlock bucket only from the enclave's network, as it reaches a dataset. */
function vendorPerimeter(p: AirlockPolicyInputs, bucket: string): Statement {
    const condition: Condition = { StringEquals: { "aws:PrincipalArn": vendorSide(p) }, StringNotEquals: { "aws:SourceVpce": p.s3EndpointId } };
    if (p.dataPath === "allow-list" && p.egressCidrs.length) condition.NotIpAddress = { "aws:SourceIp": p.egressCidrs };
    return { Sid: "DenyVendorOutsideNetworkPerimeter", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: both(bucket), Condition: condition };
}

const sealDenyVendor = (p: AirlockPolicyInputs, bucket: string): Statement | false =>
    p.sealed && {
        Sid: "SealDenyVendor",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: both(bucket),
        Condition: { StringEquals: { "aws:PrincipalArn": vendorSide(p) } },
    };

const requesterRole = (p: AirlockPolicyInputs, who: AirlockRequester) => (who === "vendor" ? p.vendorRoleArn : p.workloadRoleArn);

/**
 * The outbox: the vendor side may only put, each role under its own prefix (the prefix then names the requester
 * without trusting anything it typed), without tags; it can never read, list, tag or delete, so a file it submitted is
 * out of its reach. Approvers read a version only once GuardDuty tagged it clean; only the airlock role changes tags
 * (GuardDuty's scan role writes its scan tag).
 */
export function outboxBucketPolicy(p: AirlockPolicyInputs): PolicyDocument {
    const a = airlockArns(p.vendorId, p.accountId, p.region);
    const b = a.outboxBucketArn;
    const readers = [...p.approvers, a.roleArn, a.scanRoleArn, p.breakGlassRoleArn];
    return policy([
        denyInsecureTransport(b),
        ...encryptionDenies(b, p.keyArn),
        denyUnlisted(b, [...vendorSide(p), ...readers, p.deployerRoleArn]),
        vendorPerimeter(p, b),
        {
            Sid: "DenyVendorBeyondSubmit",
            Effect: "Deny",
            Principal: "*",
            NotAction: ["s3:PutObject"],
            Resource: both(b),
            Condition: { StringEquals: { "aws:PrincipalArn": vendorSide(p) } },
        },
        ...(["vendor", "workload"] as const).map((who): Statement => ({
            Sid: who === "vendor" ? "DenyVendorRoleOutsideItsPrefix" : "DenyWorkloadRoleOutsideItsPrefix",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            NotResource: `${b}/${AIRLOCK_PREFIX.submitBy(who)}*`,
            Condition: { StringEquals: { "aws:PrincipalArn": requesterRole(p, who) } },
        })),
        {
            // A tag set sent with the put would be a lifecycle state the requester chose.
            Sid: "DenyVendorTagsOnSubmit",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: objectsOf(b),
            Condition: { StringEquals: { "aws:PrincipalArn": vendorSide(p) }, Null: { "s3:RequestObjectTagKeys": "false" } },
        },
        {
            Sid: "DenyReadsBeyondReviewers",
            Effect: "Deny",
            Principal: "*",
            Action: OBJECT_READ_ACTIONS,
            Resource: objectsOf(b),
            Condition: { StringNotEqualsIfExists: { "aws:PrincipalArn": readers } },
        },
        {
            // Unscanned, infected or unscannable objects stay unreadable to people (a missing tag matches too).
            Sid: "DenyApproversUnscannedReads",
            Effect: "Deny",
            Principal: "*",
            Action: OBJECT_READ_ACTIONS,
            Resource: objectsOf(b),
            Condition: { StringEquals: { "aws:PrincipalArn": p.approvers }, StringNotEquals: { [`s3:ExistingObjectTag/${GUARDDUTY_SCAN_TAG}`]: SCAN_CLEAN } },
        },
        {
            Sid: "DenyApproversBeyondReading",
            Effect: "Deny",
            Principal: "*",
            NotAction: ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:GetObjectVersionTagging"],
            Resource: both(b),
            Condition: { StringEquals: { "aws:PrincipalArn": p.approvers } },
        },
        {
            Sid: "DenyTaggingExceptAirlock",
            Effect: "Deny",
            Principal: "*",
            Action: OBJECT_TAGGING_ACTIONS,
            Resource: objectsOf(b),
            Condition: { StringNotEqualsIfExists: { "aws:PrincipalArn": [a.roleArn, a.scanRoleArn] } },
        },
        sealDenyVendor(p, b),
    ]);
}

/** The released bucket: only the recipient reads (and break-glass, for an investigation); only the airlock role writes. */
export function releasedBucketPolicy(p: AirlockPolicyInputs): PolicyDocument {
    const a = airlockArns(p.vendorId, p.accountId, p.region);
    const b = a.releasedBucketArn;
    const recipient = recipientArn(p);
    return policy([
        denyInsecureTransport(b),
        ...encryptionDenies(b, p.keyArn),
        denyUnlisted(b, [recipient, a.roleArn, p.deployerRoleArn, p.breakGlassRoleArn]),
        ...(p.recipient === "vendor" ? [vendorPerimeter(p, b)] : []),
        {
            Sid: "DenyReadsExceptRecipient",
            Effect: "Deny",
            Principal: "*",
            Action: OBJECT_READ_ACTIONS,
            Resource: objectsOf(b),
            Condition: { StringNotEqualsIfExists: { "aws:PrincipalArn": [recipient, p.breakGlassRoleArn] } },
        },
        {
            Sid: "DenyPutsExceptAirlock",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: objectsOf(b),
            Condition: { StringNotEqualsIfExists: { "aws:PrincipalArn": a.roleArn } },
        },
        {
            Sid: "DenyAirlockOutsideReleased",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            NotResource: `${b}/released/*`,
            Condition: { StringEquals: { "aws:PrincipalArn": a.roleArn } },
        },
        {
            Sid: "DenyRecipientBeyondReading",
            Effect: "Deny",
            Principal: "*",
            NotAction: ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"],
            Resource: both(b),
            Condition: { StringEquals: { "aws:PrincipalArn": recipient } },
        },
        // The workload role is never a recipient: released files are for the vendor's people or the lab.
        p.recipient === "vendor" && {
            Sid: "DenyWorkloadRole",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: both(b),
            Condition: { StringEquals: { "aws:PrincipalArn": p.workloadRoleArn } },
        },
        ...sealFreezeAirlock(p, "released"),
        sealDenyVendor(p, b),
    ]);
}

/**
 * The control bucket: request records, decisions, the fingerprint index and the canaries. Nothing of it is ever
 * reachable from the vendor side. Approvers read request records and write their own decision slot only: one
 * statement per approver, keyed by its slot, denies a put there by anyone else.
 */
export function controlBucketPolicy(p: AirlockPolicyInputs): PolicyDocument {
    const a = airlockArns(p.vendorId, p.accountId, p.region);
    const b = a.controlBucketArn;
    return policy([
        denyInsecureTransport(b),
        ...encryptionDenies(b, p.keyArn),
        denyUnlisted(b, [...p.approvers, a.roleArn, p.deployerRoleArn, p.breakGlassRoleArn]),
        {
            Sid: "DenyVendorSide",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: both(b),
            Condition: { StringEquals: { "aws:PrincipalArn": vendorSide(p) } },
        },
        {
            Sid: "DenyApproversBeyondReview",
            Effect: "Deny",
            Principal: "*",
            NotAction: ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
            Resource: both(b),
            Condition: { StringEquals: { "aws:PrincipalArn": p.approvers } },
        },
        {
            Sid: "DenyApproversReadsBeyondRequests",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:GetObject",
            NotResource: `${b}/${AIRLOCK_PREFIX.requests}*`,
            Condition: { StringEquals: { "aws:PrincipalArn": p.approvers } },
        },
        {
            Sid: "DenyApproversListBeyondRequests",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:ListBucket",
            Resource: b,
            Condition: { StringEquals: { "aws:PrincipalArn": p.approvers }, StringNotLikeIfExists: { "s3:prefix": `${AIRLOCK_PREFIX.requests}*` } },
        },
        {
            Sid: "DenyApproversPutsBeyondDecisions",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            NotResource: `${b}/${AIRLOCK_PREFIX.decisions}*`,
            Condition: { StringEquals: { "aws:PrincipalArn": p.approvers } },
        },
        // The slot is the approver: a decision object's key is the identity IAM established, never a name typed.
        ...[...p.approvers].sort().map((arn): Statement => ({
            Sid: `DecisionSlot${approverSlot(arn)}`,
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: `${b}/${AIRLOCK_PREFIX.decisions}*/${approverSlot(arn)}`,
            Condition: { ArnNotEquals: { "aws:PrincipalArn": arn } },
        })),
        {
            Sid: "DenyDeployerDataReads",
            Effect: "Deny",
            Principal: "*",
            Action: OBJECT_READ_ACTIONS,
            Resource: objectsOf(b),
            Condition: { ArnEquals: { "aws:PrincipalArn": [p.deployerRoleArn] } },
        },
        ...sealFreezeAirlock(p, "control"),
        sealDenyVendor(p, b),
    ]);
}

/**
 * The seal's freeze of the airlock: while sealed nothing is decided and nothing released. On the control bucket no
 * one puts a decision (an approver's, or one replayed by the airlock role); on the released bucket no one puts, reads
 * or lists a file except break-glass, for the investigation. Named by `aws:PrincipalArn` only: a lab role of the security
 * stack, never anything the vendor controls, so the write cannot fail on a deleted principal.
 */
export function sealFreezeAirlock(
    p: Pick<AirlockPolicyInputs, "vendorId" | "accountId" | "region" | "breakGlassRoleArn" | "sealed">,
    bucket: "control" | "released",
): Statement[] {
    if (!p.sealed) return [];
    const a = airlockArns(p.vendorId, p.accountId, p.region);
    if (bucket === "control")
        return [
            { Sid: SEAL_FREEZE_SID, Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: `${a.controlBucketArn}/${AIRLOCK_PREFIX.decisions}*` },
        ];
    return [
        {
            // Listing too: while sealed even the names of released files stay with break-glass.
            Sid: SEAL_FREEZE_SID,
            Effect: "Deny",
            Principal: "*",
            Action: ["s3:PutObject", "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"],
            Resource: [a.releasedBucketArn, objectsOf(a.releasedBucketArn)],
            Condition: { ArnNotLike: { "aws:PrincipalArn": [p.breakGlassRoleArn] } },
        },
    ];
}

export const SEAL_FREEZE_SID = "SealFreezeAirlock";

/**
 * What the vendor-side roles get on the airlock, in their identity policies, their boundary and the S3 endpoint
 * policy: put under their own submit prefix, and (the vendor role, when it is the recipient) read released files.
 * `role` picks one role's grants; omitted, both roles' (the boundary and the endpoint policy).
 */
export function airlockVendorGrants(
    p: { vendorId: string; accountId: string; region: string; recipient: string; vendorRoleArn: string; workloadRoleArn: string },
    role?: AirlockRequester,
    extra?: { principal?: Statement["Principal"] },
): Statement[] {
    const a = airlockArns(p.vendorId, p.accountId, p.region);
    const who = (r: AirlockRequester) => (r === "vendor" ? p.vendorRoleArn : p.workloadRoleArn);
    const by = (r: AirlockRequester[]): Condition =>
        extra?.principal
            ? { StringEquals: { "s3:ResourceAccount": p.accountId, "aws:PrincipalArn": r.map(who) } }
            : { StringEquals: { "s3:ResourceAccount": p.accountId } };
    const roles: AirlockRequester[] = role ? [role] : ["vendor", "workload"];
    const base = { Effect: "Allow" as const, ...(extra?.principal ? { Principal: extra.principal } : {}) };
    const submit: Statement[] = roles.map((r) => ({
        ...base,
        Sid: r === "vendor" ? "SubmitToAirlockOutbox" : "WorkloadSubmitToAirlockOutbox",
        Action: ["s3:PutObject"],
        Resource: `${a.outboxBucketArn}/${AIRLOCK_PREFIX.submitBy(r)}*`,
        Condition: by([r]),
    }));
    const reads = p.recipient === "vendor" && roles.includes("vendor");
    return [
        ...submit,
        ...(reads
            ? [
                  { ...base, Sid: "ListReleasedFiles", Action: ["s3:ListBucket"], Resource: a.releasedBucketArn, Condition: by(["vendor"]) },
                  { ...base, Sid: "ReadReleasedFiles", Action: ["s3:GetObject"], Resource: `${a.releasedBucketArn}/released/*`, Condition: by(["vendor"]) },
              ]
            : []),
    ];
}

/** The airlock buckets the vendor side may reach at all (the network perimeter denies cover them). */
export function airlockVendorBuckets(p: { vendorId: string; accountId: string; region: string; recipient: string }): string[] {
    const a = airlockArns(p.vendorId, p.accountId, p.region);
    return [a.outboxBucketArn, ...(p.recipient === "vendor" ? [a.releasedBucketArn] : [])];
}

/**
 * Key policy statements for the airlock, added to the vendor key's policy: the airlock role and GuardDuty's scan role
 * use the key through S3, approvers and a lab recipient decrypt through S3. By `aws:PrincipalArn` under the account
 * principal, never a role as Principal: the seal writes the key policy.
 */
export function airlockKeyStatements(p: {
    vendorId: string;
    accountId: string;
    region: string;
    approvers: string[];
    recipient: string;
    vendorRoleArn: string;
}): Statement[] {
    const a = airlockArns(p.vendorId, p.accountId, p.region);
    const viaS3 = { "kms:ViaService": s3ServiceHost(p.region) };
    const pinned = (arns: string[]) => ({
        Principal: { AWS: [...new Set(arns.map(accountOfArn))].sort().map(accountRootArn) },
        Condition: { StringEquals: viaS3, ArnEquals: { "aws:PrincipalArn": arns } },
    });
    const logGroups = [...a.functionLogGroups, a.stateMachineLogGroup].map((g) => logGroupArn(p.region, p.accountId, g));
    return [
        {
            // CloudWatch Logs may use the key only for the airlock's own log groups.
            Sid: "CloudWatchLogsForAirlockLogGroups",
            Effect: "Allow",
            Principal: { Service: `logs.${p.region}.amazonaws.com` },
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            Resource: "*",
            Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": logGroups } },
        },
        { Sid: "AirlockRoleViaS3", Effect: "Allow", ...pinned([a.roleArn]), Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: "*" },
        { Sid: "AirlockScanRoleViaS3", Effect: "Allow", ...pinned([a.scanRoleArn]), Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: "*" },
        // Approvers read submissions and write their decisions (SSE-KMS objects under this key).
        { Sid: "AirlockApproversViaS3", Effect: "Allow", ...pinned(p.approvers), Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: "*" },
        ...(p.recipient !== "vendor"
            ? [{ Sid: "AirlockRecipientReadViaS3", Effect: "Allow" as const, ...pinned([p.recipient]), Action: ["kms:Decrypt"], Resource: "*" }]
            : []),
    ];
}

/** The lab principals the airlock lets in besides the enclave's own roles (approvers, a lab recipient). */
export const airlockLabPrincipals = (p: { approvers: string[]; recipient: string }) => [...p.approvers, ...(p.recipient === "vendor" ? [] : [p.recipient])];

/** What both the airlock role and GuardDuty's scan role do to an outbox version: read it, read and write its tags. */
const READ_AND_TAG_OBJECTS = [
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectTagging",
    "s3:GetObjectVersionTagging",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
];

/**
 * The airlock role: the handlers and the state machine. It reads and tags outbox versions, writes released files
 * (CopyObject of a pinned version), owns the control bucket, appends records to its own archive prefix, reads the
 * datasets for fingerprinting, and drives its own state machine. No delete anywhere: a record is never taken back.
 */
export function airlockRolePolicy(p: AirlockPolicyInputs): PolicyDocument {
    const a = airlockArns(p.vendorId, p.accountId, p.region);
    const pin = owner(p);
    const logGroups = [...a.functionLogGroups, a.stateMachineLogGroup].map((g) => logGroupArn(p.region, p.accountId, g));
    return policy([
        {
            Sid: "ReadAndTagOutboxVersions",
            Effect: "Allow",
            Action: READ_AND_TAG_OBJECTS,
            Resource: objectsOf(a.outboxBucketArn),
            Condition: pin,
        },
        { Sid: "ListOutboxVersions", Effect: "Allow", Action: ["s3:ListBucket", "s3:ListBucketVersions"], Resource: a.outboxBucketArn, Condition: pin },
        { Sid: "WriteReleasedFiles", Effect: "Allow", Action: ["s3:PutObject"], Resource: `${a.releasedBucketArn}/released/*`, Condition: pin },
        { Sid: "OwnControlObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: objectsOf(a.controlBucketArn), Condition: pin },
        { Sid: "ListControl", Effect: "Allow", Action: ["s3:ListBucket"], Resource: a.controlBucketArn, Condition: pin },
        {
            Sid: "AppendAirlockRecords",
            Effect: "Allow",
            Action: ["s3:PutObject"],
            Resource: `${p.archiveBucketArn}/vendors/${p.vendorId}/airlock/*`,
            Condition: pin,
        },
        ...(p.datasetBucketArns.length
            ? [
                  {
                      // Every version: the index is kept per version, and a reindex fingerprints the ones written before.
                      Sid: "ReadDatasetsForFingerprints",
                      Effect: "Allow" as const,
                      Action: ["s3:GetObject", "s3:GetObjectVersion"],
                      Resource: p.datasetBucketArns.map(objectsOf),
                      Condition: pin,
                  },
                  {
                      // The leak check lists every version to prove the index covers them all.
                      Sid: "ListDatasetsForFingerprints",
                      Effect: "Allow" as const,
                      Action: ["s3:ListBucket", "s3:ListBucketVersions"],
                      Resource: p.datasetBucketArns,
                      Condition: pin,
                  },
              ]
            : []),
        {
            Sid: "UseVendorKeyViaS3",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: p.keyArn,
            Condition: { StringEquals: { "kms:ViaService": s3ServiceHost(p.region) } },
        },
        {
            // Encrypt only, and only for its own records (the archive key policy says the same from its side).
            Sid: "UseArchiveKeyViaS3",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey"],
            Resource: p.archiveKeyArn,
            Condition: {
                StringEquals: { "kms:ViaService": s3ServiceHost(p.region) },
                StringLike: { "kms:EncryptionContext:aws:s3:arn": `${p.archiveBucketArn}/vendors/${p.vendorId}/airlock/*` },
            },
        },
        { Sid: "StartOwnExecutions", Effect: "Allow", Action: ["states:StartExecution"], Resource: a.stateMachineArn },
        // Task tokens are not resources: SendTask* take "*" only. The token itself is the capability.
        { Sid: "AnswerReviewTasks", Effect: "Allow", Action: ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"], Resource: "*" },
        { Sid: "InvokeOwnHandlers", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: Object.values(a.functionArns) },
        // A handler EventBridge invoked that failed every attempt: Lambda sends the event to the queue as this role.
        { Sid: "DeadLetterFailedEvents", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: a.deadLetterQueueArn },
        { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: logGroups.map((g) => `${g}:log-stream:*`) },
        {
            // Step Functions delivers its execution logs through CloudWatch Logs' vended-log API, which takes "*" only.
            Sid: "StateMachineLogDelivery",
            Effect: "Allow",
            Action: [
                "logs:CreateLogDelivery",
                "logs:GetLogDelivery",
                "logs:UpdateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutResourcePolicy",
                "logs:DescribeResourcePolicies",
                "logs:DescribeLogGroups",
            ],
            Resource: "*",
        },
    ]);
}

/**
 * Trust of the airlock role: Lambda (the handlers) and Step Functions (the state machine), of this account only.
 * Step Functions sends the state machine as aws:SourceArn; Lambda is held to aws:SourceAccount (it is not documented to
 * send aws:SourceArn when it assumes an execution role, and a condition on an absent key would make the role unusable).
 */
export function airlockTrustPolicy(p: Pick<AirlockPolicyInputs, "vendorId" | "accountId" | "region">): PolicyDocument {
    const a = airlockArns(p.vendorId, p.accountId, p.region);
    return policy([
        {
            Sid: "LambdaOfThisAccount",
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": p.accountId } },
        },
        {
            Sid: "OwnStateMachine",
            Effect: "Allow",
            Principal: { Service: "states.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": p.accountId }, ArnLike: { "aws:SourceArn": a.stateMachineArn } },
        },
    ]);
}

/** GuardDuty Malware Protection for S3's service principal: it assumes the scan role for the plan. */
export const GUARDDUTY_MALWARE_PRINCIPAL = "malware-protection-plan.guardduty.amazonaws.com";

export function scanRoleTrustPolicy(p: Pick<AirlockPolicyInputs, "accountId">): PolicyDocument {
    return policy([
        {
            Sid: "MalwareProtectionOfThisAccount",
            Effect: "Allow",
            Principal: { Service: GUARDDUTY_MALWARE_PRINCIPAL },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": p.accountId } },
        },
    ]);
}

/**
 * GuardDuty's scan role, as the Malware Protection for S3 guide lists it for one bucket: its managed EventBridge rule,
 * the bucket's EventBridge notification, reading and tagging objects, its validation object, and the key through S3.
 */
export function scanRolePolicy(p: Pick<AirlockPolicyInputs, "vendorId" | "accountId" | "region" | "keyArn">): PolicyDocument {
    const a = airlockArns(p.vendorId, p.accountId, p.region);
    const b = a.outboxBucketArn;
    const pin = { StringEquals: { "s3:ResourceAccount": p.accountId } };
    return policy([
        {
            Sid: "ManagedRule",
            Effect: "Allow",
            Action: ["events:PutRule", "events:DeleteRule", "events:PutTargets", "events:RemoveTargets"],
            Resource: `arn:aws:events:${p.region}:${p.accountId}:rule/DO-NOT-DELETE-AmazonGuardDutyMalwareProtectionS3*`,
            Condition: { StringLike: { "events:ManagedBy": "malware-protection-plan.guardduty.amazonaws.com" } },
        },
        {
            Sid: "ManagedRuleRead",
            Effect: "Allow",
            Action: ["events:DescribeRule", "events:ListTargetsByRule"],
            Resource: `arn:aws:events:${p.region}:${p.accountId}:rule/DO-NOT-DELETE-AmazonGuardDutyMalwareProtectionS3*`,
        },
        { Sid: "BucketNotifications", Effect: "Allow", Action: ["s3:PutBucketNotification", "s3:GetBucketNotification"], Resource: b, Condition: pin },
        { Sid: "ValidationObject", Effect: "Allow", Action: ["s3:PutObject"], Resource: `${b}/malware-protection-resource-validation-object`, Condition: pin },
        { Sid: "CheckBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: b, Condition: pin },
        {
            Sid: "ScanAndTagObjects",
            Effect: "Allow",
            Action: READ_AND_TAG_OBJECTS,
            Resource: objectsOf(b),
            Condition: pin,
        },
        {
            Sid: "DecryptViaS3",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: p.keyArn,
            Condition: { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } },
        },
    ]);
}
