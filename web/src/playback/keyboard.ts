// The playback page's keyboard shortcuts: one table for the handler and the help popover.
import { MINUTE } from "./time";

export type Action =
  | { type: "toggle-play" }
  | { type: "step"; ms: number }
  | { type: "zoom"; direction: 1 | -1 }
  | { type: "mark-start" }
  | { type: "mark-end" }
  | { type: "previous" }
  | { type: "next" }
  | { type: "help" }
  | { type: "close" };

/** What a key event carries that the map needs (a KeyboardEvent fits). */
export interface KeyLike {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  target?: EventTarget | null;
}

export const STEP_MS = 10_000;
export const BIG_STEP_MS = MINUTE;

/** Shown in the help popover, in this order. */
export const SHORTCUTS: ReadonlyArray<{ keys: string; what: string }> = [
  { keys: "Space", what: "Play / pause" },
  { keys: "← / →", what: "Back / forward 10 s" },
  { keys: "Shift + ← / →", what: "Back / forward 1 min" },
  { keys: "+ / −", what: "Zoom in / out" },
  { keys: "[ / ]", what: "Set export start / end at the cursor" },
  { keys: ", / .", what: "Previous / next event (or recording boundary)" },
  { keys: "Shift + drag", what: "Select an export range on the timeline" },
  { keys: "?", what: "Show / hide this help" },
  { keys: "Esc", what: "Close this help" },
];

/** Typing in a field (or using a select) must not trigger shortcuts. */
export function isTypingTarget(target: EventTarget | null | undefined): boolean {
  if (!target || typeof (target as Element).tagName !== "string") return false;
  const element = target as HTMLElement;
  const tag = element.tagName.toLowerCase();
  return tag === "input" || tag === "textarea" || tag === "select" || element.isContentEditable;
}

/** Space on a focused button or link activates it, as everywhere else. */
function activatesOnSpace(target: EventTarget | null | undefined): boolean {
  if (!target || typeof (target as Element).tagName !== "string") return false;
  const element = target as HTMLElement;
  const tag = element.tagName.toLowerCase();
  return tag === "button" || tag === "a" || element.getAttribute("role") === "button";
}

/** The action for a key press, or null when the page should leave the key alone. */
export function keyAction(event: KeyLike): Action | null {
  if (event.ctrlKey || event.metaKey || event.altKey || isTypingTarget(event.target)) return null;
  switch (event.key) {
    case " ":
    case "Spacebar":
      return activatesOnSpace(event.target) ? null : { type: "toggle-play" };
    case "ArrowLeft":
      return { type: "step", ms: -(event.shiftKey ? BIG_STEP_MS : STEP_MS) };
    case "ArrowRight":
      return { type: "step", ms: event.shiftKey ? BIG_STEP_MS : STEP_MS };
    case "+":
    case "=":
      return { type: "zoom", direction: 1 };
    case "-":
    case "_":
      return { type: "zoom", direction: -1 };
    case "[":
      return { type: "mark-start" };
    case "]":
      return { type: "mark-end" };
    case ",":
    case "<":
      return { type: "previous" };
    case ".":
    case ">":
      return { type: "next" };
    case "?":
      return { type: "help" };
    case "Escape":
      return { type: "close" };
    default:
      return null;
  }
}
