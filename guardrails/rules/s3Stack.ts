// Cross-resource S3 rules: each bucket has its companions, encryption and Object Lock sit where they must, and the
// data-bucket policy keeps the perimeter, the key pinning and the deployer's way out.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import {
    bucketArnOf,
    conditionsHold,
    conditionsOf,
    conditionValues,
    coversAction,
    coversResource,
    isDataBucket,
    list,
    ofType,
    operatorConfigSchema,
    operatorsOf,
    principalCovers,
    refersTo,
    sideOf,
    statementsOf,
    T,
    type Operators,
    type Statement,
} from "./util";

const COMPANIONS: { what: string; types: readonly string[] }[] = [
    { what: "BucketPublicAccessBlock", types: T.pab },
    { what: "BucketOwnershipControls", types: T.ownership },
    { what: "BucketVersioning", types: T.versioning },
    { what: "BucketServerSideEncryptionConfiguration", types: T.sse },
    { what: "BucketLifecycleConfiguration", types: T.lifecycle },
    { what: "BucketPolicy", types: T.bucketPolicy },
];

/** Buckets that receive server access logs: AWS requires SSE-S3 and no Object Lock there, and they log nowhere. */
function accessLogTargets(resources: PolicyResource[]): PolicyResource[] {
    const loggings = ofType(resources, T.logging);
    return ofType(resources, T.bucket).filter((b) => loggings.some((l) => refersTo(l, "targetBucket", b)));
}

export const s3BucketCompanions: StackValidationPolicy = {
    name: "s3-bucket-has-baseline-companions",
    description:
        "FSBP S3.8, CIS 2.1.4, FSBP S3.12, FSBP S3.14, FSBP S3.17, FSBP S3.13, FSBP S3.5, FSBP S3.9, CKV_AWS_18: every bucket has exactly one " +
        "public access block, ownership controls, versioning, default encryption, lifecycle and bucket policy, and server access logging " +
        "unless it is itself the access-log target. Why: in AWS provider v7 each of these is a separate resource; a bucket without one is " +
        "silently public-capable, unversioned or unencrypted.",
    remediationSteps: "Create buckets through secureBucket() (components/secureBucket.ts), which registers every companion.",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["FSBP S3.8", "CIS 2.1.4", "FSBP S3.12", "FSBP S3.14", "FSBP S3.17", "FSBP S3.13", "FSBP S3.5", "FSBP S3.9", "CKV_AWS_18"],
    validateStack: (args, report) => {
        const targets = accessLogTargets(args.resources);
        for (const b of ofType(args.resources, T.bucket)) {
            for (const c of COMPANIONS) {
                const n = sideOf(args.resources, b, c.types).length;
                if (n !== 1) report(`bucket ${b.props.bucket ?? b.name} has ${n} ${c.what} resources (expected exactly 1)`, b.urn);
            }
            const logs = sideOf(args.resources, b, T.logging).length;
            if (!targets.includes(b) && logs === 0) report(`bucket ${b.props.bucket ?? b.name} has no BucketLogging (server access logging)`, b.urn);
        }
    },
};

export const s3EncryptionPlacement: StackValidationPolicy = {
    name: "s3-encryption-placement",
    description:
        "FSBP S3.17, CKV_AWS_145, FSBP S3.9: SSE-KMS uses a key of this stack (the vendor's own key; the archive key in the security stack); " +
        "SSE-S3 and no Object Lock only on access-log targets, which AWS requires. Why: a foreign or shared key is not disabled by this " +
        "vendor's seal; an SSE-KMS or Object Lock log target silently receives no access logs.",
    remediationSteps: "Pass this stack's key.arn as kmsMasterKeyId; keep access-log targets SSE-S3 and without Object Lock.",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["FSBP S3.17", "CKV_AWS_145", "FSBP S3.9"],
    validateStack: (args, report) => {
        const keys = ofType(args.resources, T.key);
        const targets = accessLogTargets(args.resources);
        for (const b of ofType(args.resources, T.bucket)) {
            const isTarget = targets.includes(b);
            for (const sse of sideOf(args.resources, b, T.sse)) {
                const rules = list(
                    sse.props.rules as { applyServerSideEncryptionByDefault?: { sseAlgorithm?: string; kmsMasterKeyId?: string } }[] | undefined,
                );
                for (const r of rules) {
                    const d = r.applyServerSideEncryptionByDefault ?? {};
                    if (d.sseAlgorithm === "AES256" && !isTarget)
                        report(`bucket ${b.props.bucket} uses SSE-S3 (AES256) but is not an access-log target: use SSE-KMS with the stack's key`, sse.urn);
                    if (d.sseAlgorithm?.startsWith("aws:kms")) {
                        if (isTarget)
                            report(`bucket ${b.props.bucket} is an access-log target but uses SSE-KMS: S3 server access logging requires SSE-S3`, sse.urn);
                        const own = keys.some((k) => refersTo(sse, "rules", k) || d.kmsMasterKeyId === k.props.arn);
                        if (!own) report(`bucket ${b.props.bucket} is encrypted with ${d.kmsMasterKeyId ?? "(no key)"}, not a KMS key of this stack`, sse.urn);
                    }
                }
            }
            if (isTarget && b.props.objectLockEnabled === true)
                report(`bucket ${b.props.bucket} is an access-log target with Object Lock: AWS cannot deliver access logs there`, b.urn);
        }
    },
};

export const s3ObjectLockPlacement: StackValidationPolicy = {
    name: "s3-object-lock-archive-only",
    description:
        "FSBP S3.15, CKV_AWS_143: the bucket a trail delivers to in this stack (the central log archive) has Object Lock with a default " +
        "retention; vendor data buckets (tag enclave:dataset) never have Object Lock. Why: evidence must be immutable, but a vendor's data " +
        "must stay destroyable on breach day (Object Lock cannot be turned off).",
    remediationSteps: "objectLock: { mode, days } on the archive bucket only (components/logArchive.ts); never on dataset buckets.",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["FSBP S3.15", "CKV_AWS_143"],
    validateStack: (args, report) => {
        const buckets = ofType(args.resources, T.bucket);
        for (const b of buckets) {
            const locks = sideOf(args.resources, b, T.objectLock);
            if (isDataBucket(b) && (b.props.objectLockEnabled === true || locks.length > 0))
                report(`data bucket ${b.props.bucket} has Object Lock: it could never be destroyed`, b.urn);
            if (b.props.objectLockEnabled === true && locks.length === 0)
                report(`bucket ${b.props.bucket} enables Object Lock without a BucketObjectLockConfiguration default retention`, b.urn);
        }
        for (const trail of ofType(args.resources, T.trail)) {
            const archive = buckets.find((b) => refersTo(trail, "s3BucketName", b));
            if (archive && archive.props.objectLockEnabled !== true)
                report(`trail ${trail.props.name} delivers to bucket ${archive.props.bucket}, which has no Object Lock`, archive.urn);
        }
    },
};

const hasNegatedKey = (s: Statement, key: string, value?: string) =>
    conditionsOf(s).some(
        (c) => /^StringNot|^ArnNot/.test(c.op) && c.key.toLowerCase() === key.toLowerCase() && (value === undefined || c.values.includes(value)),
    );

/** Deny statements of `doc` that apply to `principal` doing `action` on `resource` with a plain HTTPS request. */
function denies(statements: Statement[], principal: string, action: string, resource: string): Statement[] {
    const ctx = { "aws:PrincipalArn": principal, "aws:SecureTransport": "true", "aws:PrincipalIsAWSService": "false" };
    return statements.filter(
        (s) => s.Effect === "Deny" && principalCovers(s, principal) && coversAction(s, action) && coversResource(s, resource) && conditionsHold(s, ctx),
    );
}

const LOCKOUT_CHECKS = [
    { action: "s3:PutBucketPolicy", object: false },
    { action: "s3:DeleteBucket", object: false },
    { action: "s3:DeleteObjectVersion", object: true },
];

export const s3DataBucketPolicy: StackValidationPolicy = {
    name: "s3-data-bucket-policy-perimeter",
    description:
        "FSBP S3.17, S3 data perimeter (aws-samples data-perimeter-policy-examples), CKV_AWS_93: each vendor data bucket's policy denies " +
        "PutObject without SSE-KMS or with another key than the bucket's own, denies s3:* outside the vendor's S3 endpoint " +
        "(aws:SourceVpce) while exempting the deployer and break-glass roles by aws:PrincipalArn and AWS services by " +
        "aws:PrincipalIsAWSService, and never denies the deployer PutBucketPolicy, DeleteBucket or DeleteObjectVersion. Why: stolen vendor " +
        "credentials must be useless outside the enclave, and a lock-out makes seal and destroy fail on breach day.",
    remediationSteps: "Build the policy with dataBucketPolicy() (iam/vendor.ts); exempt the deployer in every broad Deny.",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["FSBP S3.17", "CKV_AWS_93", "DataPerimeter-S3-SourceVpce"],
    configSchema: operatorConfigSchema,
    validateStack: (args, report) => {
        const ops: Operators = operatorsOf(args.resources, args.getConfig<Operators>());
        const s3Endpoints = ofType(args.resources, T.endpoint).filter((e) => String(e.props.serviceName ?? "").endsWith(".s3"));
        const endpointIds = s3Endpoints.map((e) => e.props.id as string | undefined).filter((x): x is string => Boolean(x));
        for (const b of ofType(args.resources, T.bucket).filter(isDataBucket)) {
            const arn = bucketArnOf(b);
            const name = b.props.bucket as string;
            const pol = sideOf(args.resources, b, T.bucketPolicy)[0];
            if (!pol) continue; // s3-bucket-has-baseline-companions reports it
            const statements = statementsOf(pol.props.policy);
            if (!statements) {
                report(`policy of ${name} is not a parsable IAM policy document`, pol.urn);
                continue;
            }
            const putDenies = statements.filter((s) => s.Effect === "Deny" && coversAction(s, "s3:PutObject") && coversResource(s, `${arn}/any-object`));
            if (!putDenies.some((s) => hasNegatedKey(s, "s3:x-amz-server-side-encryption", "aws:kms")))
                report(`policy of ${name} does not deny PutObject without SSE-KMS (s3:x-amz-server-side-encryption != aws:kms)`, pol.urn);
            const keyId = (
                sideOf(args.resources, b, T.sse)[0]?.props.rules as { applyServerSideEncryptionByDefault?: { kmsMasterKeyId?: string } }[] | undefined
            )?.[0]?.applyServerSideEncryptionByDefault?.kmsMasterKeyId;
            if (!putDenies.some((s) => hasNegatedKey(s, "s3:x-amz-server-side-encryption-aws-kms-key-id", keyId))) {
                report(`policy of ${name} does not deny PutObject with a KMS key other than ${keyId ?? "the bucket's key"}`, pol.urn);
            }
            const perimeter = statements.filter(
                (s) =>
                    s.Effect === "Deny" &&
                    coversAction(s, "s3:GetObject") &&
                    coversAction(s, "s3:PutObject") &&
                    coversResource(s, `${arn}/any-object`) &&
                    hasNegatedKey(s, "aws:SourceVpce"),
            );
            const p = perimeter.find((s) => conditionValues(s, "aws:SourceVpce").some((v) => endpointIds.length === 0 || endpointIds.includes(v)));
            if (!p)
                report(
                    `policy of ${name} has no Deny of s3:* unless aws:SourceVpce is this stack's S3 endpoint (${endpointIds.join(", ") || "none found"})`,
                    pol.urn,
                );
            else {
                for (const [role, arnValue] of [
                    ["deployer", ops.deployerRoleArn],
                    ["break-glass", ops.breakGlassRoleArn],
                ] as const) {
                    if (arnValue && !hasNegatedKey(p, "aws:PrincipalArn", arnValue))
                        report(`policy of ${name}: the network-perimeter Deny does not exempt the ${role} role ${arnValue} by aws:PrincipalArn`, pol.urn);
                }
                if (!conditionsOf(p).some((c) => c.key.toLowerCase() === "aws:principalisawsservice" && c.values.includes("false"))) {
                    report(`policy of ${name}: the network-perimeter Deny does not exempt AWS services (aws:PrincipalIsAWSService)`, pol.urn);
                }
            }
            if (!ops.deployerRoleArn) {
                report(`cannot tell the deployer role for ${name}: no StackReference output deployerRoleArn and no policy config deployerRoleArn`, pol.urn);
                continue;
            }
            for (const c of LOCKOUT_CHECKS) {
                const hit = denies(statements, ops.deployerRoleArn, c.action, c.object ? `${arn}/any-object` : arn);
                if (hit.length > 0)
                    report(
                        `policy of ${name} denies the deployer ${c.action} (${hit.map((s) => s.Sid ?? "unnamed").join(", ")}): seal and destroy would fail`,
                        pol.urn,
                    );
            }
        }
    },
};
