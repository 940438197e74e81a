// One table documents every spec field: the validator takes its "how to fix" hints from here and docs/spec-reference.md
// is generated from the same rows, so the docs and the error messages cannot drift apart.

export interface FieldDoc {
    /** Path as a user writes it; `[]` stands for any list index. */
    path: string;
    type: string;
    /** The default, described as behaviour. */
    default: string;
    description: string;
    /** How to fix a bad value: shown in every validation error for this field. */
    fix: string;
}

export const VENDOR_FIELDS: FieldDoc[] = [
    {
        path: "id",
        type: "string",
        default: "required",
        description:
            "Vendor id and Pulumi stack name. 3-20 lowercase letters, digits and single hyphens, starting with a letter; it feeds bucket, role, key alias and trail names, so it is capped to fit every AWS name limit.",
        fix: "use 3-20 lowercase letters, digits and single hyphens starting with a letter, e.g. acme-labeling; a spec in stacks/ is named <id>.yaml",
    },
    {
        path: "displayName",
        type: "string",
        default: "required",
        description: "Human name of the vendor, shown in reports.",
        fix: 'give the vendor\'s name as 1-80 characters, e.g. "Acme Labeling Ltd"',
    },
    {
        path: "contact",
        type: "string",
        default: "required",
        description: "The owning team or person at the lab who answers for this vendor (an email or team handle). Used by the runbook.",
        fix: "name the owning team or an email, e.g. vendor-risk@lab.example",
    },
    {
        path: "account.id",
        type: "string (12 digits)",
        default: "required",
        description: "The lab's AWS account that hosts the enclave. Quote it in YAML so leading zeros survive.",
        fix: 'write the 12-digit account id in quotes, e.g. "111122223333"',
    },
    {
        path: "account.region",
        type: "string",
        default: "required",
        description: "AWS region of the enclave, e.g. us-east-1.",
        fix: "use an AWS region code such as us-east-1 or eu-west-1",
    },
    {
        path: "securityStack",
        type: "string",
        default: "organization/vendor-enclaves/security (the local file backend's name for the security stack)",
        description: "Fully qualified name of the security stack whose outputs (log archive, deployer and break-glass roles) this stack reads.",
        fix: "give ORG/PROJECT/STACK, e.g. organization/vendor-enclaves/security",
    },
    {
        path: "access.principals",
        type: "list of IAM ARNs",
        default: "required, at least one",
        description:
            "The vendor's own IAM roles or users allowed to assume the vendor role. Wildcards and account roots are refused: name the exact principals.",
        fix: "list exact role or user ARNs, e.g. arn:aws:iam::444455556666:role/acme-annotators (no '*', no ':root')",
    },
    {
        path: "access.externalId",
        type: "string",
        default: "generated: a 32-character random secret (@pulumi/random), exported as a secret output for the vendor",
        description:
            "The sts:ExternalId the vendor must present. Leave it out: the program generates one, keeps it in the stack's encrypted state and exports it as the secret output externalId (`pulumi stack output externalId --show-secrets`) to hand to the vendor. Give it only when the vendor issued one it cannot change, knowing that a value written here is committed in plain text.",
        fix: "use 16-128 characters of letters, digits and + = , . @ : / -, or remove the field to generate one",
    },
    {
        path: "access.maxSessionSeconds",
        type: "integer",
        default: "3600 (one hour, the longest allowed here)",
        description: "Longest session a vendor can hold. A seal revokes earlier sessions, but short sessions bound the exposure.",
        fix: "use a whole number of seconds from 900 to 3600",
    },
    {
        path: "network.cidr",
        type: "IPv4 CIDR",
        default: "required",
        description: "VPC range, private (RFC 1918), prefix /16 to /24. Split into equal subnets, one per AZ.",
        fix: "use a private network address with prefix /16-/24, e.g. 10.20.0.0/20",
    },
    {
        path: "network.azCount",
        type: "integer 1-3",
        default: "2",
        description: "Number of availability zones (the region's a, b, c zones in order). Interface endpoints cost per AZ.",
        fix: "use 1, 2 or 3",
    },
    {
        path: "network.dataPath",
        type: "endpoint | allow-list",
        default: "endpoint: data is reachable only through this enclave's S3 gateway endpoint",
        description: "How the vendor reaches its data. allow-list additionally admits requests from network.vendorEgressCidrs (the vendor's own egress IPs).",
        fix: "use endpoint or allow-list",
    },
    {
        path: "network.vendorEgressCidrs",
        type: "list of IPv4 CIDRs",
        default: "empty; required (non-empty) with dataPath allow-list and refused with endpoint",
        description: "Public egress ranges of the vendor, admitted by the bucket and role network conditions in allow-list mode.",
        fix: "list public IPv4 CIDRs such as 203.0.113.0/24 (prefix /16 or longer, no private or 0.0.0.0/0 ranges)",
    },
    {
        path: "network.interfaceEndpoints",
        type: "list of kms | sts | logs | ssm | ssmmessages | ec2messages",
        default: "empty: no interface endpoints (each costs about $7.30 a month per AZ); a workspace adds ssm, ssmmessages, ec2messages and logs",
        description: "Interface endpoints for compute inside the enclave. Each gets an explicit policy scoped to this vendor.",
        fix: "choose from kms, sts, logs, ssm, ssmmessages, ec2messages, each at most once",
    },
    {
        path: "workspace",
        type: "mapping",
        default: "count 0: no workspace, no session endpoints",
        description:
            "Instances inside the enclave that the vendor's staff reach through Session Manager only (a shell as a non-root user, logged to the archive and CloudWatch; no port forwarding, no SSH, no SendCommand). The seal cuts sessions with everything else.",
        fix: "give a mapping such as {count: 1}",
    },
    {
        path: "workspace.count",
        type: "integer 0-10",
        default: "0",
        description:
            "How many workspace instances, spread over the enclave's AZs. Each is named by its AZ and its ordinal, so lowering the count removes the last ones and renames none.",
        fix: "use a whole number from 0 to 10",
    },
    {
        path: "workspace.instanceType",
        type: "string",
        default: "t3.medium",
        description: "EC2 instance type of every workspace instance (priced in cost/prices.ts).",
        fix: "give an EC2 instance type such as t3.medium or m6i.large",
    },
    {
        path: "workspace.image",
        type: "SSM parameter path or AMI id",
        default: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64 (Amazon Linux 2023, resolved by EC2 at launch)",
        description: "The image: an SSM public parameter path (resolved at launch, so no AMI id goes stale) or a fixed ami- id. It must run the SSM agent.",
        fix: "give an SSM parameter path starting with / or an AMI id such as ami-0123456789abcdef0",
    },
    {
        path: "workspace.volumeGiB",
        type: "integer 8-1024",
        default: "30",
        description: "Size of each instance's root volume (gp3, encrypted with the vendor key).",
        fix: "use a whole number of GiB from 8 to 1024",
    },
    {
        path: "datasets",
        type: "list",
        default: "required, 1-20 entries",
        description: "One S3 bucket per dataset.",
        fix: "list 1-20 datasets as {name, access}",
    },
    {
        path: "datasets[].name",
        type: "string",
        default: "required",
        description: "Dataset name, unique within the vendor: 1-24 lowercase letters, digits and single hyphens. Becomes part of the bucket name.",
        fix: "use 1-24 lowercase letters, digits and single hyphens, starting with a letter, unique within the vendor",
    },
    {
        path: "datasets[].access",
        type: "read | write | read-write",
        default: "required",
        description: "read: get and list; write: put only (a drop box); read-write: get, list and put. No level grants delete: versioning keeps history.",
        fix: "use read, write or read-write",
    },
    {
        path: "logRetentionDays",
        type: "integer",
        default: "365",
        description: "Retention of the enclave's CloudWatch log group and of noncurrent object versions in its buckets.",
        fix: "use a CloudWatch retention value of at least 365: 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653",
    },
    {
        path: "keyDeletionWindowDays",
        type: "integer 7-30",
        default: "30",
        description: "Waiting period before the vendor key is deleted after destroy (crypto-shredding). Cancellable until it ends.",
        fix: "use a whole number of days from 7 to 30",
    },
    {
        path: "isolation",
        type: "shared-account | account",
        default: "shared-account",
        description:
            "Where the enclave lives. shared-account: in the lab's account beside the other enclaves, isolated by IAM and resource policies (needs no AWS Organization). account: in a member account of its own under the organization stack's SCPs and RCPs (stacks/organization.yaml); account.id is then that member account. See docs/account-isolation.md.",
        fix: "use shared-account or account",
    },
    {
        path: "memberAccount",
        type: "mapping",
        default: "required when isolation is account, refused otherwise",
        description: "The member account of an account-mode enclave: adopted as account.id, or created by the organization stack when create is given.",
        fix: "with isolation: account give memberAccount: {roleName} (add create: {email, name} to have the organization stack create the account); with shared-account remove it",
    },
    {
        path: "memberAccount.create.email",
        type: "email",
        default: "adopt account.id as it is",
        description:
            "Root email of a member account the organization stack creates (aws.organizations.Account in the Vendors OU). Write the new account's id into account.id before the vendor stack's first up.",
        fix: "give an address the lab controls, unique to this account, e.g. enclave-acme@lab.example",
    },
    {
        path: "memberAccount.create.name",
        type: "string",
        default: "required with create",
        description: "Name of the member account the organization stack creates.",
        fix: "give 1-50 characters, e.g. enclave-acme-labeling",
    },
    {
        path: "memberAccount.roleName",
        type: "IAM role name",
        default: "enclave-deployer",
        description:
            "The role the vendor stack's provider assumes in the member account (aws.Provider assumeRoles): the deployer, whose name the security stack's deployerRoleArn and the organization's deployerRoleName give; any other name is refused. The organization's SCPs let only this role change enclave roles there, and the key and bucket policies name it as operator. While the spec is sealed the provider assumes the member account's break-glass instead (the quarantine SCP refuses every other principal there).",
        fix: "give the role name the organization stack's deployerRoleName names, e.g. enclave-deployer",
    },
    {
        path: "airlock",
        type: "mapping",
        default: "absent: no airlock (no outbox, no released bucket, no handlers)",
        description:
            "The export airlock: files leave the enclave only through an outbox bucket, a GuardDuty malware scan, a check for the lab's own data and two approvals, and land in a released bucket only the recipient reads. See docs/airlock.md.",
        fix: "give a mapping with approvers (at least two lab principal ARNs) and recipient (vendor or a lab principal ARN), or remove airlock",
    },
    {
        path: "airlock.approvers",
        type: "list of IAM role/user ARNs",
        default: "required with airlock",
        description:
            "Lab principals who approve or reject exports; a release needs two distinct ones, neither the requester. None may be a vendor principal of any spec in the folder (no wildcards, no account roots).",
        fix: "list at least two distinct lab role or user ARNs, e.g. arn:aws:iam::111122223333:role/export-reviewer-a, none of them a vendor's access.principals",
    },
    {
        path: "airlock.recipient",
        type: "vendor | IAM role/user ARN",
        default: "required with airlock",
        description: "Who may read released files: vendor (the enclave's vendor role) or one lab principal ARN.",
        fix: "write vendor, or one lab role or user ARN that no vendor spec lists",
    },
    {
        path: "airlock.reviewTimeoutDays",
        type: "integer (1-30)",
        default: "7",
        description: "Days a request waits for its approvals before the state machine cancels it.",
        fix: "use a whole number of days from 1 to 30",
    },
    {
        path: "sealed",
        type: "boolean",
        default: "false",
        description: "Desired seal state. true cuts every vendor path (roles, sessions, buckets, endpoint, key) on the next up.",
        fix: "use true or false",
    },
    {
        path: "sealedAt",
        type: "ISO 8601 UTC time",
        default: "required when sealed is true, refused otherwise",
        description: "Seal time: sessions issued before it are revoked. Part of the desired state so plans stay deterministic.",
        fix: 'write a UTC time such as "2026-11-23T12:00:00Z" (enclave seal fills it in)',
    },
];

export const SECURITY_FIELDS: FieldDoc[] = [
    {
        path: "account.id",
        type: "string (12 digits)",
        default: "required",
        description: "Account that holds the log archive (the same account as the vendor enclaves).",
        fix: 'write the 12-digit account id in quotes, e.g. "111122223333"',
    },
    {
        path: "account.region",
        type: "string",
        default: "required",
        description: "Region of the archive buckets and the account trail.",
        fix: "use an AWS region code such as us-east-1",
    },
    {
        path: "deployerRoleArn",
        type: "IAM role ARN",
        default: "required",
        description:
            "The role that runs Pulumi for vendor stacks. Every enclave exempts it so that seal and destroy always work; on the archive it may only write evidence bundles under evidence/.",
        fix: "give a role ARN in the lab account, e.g. arn:aws:iam::111122223333:role/enclave-deployer",
    },
    {
        path: "breakGlassRoleArn",
        type: "IAM role ARN",
        default: "required",
        description: "Incident responders' role: administers keys, may read data for investigation, never locked out.",
        fix: "give a role ARN in the lab account, e.g. arn:aws:iam::111122223333:role/enclave-break-glass",
    },
    {
        path: "archiveAdminRoleArn",
        type: "IAM role ARN",
        default: "required; must differ from deployerRoleArn",
        description:
            "The security team's role that administers the log archive: the only role besides break-glass that may change the archive and alarm keys (disable, delete, key policy, grants, rotation) and the archive and access-log buckets (policy, lifecycle, versioning, Object Lock, replication, encryption, logging, delete). The security stack is deployed as this role; the deployer keeps only its evidence write.",
        fix: "give a role ARN in the lab account other than the deployer's, e.g. arn:aws:iam::111122223333:role/enclave-archive-admin",
    },
    {
        path: "alarms",
        type: "mapping",
        default: "required",
        description: "Where the security alarms go. A security stack without a subscription is refused: an alarm nobody receives protects nothing.",
        fix: "add alarms: {subscriptions: [{email: secops@lab.example}]} (or an https endpoint or an SQS queue ARN)",
    },
    {
        path: "alarms.subscriptions",
        type: "list of {email} | {https} | {sqs}",
        default: "required, 1-10 entries",
        description:
            "Subscriptions of the alarm topic: an email address (confirmed by the recipient), an HTTPS endpoint (a paging service; confirmed by the endpoint) or an SQS queue ARN in any account (its queue policy must let the topic send).",
        fix: "list 1-10 entries, each with exactly one of email: <address>, https: https://<paging endpoint> or sqs: arn:aws:sqs:<region>:<account>:<queue>",
    },
    {
        path: "archive.objectLockMode",
        type: "GOVERNANCE | COMPLIANCE",
        default: "COMPLIANCE: nobody, root included, can delete a log version before its retention ends",
        description: "Object Lock mode of the log archive's default retention.",
        fix: "use GOVERNANCE or COMPLIANCE",
    },
    {
        path: "archive.retentionDays",
        type: "integer",
        default: "400",
        description: "Object Lock default retention of every log object.",
        fix: "use a whole number of days from 90 to 3653",
    },
    {
        path: "archive.logRetentionDays",
        type: "integer",
        default: "365",
        description: "Retention of the account trail's CloudWatch log group (alarms read it).",
        fix: "use a CloudWatch retention value of at least 365: 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653",
    },
];

export const ORGANIZATION_FIELDS: FieldDoc[] = [
    {
        path: "organizationId",
        type: "string (o-...)",
        default: "required",
        description: "The AWS Organization the enclave accounts belong to; the RCPs admit its principals (aws:PrincipalOrgID).",
        fix: "copy it from `aws organizations describe-organization`, e.g. o-a1b2c3d4e5",
    },
    {
        path: "rootId",
        type: "string (r-...)",
        default: "required",
        description: "The organization's root: parent of the Vendors and Quarantine OUs.",
        fix: "copy it from `aws organizations list-roots`, e.g. r-ab12",
    },
    {
        path: "managementAccountId",
        type: "string (12 digits)",
        default: "required",
        description: "The account the organization stack runs in (the management account or the delegated administrator for policies).",
        fix: "write the 12-digit account id in quotes",
    },
    {
        path: "region",
        type: "AWS region code",
        default: "required",
        description: "Region of the organization stack's provider (Organizations itself is global).",
        fix: "use a region code such as us-east-1",
    },
    {
        path: "deployerRoleName",
        type: "IAM role name",
        default: "required",
        description:
            "Role name that deploys in every member account: the only principal the SCPs let change enclave roles, the trail, flow logs, GuardDuty and the DNS Firewall.",
        fix: "give the role name each member account's deployer has, e.g. enclave-deployer",
    },
    {
        path: "breakGlassRoleName",
        type: "IAM role name",
        default: "required",
        description: "Role name the quarantine SCP leaves working in a quarantined account (evidence, in-account containment).",
        fix: "give a role name distinct from the deployer's, e.g. enclave-break-glass",
    },
    {
        path: "allowedRegions",
        type: "list of regions",
        default: "required",
        description: "Regions where enclave accounts may act; global services (IAM, STS, Organizations...) are exempt.",
        fix: "list the regions the enclaves use, including region",
    },
    {
        path: "logArchiveAccountId",
        type: "string (12 digits)",
        default: "required",
        description:
            "The account holding the log archive (the security stack's account), written by every enclave account and apart from the management account.",
        fix: "write the security stack's account.id",
    },
    { path: "vendorsOuName", type: "string", default: "Vendors", description: "Name of the OU enclave accounts live in.", fix: "give 1-128 characters" },
    {
        path: "quarantineOuName",
        type: "string",
        default: "Quarantine",
        description: "Name of the OU a sealed enclave account is moved into.",
        fix: "give 1-128 characters",
    },
];

export function fieldDoc(table: FieldDoc[], path: (string | number)[]): FieldDoc | undefined {
    const wanted = path
        .map((p) => (typeof p === "number" ? "[]" : p))
        .join(".")
        .replace(/\.\[\]/g, "[]");
    // The most specific documented prefix wins: `datasets[].name` before `datasets`.
    return [...table]
        .filter((f) => wanted === f.path || wanted.startsWith(`${f.path}.`) || wanted.startsWith(`${f.path}[]`))
        .sort((a, b) => b.path.length - a.path.length)[0];
}
