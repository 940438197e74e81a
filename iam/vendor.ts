import type { AccessLevel, InterfaceEndpointService } from "../config/schema";
import {
    policy,
    s3ServiceHost,
    S3_LIST_ACTIONS,
    S3_READ_OBJECT_ACTIONS,
    S3_WRITE_ACTIONS,
    type Condition,
    type PolicyDocument,
    type Statement,
} from "./document";
import { cloudWatchLogsKeyUse, denyInsecureTransport, keyAdministrationByRoleArn } from "./common";
import { accountOfArn, accountRootArn } from "./names";
import { BUCKET_TAMPER_ACTIONS } from "./archive";
import { LOG_DELETION_ACTIONS } from "./memberLogs";
import { airlockArns, airlockKeyStatements, airlockVendorBuckets, airlockVendorGrants } from "./airlock";
import {
    AGENT_CHANNEL_ACTIONS,
    AGENT_MESSAGE_ACTIONS,
    AGENT_SSM_ACTIONS,
    instanceArns,
    vendorSessionStatements,
    workloadSessionStatements,
    type SessionPolicyBase,
} from "./session";

/**
 * Everything the vendor-side documents need, as plain strings: resolved ARNs and ids, never Pulumi Outputs. The base
 * holds what is known before any resource exists (names are deterministic), so the boundary, trust, key and endpoint
 * policies can be written before the key and the endpoint are created.
 */
export interface VendorPolicyBase {
    vendorId: string;
    accountId: string;
    region: string;
    vendorRoleArn: string;
    workloadRoleArn: string;
    deployerRoleArn: string;
    breakGlassRoleArn: string;
    logGroupArn: string;
    datasets: { name: string; access: AccessLevel; bucketArn: string }[];
    principals: string[];
    externalId: string;
    dataPath: "endpoint" | "allow-list";
    egressCidrs: string[];
    sealed: boolean;
    /** ISO time; sessions issued before it are revoked while sealed. */
    sealedAt?: string;
    /** Set only when the enclave has a workspace: Session Manager grants exist only then. */
    session?: SessionPolicyBase;
    /** Set only when the spec has an airlock: submit grants on the outbox, released reads for a vendor recipient. */
    airlock?: { approvers: string[]; recipient: string };
    /** Account mode: the member account's log bucket (iam/memberLogs.ts); the vendor-side roles may never erase or reconfigure it. */
    memberLogBucketArn?: string;
}

export interface VendorPolicyInputs extends VendorPolicyBase {
    keyArn: string;
    s3EndpointId: string;
    /**
     * The key of the vendor's tripwire object in each readable dataset (a secret of the security stack). Unknown to a
     * writer that reads the deployed enclave rather than the security stack (the seal's containment): without it the
     * dataset bucket policy refuses the deployer every object, tripwire included.
     */
    tripwireKey?: string;
}

const canRead = (a: AccessLevel) => a === "read" || a === "read-write";
const canWrite = (a: AccessLevel) => a === "write" || a === "read-write";

function readableBuckets(p: VendorPolicyBase): string[] {
    return p.datasets.filter((d) => canRead(d.access)).map((d) => d.bucketArn);
}
function writableBuckets(p: VendorPolicyBase): string[] {
    return p.datasets.filter((d) => canWrite(d.access)).map((d) => d.bucketArn);
}
const objects = (arns: string[]) => arns.map((a) => `${a}/*`);

/** Every S3 action an access level grants on its dataset, as datasetGrants writes them. */
export function datasetActions(access: AccessLevel): string[] {
    return [...(canRead(access) ? [...S3_LIST_ACTIONS, ...S3_READ_OBJECT_ACTIONS] : []), ...(canWrite(access) ? S3_WRITE_ACTIONS : [])];
}
const vendorSideRoles = (p: VendorPolicyBase) => [p.vendorRoleArn, p.workloadRoleArn];
const allBuckets = (p: VendorPolicyBase) => [...p.datasets.map((d) => d.bucketArn), ...(p.airlock ? airlockVendorBuckets({ ...p, ...p.airlock }) : [])];
/** The airlock's vendor-side grants (iam/airlock.ts), when the spec has an airlock. */
const airlockGrants = (p: VendorPolicyBase, role?: "vendor" | "workload", extra?: { principal?: Statement["Principal"] }) =>
    p.airlock ? airlockVendorGrants({ ...p, recipient: p.airlock.recipient }, role, extra) : [];

/**
 * Dataset grants by intent, with fixed Sids. Shared by the identity policies, the permissions boundary and the S3
 * endpoint policy so the three can never disagree about what "read" means.
 */
function datasetGrants(p: VendorPolicyBase, extra?: { principal?: Statement["Principal"]; condition?: Condition }): Statement[] {
    const read = readableBuckets(p);
    const write = writableBuckets(p);
    // Bucket names are predictable and global: a bucket created under a dataset's name in another account (before the
    // lab's exists, or after destroy) must not receive or serve enclave data, so every grant is pinned to its owner.
    const owner = { "s3:ResourceAccount": p.accountId };
    const condition: Condition = { ...extra?.condition, StringEquals: { ...extra?.condition?.StringEquals, ...owner } };
    const base = (Sid: string, Action: string[], Resource: string[]): Statement => ({
        Sid,
        Effect: "Allow",
        ...(extra?.principal ? { Principal: extra.principal } : {}),
        Action,
        Resource,
        Condition: condition,
    });
    return [
        ...(read.length ? [base("ListReadableDatasets", S3_LIST_ACTIONS, read), base("GetReadableObjects", S3_READ_OBJECT_ACTIONS, objects(read))] : []),
        ...(write.length ? [base("PutWritableObjects", S3_WRITE_ACTIONS, objects(write))] : []),
    ];
}

/** The data keys S3 needs: Decrypt to read (and to finish multipart uploads), GenerateDataKey to write. */
function keyActions(p: VendorPolicyBase): string[] {
    const actions = new Set<string>();
    if (p.datasets.some((d) => canRead(d.access) || canWrite(d.access))) actions.add("kms:Decrypt");
    // Submitting to the airlock outbox writes an SSE-KMS object under this key.
    if (p.datasets.some((d) => canWrite(d.access)) || p.airlock) actions.add("kms:GenerateDataKey");
    return [...actions];
}

/**
 * Vendor-side use of the key, only through S3. In an identity policy `resource` is the key ARN; in the key policy it
 * is "*" (meaning this key); in the boundary, which exists before the key, it is the account's key ARN pattern
 * narrowed by the vendor tag, so the boundary alone still refuses every other vendor's key.
 */
function keyViaS3(p: VendorPolicyBase, resource: string, extra?: { Principal?: Statement["Principal"]; Condition?: Condition; tagged?: boolean }): Statement {
    return {
        Sid: "UseVendorKeyViaS3",
        Effect: "Allow",
        ...(extra?.Principal ? { Principal: extra.Principal } : {}),
        Action: keyActions(p),
        Resource: resource,
        Condition: {
            StringEquals: {
                "kms:ViaService": s3ServiceHost(p.region),
                "kms:CallerAccount": p.accountId,
                ...(extra?.tagged ? { "aws:ResourceTag/enclave:vendor": p.vendorId } : {}),
            },
            ...(extra?.Condition ?? {}),
        },
    };
}

/**
 * The seal's own inline policy of each vendor-side role: deny everything now, and every session issued before the
 * seal time. It names nothing but the time, so AWS has nothing to validate and nothing the vendor controls can make
 * the write fail; it needs only the role's name. A pure function of one string so that the seal can put the same
 * document directly (PutRolePolicy) before Pulumi runs, and Pulumi then writes the identical document.
 */
export function sealRolePolicy(sealedAt: string): PolicyDocument {
    return policy([
        { Sid: "SealDenyAll", Effect: "Deny", Action: "*", Resource: "*" },
        {
            Sid: "SealRevokeOlderSessions",
            Effect: "Deny",
            Action: "*",
            Resource: "*",
            Condition: { DateLessThan: { "aws:TokenIssueTime": sealedAt } },
        },
    ]);
}

/**
 * A statement for exact principals of another account or of this one, written so that no principal ARN has to exist:
 * the Principal is the account (AWS validates only that) and `aws:PrincipalArn` (a plain string compare, never
 * validated) names the exact principals. IAM and KMS refuse a document naming a principal that does not exist, and a
 * vendor can delete its own roles, and a just-in-time break-glass role may not exist yet.
 */
export function byPrincipalArn(arns: string[]): { Principal: Statement["Principal"]; Condition: Condition } {
    const accounts = [...new Set(arns.map(accountOfArn))].sort();
    return { Principal: { AWS: accounts.map(accountRootArn) }, Condition: { ArnEquals: { "aws:PrincipalArn": arns } } };
}

/**
 * Network condition for vendor-side data requests, written as a Deny: in allow-list mode the two admitted paths (the
 * enclave's endpoint OR the vendor's egress ranges) combine because conditions inside one statement are ANDed. A
 * request that carries neither key (no endpoint, no IP) matches both negated operators and is denied.
 */
function perimeterDenies(p: VendorPolicyInputs, allowEgress: boolean): Statement[] {
    const condition: Condition = { StringNotEquals: { "aws:SourceVpce": p.s3EndpointId } };
    if (allowEgress && p.egressCidrs.length) condition.NotIpAddress = { "aws:SourceIp": p.egressCidrs };
    return [
        {
            Sid: "DenyDataOutsideNetworkPerimeter",
            Effect: "Deny",
            Action: [...S3_LIST_ACTIONS, ...S3_READ_OBJECT_ACTIONS, ...S3_WRITE_ACTIONS],
            Resource: [...allBuckets(p), ...objects(allBuckets(p))],
            Condition: condition,
        },
    ];
}

/**
 * Account mode: the member log bucket's logs and configuration are out of the vendor side's reach by name, not only
 * because nothing grants them: the workload role writes transcripts there, and a later grant must not widen into a
 * delete or a new bucket policy. The bucket policy and the baseline SCP deny the same on their own.
 */
function logBucketDenies(p: VendorPolicyBase): Statement[] {
    if (!p.memberLogBucketArn) return [];
    return [
        {
            Sid: "DenyLogBucketTampering",
            Effect: "Deny",
            Action: [...LOG_DELETION_ACTIONS, ...BUCKET_TAMPER_ACTIONS],
            Resource: [p.memberLogBucketArn, `${p.memberLogBucketArn}/*`],
        },
    ];
}

/** Identity policy of the role the vendor assumes. */
export function vendorRolePolicy(p: VendorPolicyInputs): PolicyDocument {
    const grants = [...datasetGrants(p), ...airlockGrants(p, "vendor"), keyViaS3(p, p.keyArn), ...(p.session ? vendorSessionStatements(p, p.session) : [])];
    return policy([...grants, ...perimeterDenies(p, p.dataPath === "allow-list"), ...confinedTo(grants), ...logBucketDenies(p)]);
}

/**
 * Two Denies derived from a role's own grants: no action beyond those it grants, and those actions on no resource beyond
 * those it names. A permissions boundary cannot do this: a same-account resource policy that grants Principal "*" (an
 * organization-wide share, a secret open to the whole account) reaches a role session past an implicit deny, but never
 * past an explicit one. Derived, not listed, so that a new grant widens the confinement with it and nothing else does.
 * Actions AWS only grants on Resource "*" (the session agent's channels) are held by the first Deny alone.
 */
function confinedTo(grants: Statement[]): Statement[] {
    const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    const allows = grants.filter((g) => g.Effect === "Allow");
    const actions = [...new Set(allows.flatMap((g) => list(g.Action)))].sort();
    const anywhere = new Set(allows.filter((g) => list(g.Resource).includes("*")).flatMap((g) => list(g.Action)));
    const scoped = allows.filter((g) => !list(g.Resource).includes("*"));
    const scopedActions = [...new Set(scoped.flatMap((g) => list(g.Action)))].filter((a) => !anywhere.has(a)).sort();
    const resources = [...new Set(scoped.flatMap((g) => list(g.Resource)))].sort();
    return [
        { Sid: "DenyActionsBeyondEnclave", Effect: "Deny", NotAction: actions, Resource: "*" },
        { Sid: "DenyResourcesBeyondEnclave", Effect: "Deny", Action: scopedActions, NotResource: resources },
    ];
}

/** Identity policy of the role compute inside the enclave runs as: the same data, only from inside the VPC. */
export function workloadRolePolicy(p: VendorPolicyInputs): PolicyDocument {
    const grants: Statement[] = [
        ...datasetGrants(p),
        ...airlockGrants(p, "workload"),
        keyViaS3(p, p.keyArn),
        {
            Sid: "WriteWorkloadLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${p.logGroupArn}:log-stream:*`,
        },
        ...(p.session ? workloadSessionStatements(p, p.session) : []),
    ];
    return policy([...grants, ...perimeterDenies(p, false), ...confinedTo(grants), ...logBucketDenies(p)]);
}

/**
 * Permissions boundary of both vendor-side roles: the most they could ever do, whatever identity policy a hurried
 * change attaches. Pure allow-list: IAM, STS, EC2, CloudTrail and everything else stay outside it.
 */
export function boundaryPolicy(p: VendorPolicyBase): PolicyDocument {
    return policy([
        ...datasetGrants(p),
        ...airlockGrants(p),
        keyViaS3(p, `arn:aws:kms:${p.region}:${p.accountId}:key/*`, { tagged: true }),
        {
            Sid: "WriteWorkloadLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${p.logGroupArn}:log-stream:*`,
        },
        // The session grants of both roles, allows only: the identity policies carry the denies.
        ...(p.session ? [...vendorSessionStatements(p, p.session), ...workloadSessionStatements(p, p.session)].filter((st) => st.Effect === "Allow") : []),
    ]);
}

/**
 * Trust policy of the vendor role. The vendor's principals are named by `aws:PrincipalArn` under their account's
 * principal, never as Principal: IAM validates every principal ARN when a trust policy is written, so a principal the
 * vendor deleted would make every later write fail, the seal's included. The external ID is still required.
 */
export function vendorTrustPolicy(p: VendorPolicyBase): PolicyDocument {
    const vendor = byPrincipalArn(p.principals);
    return policy([
        {
            Sid: "AllowVendorPrincipalsWithExternalId",
            Effect: "Allow",
            Principal: vendor.Principal,
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "sts:ExternalId": p.externalId }, ...vendor.Condition },
        },
        // Everyone, so that the seal names nothing AWS would validate and nothing the vendor controls.
        p.sealed && {
            Sid: "SealDenyAssumeRole",
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
        },
    ]);
}

export function workloadTrustPolicy(p: VendorPolicyBase): PolicyDocument {
    return policy([
        {
            // No aws:SourceAccount condition: EC2 is not documented to send it when it assumes an instance-profile
            // role, and a condition on an absent key would make the role unusable. There is no confused deputy to
            // guard: EC2 uses the role only through an instance profile that a principal of this account attaches
            // (iam:PassRole), and roles cannot be passed across accounts.
            Sid: "AllowEc2InThisAccount",
            Effect: "Allow",
            Principal: { Service: "ec2.amazonaws.com" },
            Action: "sts:AssumeRole",
        },
        p.sealed && {
            Sid: "SealDenyAssumeRole",
            Effect: "Deny",
            Principal: { Service: "ec2.amazonaws.com" },
            Action: "sts:AssumeRole",
        },
    ]);
}

/**
 * Bucket policy of one dataset bucket. It grants nothing (same-account roles get access from their identity
 * policies); it only takes away, so that this layer alone stops other principals, other networks, plaintext and
 * foreign keys. The deployer and break-glass roles are exempted by ARN from the perimeter so seal and destroy work.
 */
export function dataBucketPolicy(p: VendorPolicyInputs, dataset: string): PolicyDocument {
    const d = p.datasets.find((x) => x.name === dataset);
    if (!d) throw new Error(`unknown dataset ${dataset}`);
    const both = [d.bucketArn, `${d.bucketArn}/*`];
    const operators = [p.deployerRoleArn, p.breakGlassRoleArn];
    const tripwire = canRead(d.access) && p.tripwireKey ? `${d.bucketArn}/${p.tripwireKey}` : undefined;
    // The airlock's fingerprint handler reads every dataset from Lambda, outside the enclave's network: listed beside
    // the operators, and held to reading below.
    const airlockRole = p.airlock ? airlockArns(p.vendorId, p.accountId, p.region).roleArn : undefined;
    const perimeter: Condition = {
        StringNotEqualsIfExists: { "aws:PrincipalArn": [...operators, ...(airlockRole ? [airlockRole] : [])] },
        BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
        StringNotEquals: { "aws:SourceVpce": p.s3EndpointId },
    };
    if (p.dataPath === "allow-list" && p.egressCidrs.length) perimeter.NotIpAddress = { "aws:SourceIp": p.egressCidrs };
    return policy([
        denyInsecureTransport(d.bucketArn),
        {
            Sid: "DenyEncryptionOtherThanKms",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: `${d.bucketArn}/*`,
            // Only a request that names an algorithm is checked: with IfExists an absent header would make the
            // condition true and deny every upload that relies on the bucket default (this key), multipart parts included.
            Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" }, Null: { "s3:x-amz-server-side-encryption": "false" } },
        },
        {
            // A put that names aws:kms but no key id would be encrypted with the AWS managed key aws/s3, not this one:
            // such objects would survive crypto-shredding and the seal's DisableKey.
            Sid: "DenyKmsWithoutThisKey",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: `${d.bucketArn}/*`,
            Condition: { StringEquals: { "s3:x-amz-server-side-encryption": "aws:kms" }, Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "true" } },
        },
        {
            // SSE-C sends no x-amz-server-side-encryption header, so the two statements above never see it.
            Sid: "DenyCustomerProvidedKeys",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: `${d.bucketArn}/*`,
            Condition: { Null: { "s3:x-amz-server-side-encryption-customer-algorithm": "false" } },
        },
        {
            Sid: "DenyOtherKmsKeys",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: `${d.bucketArn}/*`,
            // Null false: only a request that names a key is checked. Multipart UploadPart requests and plain puts carry
            // no key header and get the bucket default (this key); "IfExists" would evaluate true for them and deny.
            Condition: {
                StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": p.keyArn },
                Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
            },
        },
        { Sid: "DenyOutsideNetworkPerimeter", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: both, Condition: perimeter },
        {
            Sid: "DenyUnlistedPrincipals",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: both,
            Condition: {
                StringNotEqualsIfExists: { "aws:PrincipalArn": [...vendorSideRoles(p), ...operators, ...(airlockRole ? [airlockRole] : [])] },
                BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
            },
        },
        {
            // An allow-list, not a list of dangerous actions: on its own this bucket policy holds the vendor roles to
            // the dataset's access level, so one widened identity policy cannot open delete, configuration (Object Lock
            // retention, replication, inventory, notifications, tags) or the other direction of a read/write-only
            // dataset. deniedActions (test/policies.test.ts) proves the list against every S3 action.
            Sid: "DenyVendorBeyondDatasetAccess",
            Effect: "Deny",
            Principal: "*",
            NotAction: datasetActions(d.access),
            Resource: both,
            Condition: { StringEquals: { "aws:PrincipalArn": vendorSideRoles(p) } },
        },
        {
            // The deployer administers the enclave but never reads its data: it may reconfigure the bucket (a new
            // default encryption, a dropped access log) as every deploy does, so the one thing that makes such a change
            // pay off, reading the objects, is refused here. Destroy needs list and delete, not get; break-glass reads
            // for investigations.
            Sid: "DenyDeployerDataReads",
            Effect: "Deny",
            Principal: "*",
            Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes", "s3:GetObjectVersionAttributes", "s3:RestoreObject"],
            // The tripwire is the deployer's own object, not data: the provider reads it back (HeadObject, which is
            // s3:GetObject) after planting it and on every refresh. Its content stays out of reach (no Decrypt).
            ...(tripwire ? { NotResource: tripwire } : { Resource: `${d.bucketArn}/*` }),
            Condition: { ArnEquals: { "aws:PrincipalArn": [p.deployerRoleArn] } },
        },
        canRead(d.access) && {
            // The deployer puts exactly one object in a readable dataset, the tripwire, and nothing else: no data of its
            // own (which a vendor would then read as the lab's), no overwrite of the lab's.
            Sid: "DeployerPutsTripwireOnly",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            ...(tripwire ? { NotResource: tripwire } : { Resource: `${d.bucketArn}/*` }),
            Condition: { ArnEquals: { "aws:PrincipalArn": [p.deployerRoleArn] } },
        },
        airlockRole !== undefined && {
            Sid: "DenyAirlockBeyondFingerprinting",
            Effect: "Deny",
            Principal: "*",
            NotAction: ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"],
            Resource: both,
            Condition: { ArnEquals: { "aws:PrincipalArn": [airlockRole] } },
        },
        p.sealed && {
            Sid: "SealDenyVendor",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: both,
            Condition: { StringEquals: { "aws:PrincipalArn": vendorSideRoles(p) } },
        },
    ]);
}

/**
 * Vendor key policy. No "Enable IAM policies" root statement: that would let any principal of the account with a
 * broad IAM policy use this vendor's key. No role is named as a Principal either: KMS refuses a key policy naming a
 * principal that does not exist (a break-glass role provisioned just in time, a deleted vendor role), and the seal
 * writes this policy. Every grant is to the account, pinned by `aws:PrincipalArn` to exact roles, so each role also
 * needs its own IAM permission (the deployer and break-glass roles have it; the vendor-side roles' identity policies
 * grant the key through S3 only).
 */
export function vendorKeyPolicy(p: VendorPolicyBase): PolicyDocument {
    const breakGlass = byPrincipalArn([p.breakGlassRoleArn]);
    const vendorSide = byPrincipalArn(vendorSideRoles(p));
    return policy([
        keyAdministrationByRoleArn(p.accountId, [p.deployerRoleArn, p.breakGlassRoleArn]),
        {
            Sid: "BreakGlassReadViaS3",
            Effect: "Allow",
            Principal: breakGlass.Principal,
            Action: ["kms:Decrypt"],
            Resource: "*",
            Condition: { StringEquals: { "kms:ViaService": s3ServiceHost(p.region), "kms:CallerAccount": p.accountId }, ...breakGlass.Condition },
        },
        keyViaS3(p, "*", vendorSide),
        // Kept while the workload log group is encrypted with the archive key (components/audit.ts): events ingested
        // before that change stay encrypted under this key, and CloudWatch Logs needs it to read them.
        cloudWatchLogsKeyUse("CloudWatchLogsForWorkloadLogGroup", p.region, p.logGroupArn),
        readableBuckets(p).length > 0 && {
            // Planting the tripwires (components/tripwire.ts): encrypt only (GenerateDataKey decrypts nothing), only
            // through S3, only for the readable buckets (their S3 Bucket Key makes the bucket ARN the encryption
            // context). Which objects it may put is the bucket policy's DeployerPutsTripwireOnly: exactly the tripwire.
            Sid: "DeployerPlantsTripwires",
            Effect: "Allow",
            Principal: byPrincipalArn([p.deployerRoleArn]).Principal,
            Action: ["kms:GenerateDataKey"],
            Resource: "*",
            Condition: {
                StringEquals: {
                    "kms:ViaService": s3ServiceHost(p.region),
                    "kms:CallerAccount": p.accountId,
                    "kms:EncryptionContext:aws:s3:arn": readableBuckets(p),
                },
                ...byPrincipalArn([p.deployerRoleArn]).Condition,
            },
        },
        ...(p.airlock ? airlockKeyStatements({ ...p, ...p.airlock }) : []),
        // Workspace root volumes: the deployer launches the instances, EC2 uses the key for it (only through EC2,
        // grants only for AWS resources). Nothing here lets the deployer read a dataset: S3 use stays with the vendor side.
        p.session && {
            Sid: "DeployerLaunchesEncryptedVolumes",
            Effect: "Allow",
            Principal: byPrincipalArn([p.deployerRoleArn]).Principal,
            Action: ["kms:CreateGrant", "kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:DescribeKey"],
            Resource: "*",
            Condition: {
                StringEquals: { "kms:ViaService": `ec2.${p.region}.amazonaws.com`, "kms:CallerAccount": p.accountId },
                ...byPrincipalArn([p.deployerRoleArn]).Condition,
            },
        },
        p.sealed && {
            Sid: "SealDenyVendor",
            Effect: "Deny",
            Principal: "*",
            Action: "kms:*",
            Resource: "*",
            Condition: { StringEquals: { "aws:PrincipalArn": vendorSideRoles(p) } },
        },
    ]);
}

/**
 * S3 gateway endpoint policy: the data perimeter from the network side. Only this vendor's roles, only this vendor's
 * buckets: a stolen session inside the enclave cannot copy data to a bucket the attacker owns.
 */
export function s3EndpointPolicy(p: VendorPolicyBase): PolicyDocument {
    return policy([
        ...datasetGrants(p, { principal: "*", condition: { StringEquals: { "aws:PrincipalArn": vendorSideRoles(p) } } }),
        ...airlockGrants(p, undefined, { principal: "*" }),
        // The SSM agent uploads each session's transcript through this endpoint: only there, only as the workload role.
        ...(p.session
            ? ([
                  {
                      Sid: "SessionLogsToArchive",
                      Effect: "Allow" as const,
                      Principal: "*",
                      Action: ["s3:PutObject"],
                      Resource: `${p.session.archiveBucketArn}/${p.session.sessionLogPrefix}*`,
                      Condition: { StringEquals: { "aws:PrincipalArn": p.workloadRoleArn } },
                  },
                  {
                      Sid: "SessionLogsArchiveEncryption",
                      Effect: "Allow" as const,
                      Principal: "*",
                      Action: ["s3:GetEncryptionConfiguration"],
                      Resource: p.session.archiveBucketArn,
                      Condition: { StringEquals: { "aws:PrincipalArn": p.workloadRoleArn } },
                  },
              ] satisfies Statement[])
            : []),
        p.sealed && {
            Sid: "SealDenyVendor",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: "*",
            Condition: { StringEquals: { "aws:PrincipalArn": vendorSideRoles(p) } },
        },
    ]);
}

/**
 * Interface endpoint policies: each admits only this vendor's resource of that service. Sealed, each also denies the
 * vendor side outright, so no path through the enclave's network stays open while IAM changes propagate.
 */
export function interfaceEndpointPolicy(service: InterfaceEndpointService, p: VendorPolicyBase & { keyArn: string }): PolicyDocument {
    const from = { StringEquals: { "aws:PrincipalArn": vendorSideRoles(p) } };
    const seal = (callers: string[]): Statement | false =>
        p.sealed && {
            Sid: "SealDenyVendor",
            Effect: "Deny",
            Principal: "*",
            Action: `${service}:*`,
            Resource: "*",
            Condition: { StringEquals: { "aws:PrincipalArn": callers } },
        };
    switch (service) {
        case "kms":
            return policy([
                {
                    Sid: "VendorKeyOnly",
                    Effect: "Allow",
                    Principal: "*",
                    Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                    Resource: p.keyArn,
                    Condition: from,
                },
                seal(vendorSideRoles(p)),
            ]);
        case "sts":
            return policy([
                {
                    Sid: "AssumeVendorRoleOnly",
                    Effect: "Allow",
                    Principal: "*",
                    Action: "sts:AssumeRole",
                    Resource: p.vendorRoleArn,
                    Condition: { StringEquals: { "aws:PrincipalArn": [...p.principals, p.workloadRoleArn] } },
                },
                seal([...p.principals, ...vendorSideRoles(p)]),
            ]);
        case "logs":
            return policy([
                {
                    Sid: "WorkloadLogGroupOnly",
                    Effect: "Allow",
                    Principal: "*",
                    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                    Resource: `${p.logGroupArn}:log-stream:*`,
                    Condition: from,
                },
                // The SSM agent checks that the log group is encrypted before it streams a session there.
                p.session && {
                    Sid: "SessionAgentLogGroupCheck",
                    Effect: "Allow",
                    Principal: "*",
                    Action: "logs:DescribeLogGroups",
                    Resource: `arn:aws:logs:${p.region}:${p.accountId}:log-group:*`,
                    Condition: { StringEquals: { "aws:PrincipalArn": p.workloadRoleArn } },
                },
                seal(vendorSideRoles(p)),
            ]);
        // The three Session Manager endpoints carry only the agent's calls from this enclave's instances: the vendor
        // starts its session through the public SSM endpoint, never through these. Sealed, the agent is cut too, so
        // an open session loses its channel at the network side as well.
        case "ssm":
            return policy([
                {
                    Sid: "SessionAgentOnly",
                    Effect: "Allow",
                    Principal: "*",
                    Action: AGENT_SSM_ACTIONS,
                    Resource: instanceArns(p.region, p.accountId),
                    Condition: { StringEquals: { "aws:PrincipalArn": p.workloadRoleArn } },
                },
                seal(vendorSideRoles(p)),
            ]);
        case "ssmmessages":
            return policy([
                {
                    Sid: "SessionAgentOnly",
                    Effect: "Allow",
                    Principal: "*",
                    Action: AGENT_CHANNEL_ACTIONS,
                    Resource: "*",
                    Condition: { StringEquals: { "aws:PrincipalArn": p.workloadRoleArn } },
                },
                seal(vendorSideRoles(p)),
            ]);
        case "ec2messages":
            return policy([
                {
                    Sid: "SessionAgentOnly",
                    Effect: "Allow",
                    Principal: "*",
                    Action: AGENT_MESSAGE_ACTIONS,
                    Resource: "*",
                    Condition: { StringEquals: { "aws:PrincipalArn": p.workloadRoleArn } },
                },
                seal(vendorSideRoles(p)),
            ]);
    }
}
