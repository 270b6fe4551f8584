import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ownedName, ownerGone } from "./leftovers.ts";

// Above any pid the kernel hands out, so certainly no running process.
const DEAD_PID = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8")) + 1;

describe("ownedName", () => {
  it("is unique per call within one process (in-process runs share a pid) and starts with the pid", () => {
    const names = Array.from({ length: 1000 }, ownedName);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name.startsWith(`${process.pid}-`)).toBe(true);
  });
});

describe("ownerGone", () => {
  it("is true only for a name of this host whose process is no longer running", () => {
    const mine = ownedName();
    expect(ownerGone(mine)).toBe(false);
    expect(ownerGone(mine.replace(/^\d+/, String(DEAD_PID)))).toBe(true);
    // A pid on another host says nothing about this one; names kopt did not make are not kopt's to remove.
    expect(ownerGone(`${DEAD_PID}-0123abcd-another-host`)).toBe(false);
    for (const other of ["notes", `${DEAD_PID}`, `${DEAD_PID}-xyz-host`, ""])
      expect(ownerGone(other)).toBe(false);
  });
});
