// Python's strftime directives, checked against values Python 3.11 gives for the same instant.
import { describe, expect, it } from "vitest";
import { strftime } from "../../src/playbook/strftime.js";

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
