// Which settings tabs exist, who sees them, and how the `/settings/*section` path maps onto them.
import type { Role } from "../auth/session";

export type TabId = "cameras" | "zones" | "rules" | "users" | "delivery" | "account" | "system";

export interface Tab {
  id: TabId;
  label: string;
  /** The least role that sees the tab. */
  role: Role;
}

export const TABS: readonly Tab[] = [
  { id: "cameras", label: "Cameras", role: "viewer" },
  { id: "zones", label: "Zones & lines", role: "admin" },
  { id: "rules", label: "Rules", role: "admin" },
  { id: "users", label: "Users", role: "admin" },
  { id: "delivery", label: "Delivery", role: "admin" },
  { id: "account", label: "My account", role: "viewer" },
  { id: "system", label: "System", role: "viewer" },
];

const ORDER: readonly Role[] = ["viewer", "operator", "admin"];

/** The tabs a role may open, in display order. */
export function visibleTabs(role: Role): Tab[] {
  return TABS.filter((tab) => ORDER.indexOf(role) >= ORDER.indexOf(tab.role));
}

/** A parsed section path: the tab and what follows it ("cameras/new" -> cameras, ["new"]). */
export interface Section {
  tab: TabId;
  rest: string[];
}

/** The section of a path; null when it is empty, or names a tab that is unknown or not for this
 * role (the page then sends the user to the first tab). */
export function parseSection(path: string | undefined, role: Role): Section | null {
  const parts = (path ?? "").split("/").filter((part) => part.length > 0).map(decodePart);
  const [first, ...rest] = parts;
  const tab = visibleTabs(role).find((candidate) => candidate.id === first);
  return tab ? { tab: tab.id, rest } : null;
}

function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part; // a malformed escape: keep it as typed
  }
}

/** The path of a section, e.g. sectionPath("cameras", "cam 1") -> "/settings/cameras/cam%201". */
export function sectionPath(tab: TabId, ...rest: string[]): string {
  return ["/settings", tab, ...rest.map(encodeURIComponent)].join("/");
}
