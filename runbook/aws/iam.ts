import { GetRoleCommand, GetRolePolicyCommand, paginateListRolePolicies, type IAMClient } from "@aws-sdk/client-iam";
import type { PolicyJson, RolePolicies } from "../types";
import { awsCall, orNull } from "./errors";
import { parsePolicy } from "./policy";

export async function roleArnByName(iam: IAMClient, roleName: string): Promise<string | null> {
    const r = await orNull(`role ${roleName}`, "iam:GetRole", () => iam.send(new GetRoleCommand({ RoleName: roleName })));
    return r?.Role?.Arn ?? null;
}

export async function listInlinePolicyNames(iam: IAMClient, roleName: string): Promise<string[] | null> {
    return orNull(`role ${roleName}`, "iam:ListRolePolicies", async () => {
        const names: string[] = [];
        for await (const page of paginateListRolePolicies({ client: iam }, { RoleName: roleName })) names.push(...(page.PolicyNames ?? []));
        return names;
    });
}

/** The role's trust policy and every inline policy, read in parallel; both null when the role does not exist. */
export async function rolePolicies(iam: IAMClient, roleName: string): Promise<RolePolicies> {
    const res = `role ${roleName}`;
    const [role, names] = await Promise.all([
        orNull(res, "iam:GetRole", () => iam.send(new GetRoleCommand({ RoleName: roleName }))),
        listInlinePolicyNames(iam, roleName),
    ]);
    if (!role?.Role || names === null) return { inline: null, trust: null };
    const docs = await Promise.all(
        names.map(async (name) => {
            const r = await awsCall(`${res} policy ${name}`, "iam:GetRolePolicy", () =>
                iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name })),
            );
            return [name, parsePolicy(`${res} policy ${name}`, r.PolicyDocument)] as const;
        }),
    );
    const inline: Record<string, PolicyJson> = Object.fromEntries(docs);
    return { inline, trust: parsePolicy(`${res} trust policy`, role.Role.AssumeRolePolicyDocument) };
}
