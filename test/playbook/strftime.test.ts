// Python's strftime directives, checked against values Python 3.11 gives for the same instant.
import { describe, expect, it } from "vitest";
import { strftime, strptime } from "../../src/playbook/strftime.js";

describe("strftime", () => {
  it("formats UTC as Python does", () => {
    const d = new Date(Date.UTC(2026, 11, 1, 9, 5, 7, 250));
    // python3 -c "import datetime as d; t=d.datetime(2026,12,1,9,5,7,250000); print(t.strftime(...))"
    expect(strftime("%Y-%m-%d %H:%M:%S.%f %j %a %A %b %B %y %I%p %w %%", d, true)).toBe(
      "2026-12-01 09:05:07.250000 335 Tue Tuesday Dec December 26 09AM 2 %",
    );
    expect(strftime("%s", d, true)).toBe(String(Math.floor(d.getTime() / 1000)));
  });
});

describe("strptime (the file module's access_time/modification_time)", () => {
  it("reads Ansible's default format and others, as Python's time.strptime does", () => {
    expect(strptime("202001021530.45", "%Y%m%d%H%M.%S")).toEqual({
      year: 2020,
      month: 1,
      day: 2,
      hour: 15,
      minute: 30,
      second: 45,
    });
    expect(strptime("4 Mar 21 5:06", "%d %b %y %H:%M")).toMatchObject({ year: 2021, month: 3, day: 4, hour: 5 });
  });
  it("refuses what does not match, with Python's words", () => {
    expect(() => strptime("bad", "%Y%m%d%H%M.%S")).toThrow("time data 'bad' does not match format '%Y%m%d%H%M.%S'");
    expect(() => strptime("202002301200.00", "%Y%m%d%H%M.%S")).toThrow(/does not match/); // 30 February
  });
});
