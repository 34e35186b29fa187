// The Delivery tab (admins): each place events are delivered to (webhooks, from the config file's
// `events.webhooks`), its state and backlog, refreshed every 5 seconds and after each action.
import { Show } from "solid-js";
import ErrorAlert from "../../app/ErrorAlert";
import ItemTable from "../ItemTable";
import { createLoader } from "../loader";
import { listTargets } from "./deliveryApi";
import TargetRow from "./TargetRow";

export const REFRESH_MS = 5_000;

export default function DeliveryTab() {
  const targets = createLoader(listTargets, { refreshMs: REFRESH_MS });
  // ItemTable keys rows by `id`: a target's name is its id.
  const items = () => (targets.data() ?? []).map((target) => ({ ...target, id: target.name }));

  return (
    <section class="settings-section delivery" aria-labelledby="delivery-title">
      <div class="section-head">
        <h2 id="delivery-title">Event delivery</h2>
      </div>
      <p class="muted small">
        VMS sends each event change to these targets, in order, until they acknowledge it; a message it gave up on is
        a dead letter, kept until you retry or drop it. Targets are set in the config file.
      </p>
      <ErrorAlert prefix="Cannot list the delivery targets: " message={targets.error()} testId="delivery-error" />
      <Show
        when={targets.data()}
        fallback={
          <Show when={!targets.error()}>
            <p class="loading">Loading targets…</p>
          </Show>
        }
      >
        <Show when={items().length > 0} fallback={<NoTargets />}>
          {/* Rows keyed by name: the 5 s reloads keep an open list of dead letters and a notice. */}
          <ItemTable
            testId="delivery-targets"
            columns={[{ label: "Target" }, { label: "State" }, { label: "Messages" }, { label: "Since VMS started" }]}
            items={items()}
            row={(target) => <TargetRow target={target()} onChanged={() => void targets.reload()} />}
          />
        </Show>
      </Show>
    </section>
  );
}

function NoTargets() {
  return (
    <p class="empty" data-testid="delivery-empty">
      No delivery target is configured. Add your endpoints to <code>events.webhooks</code> in the config file and
      restart VMS; <code>docs/guide/webhooks.md</code> says what they receive and how to check the signature.
    </p>
  );
}
