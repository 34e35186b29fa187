// The keyboard map: which key does what, and when keys are left alone.
import { keyAction, SHORTCUTS, type KeyLike } from "./keyboard";

const key = (k: string, extra: Partial<KeyLike> = {}): KeyLike => ({
  key: k,
  shiftKey: false,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...extra,
});

describe("keyAction", () => {
  it.each([
    [" ", { type: "toggle-play" }],
    ["ArrowLeft", { type: "step", ms: -10_000 }],
    ["ArrowRight", { type: "step", ms: 10_000 }],
    ["+", { type: "zoom", direction: 1 }],
    ["=", { type: "zoom", direction: 1 }],
    ["-", { type: "zoom", direction: -1 }],
    ["[", { type: "mark-start" }],
    ["]", { type: "mark-end" }],
    [",", { type: "previous" }],
    [".", { type: "next" }],
    ["?", { type: "help" }],
    ["Escape", { type: "close" }],
  ])("%j", (k, action) => {
    expect(keyAction(key(k))).toEqual(action);
  });

  it("steps a minute with Shift", () => {
    expect(keyAction(key("ArrowLeft", { shiftKey: true }))).toEqual({ type: "step", ms: -60_000 });
    expect(keyAction(key("ArrowRight", { shiftKey: true }))).toEqual({ type: "step", ms: 60_000 });
  });

  it("leaves browser shortcuts and unknown keys alone", () => {
    expect(keyAction(key("ArrowLeft", { ctrlKey: true }))).toBeNull();
    expect(keyAction(key("[", { metaKey: true }))).toBeNull();
    expect(keyAction(key("a"))).toBeNull();
  });

  it("does not steal keys from fields, nor Space from buttons", () => {
    const input = document.createElement("input");
    const select = document.createElement("select");
    const button = document.createElement("button");
    expect(keyAction(key("ArrowLeft", { target: input }))).toBeNull();
    expect(keyAction(key(" ", { target: select }))).toBeNull();
    expect(keyAction(key(" ", { target: button }))).toBeNull();
    expect(keyAction(key("ArrowLeft", { target: button }))).toEqual({ type: "step", ms: -10_000 });
  });

  it("lists every shortcut in the help", () => {
    const keys = SHORTCUTS.map((s) => s.keys).join(" ");
    for (const k of ["Space", "←", "Shift", "+", "[", "]", ",", "."]) expect(keys).toContain(k);
  });
});
