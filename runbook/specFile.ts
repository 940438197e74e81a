import * as fs from "node:fs";
import { parseDocument, Scalar } from "yaml";

// The spec file is the desired state: seal and unseal edit stacks/<vendor>.yaml (comments and layout kept, through
// the yaml Document API) and then apply it, so the next ordinary `pulumi up` can never silently unseal a vendor.
// The operator commits the edited file afterwards (RUNBOOK.md).

/** Returns the spec text with the seal fields set (sealed: true + sealedAt) or cleared (sealed: false, no sealedAt). */
export function withSealState(text: string, sealedAt: string | undefined): string {
    const doc = parseDocument(text);
    if (doc.errors.length) throw new Error(doc.errors[0].message.split("\n")[0]);
    doc.set("sealed", sealedAt !== undefined);
    if (sealedAt !== undefined) {
        const at = new Scalar(sealedAt);
        at.type = Scalar.QUOTE_DOUBLE;
        doc.set("sealedAt", at);
    } else {
        doc.delete("sealedAt");
    }
    // No padding inside [a, b]: the usual hand-written style, so untouched lines stay byte-identical.
    return doc.toString({ flowCollectionPadding: false });
}

/** Writes through a temporary file and a rename, so a crash never leaves a half-written spec. */
export function writeSealState(file: string, sealedAt: string | undefined): void {
    const next = withSealState(fs.readFileSync(file, "utf8"), sealedAt);
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, next);
    fs.renameSync(tmp, file);
}
