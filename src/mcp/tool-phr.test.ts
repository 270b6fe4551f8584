import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { readPhrFront } from "../formats/phr.ts";
import { explained, PhrOutput } from "./tool-phr.ts";

const PATH = "phr/demo/2026-10-16-6ea4683a-rightsize-todo-backend.md";

describe("kopt_explain_phr's output", () => {
  it("holds a change whose value is a list (a security fix's capabilities.drop: [ALL])", () => {
    const text = readFileSync(new URL(`../../${PATH}`, import.meta.url), "utf8").replace(
      'path: backend.resources.requests.cpu\n    from: "2"\n    to: "1"',
      "path: backend.securityContext.capabilities.drop\n    to: [ALL]",
    );
    const e = explained(PATH, readPhrFront(text, PATH), text);
    expect(e.changes[0]).toEqual({
      file: "clusters/demo/values.yaml",
      path: "backend.securityContext.capabilities.drop",
      from: null,
      to: ["ALL"],
    });
    expect(z.object(PhrOutput).safeParse(e).success).toBe(true);
  });
});
