// Small inline SVG icons for the transport bar (no icon font, no emoji that a system may lack).
import { Match, Switch } from "solid-js";

export type IconName = "play" | "pause" | "previous" | "next" | "muted" | "sound";

export default function Icon(props: { name: IconName }) {
  const stroke = {
    stroke: "currentColor",
    "stroke-width": "2",
    fill: "none",
    "stroke-linecap": "round",
  } as const;
  return (
    <svg
      class="icon"
      viewBox="0 0 24 24"
      width="16"
      height="16"
      fill="currentColor"
      aria-hidden="true"
    >
      <Switch>
        <Match when={props.name === "play"}>
          <path d="M7 4.5v15l12.5-7.5z" />
        </Match>
        <Match when={props.name === "pause"}>
          <path d="M6 4.5h4v15H6zM14 4.5h4v15h-4z" />
        </Match>
        <Match when={props.name === "previous"}>
          <path d="M5 5h2.5v14H5zM9 12l10-7v14z" />
        </Match>
        <Match when={props.name === "next"}>
          <path d="M16.5 5H19v14h-2.5zM15 12L5 19V5z" />
        </Match>
        <Match when={props.name === "muted"}>
          <path d="M3 9v6h4l5 5V4L7 9z" />
          <path d="M16 9l5 6M21 9l-5 6" {...stroke} />
        </Match>
        <Match when={props.name === "sound"}>
          <path d="M3 9v6h4l5 5V4L7 9z" />
          <path d="M15.5 8.5a5 5 0 0 1 0 7M18.5 5.5a9 9 0 0 1 0 13" {...stroke} />
        </Match>
      </Switch>
    </svg>
  );
}
