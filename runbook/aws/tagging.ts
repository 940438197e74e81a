import { paginateGetResources, type ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import type { TaggedResource } from "../types";
import { awsCall } from "./errors";

export interface TaggedResourceWithTags extends TaggedResource {
    tags: Record<string, string>;
}

/**
 * Every resource the Resource Groups Tagging API lists with this tag in the client's region. `types` narrows by
 * service[:type] as the API spells it ("s3", "kms:key", "ec2:vpc", "route53resolver:firewall-rule-group").
 */
export async function taggedResources(
    tagging: ResourceGroupsTaggingAPIClient,
    key: string,
    value: string,
    types?: string[],
): Promise<TaggedResourceWithTags[]> {
    return awsCall(`resources tagged ${key}=${value}`, "tag:GetResources", async () => {
        const out: TaggedResourceWithTags[] = [];
        const input = { TagFilters: [{ Key: key, Values: [value] }], ...(types?.length ? { ResourceTypeFilters: types } : {}) };
        for await (const page of paginateGetResources({ client: tagging }, input)) {
            for (const m of page.ResourceTagMappingList ?? []) {
                if (m.ResourceARN) out.push({ arn: m.ResourceARN, tags: Object.fromEntries((m.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])) });
            }
        }
        return out;
    });
}
