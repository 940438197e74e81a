import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { withSealState, writeSealState } from "../runbook/specFile";
import { ACME, fixtureFile, SEALED_AT } from "./support/fixtures";

// The seal edits the operator's spec file, which is then committed: the diff must show the seal fields and nothing
// else, whatever the file's line endings, byte-order mark or place (a symlink into a shared checkout). What this
// cannot prove: how an editor or git's autocrlf setting later rewrites the file.

const original = fs.readFileSync(fixtureFile(ACME), "utf8");
const dirs: string[] = [];
const tempDir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "spec-file-"));
    dirs.push(d);
    return d;
};
afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Lines of b that are not in a, in order: what a reviewer sees added in the commit. */
const added = (a: string, b: string) => b.split(/\r?\n/).filter((l) => !a.split(/\r?\n/).includes(l));

describe("the seal's edit of the spec file", () => {
    it("keeps CRLF line endings and a byte-order mark; only the seal lines change", () => {
        const crlf = `\uFEFF${original.replace(/\n/g, "\r\n")}`;
        const sealed = withSealState(crlf, SEALED_AT);
        expect(sealed.startsWith("\uFEFF")).toBe(true);
        expect(sealed.replace(/\r\n/g, "")).not.toContain("\n");
        expect(added(crlf, sealed)).toEqual(["sealed: true", `sealedAt: "${SEALED_AT}"`]);
        expect(withSealState(sealed, undefined)).toBe(crlf);
    });

    it("writes through a symlink to its target (the link stays a link) and keeps the file's mode", () => {
        const dir = tempDir();
        const real = path.join(dir, "real.yaml");
        const link = path.join(dir, "acme-labeling.yaml");
        fs.writeFileSync(real, original, { mode: 0o640 });
        fs.symlinkSync(real, link);
        writeSealState(link, SEALED_AT);
        expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
        expect(fs.readFileSync(real, "utf8")).toBe(withSealState(original, SEALED_AT));
        expect(fs.statSync(real).mode & 0o777).toBe(0o640);
        expect(fs.readdirSync(dir).sort()).toEqual(["acme-labeling.yaml", "real.yaml"]);
    });
});
