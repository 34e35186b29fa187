// A failure in words for the person at the screen: nothing while there is none, else an alert
// paragraph, led by what failed where `prefix` says it ("Cannot list cameras: …").
import { Show } from "solid-js";

interface Props {
  message: string | null | undefined;
  /** Text in front of the message, e.g. "Cannot list cameras: ". */
  prefix?: string;
  /** The smaller type, for an alert inside a control's row. */
  small?: boolean;
  testId?: string;
}

export default function ErrorAlert(props: Props) {
  return (
    <Show when={props.message}>
      <p class={props.small ? "error small" : "error"} role="alert" data-testid={props.testId}>
        {props.prefix}
        {props.message}
      </p>
    </Show>
  );
}
