import { parseSection, sectionPath, visibleTabs } from "./sections";

describe("visibleTabs", () => {
  it("hides zones, rules, users and delivery from everybody but admins", () => {
    expect(visibleTabs("viewer").map((tab) => tab.id)).toEqual(["cameras", "account", "system"]);
    expect(visibleTabs("operator").map((tab) => tab.id)).toEqual(["cameras", "account", "system"]);
    expect(visibleTabs("admin").map((tab) => tab.id)).toEqual(["cameras", "zones", "rules", "users", "delivery", "account", "system"]);
  });
});

describe("parseSection", () => {
  it("splits the tab from the rest", () => {
    expect(parseSection("cameras/edit/front-door", "admin")).toEqual({ tab: "cameras", rest: ["edit", "front-door"] });
    expect(parseSection("zones/", "admin")).toEqual({ tab: "zones", rest: [] });
  });

  it("decodes escaped parts and keeps malformed ones", () => {
    expect(parseSection("zones/a%20b", "admin")?.rest).toEqual(["a b"]);
    expect(parseSection("zones/%E0", "admin")?.rest).toEqual(["%E0"]);
  });

  it("refuses empty paths, unknown tabs and tabs above the role", () => {
    expect(parseSection("", "admin")).toBeNull();
    expect(parseSection(undefined, "admin")).toBeNull();
    expect(parseSection("nowhere", "admin")).toBeNull();
    expect(parseSection("users", "operator")).toBeNull();
    expect(parseSection("delivery", "operator")).toBeNull();
  });
});

describe("sectionPath", () => {
  it("escapes each part", () => {
    expect(sectionPath("cameras", "edit", "a/b")).toBe("/settings/cameras/edit/a%2Fb");
    expect(sectionPath("system")).toBe("/settings/system");
  });
});
