// The settings area: a side navigation (tabs on a phone) and the tab that `/settings/*section`
// names: cameras, zones, rules, users, delivery, my account or system. Tabs a role may not use are
// not shown.
import { A, Navigate, useParams } from "@solidjs/router";
import { createMemo, For, Match, Show, Switch } from "solid-js";
import { hasRole, session } from "../auth/session";
import AccountTab from "./users/AccountTab";
import CameraEditor from "./cameras/CameraEditor";
import CameraList from "./cameras/CameraList";
import DeliveryTab from "./delivery/DeliveryTab";
import RulesTab from "./rules/RulesTab";
import { parseSection, sectionPath, visibleTabs } from "./sections";
import SystemTab from "./system/SystemTab";
import UsersTab from "./users/UsersTab";
import ZonesTab from "./zones/ZonesTab";
import "./settings.css";

export default function SettingsPage() {
  const params = useParams<{ section?: string }>();
  const role = () => session()?.user.role ?? "viewer";
  const section = createMemo(() => parseSection(params.section, role()));

  return (
    <div class="settings">
      <nav class="settings-nav" aria-label="Settings">
        <For each={visibleTabs(role())}>
          {(tab) => (
            <A href={sectionPath(tab.id)} data-testid={`settings-tab-${tab.id}`}>
              {tab.label}
            </A>
          )}
        </For>
      </nav>
      <div class="settings-body">
        <Show when={section()} fallback={<Navigate href={sectionPath(visibleTabs(role())[0]?.id ?? "account")} />}>
          {(current) => <SectionView tab={current().tab} rest={current().rest} />}
        </Show>
      </div>
    </div>
  );
}

function SectionView(props: { tab: string; rest: string[] }) {
  const editId = () => (props.rest[0] === "edit" ? props.rest[1] : undefined);
  return (
    <Switch fallback={<p class="empty">This settings page does not exist.</p>}>
      <Match when={props.tab === "cameras" && props.rest.length === 0}>
        <CameraList />
      </Match>
      <Match when={props.tab === "cameras" && hasRole("admin") && props.rest.length === 1 && props.rest[0] === "new"}>
        <CameraEditor cameraId={null} />
      </Match>
      <Match when={props.tab === "cameras" && hasRole("admin") && props.rest.length === 2 && editId()} keyed>
        {(id) => <CameraEditor cameraId={id} />}
      </Match>
      <Match when={props.tab === "zones" && props.rest.length <= 1}>
        <ZonesTab cameraId={props.rest[0]} />
      </Match>
      <Match when={props.tab === "rules" && props.rest.length <= 1}>
        <RulesTab cameraId={props.rest[0]} />
      </Match>
      <Match when={props.tab === "users" && props.rest.length === 0}>
        <UsersTab />
      </Match>
      <Match when={props.tab === "delivery" && props.rest.length === 0}>
        <DeliveryTab />
      </Match>
      <Match when={props.tab === "account" && props.rest.length === 0}>
        <AccountTab />
      </Match>
      <Match when={props.tab === "system" && props.rest.length === 0}>
        <SystemTab />
      </Match>
    </Switch>
  );
}
