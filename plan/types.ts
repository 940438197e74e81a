/** The plan JSON contract read by `enclave access`, `diff`, `check`, the cost model and the benchmarks. */
export interface PlanResource {
    urn: string;
    type: string;
    name: string;
    /** URN of the parent, or null for the root Stack. */
    parent: string | null;
    custom: boolean;
    protect: boolean;
    retainOnDelete: boolean;
    /** As the program passed them; secret values appear as "[secret]". */
    inputs: Record<string, unknown>;
    /** Inputs the program marked secret (stored encrypted in the state); absent when there are none. */
    secretInputs?: string[];
    /** URNs of the resources this one waits for (input Outputs and dependsOn); absent when there are none. */
    dependencies?: string[];
    /** The mocked state, including `id` and `arn` where AWS has them. */
    outputs: Record<string, unknown>;
}

export interface Plan {
    project: string;
    stack: string;
    resources: PlanResource[];
    /** The stack's exports: VendorStackOutputs or SecurityStackOutputs (contract/outputs.ts); plan/read.ts vendorOutputs reads them checked. */
    outputs: Record<string, unknown>;
}

export const SECRET_PLACEHOLDER = "[secret]";
export const PROJECT = "vendor-enclaves";
