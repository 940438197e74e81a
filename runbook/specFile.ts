import * as fs from "node:fs";
import { parseDocument, Scalar } from "yaml";

// The spec file is the desired state: seal and unseal edit stacks/<vendor>.yaml (comments and layout kept, through
// the yaml Document API) and then apply it, so the next ordinary `pulumi up` can never silently unseal a vendor.
// The operator commits the edited file afterwards (RUNBOOK.md).

/**
 * Returns the spec text with the seal fields set (sealed: true + sealedAt) or cleared (sealed: false, no sealedAt).
 * A byte-order mark and CRLF line endings are kept: the commit after a seal must show the seal fields, not every line.
 */
export function withSealState(text: string, sealedAt: string | undefined): string {
    const bom = text.startsWith("\uFEFF") ? "\uFEFF" : "";
    const body = text.slice(bom.length);
    const doc = parseDocument(body);
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
    const out = doc.toString({ flowCollectionPadding: false });
    return bom + (body.includes("\r\n") ? out.replace(/\r?\n/g, "\r\n") : out);
}

/**
 * Writes through a temporary file and a rename, so a crash never leaves a half-written spec. The rename lands on the
 * file a symlink points to (the link stays a link) and keeps the file's mode.
 */
export function writeSealState(file: string, sealedAt: string | undefined): void {
    const target = fs.realpathSync(file);
    const next = withSealState(fs.readFileSync(target, "utf8"), sealedAt);
    const tmp = `${target}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, next, { mode: fs.statSync(target).mode & 0o7777 });
    fs.renameSync(tmp, target);
}
