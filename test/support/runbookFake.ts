import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CliError, describeFailure } from "../../contract/errors";
import { SpecError } from "../../config/load";
import { bucketArn, bucketName, logGroupArn, roleArn, vendorNames } from "../../iam/names";
import {
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
} from "../../iam/vendor";
import type {
    RunbookDeps,
    DnsFirewallRuleGroup,
    InterfaceEndpoint,
    KeyState,
    PolicyJson,
    PreviewStep,
    StackHandle,
    StackOps,
    StackOutput,
    AwsReads,
    EvidenceArchive,
    RolePolicies,
} from "../../runbook/types";
import { loadVendorSpec, vendorSpecPath } from "../../config/load";
import type { VendorSpec } from "../../config/schema";
import { interfaceEndpointsOf } from "../../config/workspace";
import { BREAK_GLASS_ROLE_ARN, DEPLOYER_ROLE_ARN, FIXTURE_VENDOR_IDS, FIXTURES_DIR } from "./fixtures";
import { SEAL_CATALOGUE, sealEntry, type SealKind } from "../../contract/seal";
import { memberProviderRoleArn, memberProviderSessionName, operatorsInAccount } from "../../contract/operators";
import { PROVIDER_TYPE, providerUrnName } from "../../runbook/previewGuard";

// An in-memory stand-in for Pulumi and AWS, for testing the runbook's orchestration only. It applies a spec by
// rendering the project's own policy builders into a fake account, and models eventual consistency as "the next N
// reads still return the old documents". It proves nothing about AWS's or Pulumi's real behaviour.

export const REPO = path.resolve(__dirname, "..", "..");
export const EXTERNAL_ID = "fake-external-id-0123456789";
export const KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/00000000-1111-2222-3333-444444444444";
export const ENDPOINT = "vpce-0fake";
export const VPC = "vpc-0fake";
/** The stack's DNS Firewall rule group (components/dns.ts), associated with VPC. */
export const DNS_RULE_GROUP = "rslvr-frg-0fake";
/** Seal time + 6 h (instance-profile credentials) + 5 min (clock skew): the earliest unseal after a seal at t. */
export const UNSEAL_WAIT_MS = (6 * 3600 + 5 * 60) * 1000;
const DEPLOYER = DEPLOYER_ROLE_ARN;
const BREAK_GLASS = BREAK_GLASS_ROLE_ARN;

export class Crash extends Error {
    constructor(step: string) {
        super(`simulated crash in ${step}`);
    }
}

interface AccountState {
    roles: Record<string, RolePolicies>;
    key: KeyState;
    keyPolicy: PolicyJson | null;
    buckets: Record<string, PolicyJson | null>;
    endpoint: PolicyJson | null;
    interfaceEndpoints: InterfaceEndpoint[];
    dnsFirewall: DnsFirewallRuleGroup[];
    tagged: string[];
}

/** A URN of the fake stack (flat: the fake does not model component parents). */
export const urnOf = (vendor: string, type: string, name: string) => `urn:pulumi:${vendor}::vendor-enclaves::${type}::${name}`;

/** The URN names of each kind's resources in the stack, as the components name them. */
function sealResources(spec: VendorSpec): Record<SealKind, string[]> {
    const v = spec.id;
    return {
        sealPolicy: sealEntry("sealPolicy").resourceNames!(v),
        trustPolicy: [`${v}-identity-vendor-role`, `${v}-identity-workload-role`],
        key: [`${v}-key-key`],
        bucketPolicy: spec.datasets.map((d) => `${v}-${d.name}-policy`),
        endpointPolicy: [`${v}-network-s3-endpoint`, ...interfaceEndpointsOf(spec).map((service) => `${v}-network-${service}-endpoint`)],
        dnsAllowRule: [`${v}-network-dns-allow-aws`],
    };
}

/**
 * What the fake's preview reports by default, derived from the seal catalogue: an in-place update of each seal
 * resource with diffs only in its seal fields, and the create (seal) or delete (unseal) of the seal-only resources.
 */
export function sealSteps(spec: VendorSpec, direction: "seal" | "unseal" = "seal"): PreviewStep[] {
    const names = sealResources(spec);
    return SEAL_CATALOGUE.flatMap((e) =>
        names[e.kind].map((name): PreviewStep => {
            const urn = urnOf(spec.id, e.types[0], name);
            if (e.lifecycle === "sealed-only") return { op: direction === "seal" ? "create" : "delete", urn, type: e.types[0] };
            return { op: "update", urn, type: e.types[0], diffs: [...e.fields] };
        }),
    );
}

const parse = (d: unknown) => JSON.parse(JSON.stringify(d)) as PolicyJson;

/**
 * The inputs a seal resource has in a deployed spec, as the engine reports them in a preview step's old/new (the
 * documents as JSON strings), rendered by the project's builders; undefined for a resource the fake does not know.
 */
export function sealInputs(spec: VendorSpec, urn: string): Record<string, unknown> | undefined {
    const v = spec.id;
    const name = urn.slice(urn.lastIndexOf("::") + 2);
    const a = render(spec);
    const names = vendorNames(v);
    const json = (d: unknown) => JSON.stringify(d);
    if (name === `${v}-access-vendor-seal` || name === `${v}-access-workload-seal`)
        return spec.sealed ? { name: names.sealPolicy, policy: json(sealRolePolicy(spec.sealedAt ?? "")) } : undefined;
    if (name === `${v}-identity-vendor-role`) return { assumeRolePolicy: json(a.roles[names.vendorRole].trust) };
    if (name === `${v}-identity-workload-role`) return { assumeRolePolicy: json(a.roles[names.workloadRole].trust) };
    if (name === `${v}-key-key`) return { isEnabled: !spec.sealed, policy: json(a.keyPolicy) };
    const d = spec.datasets.find((x) => name === `${v}-${x.name}-policy`);
    if (d) return { policy: json(a.buckets[bucketName(v, d.name, spec.account.id)]) };
    if (name === `${v}-network-s3-endpoint`) return { policy: json(a.endpoint) };
    const e = a.interfaceEndpoints.find((x) => name === `${v}-network-${x.service}-endpoint`);
    if (e) return { policy: json(e.policy) };
    if (name === `${v}-network-dns-allow-aws`) return spec.sealed ? { action: "BLOCK", blockResponse: "NXDOMAIN" } : { action: "ALLOW" };
    return undefined;
}

/** A preview step with the old and new inputs the engine would report for a spec going from `before` to `after`. */
export function withInputs(s: PreviewStep, before: VendorSpec, after: VendorSpec): PreviewStep {
    if (s.old || s.new) return s;
    const old = s.op === "create" ? undefined : sealInputs(before, s.urn);
    const nu = s.op === "delete" ? undefined : sealInputs(after, s.urn);
    return { ...s, ...(old ? { old } : {}), ...(nu ? { new: nu } : {}) };
}

function render(spec: VendorSpec): AccountState {
    const names = vendorNames(spec.id);
    const acct = spec.account.id;
    const p: VendorPolicyInputs = {
        vendorId: spec.id,
        accountId: acct,
        region: spec.account.region,
        vendorRoleArn: roleArn(acct, names.vendorRole),
        workloadRoleArn: roleArn(acct, names.workloadRole),
        deployerRoleArn: DEPLOYER,
        breakGlassRoleArn: BREAK_GLASS,
        logGroupArn: logGroupArn(spec.account.region, acct, names.workloadLogGroup),
        datasets: spec.datasets.map((d) => ({ name: d.name, access: d.access, bucketArn: bucketArn(bucketName(spec.id, d.name, acct)) })),
        principals: spec.access.principals,
        externalId: EXTERNAL_ID,
        dataPath: spec.network.dataPath,
        egressCidrs: spec.network.vendorEgressCidrs,
        sealed: spec.sealed,
        sealedAt: spec.sealedAt,
        keyArn: KEY_ARN,
        s3EndpointId: ENDPOINT,
    };
    const buckets = Object.fromEntries(spec.datasets.map((d) => [bucketName(spec.id, d.name, acct), parse(dataBucketPolicy(p, d.name))]));
    // As components/access.ts deploys it: the seal policy exists only while sealed.
    const seal: Record<string, PolicyJson> = spec.sealed ? { [names.sealPolicy]: parse(sealRolePolicy(spec.sealedAt ?? "")) } : {};
    return {
        roles: {
            [names.vendorRole]: { inline: { [names.accessPolicy]: parse(vendorRolePolicy(p)), ...seal }, trust: parse(vendorTrustPolicy(p)) },
            [names.workloadRole]: { inline: { [names.accessPolicy]: parse(workloadRolePolicy(p)), ...seal }, trust: parse(workloadTrustPolicy(p)) },
        },
        key: spec.sealed ? "Disabled" : "Enabled",
        keyPolicy: parse(vendorKeyPolicy(p)),
        buckets,
        endpoint: parse(s3EndpointPolicy(p)),
        interfaceEndpoints: interfaceEndpointsOf(spec).map((service) => ({
            id: `vpce-0fake-${service}`,
            service,
            policy: parse(interfaceEndpointPolicy(service, p)),
        })),
        // As components/dns.ts deploys it: sealing flips the allow-list rule to BLOCK; the catch-all always blocks.
        dnsFirewall: [
            {
                id: DNS_RULE_GROUP,
                rules: [
                    { name: `enclave-${spec.id}-allow-aws`, action: spec.sealed ? "BLOCK" : "ALLOW" },
                    { name: `enclave-${spec.id}-block-rest`, action: "BLOCK" },
                ],
            },
        ],
        tagged: [KEY_ARN, ...Object.keys(buckets).map((b) => `arn:aws:s3:::${b}`), `arn:aws:iam::${acct}:role/${names.vendorRole}`],
    };
}

/** Account mode: the member account's deployer and break-glass (the security fixture's role names in that account). */
export const memberOperators = (memberAccount: string) => operatorsInAccount({ deployerRoleArn: DEPLOYER, breakGlassRoleArn: BREAK_GLASS }, memberAccount);

/** The role the stack's provider assumes in an account-mode spec's member account (the program's choice). */
export const providerRole = (spec: VendorSpec, sealed: boolean) => memberProviderRoleArn(sealed, memberOperators(spec.account.id));

/**
 * Account mode: the preview step of the provider's assumed role moving with the seal, as the engine reports it
 * (provider inputs JSON-encoded); `roles` overrides the old and new role ARNs, `diffs` the changed inputs.
 */
export function providerStep(
    spec: VendorSpec,
    fromSealed: boolean,
    toSealed: boolean,
    roles?: { from?: string; to?: string },
    diffs = ["assumeRoles"],
): PreviewStep {
    const assume = (roleArn: string) => JSON.stringify([{ roleArn, sessionName: memberProviderSessionName(spec.id) }]);
    return {
        op: "update",
        urn: urnOf(spec.id, PROVIDER_TYPE, providerUrnName(spec.id)),
        type: PROVIDER_TYPE,
        diffs,
        old: { assumeRoles: assume(roles?.from ?? providerRole(spec, fromSealed)), region: spec.account.region },
        new: { assumeRoles: assume(roles?.to ?? providerRole(spec, toSealed)), region: spec.account.region },
    };
}

/** The workload log group's events the fake answers with (a session transcript line among them). */
export const FAKE_WORKLOAD_LOGS = [
    { stream: "i-0123456789abcdef0/session-oncall-1", timestamp: 1_795_000_000_000, message: "[enclave@ip-10-0-1-5 ~]$ ls /data" },
    { stream: "app/worker-1", timestamp: 1_795_000_000_500, message: "batch 17 labelled" },
];

export interface FakeOptions {
    /** The workload log group's events; null: the group does not exist. */
    workloadLogs?: { stream: string; timestamp: number; message: string }[] | null;
    /** Reads that still see the previous state after each up/destroy (eventual consistency). */
    lagReads?: number;
    tooling?: "ok" | "missing-cli";
    account?: string;
    stacks?: string[];
    interactive?: boolean;
    answer?: string;
    /** Throw a Crash when this step starts. */
    crashAt?: string;
    /** The vendor of the fake world (default acme-labeling; evalcorp has kms and sts interface endpoints). */
    vendor?: string;
    /** The change summary preview() reports (default: the steps counted by op, plus same: 47). */
    preview?: Record<string, number>;
    /** The resource steps preview() reports (default: sealSteps(vendor), the seal's change, or the unseal's once the spec is unsealed). */
    previewSteps?: PreviewStep[];
    /** Reads of one document that still return the previous state after each up, on top of lagReads. */
    stale?: { keyPolicy?: number; interfaceEndpoints?: number; dnsFirewall?: number };
    /** Rewrites the DNS Firewall each up leaves behind (a rule the deploy did not change, a group associated by hand). */
    dnsDrift?: (groups: DnsFirewallRuleGroup[]) => DnsFirewallRuleGroup[];
    /**
     * The sealedAt a sealing up deploys (its outputs and seal statements), whatever the spec says: a stack last
     * deployed from another checkout with another seal time.
     */
    deployedSealedAt?: string;
    /** The key state destroy leaves (default PendingDeletion; e.g. Enabled: the key's deletion was never scheduled). */
    keyAfterDestroy?: KeyState;
    /** The caller the runbook's AWS credentials are (default: the deployer in 111122223333). */
    callerArn?: string;
    /** The caller the evidence archive's credentials are (default: the deployer in 111122223333). */
    uploaderArn?: string;
}

export interface Fake {
    deps: RunbookDeps;
    dir: string;
    calls: string[];
    /** Completed (not crashed) operations, by name. */
    done: Record<string, number>;
    sleeps: number[];
    out: string[];
    archive: Record<string, string>;
    opts: FakeOptions;
    /** assumedRole: account mode, the role the last up's provider assumed in the member account. */
    deployed: { sealed: boolean; sealedAt: string | null; destroyed: boolean; assumedRole?: string };
    /** Moves the fake clock forward. */
    advance(ms: number): void;
    specFile(vendor: string): string;
    journal(vendor: string): Record<string, unknown>[];
}

const tempDirs: string[] = [];

/** Removes every folder makeFake created; test files call it from afterAll. */
export function removeFakes(): void {
    for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A temporary copy of the fixture specs (as its stacks folder) plus fresh incident and evidence folders, and a fake world deployed from the specs. */
export function makeFake(opts: FakeOptions = {}): Fake {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "enclave-runbook-"));
    tempDirs.push(dir);
    const stacksDir = path.join(dir, "stacks");
    fs.cpSync(FIXTURES_DIR, stacksDir, { recursive: true });
    const calls: string[] = [];
    const done: Record<string, number> = {};
    const sleeps: number[] = [];
    const out: string[] = [];
    const archiveStore: Record<string, string> = {};
    let now = Date.parse("2026-11-23T12:00:00Z");
    const vendor = opts.vendor ?? "acme-labeling";
    const initial = loadVendorSpec(vendorSpecPath(vendor, stacksDir), vendor);
    let current = render(initial);
    let previous = current;
    let lagLeft = 0;
    let staleLeft: { keyPolicy?: number; interfaceEndpoints?: number; dnsFirewall?: number } = {};
    const deployed: Fake["deployed"] = { sealed: initial.sealed, sealedAt: initial.sealedAt ?? null, destroyed: false };
    const finish = (op: string) => (done[op] = (done[op] ?? 0) + 1);
    const view = () => {
        if (lagLeft > 0) {
            lagLeft--;
            return previous;
        }
        return current;
    };
    const apply = (next: AccountState) => {
        previous = current;
        current = next;
        lagLeft = opts.lagReads ?? 0;
        staleLeft = { ...opts.stale };
    };
    const stale = (what: "keyPolicy" | "interfaceEndpoints" | "dnsFirewall") => {
        if ((staleLeft[what] ?? 0) <= 0) return false;
        staleLeft[what]!--;
        return true;
    };
    // One "read" = one observation; roles are read first, so the lag is counted there.
    let snapshot = current;

    const handle: StackHandle = {
        name: vendor,
        async refresh() {
            calls.push("refresh");
            finish("refresh");
        },
        async preview() {
            calls.push("preview");
            finish("preview");
            const fileSpec = loadVendorSpec(vendorSpecPath(vendor, stacksDir), vendor);
            // The engine reports each step's old (deployed) and new (program) inputs; steps a test gives without them
            // get the builders' rendering of the deployed spec and of the spec in the file.
            const deployedSpec: VendorSpec = deployed.sealed
                ? { ...fileSpec, sealed: true, sealedAt: deployed.sealedAt ?? "2026-11-23T00:00:00Z" }
                : { ...fileSpec, sealed: false, sealedAt: undefined };
            // Account mode: the provider's assumed role follows the seal state (break-glass while sealed).
            const provider =
                fileSpec.isolation === "account" && deployed.sealed !== fileSpec.sealed ? [providerStep(fileSpec, deployed.sealed, fileSpec.sealed)] : [];
            const steps = (opts.previewSteps ?? [...sealSteps(initial, fileSpec.sealed ? "seal" : "unseal"), ...provider]).map((s) =>
                withInputs(s, deployedSpec, fileSpec),
            );
            // Default summary: the steps counted by op, plus the unchanged rest of the stack.
            const counted: Record<string, number> = { same: 47 };
            for (const s of steps) counted[s.op] = (counted[s.op] ?? 0) + 1;
            return { changes: { ...(opts.preview ?? counted) }, steps: steps.map((s) => ({ ...s })) };
        },
        async up() {
            calls.push("up");
            const fromFile = loadVendorSpec(vendorSpecPath(vendor, stacksDir), vendor);
            const spec = fromFile.sealed && opts.deployedSealedAt !== undefined ? { ...fromFile, sealedAt: opts.deployedSealedAt } : fromFile;
            const next = render(spec);
            if (opts.dnsDrift) next.dnsFirewall = opts.dnsDrift(next.dnsFirewall);
            apply(next);
            deployed.sealed = spec.sealed;
            deployed.sealedAt = spec.sealedAt ?? null;
            if (spec.isolation === "account") deployed.assumedRole = providerRole(spec, spec.sealed);
            finish("up");
            return { update: spec.sealed ? 9 : 9, same: 47 };
        },
        async destroy() {
            calls.push("destroy");
            apply({
                roles: {},
                key: opts.keyAfterDestroy ?? "PendingDeletion",
                keyPolicy: current.keyPolicy,
                buckets: {},
                endpoint: null,
                interfaceEndpoints: [],
                dnsFirewall: [],
                tagged: [KEY_ARN],
            });
            deployed.destroyed = true;
            finish("destroy");
            return { delete: 56 };
        },
        async exportStack() {
            calls.push("exportStack");
            const resources = deployed.destroyed
                ? []
                : [
                      { urn: "urn:pulumi:acme-labeling::vendor-enclaves::pulumi:pulumi:Stack::vendor-enclaves-acme-labeling", type: "pulumi:pulumi:Stack" },
                      {
                          urn: "urn:pulumi:acme-labeling::vendor-enclaves::aws:kms/key:Key::acme-labeling-key-key",
                          type: "aws:kms/key:Key",
                          id: "00000000-1111-2222-3333-444444444444",
                          outputs: { arn: KEY_ARN },
                      },
                      {
                          urn: "urn:pulumi:acme-labeling::vendor-enclaves::random:index/randomPassword:RandomPassword::acme-labeling-identity-external-id",
                          type: "random:index/randomPassword:RandomPassword",
                          id: "none",
                          outputs: { result: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:CIPHERTEXT" } },
                      },
                  ];
            return { version: 3, deployment: { secrets_providers: { type: "passphrase", state: { salt: "v1:SALT" } }, resources } };
        },
        async outputs() {
            calls.push("outputs");
            if (deployed.destroyed) return {};
            const o: Record<string, StackOutput> = {
                sealed: { value: deployed.sealed, secret: false },
                sealedAt: { value: deployed.sealedAt, secret: false },
                keyArn: { value: KEY_ARN, secret: false },
                vpcId: { value: VPC, secret: false },
                s3EndpointId: { value: ENDPOINT, secret: false },
                externalId: { value: EXTERNAL_ID, secret: true },
            };
            return o;
        },
    };
    const stacks: StackOps = {
        async checkTooling(command) {
            calls.push("checkTooling");
            if (opts.tooling === "missing-cli") {
                throw new CliError(
                    `the Pulumi CLI is not installed (needed for ${command}); install it from https://www.pulumi.com/docs/install/ and log in with \`pulumi login\``,
                );
            }
            return { pulumiVersion: "3.200.0", backend: "file:///state" };
        },
        async listStacks() {
            calls.push("listStacks");
            return opts.stacks ?? ["security", ...FIXTURE_VENDOR_IDS];
        },
        async select(name) {
            calls.push(`select:${name}`);
            return handle;
        },
    };
    const aws: AwsReads = {
        async callerIdentity() {
            calls.push("callerIdentity");
            return { account: opts.account ?? "111122223333", arn: opts.callerArn ?? "arn:aws:sts::111122223333:assumed-role/enclave-deployer/oncall" };
        },
        async rolePolicies(role) {
            calls.push(`read:role:${role}`);
            if (role.endsWith("-vendor")) snapshot = view();
            return snapshot.roles[role] ?? { inline: null, trust: null };
        },
        async keyState() {
            calls.push("read:key");
            return snapshot.key;
        },
        async keyPolicy() {
            calls.push("read:key-policy");
            return stale("keyPolicy") ? previous.keyPolicy : snapshot.keyPolicy;
        },
        async bucketPolicy(b) {
            calls.push(`read:bucket:${b}`);
            return snapshot.buckets[b] ?? null;
        },
        async endpointPolicy() {
            calls.push("read:endpoint");
            return snapshot.endpoint;
        },
        async interfaceEndpoints(vpcId) {
            calls.push(`read:interface-endpoints:${vpcId}`);
            return stale("interfaceEndpoints") ? previous.interfaceEndpoints : snapshot.interfaceEndpoints;
        },
        async dnsFirewallRuleGroups(vpcId) {
            calls.push(`read:dns-firewall:${vpcId}`);
            return stale("dnsFirewall") ? previous.dnsFirewall : snapshot.dnsFirewall;
        },
        async taggedResources() {
            calls.push("read:tags");
            snapshot = view();
            return snapshot.tagged.map((arn) => ({ arn }));
        },
        async logEvents(group) {
            calls.push(`read:logs:${group}`);
            return opts.workloadLogs === null ? null : { events: opts.workloadLogs ?? FAKE_WORKLOAD_LOGS, truncated: false };
        },
    };
    const archive: EvidenceArchive = {
        async put(bucket, key, body) {
            calls.push(`put:${key}`);
            archiveStore[`${bucket}/${key}`] = body;
        },
        async uploader() {
            calls.push("archive:uploader");
            const arn = opts.uploaderArn ?? "arn:aws:sts::111122223333:assumed-role/enclave-deployer/oncall";
            return { account: arn.split(":")[4], arn };
        },
    };
    const deps: RunbookDeps = {
        stacks,
        aws,
        archive,
        confirm: {
            interactive: opts.interactive ?? false,
            async ask() {
                calls.push("ask");
                return opts.answer ?? "";
            },
        },
        clock: {
            now: () => new Date((now += 250)),
            sleep: async (ms) => {
                sleeps.push(ms);
                now += ms;
            },
        },
        out: (line) => out.push(line),
        operator: "oncall-test",
        stacksDir,
        incidentsDir: path.join(dir, "incidents"),
        evidenceDir: path.join(dir, "evidence"),
        retry: { attempts: 6, initialDelayMs: 1000, factor: 2, maxDelayMs: 8000 },
        onStep: (step) => {
            if (opts.crashAt === step) throw new Crash(step);
        },
    };
    return {
        deps,
        dir,
        calls,
        done,
        sleeps,
        out,
        archive: archiveStore,
        opts,
        deployed,
        advance: (ms) => {
            now += ms;
        },
        specFile: (v) => vendorSpecPath(v, stacksDir),
        journal: (v) => {
            const f = path.join(dir, "incidents", `${v}.jsonl`);
            return fs.existsSync(f)
                ? fs
                      .readFileSync(f, "utf8")
                      .trim()
                      .split("\n")
                      .map((l) => JSON.parse(l))
                : [];
        },
    };
}

/** Makes a failed step look like a kill -9: drops the step's trailing "failed" line, leaving "started" without an end. */
export function asHardCrash(fake: Fake, vendor: string): void {
    const f = path.join(fake.dir, "incidents", `${vendor}.jsonl`);
    const lines = fs.readFileSync(f, "utf8").trim().split("\n");
    const last = JSON.parse(lines[lines.length - 1]);
    if (last.result === "failed") lines.pop();
    fs.writeFileSync(f, `${lines.join("\n")}\n`);
}

/** The exit code and message a runbook command ends with, as the CLI would print them (0 and "" when it succeeds). */
export async function exitOf(p: Promise<unknown>): Promise<{ code: number; message: string }> {
    try {
        await p;
    } catch (err) {
        // The two error types the CLI prints as one line (cli/main.ts via describeFailure); anything else is a bug.
        if (err instanceof CliError || err instanceof SpecError) {
            const { exitCode, message } = describeFailure(err);
            return { code: exitCode, message };
        }
        throw err;
    }
    return { code: 0, message: "" };
}

/** The steps of a journal that ended with `result`, in order. */
export const steps = (j: Record<string, unknown>[], result = "ok") => j.filter((e) => e.result === result).map((e) => e.step);
