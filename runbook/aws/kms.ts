import { DescribeKeyCommand, GetKeyPolicyCommand, type KMSClient } from "@aws-sdk/client-kms";
import type { KeyState, PolicyJson } from "../types";
import { orNull } from "./errors";
import { parsePolicy } from "./policy";

export interface KeyInfo {
    keyId: string;
    arn: string;
    state: KeyState;
}

/** By key id, key ARN or alias (`alias/enclave/<vendor>`); null: no such key or alias. */
export async function describeKey(kms: KMSClient, keyId: string): Promise<KeyInfo | null> {
    const r = await orNull(`key ${keyId}`, "kms:DescribeKey", () => kms.send(new DescribeKeyCommand({ KeyId: keyId })));
    const m = r?.KeyMetadata;
    if (!m?.KeyId) return null;
    return { keyId: m.KeyId, arn: m.Arn ?? "", state: (m.KeyState ?? "Unavailable") as KeyState };
}

export async function keyState(kms: KMSClient, keyId: string): Promise<KeyState> {
    return (await describeKey(kms, keyId))?.state ?? "NotFound";
}

export async function keyPolicy(kms: KMSClient, keyId: string): Promise<PolicyJson | null> {
    const r = await orNull(`key ${keyId}`, "kms:GetKeyPolicy", () => kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" })));
    return r ? parsePolicy(`key ${keyId} key policy`, r.Policy) : null;
}
