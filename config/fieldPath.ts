// Where in a parsed document a problem is, for error messages: the same spelling in spec and plan-file errors.

/** `datasets[1].name`, `resources[3].inputs`: the path as the user would write it. */
export function fieldName(at: readonly PropertyKey[]): string {
    return at.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`)).join("");
}

/** The value at a path of a parsed document; undefined when the path leaves the document. */
export function valueAt(root: unknown, at: readonly PropertyKey[]): unknown {
    let node: unknown = root;
    for (const key of at) {
        if (node === null || typeof node !== "object") return undefined;
        node = (node as Record<PropertyKey, unknown>)[key];
    }
    return node;
}
