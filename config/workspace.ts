import { WORKSPACE_ENDPOINT_SERVICES, type InterfaceEndpointService, type VendorSpec } from "./schema";

/** Whether the spec asks for any workspace instance (count 0 creates nothing, not even the session endpoints). */
export const hasWorkspace = (spec: Pick<VendorSpec, "workspace">): boolean => (spec.workspace?.count ?? 0) > 0;

/**
 * The interface endpoints the enclave gets: the spec's own list, plus what a workspace cannot work without. Added
 * rather than required in the spec so that a workspace can never be deployed half-reachable; in the spec's order,
 * then the workspace's.
 */
export function interfaceEndpointsOf(spec: Pick<VendorSpec, "workspace" | "network">): InterfaceEndpointService[] {
    const listed = spec.network.interfaceEndpoints;
    return hasWorkspace(spec) ? [...listed, ...WORKSPACE_ENDPOINT_SERVICES.filter((s) => !listed.includes(s))] : [...listed];
}

export interface WorkspaceSlot {
    /** Stable key, part of the Pulumi name: `<az>-<ordinal>`. */
    key: string;
    az: string;
    /** 1-based, global over the enclave. */
    ordinal: number;
}

/**
 * Where each instance goes and what it is called. A count has no order to reshuffle: instance n is instance n, so
 * lowering the count removes only the highest ordinals and renames none. The AZ is part of the key because it fixes
 * the subnet: an instance that would move AZ (azCount changed) cannot be updated in place anyway, and a new name makes
 * that an explicit create and delete in the plan rather than a silent replacement.
 */
export function workspaceSlots(zones: string[], count: number): WorkspaceSlot[] {
    return Array.from({ length: count }, (_, i) => {
        const az = zones[i % zones.length];
        return { key: `${az}-${i + 1}`, az, ordinal: i + 1 };
    });
}
