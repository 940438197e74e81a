import { Address4 } from "ip-address";
import { describe, expect, it } from "vitest";
import { accessLogBucketPolicy, archiveBucketPolicy, archiveKeyPolicy, type ArchivePolicyInputs } from "../iam/archive";
import { parsePolicyDocument, policy, type Condition, type PolicyDocument, type Statement } from "../iam/document";
import {
    boundaryPolicy,
    dataBucketPolicy,
    interfaceEndpointPolicy,
    s3EndpointPolicy,
    sealRolePolicy,
    vendorKeyPolicy,
    vendorRolePolicy,
    vendorTrustPolicy,
    workloadRolePolicy,
    workloadTrustPolicy,
    type VendorPolicyInputs,
} from "../iam/vendor";
import type { AccessLevel } from "../config/schema";
import { BREAK_GLASS_ROLE_ARN, DEPLOYER_ROLE_ARN, LAB_ACCOUNT, SEALED_AT } from "./support/fixtures";

// Unit tests of the pure policy builders, no Pulumi. What they cannot prove: that IAM evaluates these documents the
// way the small Deny evaluator below does (it handles only the operators these builders emit, and no Allow side), or
// that AWS accepts them (size limits, principals that must exist). The mock-runtime tests check the wiring.

const ACCT = LAB_ACCOUNT;
const DEPLOYER = DEPLOYER_ROLE_ARN;
const BREAK_GLASS = BREAK_GLASS_ROLE_ARN;
const VENDOR_ROLE = `arn:aws:iam::${ACCT}:role/enclave-v1-vendor`;
const WORKLOAD_ROLE = `arn:aws:iam::${ACCT}:role/enclave-v1-workload`;
const KEY = `arn:aws:kms:us-east-1:${ACCT}:key/11111111-2222-3333-4444-555555555555`;
const VPCE = "vpce-0123456789abcdef0";
const bucket = (d: string) => `arn:aws:s3:::v1--${d}--${ACCT}`;

function inputs(datasets: [string, AccessLevel][], extra: Partial<VendorPolicyInputs> = {}): VendorPolicyInputs {
    return {
        vendorId: "v1",
        accountId: ACCT,
        region: "us-east-1",
        vendorRoleArn: VENDOR_ROLE,
        workloadRoleArn: WORKLOAD_ROLE,
        deployerRoleArn: DEPLOYER,
        breakGlassRoleArn: BREAK_GLASS,
        logGroupArn: `arn:aws:logs:us-east-1:${ACCT}:log-group:/enclave/v1/workload`,
        datasets: datasets.map(([name, access]) => ({ name, access, bucketArn: bucket(name) })),
        principals: ["arn:aws:iam::444455556666:role/annotators"],
        externalId: "external-id-0123456789",
        dataPath: "endpoint",
        egressCidrs: [],
        sealed: false,
        keyArn: KEY,
        s3EndpointId: VPCE,
        ...extra,
    };
}

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const allows = (doc: PolicyDocument) => doc.Statement.filter((s) => s.Effect === "Allow");
const allowedActions = (doc: PolicyDocument) => allows(doc).flatMap((s) => list(s.Action));
const sids = (doc: PolicyDocument) => doc.Statement.map((s) => s.Sid);
const bySid = (doc: PolicyDocument, sid: string) => doc.Statement.find((s) => s.Sid === sid);

/** Every document built for one vendor, by name. */
function vendorDocuments(p: VendorPolicyInputs): Record<string, PolicyDocument> {
    return {
        vendorRole: vendorRolePolicy(p),
        workloadRole: workloadRolePolicy(p),
        boundary: boundaryPolicy(p),
        trust: vendorTrustPolicy(p),
        workloadTrust: workloadTrustPolicy(p),
        key: vendorKeyPolicy(p),
        s3Endpoint: s3EndpointPolicy(p),
        kmsEndpoint: interfaceEndpointPolicy("kms", p),
        stsEndpoint: interfaceEndpointPolicy("sts", p),
        logsEndpoint: interfaceEndpointPolicy("logs", p),
        ...Object.fromEntries(p.datasets.map((d) => [`bucket:${d.name}`, dataBucketPolicy(p, d.name)])),
    };
}

// A minimal evaluator of Deny statements for the operators these builders use. Enough to show who a bucket policy
// locks out; it is no IAM simulator.
interface Request {
    action: string;
    resource: string;
    context: Record<string, string | undefined>;
}
const glob = (pattern: string, value: string) =>
    new RegExp(
        `^${pattern
            .split("*")
            .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
            .join(".*")}$`,
    ).test(value);
function conditionHolds(condition: Condition | undefined, ctx: Request["context"]): boolean {
    for (const [op, entries] of Object.entries(condition ?? {})) {
        for (const [key, raw] of Object.entries(entries)) {
            const wanted = list(raw as string | string[]).map(String);
            const actual = ctx[key];
            if (op === "Null") {
                if ((actual === undefined) !== (wanted[0] === "true")) return false;
                continue;
            }
            const ifExists = op.endsWith("IfExists");
            const base = op.replace(/IfExists$/, "");
            if (actual === undefined) {
                if (ifExists) continue;
                // A missing key satisfies only the negated operators.
                if (!base.startsWith("StringNot") && base !== "NotIpAddress") return false;
                continue;
            }
            const ok = {
                StringEquals: () => wanted.includes(actual),
                StringNotEquals: () => !wanted.includes(actual),
                StringLike: () => wanted.some((w) => glob(w, actual)),
                ArnEquals: () => wanted.includes(actual),
                ArnLike: () => wanted.some((w) => glob(w, actual)),
                Bool: () => wanted.includes(actual),
                NotIpAddress: () => !wanted.some((c) => new Address4(actual).isInSubnet(new Address4(c))),
                DateLessThan: () => Date.parse(actual) < Date.parse(wanted[0]),
            }[base];
            if (!ok) throw new Error(`the test evaluator does not know ${op}`);
            if (!ok()) return false;
        }
    }
    return true;
}
function deniedBy(doc: PolicyDocument, req: Request): string[] {
    return doc.Statement.filter(
        (s) =>
            s.Effect === "Deny" &&
            (s.NotAction !== undefined ? !list(s.NotAction).some((a) => glob(a, req.action)) : list(s.Action).some((a) => glob(a, req.action))) &&
            list(s.Resource ?? "*").some((r) => glob(r, req.resource)) &&
            conditionHolds(s.Condition, req.context),
    ).map((s) => s.Sid);
}
const ctx = (principal: string, extra: Record<string, string> = {}) => ({
    "aws:PrincipalArn": principal,
    "aws:SecureTransport": "true",
    "aws:PrincipalIsAWSService": "false",
    ...extra,
});

describe("dataset grants by intent (AwsSolutions-IAM5, design 18)", () => {
    it("read-only datasets produce no s3:PutObject Allow and no kms:GenerateDataKey in any document", () => {
        const docs = vendorDocuments(
            inputs([
                ["a", "read"],
                ["b", "read"],
            ]),
        );
        for (const [name, doc] of Object.entries(docs)) {
            expect(allowedActions(doc), name).not.toContain("s3:PutObject");
        }
        // Reading needs no data-key generation: only Decrypt, in every vendor-side key grant.
        for (const name of ["vendorRole", "workloadRole", "boundary", "key"])
            expect(bySid(docs[name], "UseVendorKeyViaS3")!.Action, name).toEqual(["kms:Decrypt"]);
        expect(bySid(docs.vendorRole, "UseVendorKeyViaS3")!.Action).toEqual(["kms:Decrypt"]);
        expect(bySid(docs.key, "UseVendorKeyViaS3")!.Action).toEqual(["kms:Decrypt"]);
        expect(bySid(docs.boundary, "PutWritableObjects")).toBeUndefined();
        expect(bySid(docs.vendorRole, "GetReadableObjects")!.Resource).toEqual([`${bucket("a")}/*`, `${bucket("b")}/*`]);
        expect(bySid(docs.vendorRole, "ListReadableDatasets")!.Resource).toEqual([bucket("a"), bucket("b")]);
    });

    it("write-only datasets produce no s3:GetObject or s3:ListBucket Allow anywhere", () => {
        const docs = vendorDocuments(inputs([["drop", "write"]]));
        for (const [name, doc] of Object.entries(docs)) {
            expect(allowedActions(doc), name).not.toContain("s3:GetObject");
            expect(allowedActions(doc), name).not.toContain("s3:ListBucket");
        }
        expect(bySid(docs.vendorRole, "PutWritableObjects")).toEqual({
            Sid: "PutWritableObjects",
            Effect: "Allow",
            Action: ["s3:PutObject"],
            Resource: [`${bucket("drop")}/*`],
            Condition: { StringEquals: { "s3:ResourceAccount": ACCT } },
        });
        // Decrypt stays: completing a multipart upload to an SSE-KMS bucket needs it.
        expect(bySid(docs.vendorRole, "UseVendorKeyViaS3")!.Action).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
    });

    it("mixed levels: each bucket appears only under the grants its level allows", () => {
        const p = inputs([
            ["r", "read"],
            ["w", "write"],
            ["rw", "read-write"],
        ]);
        const doc = vendorRolePolicy(p);
        expect(bySid(doc, "ListReadableDatasets")!.Resource).toEqual([bucket("r"), bucket("rw")]);
        expect(bySid(doc, "GetReadableObjects")!.Resource).toEqual([`${bucket("r")}/*`, `${bucket("rw")}/*`]);
        expect(bySid(doc, "PutWritableObjects")!.Resource).toEqual([`${bucket("w")}/*`, `${bucket("rw")}/*`]);
        // The endpoint policy and the boundary grant exactly the same dataset actions and resources.
        for (const other of [s3EndpointPolicy(p), boundaryPolicy(p)]) {
            for (const sid of ["ListReadableDatasets", "GetReadableObjects", "PutWritableObjects"]) {
                expect(bySid(other, sid)!.Action).toEqual(bySid(doc, sid)!.Action);
                expect(bySid(other, sid)!.Resource).toEqual(bySid(doc, sid)!.Resource);
            }
        }
    });

    it("the bucket policy alone holds the vendor roles to the dataset's access level: an allow-list, not a list of bad actions", () => {
        // What the bucket layer must refuse even if an identity policy were widened.
        const NEVER = [
            "s3:DeleteObject",
            "s3:DeleteObjectVersion",
            "s3:DeleteBucket",
            "s3:PutBucketPolicy",
            "s3:PutBucketVersioning",
            "s3:PutEncryptionConfiguration",
            "s3:PutBucketObjectLockConfiguration",
            "s3:PutObjectRetention",
            "s3:PutObjectLegalHold",
            "s3:PutReplicationConfiguration",
            "s3:PutInventoryConfiguration",
            "s3:PutBucketNotification",
            "s3:PutBucketTagging",
            "s3:PutObjectTagging",
            "s3:PutObjectAcl",
            "s3:GetObjectVersion",
            "s3:RestoreObject",
        ];
        const p = inputs([
            ["r", "read"],
            ["w", "write"],
            ["rw", "read-write"],
        ]);
        const levels: [string, string[], string[]][] = [
            ["r", ["s3:ListBucket", "s3:GetObject"], ["s3:PutObject"]],
            ["w", ["s3:PutObject"], ["s3:GetObject", "s3:ListBucket"]],
            ["rw", ["s3:ListBucket", "s3:GetObject", "s3:PutObject"], []],
        ];
        for (const [name, allowed, refused] of levels) {
            const doc = dataBucketPolicy(p, name);
            expect(bySid(doc, "DenyVendorBeyondDatasetAccess")).toEqual({
                Sid: "DenyVendorBeyondDatasetAccess",
                Effect: "Deny",
                Principal: "*",
                NotAction: allowed,
                Resource: [bucket(name), `${bucket(name)}/*`],
                Condition: { StringEquals: { "aws:PrincipalArn": [VENDOR_ROLE, WORKLOAD_ROLE] } },
            });
            for (const role of [VENDOR_ROLE, WORKLOAD_ROLE]) {
                const inside = ctx(role, { "aws:SourceVpce": VPCE });
                for (const action of [...NEVER, ...refused]) {
                    const resource = action.includes("Object") ? `${bucket(name)}/k` : bucket(name);
                    expect(deniedBy(doc, { action, resource, context: inside }), `${name} ${role} ${action}`).toContain("DenyVendorBeyondDatasetAccess");
                }
                for (const action of allowed) {
                    const resource = action === "s3:ListBucket" ? bucket(name) : `${bucket(name)}/k`;
                    expect(deniedBy(doc, { action, resource, context: inside }), `${name} ${role} ${action}`).toEqual([]);
                }
            }
        }
        // And no identity-side document grants any of them.
        for (const doc of Object.values(vendorDocuments(p))) for (const a of allowedActions(doc)) expect(NEVER).not.toContain(a);
    });
});

describe("IAM hygiene of identity documents (FSBP IAM.1/IAM.21, KMS.1/KMS.2, CKV_AWS_62/63/355)", () => {
    it("no Allow with '*' or service:* actions, no Resource '*', no iam:PassRole, in role policies and the boundary", () => {
        for (const sealed of [false, true]) {
            const p = inputs(
                [
                    ["r", "read"],
                    ["rw", "read-write"],
                ],
                { sealed, sealedAt: sealed ? SEALED_AT : undefined, dataPath: "allow-list", egressCidrs: ["203.0.113.0/24"] },
            );
            for (const doc of [vendorRolePolicy(p), workloadRolePolicy(p), boundaryPolicy(p)]) {
                for (const s of allows(doc)) {
                    for (const a of list(s.Action)) {
                        expect(a).not.toBe("*");
                        expect(a).not.toMatch(/:\*$/);
                        expect(a).not.toMatch(/^iam:/);
                    }
                    expect(list(s.Resource)).not.toContain("*");
                    expect(s.Principal).toBeUndefined();
                }
            }
        }
    });

    it("the boundary limits key use to this vendor's tagged keys via S3 in this account", () => {
        expect(bySid(boundaryPolicy(inputs([["r", "read"]])), "UseVendorKeyViaS3")).toEqual({
            Sid: "UseVendorKeyViaS3",
            Effect: "Allow",
            Action: ["kms:Decrypt"],
            Resource: `arn:aws:kms:us-east-1:${ACCT}:key/*`,
            Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": ACCT, "aws:ResourceTag/enclave:vendor": "v1" } },
        });
    });

    it("policy() refuses two statements with one Sid", () => {
        const s: Statement = { Sid: "Same", Effect: "Allow", Action: "s3:GetObject", Resource: bucket("a") };
        expect(() => policy([s, { ...s }])).toThrow("duplicate statement Sid Same");
    });
});

describe("trust policies (rule 27)", () => {
    it("the vendor trust names exactly the vendor principals by aws:PrincipalArn under their accounts, with sts:ExternalId, never '*'", () => {
        // The principals as a condition (a string compare AWS does not validate), the accounts as Principal: a
        // principal the vendor deletes cannot make a later write of this document fail.
        const principals = ["arn:aws:iam::444455556666:role/a", "arn:aws:iam::444455556666:user/b", "arn:aws:iam::777788889999:role/c"];
        const p = inputs([["r", "read"]], { principals });
        expect(vendorTrustPolicy(p)).toEqual({
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "AllowVendorPrincipalsWithExternalId",
                    Effect: "Allow",
                    Principal: { AWS: ["arn:aws:iam::444455556666:root", "arn:aws:iam::777788889999:root"] },
                    Action: "sts:AssumeRole",
                    Condition: { StringEquals: { "sts:ExternalId": "external-id-0123456789" }, ArnEquals: { "aws:PrincipalArn": principals } },
                },
            ],
        });
    });

    it("the workload trust admits EC2 only from this account", () => {
        expect(workloadTrustPolicy(inputs([["r", "read"]])).Statement).toEqual([
            { Sid: "AllowEc2InThisAccount", Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
        ]);
    });
});

describe("network perimeter (rule 12)", () => {
    it("endpoint mode: the role and bucket perimeter name only the enclave's S3 endpoint", () => {
        const p = inputs([["r", "read"]]);
        expect(bySid(vendorRolePolicy(p), "DenyDataOutsideNetworkPerimeter")!.Condition).toEqual({ StringNotEquals: { "aws:SourceVpce": VPCE } });
        expect(bySid(dataBucketPolicy(p, "r"), "DenyOutsideNetworkPerimeter")).toEqual({
            Sid: "DenyOutsideNetworkPerimeter",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucket("r"), `${bucket("r")}/*`],
            Condition: {
                StringNotEqualsIfExists: { "aws:PrincipalArn": [DEPLOYER, BREAK_GLASS] },
                BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
                StringNotEquals: { "aws:SourceVpce": VPCE },
            },
        });
    });

    it("allow-list mode: endpoint OR egress ranges, in one Deny with both negated keys; the workload role stays endpoint-only", () => {
        const p = inputs(
            [
                ["r", "read"],
                ["w", "write"],
            ],
            { dataPath: "allow-list", egressCidrs: ["203.0.113.0/24", "198.51.100.0/24"] },
        );
        expect(bySid(vendorRolePolicy(p), "DenyDataOutsideNetworkPerimeter")).toEqual({
            Sid: "DenyDataOutsideNetworkPerimeter",
            Effect: "Deny",
            Action: ["s3:ListBucket", "s3:GetObject", "s3:PutObject"],
            Resource: [bucket("r"), bucket("w"), `${bucket("r")}/*`, `${bucket("w")}/*`],
            Condition: { StringNotEquals: { "aws:SourceVpce": VPCE }, NotIpAddress: { "aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24"] } },
        });
        expect(bySid(workloadRolePolicy(p), "DenyDataOutsideNetworkPerimeter")!.Condition).toEqual({ StringNotEquals: { "aws:SourceVpce": VPCE } });
        expect(bySid(dataBucketPolicy(p, "r"), "DenyOutsideNetworkPerimeter")!.Condition).toEqual({
            StringNotEqualsIfExists: { "aws:PrincipalArn": [DEPLOYER, BREAK_GLASS] },
            BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
            StringNotEquals: { "aws:SourceVpce": VPCE },
            NotIpAddress: { "aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24"] },
        });
    });

    it("who the bucket policy denies: vendor outside the perimeter yes; vendor via endpoint or egress IP, deployer, break-glass no", () => {
        const p = inputs([["r", "read"]], { dataPath: "allow-list", egressCidrs: ["203.0.113.0/24"] });
        const doc = dataBucketPolicy(p, "r");
        const get = (context: Request["context"]) => deniedBy(doc, { action: "s3:GetObject", resource: `${bucket("r")}/x`, context });
        expect(get(ctx(VENDOR_ROLE, { "aws:SourceIp": "192.0.2.10" }))).toEqual(["DenyOutsideNetworkPerimeter"]);
        expect(get(ctx(VENDOR_ROLE, { "aws:SourceVpce": VPCE }))).toEqual([]);
        expect(get(ctx(VENDOR_ROLE, { "aws:SourceIp": "203.0.113.9" }))).toEqual([]);
        expect(get(ctx(VENDOR_ROLE, { "aws:SourceVpce": "vpce-other" }))).toEqual(["DenyOutsideNetworkPerimeter"]);
        expect(get(ctx(`arn:aws:iam::${ACCT}:role/someone-else`, { "aws:SourceVpce": VPCE }))).toEqual(["DenyUnlistedPrincipals"]);
        expect(get(ctx(VENDOR_ROLE, { "aws:SourceVpce": VPCE, "aws:SecureTransport": "false" }))).toEqual(["DenyInsecureTransport"]);
    });

    it("CKV_AWS_93: the deployer and break-glass keep PutBucketPolicy, DeleteBucket and DeleteObjectVersion from anywhere, sealed or not", () => {
        for (const sealed of [false, true]) {
            const p = inputs([["r", "read"]], { sealed, sealedAt: sealed ? SEALED_AT : undefined });
            const doc = dataBucketPolicy(p, "r");
            for (const who of [DEPLOYER, BREAK_GLASS]) {
                for (const [action, resource] of [
                    ["s3:PutBucketPolicy", bucket("r")],
                    ["s3:DeleteBucket", bucket("r")],
                    ["s3:DeleteObjectVersion", `${bucket("r")}/k`],
                ]) {
                    expect(deniedBy(doc, { action, resource, context: ctx(who, { "aws:SourceIp": "192.0.2.10" }) }), `${who} ${action}`).toEqual([]);
                }
            }
            // The vendor role is denied the same actions even inside the perimeter.
            expect(
                deniedBy(doc, { action: "s3:DeleteObjectVersion", resource: `${bucket("r")}/k`, context: ctx(VENDOR_ROLE, { "aws:SourceVpce": VPCE }) }),
            ).toContain("DenyVendorBeyondDatasetAccess");
        }
    });
});

describe("bucket encryption (rule 6, FSBP S3.17)", () => {
    it("PutObject naming another key or another algorithm is denied; the vendor key is not", () => {
        const doc = dataBucketPolicy(inputs([["w", "write"]]), "w");
        const put = (extra: Record<string, string>) =>
            deniedBy(doc, { action: "s3:PutObject", resource: `${bucket("w")}/k`, context: ctx(VENDOR_ROLE, { "aws:SourceVpce": VPCE, ...extra }) });
        expect(put({ "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY })).toEqual([]);
        expect(put({ "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY.replace(/5+$/, "6") })).toEqual([
            "DenyOtherKmsKeys",
        ]);
        expect(put({ "s3:x-amz-server-side-encryption": "AES256" })).toEqual(["DenyEncryptionOtherThanKms"]);
        // aws:kms with no key id would use the AWS managed key aws/s3 (outside crypto-shredding and the seal).
        expect(put({ "s3:x-amz-server-side-encryption": "aws:kms" })).toEqual(["DenyKmsWithoutThisKey"]);
        expect(put({ "s3:x-amz-server-side-encryption-customer-algorithm": "AES256" })).toEqual(["DenyCustomerProvidedKeys"]);
    });

    it("a put with no encryption headers (bucket default, every multipart UploadPart) is not denied", () => {
        // IAM evaluates an *IfExists operator as true when the key is absent: such a Deny would refuse every upload
        // that relies on the bucket default key. The Null guard restricts the checks to requests that name a value.
        const doc = dataBucketPolicy(inputs([["w", "write"]]), "w");
        expect(deniedBy(doc, { action: "s3:PutObject", resource: `${bucket("w")}/k`, context: ctx(VENDOR_ROLE, { "aws:SourceVpce": VPCE }) })).toEqual([]);
        for (const sid of ["DenyEncryptionOtherThanKms", "DenyOtherKmsKeys"]) {
            expect(JSON.stringify(bySid(doc, sid)!.Condition), sid).not.toContain("IfExists");
        }
    });
});

describe("seal (rule 34) and unseal (rule 35)", () => {
    const open = inputs([
        ["r", "read"],
        ["w", "write"],
    ]);
    const sealed = { ...open, sealed: true, sealedAt: SEALED_AT };

    it("unsealed documents hold no seal statement", () => {
        for (const [name, doc] of Object.entries(vendorDocuments(open))) {
            expect(
                sids(doc).filter((s) => s.startsWith("Seal")),
                name,
            ).toEqual([]);
        }
    });

    it("sealed adds exactly the seal statements, and every other statement is unchanged", () => {
        const before = vendorDocuments(open);
        const after = vendorDocuments(sealed);
        const added: Record<string, string[]> = {};
        for (const name of Object.keys(before)) {
            const kept = after[name].Statement.filter((s) => !s.Sid.startsWith("Seal"));
            expect(kept, name).toEqual(before[name].Statement);
            added[name] = sids(after[name]).filter((s) => s.startsWith("Seal"));
        }
        // The roles' deny-all is not in their access policies: it is the seal policy of its own (sealRolePolicy).
        expect(added).toEqual({
            vendorRole: [],
            workloadRole: [],
            boundary: [],
            trust: ["SealDenyAssumeRole"],
            workloadTrust: ["SealDenyAssumeRole"],
            key: ["SealDenyVendor"],
            s3Endpoint: ["SealDenyVendor"],
            kmsEndpoint: ["SealDenyVendor"],
            stsEndpoint: ["SealDenyVendor"],
            logsEndpoint: ["SealDenyVendor"],
            "bucket:r": ["SealDenyVendor"],
            "bucket:w": ["SealDenyVendor"],
        });
    });

    it("the seal statements are exact: deny all, revoke sessions issued before sealedAt, deny AssumeRole, deny the vendor roles", () => {
        const role = sealRolePolicy(SEALED_AT);
        expect(sids(role)).toEqual(["SealDenyAll", "SealRevokeOlderSessions"]);
        expect(bySid(role, "SealDenyAll")).toEqual({ Sid: "SealDenyAll", Effect: "Deny", Action: "*", Resource: "*" });
        expect(bySid(role, "SealRevokeOlderSessions")).toEqual({
            Sid: "SealRevokeOlderSessions",
            Effect: "Deny",
            Action: "*",
            Resource: "*",
            Condition: { DateLessThan: { "aws:TokenIssueTime": SEALED_AT } },
        });
        expect(bySid(vendorTrustPolicy(sealed), "SealDenyAssumeRole")).toEqual({
            Sid: "SealDenyAssumeRole",
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
        });
        const vendorSide = { StringEquals: { "aws:PrincipalArn": [VENDOR_ROLE, WORKLOAD_ROLE] } };
        expect(bySid(dataBucketPolicy(sealed, "r"), "SealDenyVendor")).toEqual({
            Sid: "SealDenyVendor",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucket("r"), `${bucket("r")}/*`],
            Condition: vendorSide,
        });
        expect(bySid(s3EndpointPolicy(sealed), "SealDenyVendor")).toEqual({
            Sid: "SealDenyVendor",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: "*",
            Condition: vendorSide,
        });
        expect(bySid(vendorKeyPolicy(sealed), "SealDenyVendor")).toEqual({
            Sid: "SealDenyVendor",
            Effect: "Deny",
            Principal: "*",
            Action: "kms:*",
            Resource: "*",
            Condition: vendorSide,
        });
        expect(bySid(interfaceEndpointPolicy("kms", sealed), "SealDenyVendor")).toEqual({
            Sid: "SealDenyVendor",
            Effect: "Deny",
            Principal: "*",
            Action: "kms:*",
            Resource: "*",
            Condition: vendorSide,
        });
        expect(bySid(interfaceEndpointPolicy("sts", sealed), "SealDenyVendor")).toEqual({
            Sid: "SealDenyVendor",
            Effect: "Deny",
            Principal: "*",
            Action: "sts:*",
            Resource: "*",
            Condition: { StringEquals: { "aws:PrincipalArn": [...sealed.principals, VENDOR_ROLE, WORKLOAD_ROLE] } },
        });
        // A session issued before the seal is denied; the evaluator agrees with the condition's intent.
        const req = { action: "s3:GetObject", resource: `${bucket("r")}/k` };
        expect(deniedBy(role, { ...req, context: { "aws:TokenIssueTime": "2026-11-23T11:59:59Z", "aws:SourceVpce": VPCE } })).toEqual([
            "SealDenyAll",
            "SealRevokeOlderSessions",
        ]);
    });
});

describe("key policy (rules 16, 18, 19)", () => {
    it("no Allow to '*'; vendor use only via S3; the logs service only with its encryption context; the account only for exact roles by ARN, no role as Principal", () => {
        for (const sealed of [false, true]) {
            const doc = vendorKeyPolicy(inputs([["rw", "read-write"]], sealed ? { sealed: true, sealedAt: "2026-11-23T12:00:00Z" } : {}));
            // KMS refuses a key policy naming a principal that does not exist: no role ARN is a Principal anywhere.
            for (const s of doc.Statement)
                for (const a of list((s.Principal as { AWS?: string | string[] } | undefined)?.AWS)) expect(a, s.Sid).not.toMatch(/:role\//);
            const byArn: Record<string, unknown> = {};
            for (const s of allows(doc)) {
                expect(s.Principal).not.toBe("*");
                // The account appears only pinned to exact role ARNs: no "enable IAM policies" grant.
                if (list((s.Principal as { AWS?: string | string[] }).AWS).includes(`arn:aws:iam::${ACCT}:root`)) byArn[s.Sid] = s.Condition?.ArnEquals;
            }
            expect(byArn).toEqual({
                KeyAdministrationByRoleArn: { "aws:PrincipalArn": [DEPLOYER, BREAK_GLASS] },
                BreakGlassReadViaS3: { "aws:PrincipalArn": [BREAK_GLASS] },
                UseVendorKeyViaS3: { "aws:PrincipalArn": [VENDOR_ROLE, WORKLOAD_ROLE] },
                DeployerPlantsTripwires: { "aws:PrincipalArn": [DEPLOYER] },
            });
        }
        const doc = vendorKeyPolicy(inputs([["rw", "read-write"]]));
        expect(bySid(doc, "KeyAdministration")).toBeUndefined();
        expect(bySid(doc, "UseVendorKeyViaS3")!.Condition).toEqual({
            StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": ACCT },
            ArnEquals: { "aws:PrincipalArn": [VENDOR_ROLE, WORKLOAD_ROLE] },
        });
        expect(bySid(doc, "CloudWatchLogsForWorkloadLogGroup")!.Condition).toEqual({
            ArnEquals: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:us-east-1:${ACCT}:log-group:/enclave/v1/workload` },
        });
        const admin = bySid(doc, "KeyAdministrationByRoleArn")!;
        expect(admin.Principal).toEqual({ AWS: `arn:aws:iam::${ACCT}:root` });
        for (const a of ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:*"]) expect(list(admin.Action)).not.toContain(a);
    });

    it("break-glass may decrypt only through S3 of this account: the exact BreakGlassReadViaS3 statement", () => {
        for (const sealed of [false, true]) {
            const doc = vendorKeyPolicy(inputs([["rw", "read-write"]], sealed ? { sealed: true, sealedAt: SEALED_AT } : {}));
            expect(bySid(doc, "BreakGlassReadViaS3")).toEqual({
                Sid: "BreakGlassReadViaS3",
                Effect: "Allow",
                Principal: { AWS: [`arn:aws:iam::${ACCT}:root`] },
                Action: ["kms:Decrypt"],
                Resource: "*",
                Condition: {
                    StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": ACCT },
                    ArnEquals: { "aws:PrincipalArn": [BREAK_GLASS] },
                },
            });
        }
    });
});

describe("interface endpoint policies (rule 26)", () => {
    const p = inputs([["r", "read"]]);
    it("kms: this vendor's key only; sts: this vendor's role only; logs: this vendor's log group only", () => {
        expect(interfaceEndpointPolicy("kms", p).Statement).toEqual([
            {
                Sid: "VendorKeyOnly",
                Effect: "Allow",
                Principal: "*",
                Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                Resource: KEY,
                Condition: { StringEquals: { "aws:PrincipalArn": [VENDOR_ROLE, WORKLOAD_ROLE] } },
            },
        ]);
        expect(interfaceEndpointPolicy("sts", p).Statement).toEqual([
            {
                Sid: "AssumeVendorRoleOnly",
                Effect: "Allow",
                Principal: "*",
                Action: "sts:AssumeRole",
                Resource: VENDOR_ROLE,
                Condition: { StringEquals: { "aws:PrincipalArn": [...p.principals, WORKLOAD_ROLE] } },
            },
        ]);
        expect(interfaceEndpointPolicy("logs", p).Statement[0].Resource).toBe(`${p.logGroupArn}:log-stream:*`);
    });
});

describe("archive documents (rules 2, 3, 5, 19)", () => {
    const a: ArchivePolicyInputs = {
        accountId: ACCT,
        region: "us-east-1",
        archiveBucketArn: "arn:aws:s3:::archive",
        accessLogBucketArn: "arn:aws:s3:::access-logs",
        logGroupArn: `arn:aws:logs:us-east-1:${ACCT}:log-group:/enclave/security/account-trail`,
        deployerRoleArn: DEPLOYER,
        breakGlassRoleArn: BREAK_GLASS,
        archiveAdminRoleArn: `arn:aws:iam::${ACCT}:role/enclave-archive-admin`,
        accountTrailName: "enclave-account-trail",
        vendors: [],
    };
    it("every Allow goes to a service principal pinned to this account; TLS is required; only the archive admin and break-glass may ask to delete", () => {
        for (const doc of [archiveBucketPolicy(a), accessLogBucketPolicy(a)]) {
            for (const s of allows(doc)) {
                expect(Object.keys(s.Principal as object)).toEqual(["Service"]);
                expect(s.Condition?.StringEquals?.["aws:SourceAccount"]).toBe(ACCT);
            }
            expect(bySid(doc, "DenyInsecureTransport")!.Condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
            expect(bySid(doc, "DenyLogDeletion")!.Condition).toEqual({ StringNotEqualsIfExists: { "aws:PrincipalArn": [a.archiveAdminRoleArn, BREAK_GLASS] } });
            expect(
                deniedBy(doc, { action: "s3:DeleteObjectVersion", resource: "arn:aws:s3:::archive/x", context: ctx(DEPLOYER) }).length +
                    deniedBy(doc, { action: "s3:DeleteObjectVersion", resource: "arn:aws:s3:::access-logs/x", context: ctx(DEPLOYER) }).length,
            ).toBe(1);
        }
        for (const s of allows(archiveKeyPolicy(a))) {
            if (!(s.Principal as { Service?: string }).Service) continue;
            const c = JSON.stringify(s.Condition ?? {});
            expect(c).toMatch(/aws:SourceAccount|aws:SourceArn|kms:EncryptionContext/);
        }
    });

    it("DenyLogDeletion is exact on both buckets: deletes, governance bypass, retention and legal-hold changes and bucket deletion, except the two administrators", () => {
        for (const [doc, arn] of [
            [archiveBucketPolicy(a), a.archiveBucketArn],
            [accessLogBucketPolicy(a), a.accessLogBucketArn],
        ] as const) {
            expect(bySid(doc, "DenyLogDeletion")).toEqual({
                Sid: "DenyLogDeletion",
                Effect: "Deny",
                Principal: "*",
                Action: [
                    "s3:DeleteObject",
                    "s3:DeleteObjectVersion",
                    "s3:BypassGovernanceRetention",
                    "s3:PutObjectRetention",
                    "s3:PutObjectLegalHold",
                    "s3:DeleteBucket",
                ],
                Resource: [arn, `${arn}/*`],
                Condition: { StringNotEqualsIfExists: { "aws:PrincipalArn": [a.archiveAdminRoleArn, BREAK_GLASS] } },
            });
            // A governance-mode bypass by the deployer is refused by this statement alone.
            expect(deniedBy(doc, { action: "s3:BypassGovernanceRetention", resource: `${arn}/x`, context: ctx(DEPLOYER) })).toEqual(["DenyLogDeletion"]);
            expect(deniedBy(doc, { action: "s3:BypassGovernanceRetention", resource: `${arn}/x`, context: ctx(BREAK_GLASS) })).toEqual([]);
        }
    });

    it("the deployer may write evidence only: data keys via S3 for evidence objects, puts only under evidence/", () => {
        expect(bySid(archiveKeyPolicy(a), "DeployerEncryptsEvidenceViaS3")).toEqual({
            Sid: "DeployerEncryptsEvidenceViaS3",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCT}:root` },
            Action: ["kms:GenerateDataKey"],
            Resource: "*",
            Condition: {
                StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": ACCT },
                ArnEquals: { "aws:PrincipalArn": [DEPLOYER] },
                StringLike: { "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::archive/evidence/*" },
            },
        });
        expect(bySid(archiveBucketPolicy(a), "DeployerWritesEvidenceOnly")).toEqual({
            Sid: "DeployerWritesEvidenceOnly",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            NotResource: "arn:aws:s3:::archive/evidence/*",
            Condition: { StringEquals: { "aws:PrincipalArn": DEPLOYER } },
        });
        // Nobody else may decrypt with or generate keys from the archive key through an AWS principal but break-glass.
        const humans = allows(archiveKeyPolicy(a)).filter((s) => (s.Principal as { AWS?: string | string[] }).AWS);
        expect(humans.map((s) => s.Sid)).toEqual(["KeyAdministrationByRoleArn", "InvestigatorsReadLogs", "DeployerEncryptsEvidenceViaS3"]);
    });
});

describe("parsePolicyDocument (plans, API answers)", () => {
    it("normalises a single statement to a list and refuses what is not a policy document", () => {
        const one = { Sid: "A", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" };
        expect(parsePolicyDocument(JSON.stringify({ Version: "2012-10-17", Statement: one }))).toEqual({ Version: "2012-10-17", Statement: [one] });
        expect(parsePolicyDocument({ Statement: [one] })).toEqual({ Statement: [one] });
        for (const notAPolicy of [undefined, null, "", "[secret]", "{not json", "{}", JSON.stringify({ Version: "2012-10-17" }), 42]) {
            expect(parsePolicyDocument(notAPolicy), String(notAPolicy)).toBeUndefined();
        }
    });
});
