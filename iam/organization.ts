import { operatorsInAccount } from "../contract/operators";
import { policy, render, type PolicyDocument, type Statement } from "./document";
import { LOG_REPLICATION_ROLE_PATTERN } from "./names";

// Organization policies for account-per-vendor enclaves: the service control policies (SCPs) that cap every principal
// inside a vendor's member account, and the resource control policies (RCPs) that cap who may reach the resources in
// it. Both are pure functions of the organization's facts, so their size and count can be checked before anything is
// deployed.
//
// Why both: an SCP applies to principals IN the member account and nothing inside that account can remove it; but the
// vendor's own principals live in the vendor's AWS account, where no SCP of ours applies. An RCP, attached to the
// member account or its OU, caps every caller of the account's S3, STS, KMS, SQS and Secrets Manager resources,
// whoever they are: it is the only organization-wide lever over an outside principal.
//
// How they fit AWS's limits (per root, OU or account: at most 5 SCPs and 5 RCPs, each at most 5,120 characters; the
// AWS-managed FullAWSAccess / RCPFullAWSAccess policy takes one of the five slots wherever it is attached):
//   Vendors OU      SCPs: FullAWSAccess + 3 baseline (4 of 5)      RCPs: RCPFullAWSAccess + data perimeter (2 of 5)
//   Quarantine OU   SCPs: FullAWSAccess + quarantine (2 of 5)      RCPs: RCPFullAWSAccess + data perimeter (2 of 5)
//   vendor account  SCPs: FullAWSAccess (1 of 5)                   RCPs: RCPFullAWSAccess + its principals
//                                                                   + its quarantine while sealed (3 of 5)
// Principals are matched by role NAME in every account (`arn:aws:iam::*:role/NAME`): the deployer and break-glass
// roles have the same name in every member account, so one policy serves them all and grows with no vendor.

/** AWS's limits for SCPs and RCPs (Organizations quotas). */
export const ORG_POLICY_MAX_CHARS = 5120;
export const ORG_POLICIES_PER_TARGET = 5;
/** The AWS-managed full-access policy of each type, attached by default to the root, every OU and every account. */
export const FULL_ACCESS_SCP = "FullAWSAccess";
export const FULL_ACCESS_RCP = "RCPFullAWSAccess";

/** The services an RCP can govern (AWS Organizations supports no others). */
export const RCP_SERVICES = ["s3", "sts", "kms", "sqs", "secretsmanager"] as const;
/** Data services: the enclave's buckets and keys (and any queue or secret a vendor account holds). */
const DATA_ACTIONS = ["s3:*", "kms:*", "sqs:*", "secretsmanager:*"];
/** What a vendor principal calls on the lab's side: assuming its enclave role (with the tags and identity it passes). */
// Every way into a role of the account: a federated sign-in (web identity, SAML) as much as an AssumeRole.
const ASSUME_ACTIONS = ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"];

export interface OrganizationFacts {
    /** o-xxxxxxxxxx */
    organizationId: string;
    /** Role name assumed in every member account to deploy (and the only one that may change enclave roles). */
    deployerRoleName: string;
    /** Role name the quarantine leaves working, in every member account. */
    breakGlassRoleName: string;
    /** Regions where member accounts may act; global services are exempt. */
    allowedRegions: string[];
}

export const anyAccountRole = (name: string) => `arn:aws:iam::*:role/${name}`;

/**
 * The operator roles a vendor's documents must never lock out. Shared account: the security stack's deployer and
 * break-glass, as given. Account mode: the ones IN the vendor's member account, where the stack deploys and the seal
 * writes: the deployer its stack assumes (memberAccount.roleName, the organization's deployer role) and break-glass
 * under the same name as the security stack's (the organization names it alike in every account). Naming the
 * security account's roles there would exempt roles that cannot reach the account and lock out the ones that must.
 */
export function enclaveOperators<T extends { deployerRoleArn: string; breakGlassRoleArn: string }>(
    spec: { isolation?: string; account: { id: string } },
    operators: T,
): T {
    // memberAccount.roleName is the deployer's name (config/load.ts and the program refuse any other), so the roles of
    // the same names in the member account are the ones its stack deploys as and its break-glass.
    return spec.isolation === "account" ? operatorsInAccount(operators, spec.account.id) : operators;
}

// --- SCPs on the Vendors OU --------------------------------------------------------------------------------------

/**
 * No leaving the organization (it would shed every SCP and RCP at once), no IAM users, no long-term keys; the enclave's
 * log bucket and every bucket's access logging are the operators' alone; the log replication role replicates only.
 */
export function vendorsBaselineScp(facts: Pick<OrganizationFacts, "deployerRoleName" | "breakGlassRoleName">): PolicyDocument {
    const operators = [anyAccountRole(facts.deployerRoleName), anyAccountRole(facts.breakGlassRoleName)];
    return policy([
        { Sid: "DenyLeaveOrganization", Effect: "Deny", Action: ["organizations:LeaveOrganization"], Resource: "*" },
        {
            // Long-term credentials outlive a seal; every enclave identity is a role session.
            Sid: "DenyIamUsersAndKeys",
            Effect: "Deny",
            Action: [
                "iam:CreateUser",
                "iam:CreateAccessKey",
                "iam:CreateLoginProfile",
                "iam:UpdateLoginProfile",
                "iam:CreateServiceSpecificCredential",
                "iam:UploadSSHPublicKey",
            ],
            Resource: "*",
        },
        {
            // A private-only VPC stays private: no internet, NAT or egress-only gateway, no public address, no path
            // into another network. Nobody is exempt: the enclave needs none of them.
            Sid: "DenyNetworkPaths",
            Effect: "Deny",
            Action: [
                "ec2:CreateInternetGateway",
                "ec2:AttachInternetGateway",
                "ec2:CreateNatGateway",
                "ec2:CreateEgressOnlyInternetGateway",
                "ec2:AllocateAddress",
                "ec2:AssociateAddress",
                "ec2:CreateVpcPeeringConnection",
                "ec2:AcceptVpcPeeringConnection",
                "ec2:CreateTransitGatewayVpcAttachment",
                "ec2:AcceptTransitGatewayVpcAttachment",
                "ec2:CreateVpnGateway",
                "ec2:AttachVpnGateway",
                "ec2:CreateCarrierGateway",
                "globalaccelerator:Create*",
            ],
            Resource: "*",
        },
        {
            // The member log bucket (iam/memberLogs.ts) holds the access logs and session transcripts until they have
            // replicated to the archive: nobody in the account but the operators erases or reconfigures it, whatever
            // policy a role is given, and nobody points any bucket's access logs elsewhere (that is how logs of a
            // bucket would stop reaching the archive). The bucket's own policy narrows deletion to break-glass.
            Sid: "DenyEnclaveLogTampering",
            Effect: "Deny",
            Action: MEMBER_LOG_TAMPER_ACTIONS,
            Resource: [MEMBER_LOG_BUCKETS, `${MEMBER_LOG_BUCKETS}/*`],
            Condition: { ArnNotLike: { "aws:PrincipalArn": operators } },
        },
        {
            Sid: "DenyAccessLogRedirect",
            Effect: "Deny",
            Action: ["s3:PutBucketLogging"],
            Resource: "arn:aws:s3:::*",
            Condition: { ArnNotLike: { "aws:PrincipalArn": operators } },
        },
        {
            // The replication role is not enclave-* (the perimeter SCP would keep it in its account), so this is
            // what caps it at the organization level: S3's replication calls and nothing else, anywhere.
            Sid: "LogReplicationRoleReplicatesOnly",
            Effect: "Deny",
            NotAction: [...LOG_REPLICATION_ACTIONS],
            Resource: "*",
            Condition: { ArnLike: { "aws:PrincipalArn": [LOG_REPLICATION_ROLE_PATTERN] } },
        },
        logReplicationOnLogBucketsOnly("LogReplicationRoleOnLogBucketsOnly"),
    ]);
}

/**
 * ... and only on the log buckets: the member log bucket it reads and the archive it writes. Its replication reads
 * (s3:GetObjectVersionForReplication returns an object's bytes) on a dataset bucket would otherwise read lab data, by
 * whoever could assume a role of that name.
 */
function logReplicationOnLogBucketsOnly(sid: string): Statement {
    return {
        Sid: sid,
        Effect: "Deny",
        Action: "*",
        NotResource: [MEMBER_LOG_BUCKETS, `${MEMBER_LOG_BUCKETS}/*`, ARCHIVE_BUCKETS, `${ARCHIVE_BUCKETS}/*`],
        Condition: { ArnLike: { "aws:PrincipalArn": [LOG_REPLICATION_ROLE_PATTERN] } },
    };
}

/** Every log archive bucket (iam/names.ts archiveBucketName). */
const ARCHIVE_BUCKETS = "arn:aws:s3:::enclave-log-archive-*";

/** What S3 replication needs of its role: reading the source versions and writing replicas, owner override included. */
const LOG_REPLICATION_ACTIONS = [
    "s3:GetReplicationConfiguration",
    "s3:ListBucket",
    "s3:GetObjectVersionForReplication",
    "s3:GetObjectVersionAcl",
    "s3:GetObjectVersionTagging",
    "s3:ReplicateObject",
    "s3:ReplicateTags",
    "s3:ObjectOwnerOverrideToBucketOwner",
    "s3:GetBucketVersioning",
] as const;

/** Every member account's log bucket (iam/names.ts memberLogBucketName). */
const MEMBER_LOG_BUCKETS = "arn:aws:s3:::enclave-member-logs-*";
/** Erasing a log or changing what keeps, replicates or guards the bucket's logs. */
const MEMBER_LOG_TAMPER_ACTIONS = [
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
    "s3:BypassGovernanceRetention",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketVersioning",
    "s3:PutReplicationConfiguration",
    "s3:PutEncryptionConfiguration",
    "s3:PutBucketOwnershipControls",
    "s3:PutBucketPublicAccessBlock",
    "s3:DeleteBucket",
];

/**
 * Paths out that need no gateway: sharing a snapshot, image or resource with another account, a PrivateLink endpoint
 * to a service another account runs (or an endpoint service that lets one in), a public Lambda function URL, DNS
 * forwarded out through a Resolver endpoint, a client VPN. The deployer creates the enclave's own endpoints; nobody
 * else in the account needs any of these.
 */
function denySharingAndPrivatePathsOut(facts: Pick<OrganizationFacts, "deployerRoleName">): Statement {
    return {
        Sid: "DenySharingAndPrivatePathsOut",
        Effect: "Deny",
        Action: [
            "ec2:ModifySnapshotAttribute",
            "ec2:ModifyImageAttribute",
            "ec2:ModifyFpgaImageAttribute",
            "rds:ModifyDBSnapshotAttribute",
            "rds:ModifyDBClusterSnapshotAttribute",
            "ram:CreateResourceShare",
            "ram:AssociateResourceShare",
            "ram:AcceptResourceShareInvitation",
            "ec2:CreateVpcEndpoint",
            "ec2:CreateVpcEndpointServiceConfiguration",
            "ec2:ModifyVpcEndpointServicePermissions",
            "ec2:AcceptVpcEndpointConnections",
            "lambda:CreateFunctionUrlConfig",
            "lambda:UpdateFunctionUrlConfig",
            "route53resolver:CreateResolverEndpoint",
            "route53resolver:CreateResolverRule",
            "route53resolver:AssociateResolverRule",
            "ec2:CreateClientVpnEndpoint",
            "ec2:CreateVpnConnection",
            "ec2:CreateCustomerGateway",
            "directconnect:*",
        ],
        Resource: "*",
        Condition: { ArnNotLike: { "aws:PrincipalArn": [anyAccountRole(facts.deployerRoleName)] } },
    };
}

/** No disabling the evidence: CloudTrail, flow logs, GuardDuty, the DNS Firewall and its allow list, resolver query logging; only the deployer and break-glass. */
export function vendorsLoggingScp(facts: OrganizationFacts): PolicyDocument {
    return policy([
        {
            Sid: "DenyDisablingEvidence",
            Effect: "Deny",
            Action: [
                "cloudtrail:StopLogging",
                "cloudtrail:DeleteTrail",
                "cloudtrail:UpdateTrail",
                "cloudtrail:PutEventSelectors",
                "ec2:DeleteFlowLogs",
                "logs:DeleteLogGroup",
                "logs:DeleteLogStream",
                "logs:PutRetentionPolicy",
                "guardduty:DeleteDetector",
                "guardduty:UpdateDetector",
                "guardduty:DisassociateFromAdministratorAccount",
                "guardduty:DisassociateFromMasterAccount",
                "guardduty:StopMonitoringMembers",
                "route53resolver:DeleteFirewallRuleGroup",
                "route53resolver:DeleteFirewallRule",
                "route53resolver:UpdateFirewallRule",
                "route53resolver:DisassociateFirewallRuleGroup",
                "route53resolver:UpdateFirewallRuleGroupAssociation",
                "route53resolver:UpdateFirewallConfig",
                // The allow list is the DNS Firewall: a domain added to it is a channel out through DNS.
                "route53resolver:UpdateFirewallDomains",
                "route53resolver:ImportFirewallDomains",
                "route53resolver:DeleteFirewallDomainList",
                // Every DNS query lands in the archive through the resolver's query logging.
                "route53resolver:DisassociateResolverQueryLogConfig",
                "route53resolver:DeleteResolverQueryLogConfig",
                // A filter that auto-archives, or a trusted IP list, silences GuardDuty as surely as disabling it.
                "guardduty:CreateFilter",
                "guardduty:UpdateFilter",
                "guardduty:CreateIPSet",
                "guardduty:UpdateIPSet",
            ],
            Resource: "*",
            // The deployer manages these resources (and destroys them after evidence); break-glass runs the seal,
            // which flips the DNS Firewall's allow rule.
            Condition: { ArnNotLike: { "aws:PrincipalArn": [anyAccountRole(facts.deployerRoleName), anyAccountRole(facts.breakGlassRoleName)] } },
        },
    ]);
}

// Global services answer from us-east-1 whatever region the caller names; denying them outside the allowed regions
// would break IAM, STS, Organizations and support.
const GLOBAL_SERVICES = [
    "iam:*",
    "sts:*",
    "organizations:*",
    "support:*",
    "cloudfront:*",
    "route53:*",
    "budgets:*",
    "health:*",
    "trustedadvisor:*",
    "account:*",
];

/** What would re-trust, re-bound, replace or delete the break-glass role. */
const BREAK_GLASS_GUARDED_ACTIONS = [
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:UpdateRole",
];

/**
 * The account's roles and policies are the deployer's alone (and break-glass's, which writes the seal); enclave roles
 * reach no other account's resources; only allowed regions. The resource perimeter is what keeps a vendor session away from a lab resource in ANOTHER member account
 * whose policy grants `Principal: "*"` on `aws:PrincipalOrgID`: in the organization, such a grant would admit it.
 */
export function vendorsPerimeterScp(facts: OrganizationFacts): PolicyDocument {
    return policy([
        {
            // Every role and managed policy of the account, not only the enclave's: a role another principal could
            // create (one trusting the vendor's own account, or one named like break-glass, which the quarantine
            // exempts) would be a way in that outlives the seal. Break-glass is exempt because contain writes the
            // seal policies and trusts as break-glass, possibly before the move into the Quarantine OU has landed.
            Sid: "DenyEnclaveRoleChanges",
            Effect: "Deny",
            Action: [
                "iam:CreateRole",
                "iam:CreatePolicy",
                "iam:AttachRolePolicy",
                "iam:DeleteRole",
                "iam:DeleteRolePermissionsBoundary",
                "iam:DeleteRolePolicy",
                "iam:DetachRolePolicy",
                "iam:PutRolePermissionsBoundary",
                "iam:PutRolePolicy",
                "iam:UpdateAssumeRolePolicy",
                "iam:UpdateRole",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:CreatePolicyVersion",
                "iam:SetDefaultPolicyVersion",
            ],
            Resource: ["arn:aws:iam::*:role/*", "arn:aws:iam::*:policy/*"],
            Condition: { ArnNotLike: { "aws:PrincipalArn": [anyAccountRole(facts.deployerRoleName), anyAccountRole(facts.breakGlassRoleName)] } },
        },
        {
            // The quarantine exempts break-glass by name, so whoever its trust admits acts in a quarantined account.
            // The deployer is kept out of the quarantine on purpose; were it free to re-trust, replace or re-bound
            // break-glass while the account is unsealed, it would simply act through break-glass after the seal (and
            // a boundary or a deleted role would leave the runbook no role to contain with). Break-glass alone changes
            // itself; the lab's account bootstrap creates it.
            Sid: "BreakGlassChangedOnlyByItself",
            Effect: "Deny",
            Action: BREAK_GLASS_GUARDED_ACTIONS,
            Resource: anyAccountRole(facts.breakGlassRoleName),
            Condition: { ArnNotLike: { "aws:PrincipalArn": [anyAccountRole(facts.breakGlassRoleName)] } },
        },
        {
            // ${aws:PrincipalAccount} is the caller's own (member) account: every session in a vendor account uses
            // resources there and nowhere else, not only the enclave's roles: a role the account held before it was
            // adopted, an Identity Center permission set or a federated role would otherwise reach every lab resource
            // shared with the organization. Exempt: the deployer and break-glass, which write evidence to the archive
            // account and must never be locked out of it, and the log replication role, which writes replicas there
            // and is held to replication by its own statement. Service-linked roles are outside every SCP anyway. A
            // lab-provided role that must reach another account belongs in another account. IfExists: actions without
            // a resource account (a few list calls) are not in scope.
            Sid: "DenySessionsOutsideTheirAccount",
            Effect: "Deny",
            Action: "*",
            Resource: "*",
            Condition: {
                ArnNotLike: {
                    "aws:PrincipalArn": [anyAccountRole(facts.deployerRoleName), anyAccountRole(facts.breakGlassRoleName), LOG_REPLICATION_ROLE_PATTERN],
                },
                StringNotEqualsIfExists: { "aws:ResourceAccount": "${aws:PrincipalAccount}" },
            },
        },
        denySharingAndPrivatePathsOut(facts),
        {
            Sid: "DenyOutsideAllowedRegions",
            Effect: "Deny",
            NotAction: GLOBAL_SERVICES,
            Resource: "*",
            Condition: { StringNotEquals: { "aws:RequestedRegion": facts.allowedRegions } },
        },
    ]);
}

// --- SCP on the Quarantine OU ------------------------------------------------------------------------------------

/**
 * Everything is denied to every principal of a quarantined account except the break-glass role (and the log
 * replication role, held to replication). Matched by aws:PrincipalArn (a condition, not a Principal): nothing the
 * vendor controls is named. The quarantined account no
 * longer inherits the Vendors OU's SCPs (OUs are siblings), which this single deny covers and more.
 */
export function quarantineScp(facts: Pick<OrganizationFacts, "breakGlassRoleName">): PolicyDocument {
    return policy([
        {
            Sid: "QuarantineDenyAllButBreakGlass",
            Effect: "Deny",
            Action: "*",
            Resource: "*",
            Condition: { ArnNotLike: { "aws:PrincipalArn": [anyAccountRole(facts.breakGlassRoleName), LOG_REPLICATION_ROLE_PATTERN] } },
        },
        {
            // The log replication role keeps copying access logs and session transcripts into the archive while the
            // account is quarantined (S3 does not retry a replication refused at the time): exactly S3's replication
            // calls, nothing else. Only S3 can assume it, and in quarantine nobody but break-glass can change a bucket's
            // replication or pass the role, so it cannot be pointed at anything new.
            Sid: "QuarantineReplicationOnly",
            Effect: "Deny",
            NotAction: [...LOG_REPLICATION_ACTIONS],
            Resource: "*",
            Condition: { ArnLike: { "aws:PrincipalArn": [LOG_REPLICATION_ROLE_PATTERN] } },
        },
        logReplicationOnLogBucketsOnly("QuarantineReplicationOnLogBucketsOnly"),
        {
            // Leaving the organization would shed this SCP and the quarantine RCP at once; in the Vendors OU the
            // baseline refuses it to everyone, and break-glass's exemption here must not bring it back.
            Sid: "QuarantineNoLeaving",
            Effect: "Deny",
            Action: ["organizations:LeaveOrganization"],
            Resource: "*",
        },
    ]);
}

// --- RCPs ---------------------------------------------------------------------------------------------------------

/**
 * On the Vendors and Quarantine OUs: the data in a vendor account (buckets, keys, queues, secrets) is reachable only
 * by principals of the organization and by AWS services acting for this organization (confused-deputy protection:
 * a service principal must come with an aws:SourceOrgID of ours, or name no source account at all).
 */
export function dataPerimeterRcp(facts: Pick<OrganizationFacts, "organizationId">): PolicyDocument {
    return policy([
        {
            Sid: "DataOnlyToOrgPrincipals",
            Effect: "Deny",
            Principal: "*",
            Action: DATA_ACTIONS,
            Resource: "*",
            Condition: {
                StringNotEqualsIfExists: { "aws:PrincipalOrgID": facts.organizationId },
                BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
            },
        },
        {
            Sid: "ServicesOnlyForThisOrg",
            Effect: "Deny",
            Principal: "*",
            Action: [...DATA_ACTIONS, "sts:*"],
            Resource: "*",
            Condition: {
                StringNotEqualsIfExists: { "aws:SourceOrgID": facts.organizationId },
                Null: { "aws:SourceAccount": "false" },
                Bool: { "aws:PrincipalIsAWSService": "true" },
            },
        },
    ]);
}

/**
 * On one vendor's member account: its roles may be assumed only from inside the organization, by an AWS service, or
 * by the vendor principals its spec names. Per account, so that one vendor's principals can never assume a role in
 * another vendor's account, and the size of each grows with one vendor's list (at most 10 ARNs) only.
 */
export function vendorPrincipalsRcp(facts: Pick<OrganizationFacts, "organizationId">, vendorPrincipals: string[]): PolicyDocument {
    if (vendorPrincipals.length === 0) throw new Error("vendorPrincipalsRcp needs at least one vendor principal");
    return policy([
        {
            Sid: "AssumeOnlyByOrgOrNamedVendor",
            Effect: "Deny",
            Principal: "*",
            Action: ASSUME_ACTIONS,
            Resource: "*",
            Condition: {
                StringNotEqualsIfExists: { "aws:PrincipalOrgID": facts.organizationId },
                ArnNotLikeIfExists: { "aws:PrincipalArn": vendorPrincipals },
                BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
            },
        },
    ]);
}

/**
 * Prepared for every account-mode vendor and attached to its account by the seal: every call from outside the
 * organization is refused, the vendor's own principals by name first (so the verdict names them), then anyone else.
 * Detaching it is the unseal.
 */
export function vendorQuarantineRcp(facts: Pick<OrganizationFacts, "organizationId">, vendorPrincipals: string[]): PolicyDocument {
    return policy([
        {
            Sid: "QuarantineDenyVendorPrincipals",
            Effect: "Deny",
            Principal: "*",
            Action: [...DATA_ACTIONS, "sts:*"],
            Resource: "*",
            Condition: { ArnLike: { "aws:PrincipalArn": vendorPrincipals } },
        },
        {
            Sid: "QuarantineDenyOutsideOrg",
            Effect: "Deny",
            Principal: "*",
            Action: [...DATA_ACTIONS, "sts:*"],
            Resource: "*",
            Condition: {
                StringNotEqualsIfExists: { "aws:PrincipalOrgID": facts.organizationId },
                BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
            },
        },
    ]);
}

// --- The whole set, by target --------------------------------------------------------------------------------------

export type OrgPolicyType = "SERVICE_CONTROL_POLICY" | "RESOURCE_CONTROL_POLICY";

export interface OrgPolicy {
    /** Stable name (the Pulumi child name and the policy's name in AWS). */
    name: string;
    type: OrgPolicyType;
    description: string;
    document: PolicyDocument;
}

export interface AccountVendor {
    vendorId: string;
    accountId: string;
    principals: string[];
}

export const orgPolicyNames = {
    baseline: "enclave-vendors-baseline",
    logging: "enclave-vendors-logging",
    perimeter: "enclave-vendors-perimeter",
    quarantine: "enclave-quarantine",
    dataPerimeter: "enclave-data-perimeter",
    vendorPrincipals: (vendorId: string) => `enclave-${vendorId}-principals`,
    vendorQuarantine: (vendorId: string) => `enclave-${vendorId}-quarantine`,
};

export interface OrganizationPolicySet {
    /** Attached to the Vendors OU. */
    vendorsOu: OrgPolicy[];
    /** Attached to the Quarantine OU. */
    quarantineOu: OrgPolicy[];
    /** Per vendor account: attached now (principals) and prepared for the seal (quarantine, not attached). */
    accounts: { vendorId: string; accountId: string; attached: OrgPolicy[]; prepared: OrgPolicy[] }[];
}

export function organizationPolicies(facts: OrganizationFacts, vendors: AccountVendor[]): OrganizationPolicySet {
    const scp = (name: string, description: string, document: PolicyDocument): OrgPolicy => ({ name, type: "SERVICE_CONTROL_POLICY", description, document });
    const rcp = (name: string, description: string, document: PolicyDocument): OrgPolicy => ({ name, type: "RESOURCE_CONTROL_POLICY", description, document });
    const dataPerimeter = rcp(
        orgPolicyNames.dataPerimeter,
        "Enclave data reachable only by the organization and AWS services acting for it",
        dataPerimeterRcp(facts),
    );
    return {
        vendorsOu: [
            scp(orgPolicyNames.baseline, "Enclave accounts: no leaving, no IAM users or keys, no network paths out", vendorsBaselineScp(facts)),
            scp(orgPolicyNames.logging, "Enclave accounts: the evidence cannot be switched off", vendorsLoggingScp(facts)),
            scp(
                orgPolicyNames.perimeter,
                "Enclave accounts: roles are the deployer's, no other account's resources, allowed regions",
                vendorsPerimeterScp(facts),
            ),
            dataPerimeter,
        ],
        quarantineOu: [scp(orgPolicyNames.quarantine, "Quarantine: everything denied except break-glass", quarantineScp(facts)), dataPerimeter],
        accounts: vendors.map((v) => ({
            vendorId: v.vendorId,
            accountId: v.accountId,
            attached: [
                rcp(
                    orgPolicyNames.vendorPrincipals(v.vendorId),
                    `Enclave ${v.vendorId}: assumable only by its named principals from outside`,
                    vendorPrincipalsRcp(facts, v.principals),
                ),
            ],
            prepared: [
                rcp(
                    orgPolicyNames.vendorQuarantine(v.vendorId),
                    `Enclave ${v.vendorId}: sealed, no caller from outside the organization`,
                    vendorQuarantineRcp(facts, v.principals),
                ),
            ],
        })),
    };
}

/** Characters AWS counts: the document as sent (minified JSON). */
export function orgPolicySize(doc: PolicyDocument): number {
    return render(doc).length;
}

export interface LimitProblem {
    target: string;
    message: string;
}

/**
 * Every limit the set would break: a document over 5,120 characters, or a target with more than 5 policies of a
 * type once the AWS-managed full-access policy is counted (worst case: a sealed account with its quarantine RCP).
 */
export function organizationLimitProblems(set: OrganizationPolicySet): LimitProblem[] {
    const problems: LimitProblem[] = [];
    const count = (target: string, policies: OrgPolicy[]) => {
        for (const type of ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"] as const) {
            const n = policies.filter((p) => p.type === type).length + 1;
            if (n > ORG_POLICIES_PER_TARGET)
                problems.push({ target, message: `${n} ${type} attached (limit ${ORG_POLICIES_PER_TARGET}, the AWS-managed full-access policy counted)` });
        }
        for (const p of policies) {
            const size = orgPolicySize(p.document);
            if (size > ORG_POLICY_MAX_CHARS) problems.push({ target, message: `${p.name} is ${size} characters (limit ${ORG_POLICY_MAX_CHARS})` });
        }
    };
    count("Vendors OU", set.vendorsOu);
    count("Quarantine OU", set.quarantineOu);
    for (const a of set.accounts) count(`account ${a.accountId} (${a.vendorId}, sealed)`, [...a.attached, ...a.prepared]);
    return problems;
}

export type { Statement };
