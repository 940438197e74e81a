import { z } from "zod";
import { ACCESS_LEVELS, DATA_PATHS } from "../contract/outputs";
import { operatorsInAccount } from "../contract/operators";
import { SECURITY_STACK } from "../contract/tags";
import { isNetworkAddress, isPrivate, isPublicRange, networkOf, parseCidr } from "./network";

// Messages here state the problem only; the loader adds the file, the field, the value received and the fix from
// config/fields.ts.

export const SECURITY_STACK_NAME = SECURITY_STACK;
/** The organization stack (account-per-vendor enclaves): its spec is stacks/organization.yaml. */
export const ORGANIZATION_STACK_NAME = "organization";
export const INTERFACE_ENDPOINT_SERVICES = ["kms", "sts", "logs", "ssm", "ssmmessages", "ec2messages"] as const;
/**
 * The endpoints a workspace cannot work without: the SSM agent's three channels, and logs for the session transcript
 * in CloudWatch. A spec with a workspace gets them whether it lists them or not (config/workspace.ts).
 */
export const WORKSPACE_ENDPOINT_SERVICES = [
    "ssm",
    "ssmmessages",
    "ec2messages",
    "logs",
] as const satisfies readonly (typeof INTERFACE_ENDPOINT_SERVICES)[number][];
/** Amazon Linux 2023 (x86_64), as the SSM public parameter EC2 resolves at launch: no AMI id to keep current by hand. */
export const DEFAULT_WORKSPACE_IMAGE = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
export { ACCESS_LEVELS };
export const CLOUDWATCH_RETENTION_DAYS = [365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

export type AccessLevel = (typeof ACCESS_LEVELS)[number];
export type InterfaceEndpointService = (typeof INTERFACE_ENDPOINT_SERVICES)[number];

const accountId = z.string({ error: "must be a quoted string of 12 digits" }).regex(/^\d{12}$/, { error: "must be exactly 12 digits" });
const region = z
    .string({ error: "must be a string" })
    // Commercial partition only: every ARN this toolkit writes is `arn:aws:...` (GovCloud and China use other partitions).
    .regex(/^(us|eu|ap|sa|ca|me|af|il|mx)-(north|south|east|west|central|northeast|southeast|northwest|southwest)-\d$/, {
        error: "is not an AWS region code",
    });

// Single hyphens only, so that `--` can join id, dataset and account into bucket names without two vendors' names
// ever colliding ("a-b" + "c" vs "a" + "b-c").
const slug = /^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$|^[a-z]$/;

/** The id rules in words, for messages that refuse something that is not a vendor id (a path, a file name). */
export const VENDOR_ID_RULES = "3-20 lowercase letters, digits and single hyphens, starting with a letter (e.g. acme-labeling)";

export const vendorId = z
    .string({ error: "must be a string" })
    .min(3, { error: "is shorter than 3 characters" })
    .max(20, { error: "is longer than 20 characters (bucket names are capped at 63)" })
    .regex(slug, { error: "may hold only lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen" })
    .refine((v) => v !== SECURITY_STACK_NAME, { error: `is reserved for the security stack` })
    .refine((v) => v !== ORGANIZATION_STACK_NAME, { error: `is reserved for the organization stack` })
    .refine((v) => !["sthree-", "xn--", "amzn-s3-demo-"].some((p) => v.startsWith(p)), { error: "starts with a prefix S3 reserves" });

const iamPrincipalArn = z
    .string({ error: "must be a string" })
    .refine((v) => !v.includes("*") && !v.includes("?"), { error: "contains a wildcard; a vendor principal must be exact" })
    .refine((v) => !/^arn:aws:iam::\d{12}:root$/.test(v), { error: "is an account root, which admits every principal of that account" })
    .refine((v) => /^arn:aws:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/.test(v), { error: "is not an IAM role or user ARN" });

const roleArn = z.string({ error: "must be a string" }).regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, { error: "is not an IAM role ARN" });

const cidrString = z.string({ error: "must be a string" }).refine((v) => parseCidr(v) !== undefined, { error: "is not an IPv4 CIDR" });

const vpcCidr = cidrString.superRefine((v, ctx) => {
    const cidr = parseCidr(v);
    if (!cidr) return;
    if (cidr.subnetMask < 16 || cidr.subnetMask > 24) ctx.addIssue({ code: "custom", message: "has a prefix outside /16-/24" });
    else if (!isNetworkAddress(cidr)) ctx.addIssue({ code: "custom", message: `has host bits set (the network address is ${networkOf(cidr)})` });
    else if (!isPrivate(cidr)) ctx.addIssue({ code: "custom", message: "is not a private (RFC 1918) range" });
});

const egressCidr = cidrString.superRefine((v, ctx) => {
    const cidr = parseCidr(v);
    if (!cidr) return;
    if (cidr.subnetMask < 16) ctx.addIssue({ code: "custom", message: "is wider than /16" });
    else if (!isNetworkAddress(cidr)) ctx.addIssue({ code: "custom", message: `has host bits set (the network address is ${networkOf(cidr)})` });
    else if (!isPublicRange(cidr)) ctx.addIssue({ code: "custom", message: "is not a public range (the vendor's egress IPs are public)" });
});

const retentionDays = z
    .number({ error: "must be a number" })
    .refine((v) => (CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(v), { error: "is not a CloudWatch retention value of at least 365" });

const workspace = z
    .strictObject(
        {
            count: z
                .number({ error: "must be a number" })
                .int({ error: "must be a whole number" })
                .min(0, { error: "is below 0" })
                .max(10, { error: "is above 10" })
                .default(0),
            instanceType: z
                .string({ error: "must be a string" })
                .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: "is not an EC2 instance type" })
                .default("t3.medium"),
            image: z
                .string({ error: "must be a string" })
                .regex(/^(\/[\w.-]+)+$|^ami-[0-9a-f]{8,17}$/, { error: "is neither an SSM parameter path nor an AMI id" })
                .default(DEFAULT_WORKSPACE_IMAGE),
            volumeGiB: z
                .number({ error: "must be a number" })
                .int({ error: "must be a whole number" })
                .min(8, { error: "is below 8 GiB" })
                .max(1024, { error: "is above 1024 GiB" })
                .default(30),
        },
        { error: "must be a mapping with count" },
    )
    .default({ count: 0, instanceType: "t3.medium", image: DEFAULT_WORKSPACE_IMAGE, volumeGiB: 30 });

const dataset = z.strictObject({
    name: z
        .string({ error: "must be a string" })
        .min(1, { error: "is empty" })
        .max(24, { error: "is longer than 24 characters" })
        .regex(slug, { error: "may hold only lowercase letters, digits and single hyphens, starting with a letter" }),
    access: z.enum(ACCESS_LEVELS, { error: "is not an access level" }),
});

/** What `airlock.recipient` accepts besides a lab principal ARN: the vendor's own role reads released files. */
export const AIRLOCK_RECIPIENT_VENDOR = "vendor";

/**
 * The export airlock (opt-in): who approves a file leaving the enclave and who may read it once released. Approvers
 * are lab principals, named exactly: a wildcard or an account root would let anyone of that account approve.
 */
const airlock = z.strictObject(
    {
        approvers: z
            .array(iamPrincipalArn, { error: "must be a list of IAM role or user ARNs" })
            .min(2, { error: "has fewer than 2 approvers (a release needs two distinct ones)" })
            .max(20, { error: "has more than 20 approvers" })
            .refine((v) => new Set(v).size === v.length, { error: "lists an approver twice" }),
        recipient: z.union([z.literal(AIRLOCK_RECIPIENT_VENDOR), iamPrincipalArn], { error: "is neither vendor nor an IAM role or user ARN" }),
        reviewTimeoutDays: z
            .number({ error: "must be a number" })
            .int({ error: "must be a whole number" })
            .min(1, { error: "is below 1 day" })
            .max(30, { error: "is above 30 days" })
            .default(7),
    },
    { error: "must be a mapping with approvers and recipient" },
);

/**
 * Where an enclave lives: in the lab's account beside the others (the default; needs no AWS Organization), or in a
 * member account of its own, under the organization's SCPs and RCPs (stacks/organization.yaml).
 */
export const ISOLATION_MODES = ["shared-account", "account"] as const;
export type IsolationMode = (typeof ISOLATION_MODES)[number];

const iamRoleName = z.string({ error: "must be a string" }).regex(/^[\w+=,.@-]{1,64}$/, { error: "is not an IAM role name" });

/** Account mode: the member account (account.id) is adopted as is, or created by the organization stack. */
const memberAccount = z.strictObject(
    {
        create: z
            .strictObject(
                {
                    email: z.email({ error: "is not an email address" }),
                    name: z.string({ error: "must be a string" }).trim().min(1, { error: "is empty" }).max(50, { error: "is longer than 50 characters" }),
                },
                { error: "must be a mapping with email and name" },
            )
            .optional(),
        // The deployer's conventional name (stacks/organization.yaml's deployerRoleName), not AWS's
        // OrganizationAccountAccessRole: the stack must deploy as the role its key and bucket policies name and the
        // SCPs exempt, and config/load.ts refuses any other name.
        roleName: iamRoleName.default("enclave-deployer"),
    },
    { error: "must be a mapping (create, roleName)" },
);

export const vendorSpecSchema = z
    .strictObject({
        id: vendorId,
        displayName: z.string({ error: "must be a string" }).trim().min(1, { error: "is empty" }).max(80, { error: "is longer than 80 characters" }),
        contact: z.string({ error: "must be a string" }).trim().min(1, { error: "is empty" }).max(120, { error: "is longer than 120 characters" }),
        account: z.strictObject({ id: accountId, region }, { error: "must be a mapping with id and region" }),
        securityStack: z
            .string({ error: "must be a string" })
            .regex(/^[\w.-]+\/[\w.-]+\/[\w.-]+$/, { error: "is not a fully qualified stack name" })
            .default("organization/vendor-enclaves/security"),
        access: z.strictObject(
            {
                principals: z
                    .array(iamPrincipalArn, { error: "must be a list of ARNs" })
                    .min(1, { error: "is empty" })
                    .max(10, { error: "has more than 10 principals" })
                    .refine((v) => new Set(v).size === v.length, { error: "lists a principal twice" }),
                externalId: z
                    .string({ error: "must be a string" })
                    .regex(/^[\w+=,.@:/-]{16,128}$/, { error: "must be 16-128 characters of letters, digits and + = , . @ : / -" })
                    .optional(),
                maxSessionSeconds: z
                    .number({ error: "must be a number" })
                    .int({ error: "must be a whole number" })
                    .min(900, { error: "is below 900 seconds" })
                    .max(3600, { error: "is above 3600 seconds (one hour)" })
                    .default(3600),
            },
            { error: "must be a mapping with principals" },
        ),
        network: z.strictObject(
            {
                cidr: vpcCidr,
                azCount: z
                    .number({ error: "must be a number" })
                    .int({ error: "must be a whole number" })
                    .min(1, { error: "is below 1" })
                    .max(3, { error: "is above 3" })
                    .default(2),
                dataPath: z.enum(DATA_PATHS, { error: "is not a data path" }).default("endpoint"),
                vendorEgressCidrs: z.array(egressCidr, { error: "must be a list of CIDRs" }).max(20, { error: "has more than 20 ranges" }).default([]),
                interfaceEndpoints: z
                    .array(z.enum(INTERFACE_ENDPOINT_SERVICES, { error: "is not an interface endpoint this toolkit supports" }), {
                        error: "must be a list",
                    })
                    .refine((v) => new Set(v).size === v.length, { error: "lists a service twice" })
                    .default([]),
            },
            { error: "must be a mapping with cidr" },
        ),
        datasets: z.array(dataset, { error: "must be a list of {name, access}" }).min(1, { error: "is empty" }).max(20, { error: "has more than 20 datasets" }),
        workspace,
        logRetentionDays: retentionDays.default(365),
        keyDeletionWindowDays: z
            .number({ error: "must be a number" })
            .int({ error: "must be a whole number" })
            .min(7, { error: "is below 7 days" })
            .max(30, { error: "is above 30 days" })
            .default(30),
        isolation: z.enum(ISOLATION_MODES, { error: "is not an isolation mode (shared-account or account)" }).default("shared-account"),
        memberAccount: memberAccount.optional(),
        airlock: airlock.optional(),
        sealed: z.boolean({ error: "must be true or false" }).default(false),
        sealedAt: z.iso.datetime({ offset: false, error: "is not a UTC ISO 8601 time ending in Z" }).optional(),
    })
    .superRefine((spec, ctx) => {
        const names = new Set<string>();
        spec.datasets.forEach((d, i) => {
            if (names.has(d.name)) ctx.addIssue({ code: "custom", path: ["datasets", i, "name"], message: `names a dataset twice` });
            names.add(d.name);
        });
        if (spec.network.dataPath === "allow-list" && spec.network.vendorEgressCidrs.length === 0)
            ctx.addIssue({ code: "custom", path: ["network", "vendorEgressCidrs"], message: "is empty but network.dataPath is allow-list" });
        if (spec.network.dataPath === "endpoint" && spec.network.vendorEgressCidrs.length > 0)
            ctx.addIssue({ code: "custom", path: ["network", "vendorEgressCidrs"], message: "is set but network.dataPath is endpoint (it would be ignored)" });
        if (spec.isolation === "account" && !spec.memberAccount)
            ctx.addIssue({ code: "custom", path: ["memberAccount"], message: "is missing but isolation is account" });
        if (spec.isolation === "shared-account" && spec.memberAccount)
            ctx.addIssue({ code: "custom", path: ["memberAccount"], message: "is set but isolation is shared-account (it would be ignored)" });
        if (spec.airlock) {
            // An approver the vendor controls would approve its own exports; the recipient, if a lab principal, must
            // not be a vendor principal either (then it is the vendor and should say so).
            // Nor may an approver be a role of this enclave (the vendor and workload roles submit; the airlock role runs
            // the handlers): an enclave role approving would be the requester's side approving itself.
            const enclaveRole = new RegExp(`^arn:aws:iam::\\d{12}:role/(.*/)?enclave-${spec.id}-`);
            spec.airlock.approvers.forEach((a, i) => {
                if (spec.access.principals.includes(a))
                    ctx.addIssue({ code: "custom", path: ["airlock", "approvers", i], message: "is one of this vendor's access.principals" });
                else if (enclaveRole.test(a))
                    ctx.addIssue({ code: "custom", path: ["airlock", "approvers", i], message: `is one of this enclave's own roles (enclave-${spec.id}-*)` });
            });
            const r = spec.airlock.recipient;
            if (r !== AIRLOCK_RECIPIENT_VENDOR && spec.access.principals.includes(r))
                ctx.addIssue({ code: "custom", path: ["airlock", "recipient"], message: "is one of this vendor's access.principals (write vendor instead)" });
        }
        if (spec.sealed && !spec.sealedAt) ctx.addIssue({ code: "custom", path: ["sealedAt"], message: "is missing but sealed is true" });
        if (!spec.sealed && spec.sealedAt) ctx.addIssue({ code: "custom", path: ["sealedAt"], message: "is set but sealed is false" });
    });

/** One alarm destination: exactly one of an email address, an HTTPS endpoint or an SQS queue ARN. */
const alarmSubscription = z
    .strictObject(
        {
            email: z.email({ error: "is not an email address" }).optional(),
            https: z.url({ protocol: /^https$/, error: "is not an https:// URL" }).optional(),
            sqs: z
                .string({ error: "must be a string" })
                .regex(/^arn:aws:sqs:[a-z0-9-]+:\d{12}:[\w-]{1,80}$/, { error: "is not an SQS queue ARN" })
                .optional(),
        },
        { error: "must be a mapping with one of email, https or sqs" },
    )
    .refine((s) => [s.email, s.https, s.sqs].filter((v) => v !== undefined).length === 1, { error: "must name exactly one of email, https or sqs" });

export type AlarmSubscription = z.output<typeof alarmSubscription>;

export const securitySpecSchema = z
    .strictObject({
        account: z.strictObject({ id: accountId, region }, { error: "must be a mapping with id and region" }),
        deployerRoleArn: roleArn,
        breakGlassRoleArn: roleArn,
        archiveAdminRoleArn: roleArn,
        alarms: z.strictObject(
            {
                subscriptions: z
                    .array(alarmSubscription, { error: "must be a list of {email}, {https} or {sqs}" })
                    .min(1, { error: "is empty: an alarm nobody receives protects nothing" })
                    .max(10, { error: "has more than 10 subscriptions" }),
            },
            { error: "must be a mapping with subscriptions" },
        ),
        archive: z
            .strictObject(
                {
                    objectLockMode: z.enum(["GOVERNANCE", "COMPLIANCE"], { error: "is not an Object Lock mode" }).default("COMPLIANCE"),
                    retentionDays: z
                        .number({ error: "must be a number" })
                        .int({ error: "must be a whole number" })
                        .min(90, { error: "is below 90 days" })
                        .max(3653, { error: "is above 3653 days" })
                        .default(400),
                    logRetentionDays: retentionDays.default(365),
                },
                { error: "must be a mapping" },
            )
            .default({ objectLockMode: "COMPLIANCE", retentionDays: 400, logRetentionDays: 365 }),
    })
    .superRefine((spec, ctx) => {
        for (const field of ["deployerRoleArn", "breakGlassRoleArn", "archiveAdminRoleArn"] as const) {
            if (spec[field].split(":")[4] !== spec.account.id) ctx.addIssue({ code: "custom", path: [field], message: `is not in account ${spec.account.id}` });
        }
        if (spec.deployerRoleArn === spec.breakGlassRoleArn)
            ctx.addIssue({ code: "custom", path: ["breakGlassRoleArn"], message: "is the deployer role; break-glass must be a separate role" });
        if (spec.archiveAdminRoleArn === spec.deployerRoleArn)
            ctx.addIssue({
                code: "custom",
                path: ["archiveAdminRoleArn"],
                message: "is the deployer role; the role that deploys vendor stacks must not administer the archive",
            });
    });

export const organizationSpecSchema = z
    .strictObject({
        organizationId: z.string({ error: "must be a string" }).regex(/^o-[a-z0-9]{10,32}$/, { error: "is not an organization id (o-...)" }),
        rootId: z.string({ error: "must be a string" }).regex(/^r-[0-9a-z]{4,32}$/, { error: "is not an organization root id (r-...)" }),
        managementAccountId: accountId,
        region,
        deployerRoleName: iamRoleName,
        breakGlassRoleName: iamRoleName,
        allowedRegions: z
            .array(region, { error: "must be a list of regions" })
            .min(1, { error: "is empty" })
            .max(17, { error: "has more than 17 regions" })
            .refine((v) => new Set(v).size === v.length, { error: "lists a region twice" }),
        logArchiveAccountId: accountId,
        vendorsOuName: z.string({ error: "must be a string" }).min(1).max(128).default("Vendors"),
        quarantineOuName: z.string({ error: "must be a string" }).min(1).max(128).default("Quarantine"),
    })
    .superRefine((spec, ctx) => {
        if (spec.deployerRoleName === spec.breakGlassRoleName)
            ctx.addIssue({ code: "custom", path: ["breakGlassRoleName"], message: "is the deployer role; break-glass must be a separate role" });
        if (spec.logArchiveAccountId === spec.managementAccountId)
            ctx.addIssue({ code: "custom", path: ["logArchiveAccountId"], message: "is the management account; the log archive needs an account of its own" });
        if (!spec.allowedRegions.includes(spec.region))
            ctx.addIssue({ code: "custom", path: ["allowedRegions"], message: `does not include the stack's own region ${spec.region}` });
    });

export type OrganizationSpec = z.output<typeof organizationSpecSchema>;
export type VendorSpec = z.output<typeof vendorSpecSchema>;
export type SecuritySpec = z.output<typeof securitySpecSchema>;
export type Dataset = VendorSpec["datasets"][number];
export type Workspace = VendorSpec["workspace"];
export type AirlockSpec = NonNullable<VendorSpec["airlock"]>;

/** A principal listed by more than one vendor spec: sealing one vendor would leave it a live path into the other. */
export interface SharedPrincipal {
    principal: string;
    files: [string, string];
}

/** An airlock approver or recipient that some vendor spec lists as one of its own principals. */
export interface VendorControlledApprover {
    principal: string;
    /** The spec with the airlock, and the field (airlock.approvers or airlock.recipient). */
    file: string;
    field: "airlock.approvers" | "airlock.recipient";
    /** The spec that lists it under access.principals. */
    vendorFile: string;
}

/**
 * Approvers (and a lab recipient) that are a vendor principal of any spec of the folder: a vendor must never approve an
 * export, its own or another vendor's, and a lab recipient that a vendor controls would make the release a vendor read.
 */
export function vendorControlledApprovers(specs: { file: string; spec: Pick<VendorSpec, "access" | "airlock"> }[]): VendorControlledApprover[] {
    const vendorOf = new Map<string, string>();
    for (const { file, spec } of specs) for (const p of spec.access.principals) if (!vendorOf.has(p)) vendorOf.set(p, file);
    const found: VendorControlledApprover[] = [];
    for (const { file, spec } of specs) {
        if (!spec.airlock) continue;
        for (const a of spec.airlock.approvers) {
            const v = vendorOf.get(a);
            if (v !== undefined) found.push({ principal: a, file, field: "airlock.approvers", vendorFile: v });
        }
        const r = spec.airlock.recipient;
        const v = r === AIRLOCK_RECIPIENT_VENDOR ? undefined : vendorOf.get(r);
        if (v !== undefined) found.push({ principal: r, file, field: "airlock.recipient", vendorFile: v });
    }
    return found;
}

/** An airlock approver that is an operator role of the security spec: the deployer or break-glass. */
export interface OperatorApprover {
    /** Its position in airlock.approvers. */
    index: number;
    principal: string;
    /** The security spec's field that names that role. */
    operator: "deployerRoleArn" | "breakGlassRoleArn";
}

/**
 * Approvers that are the deployer or the break-glass role, as the security spec names them and as the same roles exist
 * in an account-mode enclave's own account (contract/operators.ts). The deployer already controls what the airlock is
 * made of, and break-glass is for a breach: either holding a vote would make one insider half of the two-person rule.
 */
export function operatorApprovers(
    vendor: Pick<VendorSpec, "airlock" | "account">,
    security: Pick<SecuritySpec, "deployerRoleArn" | "breakGlassRoleArn">,
): OperatorApprover[] {
    if (!vendor.airlock) return [];
    const inEnclave = operatorsInAccount({ deployerRoleArn: security.deployerRoleArn, breakGlassRoleArn: security.breakGlassRoleArn }, vendor.account.id);
    const found: OperatorApprover[] = [];
    vendor.airlock.approvers.forEach((principal, index) => {
        for (const operator of ["deployerRoleArn", "breakGlassRoleArn"] as const)
            if (principal === security[operator] || principal === inEnclave[operator]) found.push({ index, principal, operator });
    });
    return found;
}

/** Every principal that two vendor specs both list, with the first two files that list it. */
export function sharedPrincipals(specs: { file: string; spec: Pick<VendorSpec, "access"> }[]): SharedPrincipal[] {
    const owner = new Map<string, string>();
    const shared: SharedPrincipal[] = [];
    for (const { file, spec } of specs) {
        for (const principal of spec.access.principals) {
            const first = owner.get(principal);
            if (first === undefined) owner.set(principal, file);
            else if (first !== file) shared.push({ principal, files: [first, file] });
        }
    }
    return shared;
}
