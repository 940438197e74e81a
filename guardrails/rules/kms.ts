// The vendor key and the archive key: rotation, deletion window, key policy, one key per vendor.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    actionsOf,
    arnOf,
    conditionsOf,
    conditionValues,
    coversAction,
    globMatch,
    is,
    isVendorStack,
    label,
    ofType,
    principalsOf,
    resourcesOf,
    statementsOf,
    T,
    tagsOf,
    type Statement,
} from "./util";

const isSymmetric = (props: Record<string, unknown>) => {
    const spec = (props.customerMasterKeySpec ?? props.keySpec) as string | undefined;
    return spec === undefined || spec === "SYMMETRIC_DEFAULT";
};

export const kmsRotation: ResourceValidationPolicy = {
    name: "kms-key-rotation-enabled",
    description:
        "FSBP KMS.4, CIS 3.6, CKV_AWS_7: symmetric customer keys have enableKeyRotation true. Why: rotation bounds how much data one key version protects.",
    remediationSteps: "Set enableKeyRotation: true on the aws.kms.Key (components/key.ts, components/logArchive.ts).",
    enforcementLevel: "mandatory",
    severity: "medium",
    tags: ["FSBP KMS.4", "CIS 3.6", "CKV_AWS_7"],
    validateResource: (args, report) => {
        if (!is(T.key, args.type) || !isSymmetric(args.props)) return;
        if (args.props.enableKeyRotation !== true) report(`enableKeyRotation is ${JSON.stringify(args.props.enableKeyRotation ?? null)}, not true`);
    },
};

export const kmsDeletionWindow: ResourceValidationPolicy = {
    name: "kms-key-deletion-window-and-enabled",
    description:
        "FSBP KMS.3: deletionWindowInDays is set explicitly to 7-30, and isEnabled is true unless the key is sealed (its policy then carries a " +
        "Deny for the vendor roles). Why: the window is the last chance to cancel a crypto-shred; a disabled key without a seal is an outage " +
        "nobody asked for.",
    remediationSteps: "Set deletionWindowInDays (keyDeletionWindowDays in the spec) and isEnabled: !sealed.",
    enforcementLevel: "mandatory",
    severity: "medium",
    tags: ["FSBP KMS.3"],
    validateResource: (args, report) => {
        if (!is(T.key, args.type)) return;
        const w = args.props.deletionWindowInDays;
        if (typeof w !== "number" || !Number.isInteger(w) || w < 7 || w > 30)
            report(`deletionWindowInDays is ${JSON.stringify(w ?? null)}: set it explicitly to 7-30`);
        if (args.props.isEnabled === false) {
            // The seal Deny names the vendor roles by aws:PrincipalArn (or, in older documents, as Principal).
            const sealed = (statementsOf(args.props.policy) ?? []).some(
                (s) =>
                    s.Effect === "Deny" &&
                    (principalsOf(s.Principal).aws.length > 0 || conditionValues(s, "aws:PrincipalArn").length > 0) &&
                    coversAction(s, "kms:Decrypt"),
            );
            if (!sealed) report("isEnabled is false but the key policy has no seal Deny: a disabled key is only expected while sealed");
        }
    },
};

const ACCOUNT_KEYS = ["kms:CallerAccount", "aws:PrincipalAccount", "aws:SourceAccount", "aws:PrincipalArn", "aws:PrincipalOrgID"];

export const kmsKeyPolicy: ResourceValidationPolicy = {
    name: "kms-key-policy-explicit-and-scoped",
    description:
        "FSBP KMS.5, CKV_AWS_33, CKV2_AWS_64: every key has an explicit key policy; a vendor key names no role or user ARN as Principal; no Allow to Principal * without an account condition; no " +
        "Allow to the account (root) unless an aws:PrincipalArn condition names exact roles; AWS " +
        "service principals only with an encryption-context, aws:SourceAccount or aws:SourceArn condition (invariant 19, docs/invariants.md). Why: the default key " +
        "policy hands the key to every IAM principal of the account; an unconditioned service grant lets any customer's use of that service " +
        "reach this key (confused deputy).",
    remediationSteps: "Pass policy: render(vendorKeyPolicy(...)) and condition service statements on kms:EncryptionContext:* or aws:SourceAccount.",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["FSBP KMS.5", "CKV_AWS_33", "CKV2_AWS_64"],
    validateResource: (args, report) => {
        if (!is(T.key, args.type)) return;
        if (args.props.policy === undefined) return report("policy is not set: the default key policy grants the whole account");
        const statements = statementsOf(args.props.policy);
        if (!statements) return report("policy is not a parsable key policy");
        const vendor = tagsOf(args.props)["enclave:vendor"];
        statements.forEach((s, i) => {
            // The seal rewrites a vendor key's policy, and KMS refuses a policy naming a principal that does not exist
            // (a deleted vendor role, a break-glass role provisioned just in time).
            if (vendor !== undefined && vendor !== "security") {
                for (const a of principalsOf(s.Principal).aws.filter((x) => /:(role|user|assumed-role)\//.test(x))) {
                    report(`policy ${label(s, i)} names ${a} as Principal: name the account and pin the role with an aws:PrincipalArn condition`);
                }
            }
            if (s.Effect !== "Allow") return;
            const p = principalsOf(s.Principal);
            if ((p.any || s.NotPrincipal !== undefined) && !ACCOUNT_KEYS.some((k) => conditionValues(s, k).length > 0))
                report(`policy ${label(s, i)} allows Principal "*" without an account condition`);
            // An account principal hands the key to every IAM policy of the account (the default key policy), unless
            // the statement pins exact principal ARNs.
            const pinned = conditionsOf(s).some(
                (c) =>
                    /^(ArnEquals|StringEquals)$/.test(c.op) &&
                    c.key.toLowerCase() === "aws:principalarn" &&
                    c.values.length > 0 &&
                    c.values.every((v) => !/[*?]/.test(v)),
            );
            for (const a of p.aws.filter((x) => /^(arn:aws[a-z-]*:iam::\d{12}:root|\d{12})$/.test(x))) {
                if (!pinned)
                    report(
                        `policy ${label(s, i)} allows the account ${a} without an aws:PrincipalArn condition naming exact roles: every IAM policy of the account could use the key`,
                    );
            }
            if (p.service.length > 0) {
                const scoped = conditionsOf(s).some((c) => /^kms:EncryptionContext:/i.test(c.key) || /^aws:Source(Account|Arn)$/i.test(c.key));
                if (!scoped)
                    report(`policy ${label(s, i)} allows ${p.service.join(", ")} without an encryption-context or aws:SourceAccount/aws:SourceArn condition`);
            }
        });
    },
};

const KMS_USE = /^kms:(\*|Decrypt|Encrypt|GenerateDataKey.*|ReEncrypt.*)$/i;

/**
 * The one foreign key use a vendor stack may have: GenerateDataKey (encrypt only, it decrypts nothing) through S3 for
 * objects under this vendor's own session-log prefix in the archive (iam/session.ts SessionLogsArchiveKey).
 */
function sessionLogKeyUse(s: Statement, vendor: string): boolean {
    const contexts = conditionValues(s, "kms:EncryptionContext:aws:s3:arn");
    return (
        actionsOf(s).every((a) => a.toLowerCase() === "kms:generatedatakey") &&
        conditionValues(s, "kms:ViaService").length > 0 &&
        conditionValues(s, "kms:ViaService").every((v) => /^s3\.[a-z0-9-]+\.amazonaws\.com$/.test(v)) &&
        contexts.length > 0 &&
        // A workspace's session transcripts, or the airlock's records: each under the vendor's own archive prefix.
        contexts.every((c) => c.endsWith(`/vendors/${vendor}/sessions/*`) || c.endsWith(`/vendors/${vendor}/airlock/*`))
    );
}

export const kmsOneKeyPerVendor: StackValidationPolicy = {
    name: "kms-one-key-per-vendor",
    description:
        "Invariant 18 (design, docs/invariants.md), FSBP KMS.1, FSBP KMS.2: a vendor stack has exactly one KMS key, and its role and boundary policies use only that " +
        "key (by ARN, or key/* pinned with aws:ResourceTag/enclave:vendor to this vendor). Why: a shared or foreign key would survive this " +
        "vendor's seal or let its roles decrypt another vendor's data.",
    remediationSteps: "Keep one EnclaveKey per VendorEnclave and reference key.arn in policies (iam/vendor.ts).",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["FSBP KMS.1", "FSBP KMS.2"],
    validateStack: (args, report) => {
        if (!isVendorStack(args.resources)) return;
        const keys = ofType(args.resources, T.key);
        if (keys.length !== 1) report(`the vendor stack has ${keys.length} KMS keys (expected exactly 1)`, keys[1]?.urn);
        const key = keys[0];
        const keyArn = key && arnOf(key);
        const vendor = key && tagsOf(key.props)["enclave:vendor"];
        for (const pol of ofType(args.resources, [...T.rolePolicy, ...T.managedPolicy])) {
            (statementsOf(pol.props.policy) ?? []).forEach((s, i) => {
                if (s.Effect !== "Allow" || !actionsOf(s).some((a) => KMS_USE.test(a))) return;
                for (const r of resourcesOf(s)) {
                    if (r === keyArn) continue;
                    const pinned =
                        vendor !== undefined &&
                        conditionValues(s, "aws:ResourceTag/enclave:vendor").every((v) => v === vendor) &&
                        conditionValues(s, "aws:ResourceTag/enclave:vendor").length > 0;
                    if (r !== "*" && globMatch(r, keyArn ?? "", false) && pinned) continue;
                    if (vendor !== undefined && sessionLogKeyUse(s, vendor)) continue;
                    report(`policy ${label(s, i)} grants KMS use on ${r}, not this vendor's key ${keyArn ?? "(none)"}`, pol.urn);
                }
            });
        }
    },
};

/** The account a principal ARN or account id names, or undefined for a wildcard account or a service. */
const principalAccount = (value: string): string | undefined => {
    if (/^\d{12}$/.test(value)) return value;
    const account = value.split(":")[4];
    return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
};

export const policyPrincipalAccountsAgree: ResourceValidationPolicy = {
    name: "policy-principal-and-principal-arn-accounts-agree",
    description:
        "In key and bucket policies, a statement that names an account as Principal pins roles (aws:PrincipalArn) and callers " +
        "(kms:CallerAccount) of that same account (invariant 13, invariant 16, docs/invariants.md). Why: a request comes from one principal in " +
        "one account, so a statement whose Principal is one account and whose aws:PrincipalArn names roles of another matches no " +
        "request: the grant it was written for (the operators' key administration, break-glass reads) silently never applies, and " +
        "nobody can seal or administer the key.",
    remediationSteps:
        "Name the operators of the account that holds the key or bucket: in account mode, the member account's deployer and break-glass " +
        "(contract/operators.ts), with the member account as Principal and kms:CallerAccount.",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: ["Invariant-13", "Invariant-16"],
    validateResource: (args, report) => {
        const isKey = is(T.key, args.type);
        if (!isKey && !is(T.bucketPolicy, args.type)) return;
        const statements = statementsOf(args.props.policy) ?? [];
        statements.forEach((s, i) => {
            const principal = principalsOf(s.Principal);
            if (principal.any) return; // "*": the condition alone decides who, there is no account to disagree with
            const accounts = new Set(principal.aws.map(principalAccount).filter((a): a is string => a !== undefined));
            if (accounts.size === 0) return;
            const pinned = [...conditionValues(s, "aws:PrincipalArn"), ...conditionValues(s, "kms:CallerAccount")];
            for (const v of pinned) {
                const account = principalAccount(v);
                if (account !== undefined && !accounts.has(account))
                    report(
                        `${isKey ? "key" : "bucket"} policy ${label(s, i)}: Principal is account ${[...accounts].join(", ")} but its condition names ${v} in account ${account}: no request can match it`,
                    );
            }
        });
    },
};
