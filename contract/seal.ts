// The seal catalogue: the one definition of what sealing a vendor changes. The runbook's preview guard, verify-seal and
// verify-unseal, the CrossGuard pack's seal-completeness rule, the tests and the RUNBOOK's lists are all derived from
// it. A resource the seal touches that is missing here turns test/seal-catalogue.test.ts red.
// Dependency-free on purpose (contract/tokens.ts only): the CrossGuard pack imports it too.
import { T } from "./tokens";

/** Each kind of resource the seal touches. */
export type SealKind = "sealPolicy" | "trustPolicy" | "key" | "bucketPolicy" | "endpointPolicy" | "dnsAllowRule";

/** The AwsReads methods (runbook/types.ts) verify-seal and verify-unseal use; runbook/verify.ts holds this to the interface. */
export type SealRead = "rolePolicies" | "keyState" | "keyPolicy" | "bucketPolicy" | "endpointPolicy" | "interfaceEndpoints" | "dnsFirewallRuleGroups";

/** Physical name of the inline policy that carries the roles' deny-all while sealed (iam/names.ts uses it). */
export const SEAL_POLICY_NAME = "enclave-seal";

export interface SealEntry {
    kind: SealKind;
    /** Pulumi type tokens of the resources of this kind. */
    types: readonly string[];
    /** What it is, for people (RUNBOOK.md). */
    what: string;
    /**
     * "in-place": the resource always exists; the seal changes `fields` and nothing else. "sealed-only": the resource
     * exists only while sealed; the seal creates it and the unseal deletes it (resourceNames says which ones).
     */
    lifecycle: "in-place" | "sealed-only";
    /** The inputs a seal or unseal may change in place (the preview guard refuses any other). */
    fields: readonly string[];
    /** For sealed-only kinds: the Pulumi resource names (URN names) the seal may create and the unseal delete. */
    resourceNames?: (vendorId: string) => string[];
    /** Statements (Sids) the seal adds to the policy documents of this kind; verify compares them by content. */
    statements: readonly string[];
    /** Inputs the seal sets to a fixed value, with their unsealed value. */
    states: Readonly<Record<string, { sealed: unknown; unsealed: unknown }>>;
    /** How verify-seal and verify-unseal read it back from AWS. */
    reads: readonly SealRead[];
    /** What verify-seal requires, and what verify-unseal requires (RUNBOOK.md). */
    verifySeal: string;
    verifyUnseal: string;
    /** The check of the pack's seal-cuts-every-path rule (guardrails/rules/lifecycle.ts SEAL_CHECKS) that covers it. */
    packCheck: SealKind;
}

const sealPolicyNames = (vendorId: string) => [`${vendorId}-access-vendor-seal`, `${vendorId}-access-workload-seal`];

export const SEAL_CATALOGUE: readonly SealEntry[] = [
    {
        kind: "sealPolicy",
        types: T.rolePolicy,
        what: `role seal policy \`${SEAL_POLICY_NAME}\` (vendor and workload role)`,
        lifecycle: "sealed-only",
        fields: ["policy"],
        resourceNames: sealPolicyNames,
        statements: ["SealDenyAll", "SealRevokeOlderSessions"],
        states: {},
        reads: ["rolePolicies"],
        verifySeal: `both roles hold the inline policy \`${SEAL_POLICY_NAME}\` with \`SealDenyAll\` and \`SealRevokeOlderSessions\` (this \`sealedAt\`) exactly as the builder renders them`,
        verifyUnseal: `no role holds \`${SEAL_POLICY_NAME}\` or any seal statement`,
        packCheck: "sealPolicy",
    },
    {
        kind: "trustPolicy",
        types: T.role,
        what: "role trust policy",
        lifecycle: "in-place",
        fields: ["assumeRolePolicy"],
        statements: ["SealDenyAssumeRole"],
        states: {},
        reads: ["rolePolicies"],
        verifySeal: "both trust policies hold `SealDenyAssumeRole` exactly as the builder renders it",
        verifyUnseal: "no trust policy holds a seal statement",
        packCheck: "trustPolicy",
    },
    {
        kind: "key",
        types: T.key,
        what: "KMS key",
        lifecycle: "in-place",
        fields: ["isEnabled", "policy"],
        statements: ["SealDenyVendor"],
        states: { isEnabled: { sealed: false, unsealed: true } },
        reads: ["keyState", "keyPolicy"],
        verifySeal: "the key is `Disabled` and its key policy holds `SealDenyVendor` exactly as the builder renders it",
        verifyUnseal: "the key is `Enabled` and its key policy holds no seal statement",
        packCheck: "key",
    },
    {
        kind: "bucketPolicy",
        types: T.bucketPolicy,
        what: "bucket policy",
        lifecycle: "in-place",
        fields: ["policy"],
        // SealFreezeAirlock: with an airlock, nothing is decided or released while sealed (iam/airlock.ts).
        statements: ["SealDenyVendor", "SealFreezeAirlock"],
        states: {},
        reads: ["bucketPolicy"],
        verifySeal:
            "every dataset bucket policy holds `SealDenyVendor` exactly as the builder renders it; with an airlock, the outbox, control and released bucket policies hold `SealDenyVendor`, the control bucket policy `SealFreezeAirlock` (no one puts a decision) and the released bucket policy `SealFreezeAirlock` (no one but break-glass puts, reads or lists a file), each exactly as the builder renders it",
        verifyUnseal: "no bucket policy holds a seal statement",
        packCheck: "bucketPolicy",
    },
    {
        kind: "endpointPolicy",
        types: T.endpoint,
        what: "VPC endpoint policy (S3 gateway; kms/sts/logs and the session endpoints ssm/ssmmessages/ec2messages interface)",
        lifecycle: "in-place",
        fields: ["policy"],
        statements: ["SealDenyVendor"],
        states: {},
        reads: ["endpointPolicy", "interfaceEndpoints"],
        verifySeal:
            "the S3 endpoint policy and the policy of every interface endpoint in the enclave VPC (found by the stack's `vpcId` output; a spec'd one that is missing is a gap; one added outside the stack must be sealed too) hold `SealDenyVendor` exactly as the builder renders it",
        verifyUnseal: "no endpoint policy holds a seal statement",
        packCheck: "endpointPolicy",
    },
    {
        kind: "dnsAllowRule",
        types: T.dnsRule,
        what: "DNS Firewall allow rule",
        lifecycle: "in-place",
        fields: ["action", "blockResponse"],
        statements: [],
        states: { action: { sealed: "BLOCK", unsealed: "ALLOW" }, blockResponse: { sealed: "NXDOMAIN", unsealed: undefined } },
        reads: ["dnsFirewallRuleGroups"],
        verifySeal:
            "the VPC's DNS Firewall (found by `vpcId`) has a rule group associated, every rule of every associated group BLOCKs (a group associated outside the stack included; ALLOW and ALERT both let a query through) and the catch-all `enclave-<vendor>-block-rest` is there",
        verifyUnseal: "the allow rule `enclave-<vendor>-allow-aws` ALLOWs again",
        packCheck: "dnsAllowRule",
    },
];

/** Every Sid the seal adds anywhere. */
export const SEAL_SIDS: readonly string[] = [...new Set(SEAL_CATALOGUE.flatMap((e) => e.statements))];

/** The catalogue entry of a Pulumi type, if the seal touches that type. */
export function sealEntryOf(type: string): SealEntry | undefined {
    return SEAL_CATALOGUE.find((e) => e.types.includes(type));
}

/** The inputs a seal may change in place, by type token (every spelling of each kind). */
export const SEAL_FIELDS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(SEAL_CATALOGUE.flatMap((e) => e.types.map((t) => [t, e.fields])));

/** The resources a seal may create (and an unseal delete), by type and URN name, for a vendor. */
export function sealOnlyResources(vendorId: string): { type: string; name: string }[] {
    return SEAL_CATALOGUE.filter((e) => e.lifecycle === "sealed-only").flatMap((e) =>
        e.types.flatMap((type) => (e.resourceNames?.(vendorId) ?? []).map((name) => ({ type, name }))),
    );
}

/** The entry of a kind (every kind has exactly one). */
export function sealEntry(kind: SealKind): SealEntry {
    return SEAL_CATALOGUE.find((e) => e.kind === kind)!;
}

// ---- RUNBOOK.md lists, generated (test/seal-catalogue.test.ts holds the file to them) -------------------------------

const code = (s: string) => `\`${s}\``;

/** The preview row's list: what a seal may change, by kind. */
export function renderSealFields(): string {
    return SEAL_CATALOGUE.map((e) =>
        e.lifecycle === "sealed-only" ? `${e.what}: created by the seal, deleted by the unseal, nothing else` : `${e.what} ${e.fields.map(code).join(" and ")}`,
    ).join("; ");
}

/** The verify rows' lists. */
export function renderSealChecks(which: "seal" | "unseal"): string {
    return SEAL_CATALOGUE.map((e) => (which === "seal" ? e.verifySeal : e.verifyUnseal)).join("; ");
}
