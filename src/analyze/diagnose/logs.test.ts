// Reading a failing container's logs: the crash line, ranked templates, what is new, and start signs.
import { describe, expect, it } from "vitest";
import { observedStart, readContainerLogs } from "./logs.ts";

describe("observedStart", () => {
  const startedAt = Date.parse("2026-11-20T11:58:00Z") / 1000;

  it("reads 'Started X in N seconds', else a start line's time minus the instance's start", () => {
    expect(
      observedStart("INFO Started OrdersApplication in 52.4 seconds (JVM running for 53)\n", startedAt),
    ).toEqual({ seconds: 52.4 });
    expect(
      observedStart("2026-11-20T11:58:00Z boot\n2026-11-20T11:59:05.5Z listening on :8080\n", startedAt),
    ).toEqual({ seconds: 65.5 });
    expect(observedStart("ready to accept connections\n", startedAt)).toEqual({ seconds: null });
    expect(observedStart("INFO loading\n", startedAt)).toBeNull();
    expect(observedStart(undefined, startedAt)).toBeNull();
  });
});

describe("readContainerLogs", () => {
  it("takes the last error line as the crash line and marks templates the other instance lacked", () => {
    const dead =
      "INFO start\nERROR cache miss for key 17\nERROR cache miss for key 18\nWARN slow\nFATAL out of file descriptors\nINFO bye\n";
    const reading = readContainerLogs({ dead, other: "INFO start\nERROR cache miss for key 3\n" }, true);
    expect(reading.crashLine).toBe("FATAL out of file descriptors");
    expect(reading.templates.map((t) => [t.template, t.count, t.level, t.new])).toEqual([
      ["cache miss for key <NUM>", 2, "error", false],
      ["out of file descriptors", 1, "fatal", true],
    ]);
  });

  it("says the logs are unavailable when they cannot be read or were not captured", () => {
    expect(readContainerLogs({ dead: "ERROR x\n", other: undefined }, false).unavailable).toBe(true);
    expect(readContainerLogs({ dead: undefined, other: undefined }, true).unavailable).toBe(true);
  });
});
