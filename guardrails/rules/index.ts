// Every guardrail, in the order docs/guardrails.md's policy table lists them. The pack (guardrails/index.ts) and the offline checker
// (guardrails/offline.ts, behind `enclave check`) both run exactly this list.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { evidenceKeysAdministeredApart, s3GrantsPinnedToOwner } from "./evidence";
import { kmsDeletionWindow, kmsKeyPolicy, kmsOneKeyPerVendor, kmsRotation, policyPrincipalAccountsAgree } from "./kms";
import { destroyableVendorProtectedArchive, sealComplete } from "./lifecycle";
import { airlockExportControls } from "./airlock";
import { logGroupEncryptedRetained, securityAlarms, trailCoversDataBuckets, trailHardened } from "./logging";
import { leastPrivilege, noManagedPoliciesNoUsers, roleBoundaryAndSession, trustPolicy } from "./iam";
import { defaultSgClosed, endpointPolicyExplicit, flowLogAll, noInternetPath, sgDescriptions, sgNoOpenCidr, subnetNoPublicIp } from "./network";
import { endpointDirectInputs, endpointSecurityGroup, noMixedInlineAndAttached, s3EndpointOwnBuckets, vpcDnsFirewall, vpcGuardrails } from "./networkStack";
import { s3NoAcls, s3NoPublicOrCrossAccountGrant, s3PublicAccessBlock, s3TlsOnly } from "./s3Access";
import { s3AccessLogging, s3Lifecycle, s3ObjectLockRetention, s3SseKmsKeyArn, s3Versioning } from "./s3Data";
import { s3BucketCompanions, s3DataBucketPolicy, s3EncryptionPlacement, s3ObjectLockPlacement } from "./s3Stack";
import { s3NoDestructiveGrants } from "./s3Destructive";
import { s3AccessLogsOwnAccount } from "./accessLogs";
import { sessionDocumentLogged, workspaceInstanceHardened, workspaceStack } from "./workspace";
import { organizationPerimeter } from "./organization";

export const RESOURCE_POLICIES: ResourceValidationPolicy[] = [
    s3PublicAccessBlock,
    s3TlsOnly,
    s3NoPublicOrCrossAccountGrant,
    s3NoAcls,
    s3SseKmsKeyArn,
    s3Versioning,
    s3AccessLogging,
    s3Lifecycle,
    s3ObjectLockRetention,
    kmsRotation,
    kmsDeletionWindow,
    kmsKeyPolicy,
    policyPrincipalAccountsAgree,
    defaultSgClosed,
    flowLogAll,
    noInternetPath,
    subnetNoPublicIp,
    sgNoOpenCidr,
    sgDescriptions,
    endpointPolicyExplicit,
    trustPolicy,
    leastPrivilege,
    noManagedPoliciesNoUsers,
    roleBoundaryAndSession,
    trailHardened,
    logGroupEncryptedRetained,
    workspaceInstanceHardened,
    sessionDocumentLogged,
];

export const STACK_POLICIES: StackValidationPolicy[] = [
    s3BucketCompanions,
    s3EncryptionPlacement,
    s3ObjectLockPlacement,
    s3AccessLogsOwnAccount,
    s3DataBucketPolicy,
    s3NoDestructiveGrants,
    kmsOneKeyPerVendor,
    vpcGuardrails,
    endpointSecurityGroup,
    noMixedInlineAndAttached,
    s3EndpointOwnBuckets,
    endpointDirectInputs,
    vpcDnsFirewall,
    trailCoversDataBuckets,
    securityAlarms,
    s3GrantsPinnedToOwner,
    evidenceKeysAdministeredApart,
    destroyableVendorProtectedArchive,
    sealComplete,
    airlockExportControls,
    workspaceStack,
    organizationPerimeter,
];

export const ALL_POLICIES: (ResourceValidationPolicy | StackValidationPolicy)[] = [...RESOURCE_POLICIES, ...STACK_POLICIES];
