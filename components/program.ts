import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SECURITY_OUTPUTS_READ_BY_VENDORS, type SecurityOutputReadByVendors, type SecurityStackOutputs, type VendorStackOutputs } from "../contract/outputs";
import { SECURITY_STACK } from "../contract/tags";
import { roleArnInAccount, roleNameOfArn } from "../contract/operators";
import { deployedSealTimeRefusal, deployedUnsealRefusal, SELF_STACK_REFERENCE } from "../contract/unsealWindow";
import { bucketName, vendorTags, securityTags } from "../iam/names";
import type { SecuritySpec, VendorSpec } from "../config/schema";
import { VendorEnclave, type SecurityOutputs } from "./enclave";
import type { VendorTripwire } from "./tripwire";
import { LogArchive, securityStackOutputs } from "./logArchive";
import { memberAccountProviderArgs } from "./organization";

/** A stack's exports as the program returns them: each contract field as a plain value or an Output of it. */
export type StackExports<O> = { [K in keyof O]: pulumi.Input<O[K]> };

/**
 * An explicit provider pinned to the spec's account: `pulumi up` with credentials for any other account fails before
 * anything is created, instead of building an enclave in the wrong place. Default tags back up the per-resource tags.
 */
function pinnedProvider(name: string, accountId: string, region: string, tags: Record<string, string>, extra: Partial<aws.ProviderArgs> = {}) {
    return new aws.Provider(name, { region: region as aws.Region, allowedAccountIds: [accountId], defaultTags: { tags }, ...extra });
}

/**
 * The security outputs a vendor stack needs, read by their contract names. A missing one fails the deployment
 * (requireOutput), and so does one that is not a non-empty string: every one of them is written into a policy.
 */
function readSecurityOutputs(ref: pulumi.StackReference): SecurityOutputs {
    const read = (key: SecurityOutputReadByVendors): pulumi.Output<string> =>
        ref.requireOutput(key).apply((value: unknown) => {
            if (typeof value !== "string" || value === "")
                throw new Error(
                    `the security stack's output ${key} is ${JSON.stringify(value)}, not a name or ARN. Fix: run \`pulumi up\` on the security stack first`,
                );
            return value;
        });
    const outputs = {} as Record<SecurityOutputReadByVendors, pulumi.Output<string>>;
    for (const key of SECURITY_OUTPUTS_READ_BY_VENDORS) outputs[key] = read(key);
    return outputs;
}

/**
 * This vendor's tripwire, from the security stack's secret output (kept secret here too). A vendor with a readable
 * dataset and no tripwire there fails the deployment: the security stack has not been deployed with this spec beside it.
 */
function readTripwire(ref: pulumi.StackReference, spec: VendorSpec): pulumi.Output<VendorTripwire> | undefined {
    if (!spec.datasets.some((d) => d.access !== "write")) return undefined;
    return pulumi.secret(
        ref.getOutput("tripwires" satisfies keyof SecurityStackOutputs).apply((all: unknown) => {
            const t = (all as SecurityStackOutputs["tripwires"] | undefined)?.[spec.id];
            if (!t || typeof t.key !== "string" || typeof t.content !== "string")
                throw new Error(
                    `the security stack's output tripwires has no entry for ${spec.id}. Fix: run \`pulumi up\` on the security stack (as the archive administrator) with ${spec.id}'s spec beside it first`,
                );
            return { key: t.key, content: t.content };
        }),
    );
}

/** What the vendor program takes from its caller besides the spec (tests set the clock). */
export interface VendorProgramOptions {
    /**
     * The moment the unseal window is checked against. Default: the clock of the machine running the program, read
     * once, after the stack's own outputs are read and before any resource is registered; every change of the run
     * lands after it, so the check errs on the safe side. A fast runner clock is covered by the window's clock-skew
     * margin (contract/unsealWindow.ts) only up to that margin.
     */
    now?: () => Date;
}

/** This stack's fully qualified name: what a StackReference to its own deployed outputs reads. */
export function selfStackName(): string {
    return `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
}

/**
 * The vendor stack program. First it reads the stack's own outputs as last deployed (none on a first deploy): when
 * the deployed stack is sealed and the spec is not, the run is refused until the unseal window has passed, whatever
 * started it (`enclave unseal`, CI's `pulumi up` of a merged PR, an operator's checkout). The window's start cannot be
 * moved by the spec either: a sealed stack keeps its sealedAt, and a first seal may not claim a past moment
 * (contract/unsealWindow.ts deployedSealTimeRefusal). The refusal comes before any resource is registered, so nothing
 * is changed; `pulumi preview` refuses the same way.
 */
export async function vendorProgram(spec: VendorSpec, opts: VendorProgramOptions = {}): Promise<StackExports<VendorStackOutputs>> {
    const self = new pulumi.StackReference(SELF_STACK_REFERENCE, { name: selfStackName() });
    // getOutputDetails: a missing output (first deploy) is undefined, not a failure.
    const [sealed, sealedAt] = await Promise.all([self.getOutputDetails("sealed"), self.getOutputDetails("sealedAt")]);
    const now = (opts.now ?? (() => new Date()))();
    const deployed = { sealed: sealed.value, sealedAt: sealedAt.value };
    // The seal time first: the window counts from the deployed sealedAt, so that one must not move.
    const refusal =
        deployedSealTimeRefusal(spec.id, deployed, spec.sealed ? spec.sealedAt : undefined, now) ??
        deployedUnsealRefusal(spec.id, deployed, spec.sealed, spec.access.maxSessionSeconds, now);
    if (refusal) throw new pulumi.RunError(refusal);
    const ref = new pulumi.StackReference(spec.securityStack);
    if (spec.isolation === "account" && spec.memberAccount) {
        // The stack deploys as memberAccount.roleName and names the deployer's role name as the key's and buckets'
        // administrator: two names for one role, refused before any resource when they differ.
        const deployer = (await ref.getOutputDetails("deployerRoleArn")).value;
        const name = typeof deployer === "string" ? roleNameOfArn(deployer) : undefined;
        if (name !== undefined && name !== spec.memberAccount.roleName)
            throw new pulumi.RunError(
                `stacks/${spec.id}.yaml: memberAccount.roleName is ${JSON.stringify(spec.memberAccount.roleName)} but the deployer role is ${name} (the security stack's deployerRoleArn, and the organization's deployerRoleName): the stack would deploy as a role its own key and bucket policies do not name. Fix: set memberAccount.roleName: ${name}`,
            );
    }
    return vendorResources(spec, ref);
}

/**
 * The security outputs the enclave uses. In account mode the operator roles are the member account's roles of the
 * same names (contract/operators.ts): only principals of the account that holds a key or bucket can administer it.
 */
function enclaveSecurityOutputs(spec: VendorSpec, ref: pulumi.StackReference): SecurityOutputs {
    const outputs = readSecurityOutputs(ref);
    if (spec.isolation !== "account") return outputs;
    const member = (arn: pulumi.Input<string>) => pulumi.output(arn).apply((a) => roleArnInAccount(a, spec.account.id));
    return { ...outputs, deployerRoleArn: member(outputs.deployerRoleArn), breakGlassRoleArn: member(outputs.breakGlassRoleArn) };
}

/** The log-archive account, as the security stack exports it (account mode only). */
function readLogArchive(ref: pulumi.StackReference): { accountId: pulumi.Output<string> } {
    const accountId = ref.requireOutput("accountId" satisfies keyof SecurityStackOutputs).apply((value: unknown) => {
        if (typeof value !== "string" || !/^\d{12}$/.test(value))
            throw new Error(
                `the security stack's output accountId is ${JSON.stringify(value)}, not an account id. Fix: run \`pulumi up\` on the security stack first`,
            );
        return value;
    });
    return { accountId };
}

function vendorResources(spec: VendorSpec, ref: pulumi.StackReference): StackExports<VendorStackOutputs> {
    const security = enclaveSecurityOutputs(spec, ref);
    // Account mode: assume the member account's deployer, or its break-glass while sealed (components/organization.ts).
    const provider = pinnedProvider(
        `${spec.id}-aws`,
        spec.account.id,
        spec.account.region,
        vendorTags(spec.id),
        memberAccountProviderArgs(spec, security.breakGlassRoleArn),
    );
    const enclave = new VendorEnclave(
        spec.id,
        {
            spec,
            security,
            tripwire: readTripwire(ref, spec),
            // Account mode: the member log bucket replicates to the archive, whose account owns the replicas.
            ...(spec.isolation === "account" ? { logArchive: readLogArchive(ref) } : {}),
        },
        { providers: { aws: provider } },
    );
    return {
        vendorId: spec.id,
        accountId: spec.account.id,
        region: spec.account.region,
        dataPath: spec.network.dataPath,
        egressCidrs: spec.network.vendorEgressCidrs,
        datasets: spec.datasets.map((d) => ({ name: d.name, access: d.access, bucketName: bucketName(spec.id, d.name, spec.account.id) })),
        sealed: spec.sealed,
        sealedAt: spec.sealedAt ?? null,
        vendorRoleArn: enclave.identity.vendorRole.arn,
        workloadRoleArn: enclave.identity.workloadRole.arn,
        workloadInstanceProfile: enclave.identity.instanceProfile.name,
        externalId: enclave.identity.externalId,
        keyArn: enclave.key.key.arn,
        vpcId: enclave.network.vpc.id,
        s3EndpointId: enclave.network.s3Endpoint.id,
        buckets: pulumi.all(Object.fromEntries(Object.entries(enclave.datasets).map(([name, d]) => [name, d.bucket.id]))),
        trailArn: enclave.audit.trail.arn,
    };
}

/** `vendors`: the vendor specs of the security spec's stacks folder (their trails, prefixes and tripwires). */
export function securityProgram(spec: SecuritySpec, vendors: VendorSpec[] = []): StackExports<SecurityStackOutputs> {
    const provider = pinnedProvider(`${SECURITY_STACK}-aws`, spec.account.id, spec.account.region, securityTags());
    const archive = new LogArchive(SECURITY_STACK, { spec, vendors }, { providers: { aws: provider } });
    return securityStackOutputs(spec, archive);
}
